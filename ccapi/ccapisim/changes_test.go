package ccapisim

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// Company ids of the fixture, as change request approvals show them.
const (
	acmeID    = "5e1000000000000000000001"
	initechID = "5e1000000000000000000003"
)

func updatePath(company, id string) string {
	return "/api/v2/company/" + company + "/connections/" + id
}

func changePath(company, id string) string {
	return "/api/company/" + company + "/connections/" + id + "/change"
}

// pendingB2B is a 100 Mbps request from ACME HKG to initech, which never
// answers by itself: 700 Mbps stay on the port.
func pendingB2B(h *harness) string {
	h.t.Helper()
	return h.create(b2bRequest("B2B", "initech", metroHKG)).ID
}

// activeB2B is pendingB2B, approved by initech and activated.
func activeB2B(h *harness) string {
	h.t.Helper()
	id := pendingB2B(h)
	expectStatus(h.t, h.do(http.MethodPut, "/api/v2/company/initech/connections/"+id+"/approve", nil), http.StatusOK)
	h.clock.Advance(10 * time.Second)
	if got := h.get("acme", id); got.Status != StatusActive {
		h.t.Fatalf("setup: status %s, want ACTIVE", got.Status)
	}
	return id
}

// errorMessage is the message of an error answer in any of the API's shapes.
func errorMessage(t *testing.T, res response) string {
	t.Helper()
	// LoopBack's {"error":{"message"}} or {"message"} (403, codeMessage).
	body := mustJSON[struct {
		Error   struct{ Message string }
		Message string
	}](t, res)
	return body.Error.Message + body.Message
}

func TestUpdateConnection(t *testing.T) {
	legacy := func(*harness) string { return legacyConn }
	deleted := func(h *harness) string {
		id := h.create(p2pRequest("GONE")).ID
		expectStatus(t, h.do(http.MethodDelete, updatePath("acme", id), nil), http.StatusOK)
		return id
	}
	cancelled := func(h *harness) string {
		id := pendingB2B(h)
		expectStatus(t, h.do(http.MethodDelete, updatePath("acme", id), nil), http.StatusOK)
		return id
	}
	denied := func(h *harness) string {
		id := pendingB2B(h)
		expectStatus(t, h.do(http.MethodPut, "/api/v2/company/initech/connections/"+id+"/reject", nil), http.StatusOK)
		return id
	}
	tests := []struct {
		name    string
		setup   func(h *harness) string
		company string
		body    any
		// After the call: its status, a part of its error message, the
		// connection's speed and name (0 and "": not checked) and what
		// remains on ACME HKG.
		wantStatus    int
		wantMessage   string
		wantSpeed     int
		wantName      string
		wantRemaining int
	}{
		{"self-connection faster", legacy, "acme", `{"speed":500}`, 200, "", 500, "LEGACY-HKG-SIN", 500},
		{"self-connection to the whole port", legacy, "acme", `{"speed":1000}`, 200, "", 1000, "", 0},
		{"self-connection past the port", legacy, "acme", `{"speed":1001}`, 400,
			"speed 1001 exceeds remaining capacity 800 Mbps on port " + portHKG, 200, "", 800},
		{"self-connection slower", legacy, "acme", `{"speed":50}`, 200, "", 50, "", 950},
		{"rename", legacy, "acme", `{"name":"RENAMED"}`, 200, "", 200, "RENAMED", 800},
		{"speed and name", legacy, "acme", `{"speed":300,"name":"BOTH"}`, 200, "", 300, "BOTH", 700},
		{"the same speed", legacy, "acme", `{"speed":200}`, 200, "", 200, "", 800},
		{"unknown fields are ignored", legacy, "acme", `{"speed":300,"untagged":true}`, 200, "", 300, "", 700},
		{"a pending request takes any speed", pendingB2B, "acme", `{"speed":800}`, 200, "", 800, "", 0},
		{"a pending request within the port only", pendingB2B, "acme", `{"speed":801}`, 400, "exceeds remaining capacity 700", 100, "", 700},
		{"to another company, slower", activeB2B, "acme", `{"speed":40}`, 200, "", 40, "", 760},
		{"to another company, faster", activeB2B, "acme", `{"speed":150}`, 400, "needs a change request", 100, "", 700},
		{"the destination may not update", activeB2B, "initech", `{"speed":40}`, 403, "You are not authorized to do that.", 100, "", 700},
		{"an unrelated company does not see it", activeB2B, "globex", `{"speed":40}`, 404, "Connection not found", 100, "", 700},
		{"unknown connection", func(*harness) string { return "ffffffffffffffffffffffff" }, "acme", `{"speed":300}`, 404, "Connection not found", 0, "", 800},
		{"unknown company", legacy, "nobody", `{"speed":300}`, 404, "company", 200, "", 800},
		{"deleted", deleted, "acme", `{"speed":50}`, 404, "Connection not found", 100, "", 800},
		{"cancelled", cancelled, "acme", `{"speed":50}`, 404, "Connection not found", 100, "", 800},
		{"denied: its speed no longer changes", denied, "acme", `{"speed":50}`, 400, "is DENIED", 100, "", 800},
		{"denied: its name still does", denied, "acme", `{"name":"REFUSED"}`, 200, "", 100, "REFUSED", 800},
		{"zero speed", legacy, "acme", `{"speed":0}`, 400, "positive whole number", 200, "", 800},
		{"negative speed", legacy, "acme", `{"speed":-5}`, 400, "positive whole number", 200, "", 800},
		{"fractional speed", legacy, "acme", `{"speed":250.5}`, 400, "positive whole number", 200, "", 800},
		{"speed as a string", legacy, "acme", `{"speed":"300"}`, 400, "wrong type", 200, "", 800},
		{"empty name", legacy, "acme", `{"name":"  "}`, 400, "name must not be empty", 200, "LEGACY-HKG-SIN", 800},
		{"nothing to update", legacy, "acme", `{}`, 400, "speed or name is required", 200, "", 800},
		{"not JSON", legacy, "acme", `speed=300`, 400, "not valid JSON", 200, "", 800},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			id := tt.setup(h)
			res := h.do(http.MethodPost, updatePath(tt.company, id), tt.body)
			expectStatus(t, res, tt.wantStatus)
			if tt.wantStatus == http.StatusOK {
				got := mustJSON[wireConnection](t, res)
				if got.ID != id || got.Speed.Value != tt.wantSpeed || got.Request != nil {
					t.Errorf("answered %+v", got)
				}
			} else if msg := errorMessage(t, res); !strings.Contains(msg, tt.wantMessage) {
				t.Errorf("message %q, want it to contain %q", msg, tt.wantMessage)
			}
			if tt.wantSpeed != 0 {
				got := h.get("acme", id)
				if got.Speed.Value != tt.wantSpeed || (tt.wantName != "" && got.Name != tt.wantName) {
					t.Errorf("connection is %d Mbps named %q, want %d Mbps named %q", got.Speed.Value, got.Name, tt.wantSpeed, tt.wantName)
				}
			}
			if r := h.remaining(portHKG); r != tt.wantRemaining {
				t.Errorf("remaining = %d, want %d", r, tt.wantRemaining)
			}
		})
	}
}

func TestUpdateAnswersTheConnectionModel(t *testing.T) {
	h := newHarness(t, Options{})
	h.clock.Advance(time.Minute)
	res := h.do(http.MethodPost, updatePath("acme", legacyConn), map[string]any{"speed": 300})
	expectStatus(t, res, http.StatusOK)
	got := mustJSON[wireConnection](t, res)
	if got.Speed.Value != 300 || got.Speed.Name != "300 Mbps" || got.SrcCompany != "acme" || got.DestCompany != "acme" ||
		got.Status != StatusActive || got.UpdatedAt != "2025-03-01T12:01:00.000Z" || got.Type != "LAYER2" {
		t.Fatalf("answered %+v", got)
	}
	if strings.Contains(string(res.body), `"request"`) {
		t.Errorf("a connection that never had a change request shows one: %s", res.body)
	}
}

// changeStep is one call in a change request's life, and what the
// connection looks like after it.
type changeStep struct {
	as     string // the calling company; unused by the partner* actions
	action string // request, requestNoSpeed, approve, cancel, update, delete, partnerApprove, partnerReject
	speed  int

	wantStatus  int
	wantMessage string // part of the error message
	speedAfter  int    // the connection's speed
	// requestAfter is the change request's status ("" for none) and
	// approvalsAfter which sides approved it: "src", "dest", "both" or
	// "none"; "" does not check.
	requestAfter   string
	approvalsAfter string
	remainingAfter int // on ACME HKG
}

// run sends the step's call on connection id.
func (st changeStep) run(h *harness, id string) response {
	h.t.Helper()
	speedBody := map[string]any{"speed": st.speed}
	switch st.action {
	case "request":
		return h.do(http.MethodPut, changePath(st.as, id), speedBody)
	case "requestNoSpeed":
		return h.do(http.MethodPut, changePath(st.as, id), `{}`)
	case "approve":
		return h.do(http.MethodPut, changePath(st.as, id)+"/approve", nil)
	case "cancel":
		return h.do(http.MethodDelete, changePath(st.as, id), nil)
	case "update":
		return h.do(http.MethodPost, updatePath(st.as, id), speedBody)
	case "delete":
		return h.do(http.MethodDelete, updatePath(st.as, id), nil)
	case "partnerApprove":
		if st.speed == 0 {
			return h.do(http.MethodPut, "/_sim/connections/"+id+"/change/approve", nil)
		}
		return h.do(http.MethodPut, "/_sim/connections/"+id+"/change/approve", speedBody)
	case "partnerReject":
		return h.do(http.MethodPut, "/_sim/connections/"+id+"/change/reject", nil)
	}
	h.t.Fatalf("unknown action %q", st.action)
	return response{}
}

func approvalsOf(r *wireChangeRequest) string {
	src, dest := derefOr(r.SrcApproval, ""), derefOr(r.DestApproval, "")
	switch {
	case src == acmeID && dest == initechID:
		return "both"
	case src == acmeID && dest == "":
		return "src"
	case src == "" && dest == initechID:
		return "dest"
	case src == "" && dest == "":
		return "none"
	}
	return "srcApproval " + src + ", destApproval " + dest
}

// Every flow starts from activeB2B: 100 Mbps from ACME HKG to initech,
// 700 Mbps left on the port.
func TestChangeRequests(t *testing.T) {
	tests := []struct {
		name  string
		steps []changeStep
	}{
		{"the other party approves an increase", []changeStep{
			{"acme", "request", 300, 200, "", 100, ChangePending, "src", 500}, // 200 more reserved at once
			{"initech", "approve", 0, 200, "", 300, ChangeApproved, "both", 500},
		}},
		{"the requester withdraws it", []changeStep{
			{"acme", "request", 300, 200, "", 100, ChangePending, "src", 500},
			{"acme", "cancel", 0, 200, "", 100, ChangeWithdrawn, "src", 700},
		}},
		{"the other party rejects it", []changeStep{
			{"acme", "request", 300, 200, "", 100, ChangePending, "src", 500},
			{"initech", "cancel", 0, 200, "", 100, ChangeRejected, "src", 700},
		}},
		{"the destination asks, the source approves", []changeStep{
			{"initech", "request", 250, 200, "", 100, ChangePending, "dest", 550},
			{"acme", "approve", 0, 200, "", 250, ChangeApproved, "both", 550},
		}},
		{"the destination asks and withdraws", []changeStep{
			{"initech", "request", 250, 200, "", 100, ChangePending, "dest", 550},
			{"initech", "cancel", 0, 200, "", 100, ChangeWithdrawn, "dest", 700},
		}},
		{"the other party lowers it, the requester approves", []changeStep{
			{"acme", "request", 500, 200, "", 100, ChangePending, "src", 300},
			{"initech", "request", 300, 200, "", 100, ChangePending, "dest", 500},
			{"acme", "approve", 0, 200, "", 300, ChangeApproved, "both", 500},
		}},
		{"the requester lowers what the other party approved: applied", []changeStep{
			{"acme", "request", 500, 200, "", 100, ChangePending, "src", 300},
			{"initech", "request", 300, 200, "", 100, ChangePending, "dest", 500},
			{"acme", "request", 250, 200, "", 250, ChangeApproved, "both", 550},
		}},
		{"the requester raises what the other party approved: pending again", []changeStep{
			{"acme", "request", 500, 200, "", 100, ChangePending, "src", 300},
			{"initech", "request", 300, 200, "", 100, ChangePending, "dest", 500},
			{"acme", "request", 400, 200, "", 100, ChangePending, "src", 400},
		}},
		{"after a modification the requester still withdraws", []changeStep{
			{"acme", "request", 500, 200, "", 100, ChangePending, "src", 300},
			{"initech", "request", 300, 200, "", 100, ChangePending, "dest", 500},
			{"acme", "cancel", 0, 200, "", 100, ChangeWithdrawn, "", 700},
		}},
		{"the requester replaces it", []changeStep{
			{"acme", "request", 500, 200, "", 100, ChangePending, "src", 300},
			{"acme", "request", 200, 200, "", 100, ChangePending, "src", 600},
		}},
		{"a decrease reserves nothing", []changeStep{
			{"acme", "request", 50, 200, "", 100, ChangePending, "src", 700},
			{"initech", "approve", 0, 200, "", 50, ChangeApproved, "both", 750},
		}},
		{"accepted at a lower speed through the control route", []changeStep{
			{"acme", "request", 500, 200, "", 100, ChangePending, "src", 300},
			{"", "partnerApprove", 300, 200, "", 300, ChangeApproved, "both", 500},
		}},
		{"accepted as asked through the control route", []changeStep{
			{"acme", "request", 500, 200, "", 100, ChangePending, "src", 300},
			{"", "partnerApprove", 0, 200, "", 500, ChangeApproved, "both", 300},
		}},
		{"the control route approves for whichever party it waits for", []changeStep{
			{"initech", "request", 250, 200, "", 100, ChangePending, "dest", 550},
			{"", "partnerApprove", 200, 200, "", 200, ChangeApproved, "both", 600},
		}},
		{"the control route cannot accept more than asked", []changeStep{
			{"acme", "request", 500, 200, "", 100, ChangePending, "src", 300},
			{"", "partnerApprove", 600, 400, "above the 500 Mbps", 100, ChangePending, "src", 300},
		}},
		{"the control route rejects", []changeStep{
			{"acme", "request", 500, 200, "", 100, ChangePending, "src", 300},
			{"", "partnerReject", 0, 200, "", 100, ChangeRejected, "src", 700},
		}},
		{"the whole port and not a megabit more", []changeStep{
			{"acme", "request", 801, 400, "exceeds remaining capacity 700 Mbps", 100, "", "", 700},
			{"acme", "request", 800, 200, "", 100, ChangePending, "src", 0},
			{"initech", "request", 801, 400, "exceeds remaining capacity 0 Mbps", 100, ChangePending, "src", 0},
			{"initech", "approve", 0, 200, "", 800, ChangeApproved, "both", 0},
		}},
		{"a new request after an ended one", []changeStep{
			{"acme", "request", 300, 200, "", 100, ChangePending, "src", 500},
			{"initech", "cancel", 0, 200, "", 100, ChangeRejected, "src", 700},
			{"initech", "request", 400, 200, "", 100, ChangePending, "dest", 400},
		}},
		{"slowed down while a change is pending", []changeStep{
			{"acme", "request", 500, 200, "", 100, ChangePending, "src", 300},
			{"acme", "update", 50, 200, "", 50, ChangePending, "src", 300}, // the reservation covers the difference
			{"initech", "approve", 0, 200, "", 500, ChangeApproved, "both", 300},
		}},
		{"deleted while a change is pending", []changeStep{
			{"acme", "request", 500, 200, "", 100, ChangePending, "src", 300},
			{"acme", "delete", 0, 200, "", 100, ChangeWithdrawn, "src", 800},
			{"initech", "approve", 0, 404, "Connection not found", 100, ChangeWithdrawn, "src", 800},
		}},
		{"nothing to approve", []changeStep{
			{"initech", "approve", 0, 400, "has no pending change request", 100, "", "", 700},
		}},
		{"nothing to cancel", []changeStep{
			{"acme", "cancel", 0, 400, "has no pending change request", 100, "", "", 700},
		}},
		{"nothing to decide for the control route", []changeStep{
			{"", "partnerReject", 0, 400, "has no pending change request", 100, "", "", 700},
		}},
		{"the requester cannot approve its own request", []changeStep{
			{"acme", "request", 300, 200, "", 100, ChangePending, "src", 500},
			{"acme", "approve", 0, 400, "already approved", 100, ChangePending, "src", 500},
		}},
		{"an ended request cannot be approved", []changeStep{
			{"acme", "request", 300, 200, "", 100, ChangePending, "src", 500},
			{"acme", "cancel", 0, 200, "", 100, ChangeWithdrawn, "src", 700},
			{"initech", "approve", 0, 400, "the last one is WITHDRAWN", 100, ChangeWithdrawn, "src", 700},
			{"initech", "cancel", 0, 400, "the last one is WITHDRAWN", 100, ChangeWithdrawn, "src", 700},
		}},
		{"the speed it already has", []changeStep{
			{"acme", "request", 100, 400, "already runs at 100 Mbps", 100, "", "", 700},
		}},
		{"no speed", []changeStep{
			{"acme", "requestNoSpeed", 0, 400, "speed is a required argument", 100, "", "", 700},
		}},
		{"not a speed", []changeStep{
			{"acme", "request", -1, 400, "positive whole number", 100, "", "", 700},
		}},
		{"an unrelated company does not see it", []changeStep{
			{"globex", "request", 300, 404, "Connection not found", 100, "", "", 700},
			{"globex", "approve", 0, 404, "Connection not found", 100, "", "", 700},
			{"globex", "cancel", 0, 404, "Connection not found", 100, "", "", 700},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			id := activeB2B(h)
			for i, st := range tt.steps {
				h.clock.Advance(time.Second) // less than an automatic partner's delay; initech has none anyway
				res := st.run(h, id)
				if res.status != st.wantStatus {
					t.Fatalf("step %d (%s %s %d): status %d, want %d; body %s", i, st.as, st.action, st.speed, res.status, st.wantStatus, res.body)
				}
				if st.wantMessage != "" {
					if msg := errorMessage(t, res); !strings.Contains(msg, st.wantMessage) {
						t.Errorf("step %d: message %q, want it to contain %q", i, msg, st.wantMessage)
					}
				}
				got := h.get("acme", id)
				if got.Speed.Value != st.speedAfter {
					t.Errorf("step %d: speed %d, want %d", i, got.Speed.Value, st.speedAfter)
				}
				switch {
				case st.requestAfter == "" && got.Request != nil:
					t.Errorf("step %d: request %+v, want none", i, *got.Request)
				case st.requestAfter != "" && got.Request == nil:
					t.Errorf("step %d: no request, want %s", i, st.requestAfter)
				case got.Request != nil && got.Request.Status != st.requestAfter:
					t.Errorf("step %d: request %s, want %s", i, got.Request.Status, st.requestAfter)
				case got.Request != nil && st.approvalsAfter != "" && approvalsOf(got.Request) != st.approvalsAfter:
					t.Errorf("step %d: approvals %s, want %s", i, approvalsOf(got.Request), st.approvalsAfter)
				}
				if r := h.remaining(portHKG); r != st.remainingAfter {
					t.Errorf("step %d: remaining %d, want %d", i, r, st.remainingAfter)
				}
			}
		})
	}
}

// Change requests are for connections that have another party to agree,
// once they are up.
func TestChangeRequestNeedsAnActiveConnectionToAnotherCompany(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(h *harness) string
		wantStatus  int
		wantMessage string
	}{
		{"self-connection", func(*harness) string { return legacyConn }, 400, "update it directly"},
		{"pending request", pendingB2B, 400, "is not ACTIVE (status PENDING)"},
		{"accepted, not yet active", func(h *harness) string {
			id := pendingB2B(h)
			expectStatus(t, h.do(http.MethodPut, "/api/v2/company/initech/connections/"+id+"/approve", nil), http.StatusOK)
			return id
		}, 400, "is not ACTIVE (status ACCEPTED)"},
		{"deleted", func(h *harness) string {
			id := activeB2B(h)
			expectStatus(t, h.do(http.MethodDelete, updatePath("acme", id), nil), http.StatusOK)
			return id
		}, 404, "Connection not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			id := tt.setup(h)
			before := h.remaining(portHKG)
			res := h.do(http.MethodPut, changePath("acme", id), map[string]any{"speed": 150})
			expectStatus(t, res, tt.wantStatus)
			if msg := errorMessage(t, res); !strings.Contains(msg, tt.wantMessage) {
				t.Errorf("message %q, want it to contain %q", msg, tt.wantMessage)
			}
			if got := h.get("acme", id); got.Request != nil {
				t.Errorf("request %+v after a refusal", *got.Request)
			}
			if r := h.remaining(portHKG); r != before {
				t.Errorf("remaining %d, want %d", r, before)
			}
		})
	}
}

func TestChangeRequestJSON(t *testing.T) {
	h := newHarness(t, Options{})
	id := activeB2B(h) // 12:00:10
	h.clock.Advance(5 * time.Second)
	res := h.do(http.MethodPut, changePath("initech", id), map[string]any{"speed": 300})
	expectStatus(t, res, http.StatusOK)
	want := `"request":{"status":"PENDING","speed":300,"srcApproval":null,"destApproval":"` + initechID +
		`","updatedAt":"2025-03-01T12:00:15.000Z"}`
	if !strings.Contains(string(res.body), want) {
		t.Fatalf("answer %s, want it to contain %s", res.body, want)
	}
	got := mustJSON[wireConnection](t, res)
	if got.Speed.Value != 100 || got.UpdatedAt != "2025-03-01T12:00:15.000Z" || got.SrcCompany != "acme" || got.DestCompany != "initech" {
		t.Errorf("connection %+v", got)
	}
	// Both parties and every reading endpoint see it.
	page := mustJSON[connectionPage](t, h.do(http.MethodGet, "/api/v2/company/acme/connections?status=ACTIVE", nil))
	for _, c := range page.Results {
		if c.ID == id && (c.Request == nil || c.Request.Speed != 300) {
			t.Errorf("listed with request %+v", c.Request)
		}
	}
	if seen := h.get("initech", id); seen.Request == nil || seen.Request.Status != ChangePending {
		t.Errorf("initech sees request %+v", seen.Request)
	}
}

// A fixture with ACTIVE connections from ACME SIN to every partner
// policy: globex approves, umbrella rejects, initech never answers.
func partnersFixture() (*Fixture, map[string]string) {
	fx := DefaultFixture()
	ids := map[string]string{}
	for i, company := range []string{"globex", "umbrella", "initech"} {
		id := "6b100000000000000000000" + string(rune('1'+i))
		ids[company] = id
		fx.Connections = append(fx.Connections, Connection{
			ID: id, Name: "TO-" + strings.ToUpper(company), Company: "acme", SrcPortID: portSIN, DestCompany: company,
			SpeedMbps: 100, Status: StatusActive, CreatedAt: epoch.Add(-time.Hour),
		})
	}
	for i := range fx.Ports {
		if fx.Ports[i].ID == portSIN {
			fx.Ports[i].Utilised += 300
		}
	}
	return fx, ids
}

// Automatic partners decide change requests by the policy and after the
// delay with which they decide connection requests (5s in the harness).
func TestAutomaticPartnersDecideChangeRequests(t *testing.T) {
	tests := []struct {
		name, partner, requester string
		want                     string // the request's status after the delay
		wantSpeed, wantRemaining int
	}{
		{"an approving partner", "globex", "acme", ChangeApproved, 300, 9500},
		{"a rejecting partner", "umbrella", "acme", ChangeRejected, 100, 9700},
		{"a partner that never answers", "initech", "acme", ChangePending, 100, 9500},
		{"a request waiting for a company without a policy", "globex", "globex", ChangePending, 100, 9500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx, ids := partnersFixture()
			h := newHarnessWithFixture(t, fx, Options{})
			id := ids[tt.partner]
			expectStatus(t, h.do(http.MethodPut, changePath(tt.requester, id), map[string]any{"speed": 300}), http.StatusOK)
			remainingSIN := func() int {
				t.Helper()
				p := mustJSON[struct{ Capacity capacityJSON }](t, h.do(http.MethodGet, "/api/company/acme/ports/"+portSIN, nil))
				return p.Capacity.Remaining
			}
			h.clock.Advance(4 * time.Second)
			if got := h.get("acme", id); got.Request.Status != ChangePending || remainingSIN() != 9500 {
				t.Fatalf("at 4s: request %+v, remaining %d", *got.Request, remainingSIN())
			}
			h.clock.Advance(time.Hour) // read late: the decision keeps its due time
			got := h.get("acme", id)
			if got.Request.Status != tt.want || got.Speed.Value != tt.wantSpeed || remainingSIN() != tt.wantRemaining {
				t.Fatalf("after the delay: %d Mbps, request %+v, remaining %d; want %d Mbps, %s, remaining %d",
					got.Speed.Value, *got.Request, remainingSIN(), tt.wantSpeed, tt.want, tt.wantRemaining)
			}
			decisions := h.sim.Ledger().ChangesTo(id)
			if tt.want == ChangePending {
				if len(decisions) != 1 {
					t.Errorf("ledger %+v, want the request alone", decisions)
				}
				return
			}
			if got.Request.UpdatedAt != "2025-03-01T12:00:05.000Z" {
				t.Errorf("decided at %s, want 12:00:05", got.Request.UpdatedAt)
			}
			last := decisions[len(decisions)-1]
			if len(decisions) != 2 || last.Source != SourcePartner || last.By != tt.partner || last.Endpoint != "" ||
				!last.At.Equal(epoch.Add(5*time.Second)) {
				t.Errorf("ledger %+v, want the request then the partner's decision at 12:00:05", decisions)
			}
		})
	}
}

// The delay starts again when the request changes: a modification by the
// requester asks the partner anew.
func TestAutomaticPartnerWaitsForTheLatestVersion(t *testing.T) {
	fx, ids := partnersFixture()
	h := newHarnessWithFixture(t, fx, Options{})
	id := ids["globex"]
	expectStatus(t, h.do(http.MethodPut, changePath("acme", id), map[string]any{"speed": 300}), http.StatusOK)
	h.clock.Advance(4 * time.Second)
	expectStatus(t, h.do(http.MethodPut, changePath("acme", id), map[string]any{"speed": 400}), http.StatusOK)
	h.clock.Advance(4 * time.Second)
	if got := h.get("acme", id); got.Request.Status != ChangePending {
		t.Fatalf("request %+v, want still PENDING 4s after the modification", *got.Request)
	}
	h.clock.Advance(time.Second)
	if got := h.get("acme", id); got.Request.Status != ChangeApproved || got.Speed.Value != 400 {
		t.Fatalf("%d Mbps, request %+v; want 400 Mbps APPROVED", got.Speed.Value, *got.Request)
	}
}

func TestControlRoutesForChangeRequests(t *testing.T) {
	h := newHarness(t, Options{})
	id := activeB2B(h)
	tests := []struct {
		name, method, path string
		body               any
		key                string
		wantStatus         int
	}{
		{"needs the API key", http.MethodPut, "/_sim/connections/" + id + "/change/approve", nil, "", 401},
		{"unknown connection", http.MethodPut, "/_sim/connections/ffffffffffffffffffffffff/change/approve", nil, testKey, 404},
		{"unknown connection to reject", http.MethodPut, "/_sim/connections/ffffffffffffffffffffffff/change/reject", nil, testKey, 404},
		{"not JSON", http.MethodPut, "/_sim/connections/" + id + "/change/approve", "speed", testKey, 400},
		{"not a speed", http.MethodPut, "/_sim/connections/" + id + "/change/approve", `{"speed":0}`, testKey, 400},
		{"nothing pending", http.MethodPut, "/_sim/connections/" + id + "/change/approve", nil, testKey, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectStatus(t, h.doWithKey(tt.method, tt.path, tt.body, tt.key), tt.wantStatus)
		})
	}
	// The Go methods do the same for a test in the same process.
	expectStatus(t, h.do(http.MethodPut, changePath("acme", id), map[string]any{"speed": 500}), http.StatusOK)
	if err := h.sim.ApproveChangeAsPartner(id, 600); err == nil {
		t.Fatal("approved above the speed asked for")
	}
	if err := h.sim.ApproveChangeAsPartner(id, 350); err != nil {
		t.Fatal(err)
	}
	if got := h.get("acme", id); got.Speed.Value != 350 || got.Request.Status != ChangeApproved || got.Request.Speed != 350 {
		t.Fatalf("%d Mbps, request %+v", got.Speed.Value, *got.Request)
	}
	if err := h.sim.RejectChangeAsPartner(id); err == nil || !strings.Contains(err.Error(), "no pending change request") {
		t.Fatalf("rejecting an approved change: %v", err)
	}
	if h.sim.RequestCount(EndpointApproveChange) != 0 || h.sim.ChangeCount(id, ChangeKindApproved) != 1 {
		t.Errorf("control calls counted as API requests, or the approval not in the ledger: %+v", h.sim.Ledger().ChangesTo(id))
	}
}

// A deleted connection reads DELETED for good, so a client waiting for
// its deletion sees it; it is gone for every change.
func TestDeletedConnectionStaysDeleted(t *testing.T) {
	h := newHarness(t, Options{})
	id := activeB2B(h)
	expectStatus(t, h.do(http.MethodDelete, updatePath("acme", id), nil), http.StatusOK)
	h.clock.Advance(30 * 24 * time.Hour)
	for _, company := range []string{"acme", "initech"} {
		res := h.do(http.MethodGet, updatePath(company, id), nil)
		expectStatus(t, res, http.StatusOK)
		if got := mustJSON[struct {
			Status  string
			Deleted bool
		}](t, res); got.Status != StatusDeleted || !got.Deleted {
			t.Errorf("%s reads %+v, want DELETED", company, got)
		}
	}
	for _, call := range []struct{ method, path string }{
		{http.MethodDelete, updatePath("acme", id)},
		{http.MethodPost, updatePath("acme", id)},
		{http.MethodPut, changePath("acme", id)},
		{http.MethodPut, changePath("initech", id) + "/approve"},
		{http.MethodDelete, changePath("initech", id)},
	} {
		expectStatus(t, h.do(call.method, call.path, map[string]any{"speed": 50}), http.StatusNotFound)
	}
	if r := h.remaining(portHKG); r != 800 {
		t.Errorf("remaining %d, want 800", r)
	}
}
