package ccapisim

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// doFor sends a request on behalf of order (its CorrelationHeader), giving
// up after timeout; a request that got no answer has status 0.
func (h *harness) doFor(order, method, path string, body any, timeout time.Duration) response {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, h.http.URL+path, encodeBody(h.t, body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	if order != "" {
		req.Header.Set(CorrelationHeader, order)
	}
	res, err := h.http.Client().Do(req)
	if err != nil {
		return response{}
	}
	defer res.Body.Close()
	return response{status: res.StatusCode, header: res.Header}
}

// The ledger names the order behind every connection, every change and
// every request: same-named connections of two orders are told apart by
// who made them, not by their name.
func TestLedgerAttributesToOrders(t *testing.T) {
	h := newHarness(t, Options{})
	const createPath = "/api/v2/company/acme/connections/layer2"
	expectStatus(t, response{status: h.doFor("A", http.MethodPut, createPath, p2pRequest("TWIN"), 5*time.Second).status}, http.StatusOK)
	expectStatus(t, response{status: h.doFor("B", http.MethodPut, createPath, p2pRequest("TWIN"), 5*time.Second).status}, http.StatusOK)
	expectStatus(t, response{status: h.doFor("", http.MethodPut, createPath, p2pRequest("NOBODY"), 5*time.Second).status}, http.StatusOK)
	h.doFor("C", http.MethodGet, portsPath, nil, 5*time.Second)
	expectStatus(t, response{status: h.doFor("D", http.MethodPost, updatePath("acme", legacyConn), map[string]any{"speed": 300}, 5*time.Second).status}, http.StatusOK)
	expectStatus(t, response{status: h.doFor("E", http.MethodDelete, updatePath("acme", legacyConn), nil, 5*time.Second).status}, http.StatusOK)

	l := mustJSON[Ledger](t, h.do(http.MethodGet, "/_sim/ledger", nil))
	var by []string
	for _, c := range l.Connections {
		by = append(by, c.Name+"/"+c.OrderID)
	}
	if got, want := by, []string{"TWIN/A", "TWIN/B", "NOBODY/"}; !equalStrings(got, want) {
		t.Errorf("connections made by %v, want %v", got, want)
	}
	changes := l.ChangesTo(legacyConn)
	if len(changes) != 2 || changes[0].OrderID != "D" || changes[1].OrderID != "E" {
		t.Errorf("changes %+v, want an update by D and a delete by E", changes)
	}
	for order, want := range map[string]map[string]int{
		"A": {EndpointCreateLayer2: 1}, "B": {EndpointCreateLayer2: 1}, "": {EndpointCreateLayer2: 1},
		"C": {EndpointListPorts: 1}, "D": {EndpointUpdateConnection: 1}, "E": {EndpointDeleteConnection: 1},
	} {
		for endpoint, n := range want {
			if got := l.OrderRequests[order][endpoint]; got != n {
				t.Errorf("order %q: %d %s requests, want %d (all: %v)", order, got, endpoint, n, l.OrderRequests)
			}
		}
	}
	// The fixture's connections stand in the ledger as they are now.
	if len(l.Existing) == 0 {
		t.Fatal("no fixture connection in the ledger")
	}
	for _, c := range l.Existing {
		if c.ID == legacyConn && (c.Status != StatusDeleted || c.SpeedMbps != 300) {
			t.Errorf("fixture connection %+v, want DELETED at 300 Mbps", c)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Until a late commit lands, the simulator says an effect is pending: a
// reconciliation that reads the ledger before then would miss it. The
// late connection is still its order's.
func TestPendingLateCommit(t *testing.T) {
	h := newHarness(t, Options{Now: time.Now, ActivationDelay: time.Hour, Faults: Faults{Endpoints: map[string]Faults{
		EndpointCreateLayer2: {LateCommitRate: 1, LateCommitMax: 300 * time.Millisecond},
	}}})
	h.doFor("LATE", http.MethodPut, "/api/v2/company/acme/connections/layer2", p2pRequest("LATE"), 20*time.Millisecond)
	if p := h.sim.Pending(); p.LateCommits != 1 || p.Total() == 0 {
		t.Fatalf("pending %+v right after a late commit was scheduled, want 1 late commit", p)
	}
	if got := mustJSON[PendingEffects](t, h.do(http.MethodGet, "/_sim/pending", nil)); got.LateCommits != 1 {
		t.Errorf("/_sim/pending %+v, want 1 late commit", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for h.sim.Pending().LateCommits != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the late commit never landed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	l := h.sim.Ledger()
	if len(l.Connections) != 1 || l.Connections[0].OrderID != "LATE" {
		t.Fatalf("connections %+v, want the late one, made by LATE", l.Connections)
	}
	// It still has to activate, by itself: that is pending too.
	if p := h.sim.Pending(); p.Transitions != 1 {
		t.Errorf("pending %+v, want 1 transition (CREATING to ACTIVE)", p)
	}
}

// A connection that will still change by itself (activation, an automatic
// partner's decision) is a pending effect; one that waits for a party
// that never answers is not.
func TestPendingTransitions(t *testing.T) {
	h := newHarness(t, Options{})
	if p := h.sim.Pending(); p.Total() != 0 {
		t.Fatalf("pending %+v in a fresh simulator", p)
	}
	h.create(p2pRequest("ACTIVATES"))
	h.create(b2bRequest("SILENT", "initech", metroHKG))
	if p := h.sim.Pending(); p.Transitions != 1 {
		t.Fatalf("pending %+v, want 1 transition", p)
	}
	h.clock.Advance(11 * time.Second)
	if p := h.sim.Pending(); p.Total() != 0 {
		t.Errorf("pending %+v once it is ACTIVE, want none", p)
	}
}
