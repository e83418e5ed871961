package ccapisim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"
)

// tryDo sends an authenticated request and reports its answer, or status 0
// when the connection was cut or timeout passed without an answer.
func (h *harness) tryDo(method, path string, body any, timeout time.Duration) response {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, h.http.URL+path, encodeBody(h.t, body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	res, err := h.http.Client().Do(req)
	if err != nil {
		return response{}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}
	}
	return response{res.StatusCode, res.Header, data}
}

// changeCall is one call to a change endpoint, on a connection ready for it.
type changeCall struct {
	endpoint string
	setup    func(h *harness) string // before any fault is on
	method   string
	path     func(id string) string
	body     any
	applied  func(got wireConnection) bool
}

func withChangeRequest(h *harness) string {
	h.t.Helper()
	id := activeB2B(h)
	expectStatus(h.t, h.do(http.MethodPut, changePath("acme", id), map[string]any{"speed": 300}), http.StatusOK)
	return id
}

var changeCalls = []changeCall{
	{EndpointUpdateConnection, func(*harness) string { return legacyConn }, http.MethodPost,
		func(id string) string { return updatePath("acme", id) }, map[string]any{"speed": 300},
		func(got wireConnection) bool { return got.Speed.Value == 300 }},
	{EndpointRequestChange, activeB2B, http.MethodPut,
		func(id string) string { return changePath("acme", id) }, map[string]any{"speed": 300},
		func(got wireConnection) bool { return got.Request != nil && got.Request.Status == ChangePending }},
	{EndpointApproveChange, withChangeRequest, http.MethodPut,
		func(id string) string { return changePath("initech", id) + "/approve" }, nil,
		func(got wireConnection) bool { return got.Speed.Value == 300 && got.Request.Status == ChangeApproved }},
	{EndpointCancelChange, withChangeRequest, http.MethodDelete,
		func(id string) string { return changePath("acme", id) }, nil,
		func(got wireConnection) bool { return got.Request.Status == ChangeWithdrawn }},
}

// The gateway fails the change endpoints by their names like any other:
// before the work, nothing changes; after it, the change is made whatever
// the client got.
func TestFaultsOnChangeEndpoints(t *testing.T) {
	faults := []struct {
		name       string
		faults     Faults
		wantChange bool
		answered   func(res response) bool
	}{
		{"5xx before", Faults{ErrorRate: 1}, false, func(res response) bool { return res.status >= 500 }},
		{"throttled", Faults{ThrottleRate: 1}, false, func(res response) bool { return res.status == http.StatusTooManyRequests }},
		{"cut before", Faults{CutRate: 1}, false, func(res response) bool { return res.status == 0 }},
		{"key rotation", Faults{AuthBurstRate: 1, AuthBurstLength: time.Second}, false, func(res response) bool {
			return res.status == http.StatusUnauthorized || res.status == http.StatusForbidden
		}},
		{"commit then 5xx", Faults{CommitThenErrorRate: 1}, true, func(res response) bool {
			return res.status == 502 || res.status == 503 || res.status == 504
		}},
		{"commit then cut", Faults{CommitThenCutRate: 1}, true, func(res response) bool { return res.status == 0 }},
		{"garbled 2xx", Faults{GarbledRate: 1}, true, func(res response) bool { return res.status == 200 && !json.Valid(res.body) }},
		{"slower than the client waits", Faults{SlowRate: 1, SlowDelay: 10 * time.Second}, true, func(res response) bool { return res.status == 0 }},
		{"latency", Faults{Latency: 50 * time.Millisecond}, true, func(res response) bool { return res.status == 200 }},
	}
	for _, call := range changeCalls {
		for _, f := range faults {
			t.Run(call.endpoint+"/"+f.name, func(t *testing.T) {
				h := newHarness(t, Options{})
				id := call.setup(h)
				requestsBefore := h.sim.RequestCount(call.endpoint)
				h.sim.SetFaults(Faults{Endpoints: map[string]Faults{call.endpoint: f.faults}})
				res := h.tryDo(call.method, call.path(id), call.body, 300*time.Millisecond)
				if !f.answered(res) {
					t.Errorf("answered %d %s", res.status, res.body)
				}
				h.sim.SetFaults(Faults{})
				h.clock.Advance(time.Second) // past a key rotation burst
				if got := h.get("acme", id); call.applied(got) != f.wantChange {
					t.Errorf("change made: %v, want %v (connection %+v)", !f.wantChange, f.wantChange, got)
				}
				wantCalls := 0
				if f.wantChange {
					wantCalls = 1
				}
				if n := h.sim.ChangeCalls(id, call.endpoint); n != wantCalls {
					t.Errorf("ledger has %d %s calls that took effect, want %d", n, call.endpoint, wantCalls)
				}
				if n := h.sim.RequestCount(call.endpoint) - requestsBefore; n != 1 {
					t.Errorf("%d %s requests counted, want 1", n, call.endpoint)
				}
			})
		}
	}
}

// Faults of one endpoint leave the others alone, and the settings name
// the new endpoints like the old.
func TestFaultSettingsNameChangeEndpoints(t *testing.T) {
	h := newHarness(t, Options{})
	id := activeB2B(h)
	res := h.do(http.MethodPut, "/_sim/faults", `{"endpoints":{"requestChange":{"errorRate":1},"cancelChange":{"rateLimit":1}}}`)
	expectStatus(t, res, http.StatusOK)
	if s := h.do(http.MethodPut, changePath("acme", id), map[string]any{"speed": 300}).status; s < 500 {
		t.Fatalf("requestChange answered %d, want 5xx", s)
	}
	expectStatus(t, h.do(http.MethodPost, updatePath("acme", id), map[string]any{"speed": 50}), http.StatusOK)
	// The rate limit lets the first call through, then the bucket is empty.
	expectStatus(t, h.do(http.MethodDelete, changePath("acme", id), nil), http.StatusBadRequest)
	expectStatus(t, h.do(http.MethodDelete, changePath("acme", id), nil), http.StatusTooManyRequests)
	if got := h.get("acme", id); got.Speed.Value != 50 || got.Request != nil {
		t.Fatalf("connection %+v", got)
	}
}

// A late commit answers 504 (or nothing) and updates the connection later.
func TestLateCommitOfAnUpdate(t *testing.T) {
	h := newHarness(t, Options{Now: time.Now, Faults: Faults{Endpoints: map[string]Faults{
		EndpointUpdateConnection: {LateCommitRate: 1, LateCommitMax: 300 * time.Millisecond},
	}}})
	res := h.tryDo(http.MethodPost, updatePath("acme", legacyConn), map[string]any{"speed": 300}, 50*time.Millisecond)
	if res.status != 0 && res.status != http.StatusGatewayTimeout {
		t.Fatalf("status %d, want 504 or no answer", res.status)
	}
	if got := h.get("acme", legacyConn); got.Speed.Value != 200 {
		t.Fatalf("updated at once to %d Mbps; want it later", got.Speed.Value)
	}
	deadline := time.Now().Add(5 * time.Second)
	for h.get("acme", legacyConn).Speed.Value != 300 {
		if time.Now().After(deadline) {
			t.Fatal("the late commit never landed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := h.remaining(portHKG); r != 700 {
		t.Errorf("remaining %d, want 700", r)
	}
	if n := h.sim.ChangeCalls(legacyConn, EndpointUpdateConnection); n != 1 {
		t.Errorf("ledger has %d updates, want 1", n)
	}
}
