package ccapisim

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var objectIDPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)

func TestCreatePortToPort(t *testing.T) {
	h := newHarness(t, Options{})
	c := h.create(p2pRequest("DEMO-L2-S2S"))
	if !objectIDPattern.MatchString(c.ID) {
		t.Errorf("id %q is not 24 lowercase hex digits", c.ID)
	}
	if c.Name != "DEMO-L2-S2S" || c.Type != "LAYER2" || c.Status != StatusCreating {
		t.Errorf("name/type/status = %s/%s/%s", c.Name, c.Type, c.Status)
	}
	if c.Speed.Value != 100 || c.Speed.Name != "100 Mbps" {
		t.Errorf("speed = %+v", c.Speed)
	}
	if c.SrcPortID != portHKG || c.DestPortID == nil || *c.DestPortID != portSIN || c.SrcCompany != "acme" || c.DestCompany != "acme" {
		t.Errorf("endpoints = %s -> %v (%s -> %s)", c.SrcPortID, c.DestPortID, c.SrcCompany, c.DestCompany)
	}
	if c.DestMetroID != metroSIN || c.DestDCF == nil || *c.DestDCF != dcfSIN01 || c.SrcRegionID != regionAP || c.DestRegionID != regionAP {
		t.Errorf("locations = %+v", c)
	}
	if c.ClassOfService != "SILVER" || c.PaymentType != "invoice" || c.Duration != 1 || c.DurationUnit != "m" || !c.Evergreen || c.ErrorReason != nil {
		t.Errorf("commercial terms = %+v", c)
	}
	wantTime := "2025-03-01T12:00:00.000Z"
	if c.CreatedAt != wantTime || c.UpdatedAt != wantTime {
		t.Errorf("timestamps = %s/%s, want %s", c.CreatedAt, c.UpdatedAt, wantTime)
	}
	if second := h.create(p2pRequest("DEMO-L2-S2S")); second.ID == c.ID {
		t.Error("two creations got the same id")
	}
}

func TestCreateBusinessToBusiness(t *testing.T) {
	h := newHarness(t, Options{})
	body := with(with(b2bRequest("DEMO-L2-B2B", "initech", metroLON), "destDcf", dcfLDN01), "destRegionId", regionEU)
	c := h.create(body)
	if c.Status != StatusPending || c.DestCompany != "initech" || c.SrcCompany != "acme" || c.DestPortID != nil {
		t.Errorf("connection = %+v", c)
	}
	if c.DestMetroID != metroLON || c.DestDCF == nil || *c.DestDCF != dcfLDN01 || c.DestRegionID != regionEU {
		t.Errorf("destination = %s %v %s", c.DestMetroID, c.DestDCF, c.DestRegionID)
	}
	// destRegionId and destDcf are optional; the metro's region is the default.
	c = h.create(with(with(b2bRequest("NO-REGION", "initech", metroLON), "destRegionId", nil), "destDcf", nil))
	if c.DestRegionID != regionEU || c.DestDCF != nil {
		t.Errorf("defaults: region %s dcf %v", c.DestRegionID, c.DestDCF)
	}
}

func TestCreateDefaultsAndIgnoresUnknownFields(t *testing.T) {
	h := newHarness(t, Options{})
	body := with(with(p2pRequest("DEFAULTS"), "classOfService", nil), "somethingNew", map[string]any{"x": 1})
	if c := h.create(body); c.ClassOfService != "SILVER" {
		t.Errorf("classOfService = %s, want SILVER by default", c.ClassOfService)
	}
}

func TestCreateValidation(t *testing.T) {
	p2p, b2b := p2pRequest("BAD"), b2bRequest("BAD", "globex", metroHKG)
	tests := []struct {
		name       string
		company    string
		body       any
		wantStatus int
		wantInMsg  string
	}{
		{"not json", "acme", "{name:", 400, "not valid JSON"},
		{"not an object", "acme", `[1,2]`, 400, "JSON object"},
		{"wrong field type", "acme", with(p2p, "speed", "100"), 400, "speed"},
		{"type missing", "acme", with(p2p, "type", nil), 400, "type"},
		{"type not LAYER2", "acme", with(p2p, "type", "LAYER3"), 400, "type must be LAYER2"},
		{"name empty", "acme", with(p2p, "name", ""), 400, "name"},
		{"name blank", "acme", with(p2p, "name", "   "), 400, "name"},
		{"portId missing", "acme", with(p2p, "portId", nil), 400, "portId"},
		{"speed missing", "acme", with(p2p, "speed", nil), 400, "speed"},
		{"speed zero", "acme", with(p2p, "speed", 0), 400, "speed"},
		{"speed negative", "acme", with(p2p, "speed", -10), 400, "speed"},
		{"speed fractional", "acme", with(p2p, "speed", 10.5), 400, "speed"},
		{"classOfService unknown", "acme", with(p2p, "classOfService", "PLATINUM"), 400, "classOfService"},
		{"paymentType creditcard", "acme", with(p2p, "paymentType", "creditcard"), 400,
			"paymentType creditcard is only supported via the Console Connect web application"},
		{"paymentType missing", "acme", with(p2p, "paymentType", nil), 400, "paymentType"},
		{"paymentType other", "acme", with(p2p, "paymentType", "cash"), 400, "paymentType must be invoice or plan"},
		{"durationUnit unknown", "acme", with(p2p, "durationUnit", "h"), 400, "durationUnit"},
		{"durationUnit missing", "acme", with(p2p, "durationUnit", nil), 400, "durationUnit"},
		{"duration zero", "acme", with(p2p, "duration", 0), 400, "duration"},
		{"duration missing", "acme", with(p2p, "duration", nil), 400, "duration"},
		{"unknown company", "nobody", p2p, 404, "A company can not be found with the given username"},
		{"unknown portId", "acme", with(p2p, "portId", "ffffffffffffffffffffffff"), 404, "A port can not be found with the given id"},
		{"portId of another company", "acme", with(p2p, "portId", portGlobex), 404, "A port can not be found"},
		{"source port disabled", "acme", with(p2p, "portId", portDisable), 400, "not ACTIVE"},
		{"source port without L2", "acme", with(p2p, "portId", portL3Only), 400, "Layer 2"},
		{"speed above remaining", "acme", with(p2p, "speed", 2000), 400, "speed 2000 exceeds remaining capacity 800 Mbps on port " + portHKG},
		{"dest port of another company", "acme", with(p2p, "destPortId", portGlobex), 400,
			"destination port " + portGlobex + " (destPortId) is not owned by company acme"},
		{"destCompany contradicts destPortId", "acme", with(p2p, "destCompany", "globex"), 400, "destCompany globex"},
		{"dest port unknown", "acme", with(p2p, "destPortId", "ffffffffffffffffffffffff"), 400, "destPortId"},
		{"dest port disabled", "acme", with(with(p2p, "destPortId", portDisable), "destMetroId", metroLON), 400, "not ACTIVE"},
		{"dest port is source port", "acme", with(with(p2p, "destPortId", portHKG), "destMetroId", metroHKG), 400, "destPortId"},
		{"destMetroId not the dest port's", "acme", with(p2p, "destMetroId", metroLON), 400, "destMetroId"},
		{"no destination at all", "acme", with(with(p2p, "destPortId", nil), "destCompany", nil), 400, "destCompany"},
		{"own company without destPortId", "acme", with(p2p, "destPortId", nil), 400, "destPortId"},
		{"b2b unknown destCompany", "acme", with(b2b, "destCompany", "nobody"), 404, "A company can not be found"},
		{"b2b destMetroId missing", "acme", with(b2b, "destMetroId", nil), 400, "destMetroId"},
		{"b2b metro without presence", "acme", with(b2b, "destMetroId", metroLON), 400, "destMetroId " + metroLON},
		{"b2b metro unknown", "acme", with(b2b, "destMetroId", "ffffffffffffffffffffffff"), 400, "destMetroId"},
		{"b2b metro without layer2", "acme", with(b2b, "destMetroId", metroSYD), 400, "does not support Layer 2"},
		{"b2b destDcf unknown", "acme", with(b2b, "destDcf", "ffffffffffffffffffffffff"), 400, "Invalid destDcf property"},
		{"b2b destDcf in another metro", "acme", with(b2b, "destDcf", dcfSIN01), 400, "Invalid destDcf property"},
		{"b2b destRegionId not of metro", "acme", with(b2b, "destRegionId", regionEU), 400, "destRegionId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			res := h.do(http.MethodPut, "/api/v2/company/"+tt.company+"/connections/layer2", tt.body)
			expectStatus(t, res, tt.wantStatus)
			got := mustJSON[loopbackErr](t, res)
			if got.Error.StatusCode != tt.wantStatus || got.Error.Name != "Error" || !strings.Contains(got.Error.Message, tt.wantInMsg) {
				t.Errorf("body = %s, want message containing %q", res.body, tt.wantInMsg)
			}
			if n := h.sim.ConnectionsCreated(tt.company, "BAD"); n != 0 {
				t.Errorf("rejected request created %d connections", n)
			}
			if r := h.remaining(portHKG); r != 800 {
				t.Errorf("rejected request changed remaining capacity to %d", r)
			}
		})
	}
}

func TestCreateReducesCapacity(t *testing.T) {
	h := newHarness(t, Options{})
	h.create(with(p2pRequest("A"), "speed", 300))
	if r := h.remaining(portHKG); r != 500 {
		t.Fatalf("remaining = %d, want 500", r)
	}
	h.create(with(b2bRequest("B", "initech", metroHKG), "speed", 500))
	if r := h.remaining(portHKG); r != 0 {
		t.Fatalf("remaining = %d, want 0", r)
	}
	res := h.do(http.MethodPut, "/api/v2/company/acme/connections/layer2", with(p2pRequest("C"), "speed", 1))
	expectStatus(t, res, http.StatusBadRequest)
	if !strings.Contains(string(res.body), "exceeds remaining capacity 0 Mbps") {
		t.Errorf("body = %s", res.body)
	}
	// Utilisation shows up as utilised too.
	small := with(with(p2pRequest("SMALL"), "portId", portSmall), "speed", 10)
	h.create(small)
	if r := h.remaining(portSmall); r != 0 {
		t.Errorf("ACME-HKG-SMALL remaining = %d, want 0", r)
	}
}

func TestCreateTimestampsFollowTheClock(t *testing.T) {
	h := newHarness(t, Options{})
	h.clock.Advance(90*time.Minute + 1234*time.Millisecond)
	c := h.create(p2pRequest("LATER"))
	if c.CreatedAt != "2025-03-01T13:30:01.234Z" {
		t.Fatalf("createdAt = %s", c.CreatedAt)
	}
}
