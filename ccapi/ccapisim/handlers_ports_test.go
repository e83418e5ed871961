package ccapisim

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

func TestListPortsShape(t *testing.T) {
	h := newHarness(t, Options{})
	res := h.do(http.MethodGet, "/api/company/acme/ports?deleted=false", nil)
	expectStatus(t, res, http.StatusOK)
	if ct := res.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	raw := mustJSON[struct {
		Results []map[string]any `json:"results"`
	}](t, res)
	if len(raw.Results) != 6 {
		t.Fatalf("%d acme ports, want 6", len(raw.Results))
	}
	first := raw.Results[0]
	for _, key := range []string{"dcpCompanyId", "locationId", "deletedAt"} {
		if v, ok := first[key]; !ok || v != nil {
			t.Errorf("%s = %v (present %v), want null", key, v, ok)
		}
	}
	if first["deleted"] != false || first["companyId"] != "5e1000000000000000000001" {
		t.Errorf("deleted/companyId = %v/%v", first["deleted"], first["companyId"])
	}

	typed := mustJSON[struct {
		Results []struct {
			ID, Name, Status, MetroID string
			DataCenterFacilityID      string `json:"dataCenterFacilityId"`
			Speed                     struct {
				Value int
				Name  string
			}
			SupportedServices []string
			Capacity          struct{ Total, Utilised, Remaining int }
			VLANRanges        []VLANRange `json:"vlanRanges"`
			Metro             struct {
				ID, Name, Code string
				RegionIDs      []string `json:"regionIds"`
			}
			Connections []struct {
				ID, Name, Status, Type string
				Speed                  int // a bare number here, unlike elsewhere
				SrcConfigTag           *string
				TypeFriendly           string
			}
		}
	}](t, res)
	p := typed.Results[0]
	if p.ID != portHKG || p.Name != "ACME-HKG-01" || p.Status != "ACTIVE" || p.MetroID != metroHKG || p.DataCenterFacilityID != dcfHKG05 {
		t.Errorf("port identity = %+v", p)
	}
	if p.Speed.Value != 1000 || p.Speed.Name != "1000 Mbps" {
		t.Errorf("speed = %+v", p.Speed)
	}
	if p.Capacity.Total != 1000 || p.Capacity.Utilised != 200 || p.Capacity.Remaining != 800 {
		t.Errorf("capacity = %+v", p.Capacity)
	}
	if !slices.Equal(p.SupportedServices, []string{"L2"}) || len(p.VLANRanges) != 1 || p.VLANRanges[0] != (VLANRange{1000, 1010}) {
		t.Errorf("services/vlans = %v %v", p.SupportedServices, p.VLANRanges)
	}
	if p.Metro.ID != metroHKG || p.Metro.Code != "HKG" || p.Metro.Name != "Hong Kong" || len(p.Metro.RegionIDs) != 1 {
		t.Errorf("metro = %+v", p.Metro)
	}
	if len(p.Connections) != 1 || p.Connections[0].ID != legacyConn || p.Connections[0].Speed != 200 ||
		p.Connections[0].Type != "LAYER2" || p.Connections[0].Status != "ACTIVE" {
		t.Errorf("connections = %+v", p.Connections)
	}
	// The destination side lists the connection too.
	if sin := typed.Results[1]; sin.ID != portSIN || len(sin.Connections) != 1 {
		t.Errorf("ACME-SIN-01 connections = %+v", sin.Connections)
	}
	if l3 := typed.Results[4]; l3.Connections == nil || len(l3.Connections) != 0 {
		t.Errorf("port without connections should list [] not null")
	}
}

func TestListPortsHidesDeletedConnections(t *testing.T) {
	h := newHarness(t, Options{})
	expectStatus(t, h.do(http.MethodDelete, "/api/v2/company/acme/connections/"+legacyConn, nil), http.StatusOK)
	res := h.do(http.MethodGet, "/api/company/acme/ports", nil)
	ports := mustJSON[struct {
		Results []struct {
			Connections []any `json:"connections"`
		} `json:"results"`
	}](t, res)
	if n := len(ports.Results[0].Connections); n != 0 {
		t.Fatalf("deleted connection still listed on the port (%d)", n)
	}
}

func TestCompanyEndpointsUnknownCompany(t *testing.T) {
	h := newHarness(t, Options{})
	for _, path := range []string{
		"/api/company/nobody/ports",
		"/api/company/nobody/metro/capabilities",
		"/api/v2/company/nobody/connections",
		"/api/v2/company/nobody/connections/" + legacyConn,
	} {
		res := h.do(http.MethodGet, path, nil)
		expectStatus(t, res, http.StatusNotFound)
		got := mustJSON[loopbackErr](t, res)
		if got.Error.StatusCode != 404 || got.Error.Name != "Error" || got.Error.Message != "A company can not be found with the given username" {
			t.Errorf("%s: body %s", path, res.body)
		}
	}
}

func TestMetroCapabilities(t *testing.T) {
	h := newHarness(t, Options{})
	type capability struct {
		ID, Name, Code, Country string
		Logo                    *string
		RegionIDs               []string `json:"regionIds"`
		Ready                   bool
		DeletedAt               *string
		CreatedAt               string
		Capabilities            struct{ Layer2 bool }
		FirstDCF                *string `json:"firstDataCenterFacilityIdInMetro"`
	}
	tests := []struct {
		company    string
		wantCodes  []string
		wantLayer2 []bool
	}{
		{"acme", []string{"HKG", "SIN", "LON"}, []bool{true, true, true}},
		{"globex", []string{"HKG", "SIN", "SYD"}, []bool{true, true, false}},
		{"umbrella", []string{"HKG"}, []bool{true}},
	}
	for _, tt := range tests {
		t.Run(tt.company, func(t *testing.T) {
			res := h.do(http.MethodGet, "/api/company/"+tt.company+"/metro/capabilities", nil)
			expectStatus(t, res, http.StatusOK)
			got := mustJSON[struct{ Results []capability }](t, res)
			var codes []string
			var layer2 []bool
			for _, m := range got.Results {
				codes, layer2 = append(codes, m.Code), append(layer2, m.Capabilities.Layer2)
				if m.ID == "" || m.Logo != nil || m.DeletedAt != nil || !m.Ready || m.CreatedAt == "" || len(m.RegionIDs) == 0 || m.FirstDCF == nil {
					t.Errorf("metro %s incomplete: %+v", m.Code, m)
				}
			}
			if !slices.Equal(codes, tt.wantCodes) || !slices.Equal(layer2, tt.wantLayer2) {
				t.Errorf("metros = %v layer2 %v, want %v %v", codes, layer2, tt.wantCodes, tt.wantLayer2)
			}
			if got.Results[0].FirstDCF == nil || *got.Results[0].FirstDCF != dcfHKG05 {
				t.Errorf("first HKG DCF = %v, want %s", got.Results[0].FirstDCF, dcfHKG05)
			}
		})
	}
}

// A port lists the connections at either of its ends, and no others, in
// the listing order (oldest first, ties by id) whatever order the fixture
// and the PUTs add them in.
func TestPortListsItsConnectionsOldestFirst(t *testing.T) {
	fx := DefaultFixture()
	for _, c := range []struct {
		id, src, dest string
		age           time.Duration
	}{
		{"6c1000000000000000000003", portHKG, portSIN, 1 * time.Hour},
		{"6c1000000000000000000001", portSIN, portHKG, 3 * time.Hour},
		{"6c1000000000000000000004", portSIN, "", 2 * time.Hour}, // not on portHKG
		{"6c1000000000000000000002", portHKG, "", 3 * time.Hour}, // ties with ...01: by id
	} {
		fx.Connections = append(fx.Connections, Connection{
			ID: c.id, Name: "ORDERED-" + c.id[len(c.id)-1:], Company: "acme", SrcPortID: c.src, DestPortID: c.dest,
			SpeedMbps: 10, Status: StatusActive, CreatedAt: epoch.Add(-c.age),
		})
	}
	h := newHarnessWithFixture(t, fx, Options{})
	created := h.create(with(p2pRequest("NEWEST"), "speed", 10))

	want := []string{legacyConn, "6c1000000000000000000001", "6c1000000000000000000002", "6c1000000000000000000003", created.ID}
	port := mustJSON[struct{ Connections []struct{ ID string } }](t, h.do(http.MethodGet, "/api/company/acme/ports/"+portHKG, nil))
	listed := mustJSON[struct{ Results []struct{ ID string } }](t, h.do(http.MethodGet, "/api/company/acme/ports/"+portHKG+"/connections", nil))
	for name, got := range map[string][]struct{ ID string }{"port": port.Connections, "port connections": listed.Results} {
		var ids []string
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s lists %v, want %v", name, ids, want)
		}
	}
}

// BenchmarkGetBusyPort reads a port with 5,000 connections, as the bench's
// orders do (go test -run - -bench BusyPort ./ccapi/ccapisim).
func BenchmarkGetBusyPort(b *testing.B) {
	fx := DefaultFixture()
	for i := range 5000 {
		fx.Connections = append(fx.Connections, Connection{
			ID: fmt.Sprintf("6d%022x", i), Name: fmt.Sprintf("EXISTING-%d", i), Company: "acme", SrcPortID: portHKG,
			SpeedMbps: 1, Status: StatusActive, CreatedAt: epoch.Add(-time.Duration(i) * time.Second),
		})
	}
	sim := New(fx, Options{APIKey: testKey, Now: func() time.Time { return epoch }})
	req := httptest.NewRequest(http.MethodGet, "/api/company/acme/ports/"+portHKG, nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	for b.Loop() {
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}
