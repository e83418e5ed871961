package ccapisim

import (
	"net/http"
	"testing"
	"time"
)

func TestAdminStats(t *testing.T) {
	h := newHarness(t, Options{})
	h.create(p2pRequest("STATS"))
	h.do(http.MethodGet, portsPath, nil)
	res := h.do(http.MethodGet, "/_sim/stats", nil)
	expectStatus(t, res, http.StatusOK)
	got := mustJSON[Stats](t, res)
	if got.Requests[EndpointCreateLayer2] != 1 || got.Requests[EndpointListPorts] != 1 || got.Created["acme/STATS"] != 1 {
		t.Fatalf("stats = %+v", got)
	}
}

func TestAdminFaults(t *testing.T) {
	h := newHarness(t, Options{})
	res := h.do(http.MethodPut, "/_sim/faults", `{"errorRate":1,"latency":"10ms","commitThenDrop":3,"dropMode":"cut"}`)
	expectStatus(t, res, http.StatusOK)
	want := Faults{ErrorRate: 1, Latency: 10 * time.Millisecond, CommitThenDrop: 3, DropMode: DropCut}
	if got := mustJSON[Faults](t, res); !got.Equal(want) {
		t.Fatalf("PUT answered %+v, want %+v", got, want)
	}
	if got := mustJSON[Faults](t, h.do(http.MethodGet, "/_sim/faults", nil)); !got.Equal(want) {
		t.Fatalf("GET answered %+v", got)
	}
	if s := h.do(http.MethodGet, portsPath, nil).status; s < 500 {
		t.Fatalf("API status = %d, want 5xx after enabling errors", s)
	}
	// Admin routes are never faulted, so the faults can always be turned off.
	expectStatus(t, h.do(http.MethodGet, "/_sim/stats", nil), http.StatusOK)
	expectStatus(t, h.do(http.MethodPut, "/_sim/faults", `{}`), http.StatusOK)
	expectStatus(t, h.do(http.MethodGet, portsPath, nil), http.StatusOK)
}

func TestAdminFaultsRejectsInvalidSettings(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{Latency: time.Millisecond}})
	for _, body := range []string{`{`, `{"errorRate":2}`, `{"dropMode":"boom"}`, `{"latency":"later"}`, `{"typo":1}`} {
		res := h.do(http.MethodPut, "/_sim/faults", body)
		expectStatus(t, res, http.StatusBadRequest)
		if got := mustJSON[codeMessage](t, res); got.Code != 400 {
			t.Errorf("%s: body %s", body, res.body)
		}
	}
	if f := h.sim.currentFaults(); !f.Equal(Faults{Latency: time.Millisecond}) {
		t.Fatalf("invalid PUT changed faults to %+v", f)
	}
}

func TestAdminRoutesNeedTheAPIKey(t *testing.T) {
	h := newHarness(t, Options{})
	expectStatus(t, h.doWithKey(http.MethodGet, "/_sim/stats", nil, ""), http.StatusUnauthorized)
	expectStatus(t, h.doWithKey(http.MethodPut, "/_sim/faults", `{"errorRate":1}`, "wrong"), http.StatusUnauthorized)
	if f := h.sim.currentFaults(); !f.Equal(Faults{}) {
		t.Fatalf("unauthenticated PUT changed faults to %+v", f)
	}
}
