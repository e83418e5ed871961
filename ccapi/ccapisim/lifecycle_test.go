package ccapisim

import (
	"net/http"
	"testing"
	"time"
)

// The harness uses ActivationDelay 10s and AutoApproveDelay 5s.

func TestPortToPortActivates(t *testing.T) {
	h := newHarness(t, Options{})
	c := h.create(p2pRequest("P2P"))
	h.clock.Advance(9 * time.Second)
	if got := h.get("acme", c.ID); got.Status != StatusCreating {
		t.Fatalf("after 9s status = %s, want CREATING", got.Status)
	}
	h.clock.Advance(time.Hour) // read late: the transition keeps its due time
	got := h.get("acme", c.ID)
	if got.Status != StatusActive || got.UpdatedAt != "2025-03-01T12:00:10.000Z" || got.ErrorReason != nil {
		t.Fatalf("after 10s status = %s updatedAt %s", got.Status, got.UpdatedAt)
	}
	if r := h.remaining(portHKG); r != 700 {
		t.Errorf("active connection should keep its capacity; remaining = %d", r)
	}
}

func TestFailProvisioningPortEndsInError(t *testing.T) {
	h := newHarness(t, Options{})
	c := h.create(with(with(p2pRequest("FAULTY"), "portId", portFaulty), "speed", 400))
	if r := h.remaining(portFaulty); r != 600 {
		t.Fatalf("remaining while CREATING = %d, want 600", r)
	}
	h.clock.Advance(10 * time.Second)
	got := h.get("acme", c.ID)
	if got.Status != StatusError || got.ErrorReason == nil || *got.ErrorReason != "VLAN allocation failed on the provider edge" {
		t.Fatalf("status = %s errorReason %v", got.Status, got.ErrorReason)
	}
	if r := h.remaining(portFaulty); r != 1000 {
		t.Errorf("capacity not given back after ERROR: remaining = %d", r)
	}
}

func TestBusinessToBusinessApproveThenActivate(t *testing.T) {
	h := newHarness(t, Options{})
	c := h.create(b2bRequest("B2B", "initech", metroHKG))
	h.clock.Advance(time.Minute) // initech does not auto-approve
	if got := h.get("initech", c.ID); got.Status != StatusPending {
		t.Fatalf("status = %s, want PENDING", got.Status)
	}
	res := h.do(http.MethodPut, "/api/v2/company/initech/connections/"+c.ID+"/approve", nil)
	expectStatus(t, res, http.StatusOK)
	if got := mustJSON[wireConnection](t, res); got.Status != StatusAccepted || got.ID != c.ID {
		t.Fatalf("approve answered %+v", got)
	}
	h.clock.Advance(9 * time.Second)
	if got := h.get("acme", c.ID); got.Status != StatusAccepted {
		t.Fatalf("status = %s, want ACCEPTED until activation", got.Status)
	}
	h.clock.Advance(time.Second)
	if got := h.get("acme", c.ID); got.Status != StatusActive {
		t.Fatalf("status = %s, want ACTIVE", got.Status)
	}
}

func TestBusinessToBusinessReject(t *testing.T) {
	h := newHarness(t, Options{})
	c := h.create(b2bRequest("B2B", "initech", metroHKG))
	res := h.do(http.MethodPut, "/api/v2/company/initech/connections/"+c.ID+"/reject", nil)
	expectStatus(t, res, http.StatusOK)
	got := mustJSON[wireConnection](t, res)
	if got.Status != StatusDenied || got.ErrorReason == nil || *got.ErrorReason != "Rejected by initech" {
		t.Fatalf("reject answered %+v", got)
	}
	if r := h.remaining(portHKG); r != 800 {
		t.Errorf("capacity not given back after DENIED: remaining = %d", r)
	}
}

func TestAutoApproveAndAutoReject(t *testing.T) {
	tests := []struct {
		company     string
		at6s, at20s string
		wantReason  string
	}{
		{"globex", StatusAccepted, StatusActive, ""},
		{"umbrella", StatusDenied, StatusDenied, "Rejected by umbrella"},
		{"initech", StatusPending, StatusPending, ""},
	}
	for _, tt := range tests {
		t.Run(tt.company, func(t *testing.T) {
			h := newHarness(t, Options{})
			c := h.create(b2bRequest("AUTO", tt.company, metroHKG))
			h.clock.Advance(4 * time.Second)
			if got := h.get("acme", c.ID); got.Status != StatusPending {
				t.Fatalf("at 4s status = %s", got.Status)
			}
			h.clock.Advance(2 * time.Second)
			if got := h.get("acme", c.ID); got.Status != tt.at6s {
				t.Fatalf("at 6s status = %s, want %s", got.Status, tt.at6s)
			}
			h.clock.Advance(14 * time.Second) // accepted at 5s + 10s activation
			got := h.get(tt.company, c.ID)
			if got.Status != tt.at20s {
				t.Fatalf("at 20s status = %s, want %s", got.Status, tt.at20s)
			}
			if reason := derefOr(got.ErrorReason, ""); reason != tt.wantReason {
				t.Errorf("errorReason = %q, want %q", reason, tt.wantReason)
			}
		})
	}
}

func TestAutoApproveCatchesUpInOneRead(t *testing.T) {
	h := newHarness(t, Options{})
	c := h.create(b2bRequest("AUTO", "globex", metroHKG))
	h.clock.Advance(time.Hour)
	got := h.get("acme", c.ID)
	if got.Status != StatusActive || got.UpdatedAt != "2025-03-01T12:00:15.000Z" {
		t.Fatalf("status = %s updatedAt = %s, want ACTIVE at 12:00:15", got.Status, got.UpdatedAt)
	}
}

func TestDeleteConnection(t *testing.T) {
	h := newHarness(t, Options{})
	c := h.create(with(p2pRequest("DEL"), "speed", 300))
	h.clock.Advance(10 * time.Second)
	if r := h.remaining(portHKG); r != 500 {
		t.Fatalf("remaining = %d, want 500", r)
	}
	res := h.do(http.MethodDelete, "/api/v2/company/acme/connections/"+c.ID, nil)
	expectStatus(t, res, http.StatusOK)
	if string(res.body) != "{}\n" {
		t.Errorf("delete body = %q, want {}", res.body)
	}
	if got := h.get("acme", c.ID); got.Status != StatusDeleted {
		t.Errorf("status = %s, want DELETED", got.Status)
	}
	if r := h.remaining(portHKG); r != 800 {
		t.Errorf("remaining after delete = %d, want 800", r)
	}
	res = h.do(http.MethodDelete, "/api/v2/company/acme/connections/"+c.ID, nil)
	expectStatus(t, res, http.StatusNotFound)
	if r := h.remaining(portHKG); r != 800 {
		t.Errorf("second delete changed capacity: %d", r)
	}
}

func TestDeleteFixtureConnectionReleasesItsCapacity(t *testing.T) {
	h := newHarness(t, Options{})
	expectStatus(t, h.do(http.MethodDelete, "/api/v2/company/acme/connections/"+legacyConn, nil), http.StatusOK)
	if r := h.remaining(portHKG); r != 1000 {
		t.Fatalf("remaining = %d, want 1000", r)
	}
}

func TestDeleteDeniedConnectionDoesNotReleaseTwice(t *testing.T) {
	h := newHarness(t, Options{})
	c := h.create(b2bRequest("DENIED", "umbrella", metroHKG))
	h.clock.Advance(5 * time.Second)
	expectStatus(t, h.do(http.MethodDelete, "/api/v2/company/acme/connections/"+c.ID, nil), http.StatusOK)
	if r := h.remaining(portHKG); r != 800 {
		t.Fatalf("remaining = %d, want 800", r)
	}
}

func TestAcceptanceAndDeletePermissions(t *testing.T) {
	h := newHarness(t, Options{})
	pending := h.create(b2bRequest("PERM", "initech", metroHKG))
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantBody           string
	}{
		{"source cannot approve", http.MethodPut, "/api/v2/company/acme/connections/" + pending.ID + "/approve", 403,
			`{"message":"You are not authorized to do that.","status":403,"statusCode":403}`},
		{"source cannot reject", http.MethodPut, "/api/v2/company/acme/connections/" + pending.ID + "/reject", 403, ""},
		{"unrelated company cannot see it", http.MethodPut, "/api/v2/company/globex/connections/" + pending.ID + "/approve", 404,
			`{"error":{"statusCode":404,"name":"Error","message":"Connection not found"}}`},
		{"destination cannot delete", http.MethodDelete, "/api/v2/company/initech/connections/" + pending.ID, 403, ""},
		{"unrelated company cannot delete", http.MethodDelete, "/api/v2/company/globex/connections/" + pending.ID, 404, ""},
		{"port-to-port cannot be approved", http.MethodPut, "/api/v2/company/acme/connections/" + legacyConn + "/approve", 403, ""},
		{"unknown connection", http.MethodPut, "/api/v2/company/initech/connections/ffffffffffffffffffffffff/approve", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do(tt.method, tt.path, nil)
			expectStatus(t, res, tt.wantStatus)
			if tt.wantBody != "" && string(res.body) != tt.wantBody+"\n" {
				t.Errorf("body = %s, want %s", res.body, tt.wantBody)
			}
		})
	}
	if got := h.get("initech", pending.ID); got.Status != StatusPending {
		t.Fatalf("refused calls changed the status to %s", got.Status)
	}
}

func TestApproveInWrongState(t *testing.T) {
	h := newHarness(t, Options{})
	c := h.create(b2bRequest("TWICE", "initech", metroHKG))
	expectStatus(t, h.do(http.MethodPut, "/api/v2/company/initech/connections/"+c.ID+"/approve", nil), http.StatusOK)
	h.clock.Advance(10 * time.Second)
	for _, action := range []string{"approve", "reject"} {
		res := h.do(http.MethodPut, "/api/v2/company/initech/connections/"+c.ID+"/"+action, nil)
		expectStatus(t, res, http.StatusBadRequest)
		if want := `{"code":400,"message":"Connection request is not PENDING (status ACTIVE)"}` + "\n"; string(res.body) != want {
			t.Errorf("%s body = %s, want %s", action, res.body, want)
		}
	}
}

func derefOr(s *string, fallback string) string {
	if s == nil {
		return fallback
	}
	return *s
}
