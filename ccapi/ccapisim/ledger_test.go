package ccapisim

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"testing"
)

// The ledger counts the calls that changed something, which is not how
// many were sent: a lost answer retried, a refusal, a second DELETE.
func TestLedgerCountsChangesThatTookEffect(t *testing.T) {
	h := newHarness(t, Options{})
	legacy := updatePath("acme", legacyConn)
	// An update whose answer is lost, retried: two requests, one change.
	h.sim.SetFaults(Faults{Endpoints: map[string]Faults{EndpointUpdateConnection: {CommitThenErrorRate: 1}}})
	if s := h.do(http.MethodPost, legacy, map[string]any{"speed": 300}).status; s < 500 {
		t.Fatalf("update answered %d, want 5xx", s)
	}
	h.sim.SetFaults(Faults{})
	expectStatus(t, h.do(http.MethodPost, legacy, map[string]any{"speed": 300}), http.StatusOK)
	expectStatus(t, h.do(http.MethodPost, legacy, map[string]any{"speed": 5000}), http.StatusBadRequest)
	expectStatus(t, h.do(http.MethodPost, legacy, map[string]any{"name": "RENAMED"}), http.StatusOK)
	// A delete whose answer is lost, retried: the retry finds nothing.
	h.sim.SetFaults(Faults{Endpoints: map[string]Faults{EndpointDeleteConnection: {CommitThenErrorRate: 1}}})
	if s := h.do(http.MethodDelete, legacy, nil).status; s < 500 {
		t.Fatalf("delete answered %d, want 5xx", s)
	}
	h.sim.SetFaults(Faults{})
	expectStatus(t, h.do(http.MethodDelete, legacy, nil), http.StatusNotFound)

	// A change approved, then one withdrawn, on a connection to initech.
	b2b := activeB2B(h)
	expectStatus(t, h.do(http.MethodPut, changePath("acme", b2b), map[string]any{"speed": 300}), http.StatusOK)
	expectStatus(t, h.do(http.MethodPut, changePath("initech", b2b)+"/approve", nil), http.StatusOK)
	expectStatus(t, h.do(http.MethodPut, changePath("acme", b2b), map[string]any{"speed": 400}), http.StatusOK)
	expectStatus(t, h.do(http.MethodDelete, changePath("acme", b2b), nil), http.StatusOK)

	res := h.do(http.MethodGet, "/_sim/ledger", nil)
	expectStatus(t, res, http.StatusOK)
	ledger := mustJSON[Ledger](t, res)
	tests := []struct {
		name      string
		id        string
		endpoints []string
		want      int
	}{
		{"updates of the self-connection", legacyConn, []string{EndpointUpdateConnection}, 2},
		{"deletes of the self-connection", legacyConn, []string{EndpointDeleteConnection}, 1},
		{"every call that changed the self-connection", legacyConn, nil, 3},
		{"change requests", b2b, []string{EndpointRequestChange}, 2},
		{"updates or change requests", b2b, []string{EndpointUpdateConnection, EndpointRequestChange}, 2},
		{"approvals", b2b, []string{EndpointApproveChange}, 1},
		{"cancellations", b2b, []string{EndpointCancelChange}, 1},
		{"deletes of what was not deleted", b2b, []string{EndpointDeleteConnection}, 0},
		{"a connection nobody touched", "ffffffffffffffffffffffff", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ledger.ChangeCalls(tt.id, tt.endpoints...); got != tt.want {
				t.Errorf("/_sim/ledger: %d, want %d", got, tt.want)
			}
			if got := h.sim.ChangeCalls(tt.id, tt.endpoints...); got != tt.want {
				t.Errorf("Server.ChangeCalls: %d, want %d", got, tt.want)
			}
		})
	}
	if got, want := ledger.Requests[EndpointUpdateConnection], 4; got != want {
		t.Errorf("%d update requests counted, want %d (sent, not effective)", got, want)
	}
	if got, want := ledger.Requests[EndpointDeleteConnection], 2; got != want {
		t.Errorf("%d delete requests counted, want %d", got, want)
	}
	kinds := func(id string) []ChangeKind {
		var out []ChangeKind
		for _, c := range ledger.ChangesTo(id) {
			out = append(out, c.Kind)
		}
		return out
	}
	if got, want := kinds(legacyConn), []ChangeKind{ChangeKindUpdated, ChangeKindUpdated, ChangeKindDeleted}; !slices.Equal(got, want) {
		t.Errorf("self-connection changes %v, want %v", got, want)
	}
	if got, want := kinds(b2b), []ChangeKind{ChangeKindRequested, ChangeKindApproved, ChangeKindRequested, ChangeKindWithdrawn}; !slices.Equal(got, want) {
		t.Errorf("change request changes %v, want %v", got, want)
	}
	if n := ledger.ChangeCount(b2b, ChangeKindApproved, ChangeKindRejected); n != 1 {
		t.Errorf("%d decided change requests, want 1", n)
	}
	approval := ledger.ChangesTo(b2b)[1]
	if approval.Source != SourceAPI || approval.Endpoint != EndpointApproveChange || approval.By != "initech" || approval.SpeedMbps != 300 {
		t.Errorf("approval %+v", approval)
	}
	// The connection made through the API shows its speed as changed.
	if len(ledger.Connections) != 1 || ledger.Connections[0].ID != b2b || ledger.Connections[0].SpeedMbps != 300 {
		t.Errorf("connections %+v", ledger.Connections)
	}
}

// What reconciliations read from /_sim/ledger keeps its keys; changes come
// as a key of their own.
func TestLedgerJSONKeys(t *testing.T) {
	h := newHarness(t, Options{})
	p2p := h.create(p2pRequest("KEYS")).ID
	expectStatus(t, h.do(http.MethodDelete, updatePath("acme", p2p), nil), http.StatusOK)
	body := h.do(http.MethodGet, "/_sim/ledger", nil).body
	var top map[string]json.RawMessage
	var lists struct {
		Connections []map[string]json.RawMessage `json:"connections"`
		Changes     []map[string]json.RawMessage `json:"changes"`
	}
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &lists); err != nil {
		t.Fatal(err)
	}
	wantKeys := func(what string, got map[string]json.RawMessage, want ...string) {
		t.Helper()
		if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, want) {
			t.Errorf("%s keys %v, want %v", what, keys, want)
		}
	}
	wantKeys("ledger", top, "changes", "connections", "existing", "orderRequests", "requests")
	if len(lists.Connections) != 1 || len(lists.Changes) != 1 {
		t.Fatalf("ledger %s", body)
	}
	wantKeys("connection", lists.Connections[0],
		"company", "createdAt", "destCompany", "destPortId", "id", "name", "speed", "srcPortId", "status", "withdrawnAt")
	wantKeys("change", lists.Changes[0], "at", "by", "connectionId", "endpoint", "kind", "source")

	world := DefaultFixture()
	world.Connections = nil
	empty := newHarnessWithFixture(t, world, Options{})
	if got := string(empty.do(http.MethodGet, "/_sim/ledger", nil).body); got != `{"connections":[],"requests":{},"changes":[]}`+"\n" {
		t.Errorf("empty ledger %s", got)
	}
}

func TestLedgerRecordsDeletes(t *testing.T) {
	tests := []struct {
		name   string
		create map[string]any
		want   ChangeKind
	}{
		{"a connection taken down", p2pRequest("DOWN"), ChangeKindDeleted},
		{"a request withdrawn", b2bRequest("WITHDRAWN", "initech", metroHKG), ChangeKindCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			id := h.create(tt.create).ID
			expectStatus(t, h.do(http.MethodDelete, updatePath("acme", id), nil), http.StatusOK)
			changes := h.sim.Ledger().ChangesTo(id)
			if len(changes) != 1 || changes[0].Kind != tt.want || changes[0].By != "acme" || changes[0].Source != SourceAPI ||
				changes[0].Endpoint != EndpointDeleteConnection || !changes[0].At.Equal(epoch) {
				t.Fatalf("changes %+v, want one %s", changes, tt.want)
			}
		})
	}
}
