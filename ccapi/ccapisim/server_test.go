package ccapisim

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// apiCalls is one request per API endpoint, all of them well formed.
var apiCalls = []struct {
	endpoint, method, path string
	body                   any
}{
	{EndpointListPorts, http.MethodGet, "/api/company/acme/ports?deleted=false", nil},
	{EndpointGetPort, http.MethodGet, "/api/company/acme/ports/" + portHKG, nil},
	{EndpointPortConnections, http.MethodGet, "/api/company/acme/ports/" + portHKG + "/connections", nil},
	{EndpointMetroCapabilities, http.MethodGet, "/api/company/acme/metro/capabilities", nil},
	{EndpointSearchDCF, http.MethodGet, "/v2/data-center-facility?filter=%7B%7D", nil},
	{EndpointCreateLayer2, http.MethodPut, "/api/v2/company/acme/connections/layer2", p2pRequest("AUTH")},
	{EndpointGetConnection, http.MethodGet, "/api/v2/company/acme/connections/" + legacyConn, nil},
	{EndpointListConnections, http.MethodGet, "/api/v2/company/acme/connections", nil},
	{EndpointUpdateConnection, http.MethodPost, "/api/v2/company/acme/connections/" + legacyConn, map[string]any{"speed": 150}},
	{EndpointRequestChange, http.MethodPut, "/api/company/acme/connections/" + legacyConn + "/change", map[string]any{"speed": 150}},
	{EndpointApproveChange, http.MethodPut, "/api/company/acme/connections/" + legacyConn + "/change/approve", nil},
	{EndpointCancelChange, http.MethodDelete, "/api/company/acme/connections/" + legacyConn + "/change", nil},
	{EndpointDeleteConnection, http.MethodDelete, "/api/v2/company/acme/connections/" + legacyConn, nil},
	{EndpointApproveConnection, http.MethodPut, "/api/v2/company/acme/connections/" + legacyConn + "/approve", nil},
	{EndpointRejectConnection, http.MethodPut, "/api/v2/company/acme/connections/" + legacyConn + "/reject", nil},
}

func TestAuthIsRequiredOnEveryAPIPath(t *testing.T) {
	h := newHarness(t, Options{})
	for _, call := range apiCalls {
		for _, key := range []string{"", "wrong-key"} {
			t.Run(call.endpoint+"/key="+key, func(t *testing.T) {
				res := h.doWithKey(call.method, call.path, call.body, key)
				expectStatus(t, res, http.StatusUnauthorized)
				got := mustJSON[statusMessage](t, res)
				if got != (statusMessage{"The user is not logged in", 401, 401}) {
					t.Errorf("body = %+v", got)
				}
			})
		}
	}
	if n := h.sim.ConnectionsCreated("acme", "AUTH"); n != 0 {
		t.Errorf("unauthenticated PUT created %d connections", n)
	}
}

func TestAuthRejectsOtherSchemes(t *testing.T) {
	h := newHarness(t, Options{})
	req, _ := http.NewRequest(http.MethodGet, h.http.URL+"/api/company/acme/ports", nil)
	req.Header.Set("Authorization", "Basic "+testKey)
	res, err := h.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status = %d, want 401", res.StatusCode)
	}
}

func TestEveryResponseHasAUniqueRequestID(t *testing.T) {
	h := newHarness(t, Options{})
	seen := map[string]bool{}
	for _, path := range []string{"/api/company/acme/ports", "/api/company/acme/ports", "/nope", "/_sim/stats"} {
		for _, key := range []string{testKey, ""} {
			id := h.doWithKey(http.MethodGet, path, nil, key).header.Get("X-Request-Id")
			if id == "" || seen[id] {
				t.Fatalf("X-Request-Id %q for %s is empty or repeated", id, path)
			}
			seen[id] = true
		}
	}
}

func TestUnknownRoutes(t *testing.T) {
	h := newHarness(t, Options{})
	tests := []struct{ method, path string }{
		{http.MethodGet, "/api/v1/whatever"},
		{http.MethodPost, "/api/company/acme/ports"},
		{http.MethodGet, "/api/v2/company/acme/connections/layer2/extra"},
		{http.MethodPatch, "/api/v2/company/acme/connections/" + legacyConn},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			res := h.do(tt.method, tt.path, nil)
			expectStatus(t, res, http.StatusNotFound)
			got := mustJSON[loopbackErr](t, res)
			want := "There is no method to handle " + tt.method + " " + tt.path
			if got.Error.Message != want || got.Error.StatusCode != 404 || got.Error.Name != "Error" {
				t.Errorf("body = %s, want message %q", res.body, want)
			}
		})
	}
}

func TestPathSegmentsAreUnescaped(t *testing.T) {
	h := newHarness(t, Options{})
	res := h.do(http.MethodGet, "/api/company/%61cme/ports", nil)
	expectStatus(t, res, http.StatusOK)
	res = h.do(http.MethodGet, "/api/v2/company/acme/connections/%36a1000000000000000000001", nil)
	expectStatus(t, res, http.StatusOK)
}

func TestRequestCountersAndCreations(t *testing.T) {
	h := newHarness(t, Options{})
	for _, call := range apiCalls {
		h.do(call.method, call.path, call.body)
	}
	h.do(http.MethodGet, "/api/company/acme/ports", nil)
	h.doWithKey(http.MethodGet, "/api/company/acme/ports", nil, "") // rejected, still counted
	h.do(http.MethodGet, "/nope", nil)                              // no endpoint, not counted
	h.do(http.MethodGet, "/_sim/stats", nil)                        // admin, not counted

	stats := h.sim.Stats()
	for _, call := range apiCalls {
		want := 1
		if call.endpoint == EndpointListPorts {
			want = 3
		}
		if got := h.sim.RequestCount(call.endpoint); got != want || stats.Requests[call.endpoint] != want {
			t.Errorf("RequestCount(%s) = %d, Stats = %d, want %d", call.endpoint, got, stats.Requests[call.endpoint], want)
		}
	}
	if len(stats.Requests) != len(apiCalls) {
		t.Errorf("Stats.Requests has unexpected keys: %v", stats.Requests)
	}
	if got := h.sim.ConnectionsCreated("acme", "AUTH"); got != 1 || stats.Created["acme/AUTH"] != 1 {
		t.Errorf("ConnectionsCreated = %d, Stats.Created = %v", got, stats.Created)
	}
	stats.Requests[EndpointListPorts] = 99
	if h.sim.RequestCount(EndpointListPorts) != 3 {
		t.Error("Stats is not a copy")
	}
}

func TestRejectedCreationsAreNotCounted(t *testing.T) {
	h := newHarness(t, Options{})
	h.do(http.MethodPut, "/api/v2/company/acme/connections/layer2", with(p2pRequest("BAD"), "speed", 0))
	if n := h.sim.ConnectionsCreated("acme", "BAD"); n != 0 {
		t.Fatalf("ConnectionsCreated = %d, want 0", n)
	}
	if !strings.Contains(string(h.do(http.MethodGet, "/_sim/stats", nil).body), `"createLayer2":1`) {
		t.Fatal("rejected creation not counted as a request")
	}
}

func TestConcurrentUse(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{ErrorRate: 0.2, ThrottleRate: 0.2}})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 10 {
				body := with(with(p2pRequest(fmt.Sprintf("C-%d-%d", i, j)), "portId", portSIN), "destPortId", portHKG)
				h.do(http.MethodPut, "/api/v2/company/acme/connections/layer2", with(with(body, "destMetroId", metroHKG), "speed", 10))
				h.do(http.MethodGet, "/api/v2/company/acme/connections?count=100", nil)
				h.do(http.MethodGet, portsPath, nil)
				h.sim.Stats()
				h.clock.Advance(time.Second)
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			h.sim.SetFaults(Faults{ErrorRate: 0.1})
		}
	})
	wg.Wait()
	h.sim.SetFaults(Faults{})
	created := 0
	for name, n := range h.sim.Stats().Created {
		if strings.HasPrefix(name, "acme/C-") {
			created += n
		}
	}
	if r := h.remaining(portSIN); r != 10000-10*created {
		t.Fatalf("remaining = %d after %d creations of 10 Mbps", r, created)
	}
}

// Every endpoint the faults can name is routed, and counted under its name.
func TestEveryEndpointHasACall(t *testing.T) {
	called := map[string]bool{}
	for _, call := range apiCalls {
		called[call.endpoint] = true
	}
	for _, endpoint := range Endpoints() {
		if !called[endpoint] {
			t.Errorf("apiCalls has no call to %s", endpoint)
		}
	}
	if len(called) != len(Endpoints()) {
		t.Errorf("apiCalls calls %d endpoints, Endpoints() lists %d", len(called), len(Endpoints()))
	}
}
