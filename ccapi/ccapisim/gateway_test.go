package ccapisim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

const createPath = "/api/v2/company/acme/connections/layer2"

// tryCreate PUTs a Layer 2 request and reports the status, or 0 when the
// connection was cut or timed out without an answer.
func (h *harness) tryCreate(body any, timeout time.Duration) response {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, h.http.URL+createPath, encodeBody(h.t, body))
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

// Faults after the work: the connection exists whatever the client got.
func TestFaultsAfterTheCommit(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
		check  func(t *testing.T, res response)
	}{
		{"commit then 5xx", Faults{CommitThenErrorRate: 1}, func(t *testing.T, res response) {
			if res.status != 502 && res.status != 503 && res.status != 504 {
				t.Errorf("status %d, want 502, 503 or 504", res.status)
			}
		}},
		{"commit then cut", Faults{CommitThenCutRate: 1}, func(t *testing.T, res response) {
			if res.status != 0 {
				t.Errorf("status %d, want the connection cut", res.status)
			}
		}},
		{"2xx that does not decode", Faults{GarbledRate: 1}, func(t *testing.T, res response) {
			if res.status != http.StatusOK || json.Valid(res.body) {
				t.Errorf("status %d body %q, want 200 with a body that is not JSON", res.status, res.body)
			}
		}},
		{"answer slower than the client waits", Faults{SlowRate: 1, SlowDelay: 10 * time.Second}, func(t *testing.T, res response) {
			if res.status != 0 {
				t.Errorf("status %d, want no answer before the client's timeout", res.status)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{Faults: tt.faults})
			tt.check(t, h.tryCreate(p2pRequest("AFTER"), 300*time.Millisecond))
			if n := h.sim.ConnectionsCreated("acme", "AFTER"); n != 1 {
				t.Errorf("%d connections created, want 1", n)
			}
		})
	}
}

// Faults before the work: nothing is created.
func TestFaultsBeforeTheCommit(t *testing.T) {
	for _, f := range []Faults{{CutRate: 1}, {ErrorRate: 1}, {ThrottleRate: 1}} {
		h := newHarness(t, Options{Faults: f})
		if res := h.tryCreate(p2pRequest("BEFORE"), time.Second); res.status == http.StatusOK {
			t.Errorf("%v: status 200", f)
		}
		if n := h.sim.ConnectionsCreated("acme", "BEFORE"); n != 0 {
			t.Errorf("%v: %d connections created", f, n)
		}
	}
}

// A late commit answers 504 (or nothing) and creates the connection later.
func TestLateCommit(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{LateCommitRate: 1, LateCommitMax: 300 * time.Millisecond}, Now: time.Now})
	res := h.tryCreate(p2pRequest("LATE"), 50*time.Millisecond)
	if res.status != 0 && res.status != http.StatusGatewayTimeout {
		t.Fatalf("status %d, want 504 or no answer", res.status)
	}
	if n := h.sim.ConnectionsCreated("acme", "LATE"); n != 0 {
		t.Fatalf("created at once; want it later")
	}
	deadline := time.Now().Add(5 * time.Second)
	for h.sim.ConnectionsCreated("acme", "LATE") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the late commit never landed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestListLagHidesNewConnections(t *testing.T) {
	lag := Faults{ListLag: time.Minute}
	h := newHarness(t, Options{Faults: Faults{Endpoints: map[string]Faults{
		EndpointListConnections: lag, EndpointPortConnections: lag, EndpointGetPort: lag,
	}}})
	c := h.create(p2pRequest("LAGGED"))
	listed := func() (search, port, inline bool) {
		page := mustJSON[struct{ Results []wireConnection }](t, h.do(http.MethodGet, "/api/v2/company/acme/connections?count=100", nil))
		onPort := mustJSON[struct{ Results []wireConnection }](t, h.do(http.MethodGet, "/api/company/acme/ports/"+portHKG+"/connections", nil))
		p := mustJSON[struct{ Connections []struct{ ID string } }](t, h.do(http.MethodGet, "/api/company/acme/ports/"+portHKG, nil))
		has := func(ids []string) bool { return slices.Contains(ids, c.ID) }
		idsOf := func(list []wireConnection) []string {
			var ids []string
			for _, x := range list {
				ids = append(ids, x.ID)
			}
			return ids
		}
		var inlineIDs []string
		for _, x := range p.Connections {
			inlineIDs = append(inlineIDs, x.ID)
		}
		return has(idsOf(page.Results)), has(idsOf(onPort.Results)), has(inlineIDs)
	}
	if s, p, i := listed(); s || p || i {
		t.Fatalf("listed at once (search %v, port %v, inline %v)", s, p, i)
	}
	h.get("acme", c.ID) // reads by id are not lagged
	h.clock.Advance(time.Minute)
	if s, p, i := listed(); !s || !p || !i {
		t.Fatalf("not listed after the lag (search %v, port %v, inline %v)", s, p, i)
	}
}

func TestPageCap(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{PageCap: 2}})
	for _, name := range []string{"CAP-1", "CAP-2", "CAP-3"} {
		h.create(with(p2pRequest(name), "speed", 10))
	}
	for _, path := range []string{"/api/v2/company/acme/connections?page=1&count=100", "/api/company/acme/ports/" + portHKG + "/connections?count=100"} {
		page := mustJSON[struct {
			Results []wireConnection
			Count   int
		}](t, h.do(http.MethodGet, path, nil))
		if len(page.Results) != 2 || page.Count != 4 { // with the fixture's connection
			t.Errorf("%s: %d items of %d, want 2 of 4", path, len(page.Results), page.Count)
		}
	}
}

func TestReadGap(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{ReadGap: time.Minute}})
	c := h.create(p2pRequest("GAP"))
	h.clock.Advance(time.Duration(0))
	res := h.do(http.MethodGet, "/api/v2/company/acme/connections/"+c.ID, nil)
	// The draw places the connection somewhere within the gap; at once it
	// is 404 unless the draw was 0.
	if res.status != http.StatusNotFound {
		t.Fatalf("status %d right after creation, want 404", res.status)
	}
	expectStatus(t, h.do(http.MethodGet, "/api/v2/company/acme/connections/"+legacyConn, nil), http.StatusOK)
	h.clock.Advance(time.Minute)
	h.get("acme", c.ID)
}

func TestAuthBurst(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{AuthBurstRate: 1, AuthBurstLength: 10 * time.Second}})
	for range 4 {
		if s := h.do(http.MethodGet, portsPath, nil).status; s != 401 && s != 403 {
			t.Fatalf("status %d during the burst, want 401 or 403", s)
		}
	}
	h.sim.SetFaults(Faults{})
	if s := h.do(http.MethodGet, portsPath, nil).status; s != 401 && s != 403 {
		t.Fatalf("the burst ended before its length: %d", s)
	}
	h.clock.Advance(10 * time.Second)
	expectStatus(t, h.do(http.MethodGet, portsPath, nil), http.StatusOK)
}

func TestMissingFields(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{MissingFieldRate: 1}})
	res := h.do(http.MethodGet, "/api/company/acme/ports/"+portHKG+"/connections", nil)
	var page struct{ Results []map[string]any }
	if err := json.Unmarshal(res.body, &page); err != nil || len(page.Results) == 0 {
		t.Fatalf("page %s: %v", res.body, err)
	}
	if _, ok := page.Results[0]["srcPortId"]; ok {
		t.Errorf("srcPortId present: %v", page.Results[0])
	}
}

func TestFaultsPerEndpoint(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{Endpoints: map[string]Faults{EndpointCreateLayer2: {ErrorRate: 1}}}})
	expectStatus(t, h.do(http.MethodGet, portsPath, nil), http.StatusOK)
	if s := h.do(http.MethodPut, createPath, p2pRequest("ONLY-PUT")).status; s < 500 {
		t.Fatalf("PUT status %d, want 5xx", s)
	}
}

func TestFaultsWithEndpointsJSON(t *testing.T) {
	f := Faults{ErrorRate: 0.1, Endpoints: map[string]Faults{EndpointCreateLayer2: {LateCommitRate: 0.2, LateCommitMax: time.Minute}}}
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"errorRate":0.1,"endpoints":{"createLayer2":{"lateCommitRate":0.2,"lateCommitMax":"1m0s"}}}`
	if string(data) != want {
		t.Fatalf("marshal = %s, want %s", data, want)
	}
	var back Faults
	if err := json.Unmarshal(data, &back); err != nil || !back.Equal(f) {
		t.Fatalf("round trip %+v, %v", back, err)
	}
	for bad, mention := range map[string]string{
		`{"endpoints":{"nope":{}}}`:                                   "unknown endpoint",
		`{"endpoints":{"createLayer2":{"errorRate":3}}}`:              "endpoints.createLayer2.errorRate",
		`{"endpoints":{"createLayer2":{"endpoints":{"getPort":{}}}}}`: "must not have endpoints",
		`{"endpoints":{"createLayer2":{"slowRate":0.5}}}`:             "slowDelay",
		`{"endpoints":{"createLayer2":{"authBurstRate":1}}}`:          "authBurstLength",
		`{"endpoints":{"getConnection":{"readGap":"-1s"}}}`:           "readGap",
		`{"endpoints":{"createLayer2":{"lateCommitRat":0.5}}}`:        "lateCommitRat",
	} {
		var f Faults
		err := json.Unmarshal([]byte(bad), &f)
		if err == nil {
			err = f.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), mention) {
			t.Errorf("%s: error %v, want mention of %q", bad, err, mention)
		}
	}
}

func TestWithdrawnRequestIsCancelledAndInTheLedger(t *testing.T) {
	h := newHarness(t, Options{})
	c := h.create(b2bRequest("WITHDRAW", "initech", metroHKG))
	expectStatus(t, h.do(http.MethodDelete, "/api/v2/company/acme/connections/"+c.ID, nil), http.StatusOK)
	if got := h.get("acme", c.ID); got.Status != StatusCancelled {
		t.Fatalf("status %s after withdrawal, want CANCELLED", got.Status)
	}
	expectStatus(t, h.do(http.MethodDelete, "/api/v2/company/acme/connections/"+c.ID, nil), http.StatusNotFound)
	ledger := mustJSON[Ledger](t, h.do(http.MethodGet, "/_sim/ledger", nil))
	if len(ledger.Connections) != 1 || ledger.Connections[0].ID != c.ID || ledger.Connections[0].WithdrawnAt == nil ||
		ledger.Connections[0].Status != StatusCancelled || ledger.Requests[EndpointDeleteConnection] != 2 {
		t.Fatalf("ledger %+v", ledger)
	}
}

func TestGetPortAndPortConnections(t *testing.T) {
	h := newHarness(t, Options{})
	p := mustJSON[struct {
		ID          string
		Connections []struct{ ID string }
	}](t, h.do(http.MethodGet, "/api/company/acme/ports/"+portHKG, nil))
	if p.ID != portHKG || len(p.Connections) != 1 {
		t.Fatalf("port %+v", p)
	}
	expectStatus(t, h.do(http.MethodGet, "/api/company/acme/ports/"+portGlobex, nil), http.StatusNotFound)
	expectStatus(t, h.do(http.MethodGet, "/api/company/acme/ports/"+portGlobex+"/connections", nil), http.StatusNotFound)
	for range 3 {
		h.create(with(p2pRequest("ON-PORT"), "speed", 10))
	}
	for _, tt := range []struct {
		query      string
		items, all int
	}{{"", 4, 4}, {"?count=3", 3, 4}, {"?count=3&page=2", 1, 4}} {
		page := mustJSON[struct {
			Results []wireConnection
			Count   int
		}](t, h.do(http.MethodGet, "/api/company/acme/ports/"+portHKG+"/connections"+tt.query, nil))
		if len(page.Results) != tt.items || page.Count != tt.all || page.Results[0].SrcPortID == "" {
			t.Errorf("%q: %d of %d: %+v", tt.query, len(page.Results), page.Count, page.Results)
		}
	}
}
