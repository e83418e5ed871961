package ccapisim

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

const portsPath = "/api/company/acme/ports"

func TestErrorRateAnswers5xx(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{ErrorRate: 1}, Seed: 7})
	seen := map[int]bool{}
	for range 30 {
		res := h.do(http.MethodPut, "/api/v2/company/acme/connections/layer2", p2pRequest("FAULTED"))
		seen[res.status] = true
		switch res.status {
		case http.StatusBadGateway:
			if !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") || json.Valid(res.body) {
				t.Errorf("502 should be an HTML page, got %q: %s", res.header.Get("Content-Type"), res.body)
			}
		case http.StatusGatewayTimeout:
			if !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
				t.Errorf("504 should come from the load balancer as HTML, got %q", res.header.Get("Content-Type"))
			}
		case http.StatusInternalServerError, http.StatusServiceUnavailable:
			if got := mustJSON[loopbackErr](t, res); got.Error.StatusCode != res.status {
				t.Errorf("body = %s", res.body)
			}
		default:
			t.Fatalf("status %d, want a 5xx", res.status)
		}
	}
	if !seen[500] || !seen[502] || !seen[503] || !seen[504] {
		t.Errorf("statuses seen = %v, want 500, 502, 503 and 504", seen)
	}
	if n := h.sim.ConnectionsCreated("acme", "FAULTED"); n != 0 {
		t.Errorf("faulted requests created %d connections", n)
	}
	if n := h.sim.RequestCount(EndpointCreateLayer2); n != 30 {
		t.Errorf("faulted requests counted %d times, want 30", n)
	}
}

func TestThrottleRateAnswers429(t *testing.T) {
	tests := []struct {
		retryAfter time.Duration
		want       string
	}{
		{2500 * time.Millisecond, "3"},
		{2 * time.Second, "2"},
		{0, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.retryAfter.String(), func(t *testing.T) {
			h := newHarness(t, Options{Faults: Faults{ThrottleRate: 1, RetryAfter: tt.retryAfter}})
			res := h.do(http.MethodGet, portsPath, nil)
			expectStatus(t, res, http.StatusTooManyRequests)
			if got := res.header.Get("Retry-After"); got != tt.want {
				t.Errorf("Retry-After = %q, want %q", got, tt.want)
			}
			if got := mustJSON[loopbackErr](t, res); got.Error.StatusCode != 429 {
				t.Errorf("body = %s", res.body)
			}
		})
	}
}

func TestLatencyIsAdded(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{Latency: 150 * time.Millisecond}})
	start := time.Now()
	expectStatus(t, h.do(http.MethodGet, portsPath, nil), http.StatusOK)
	if elapsed := time.Since(start); elapsed < 150*time.Millisecond {
		t.Fatalf("request took %v, want at least 150ms", elapsed)
	}
	start = time.Now()
	expectStatus(t, h.do(http.MethodGet, "/_sim/stats", nil), http.StatusOK)
	if elapsed := time.Since(start); elapsed >= 150*time.Millisecond {
		t.Errorf("admin route was delayed by %v", elapsed)
	}
}

func TestLatencyRespectsCancellation(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{Latency: time.Minute}})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.http.URL+portsPath, nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	start := time.Now()
	if res, err := h.http.Client().Do(req); err == nil {
		res.Body.Close()
		t.Fatal("request succeeded despite a minute of latency")
	}
	// Closing the test server waits for the handler, so this also proves the
	// handler stopped waiting when the client went away.
	h.http.Close()
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("handler kept sleeping after cancellation (%v)", elapsed)
	}
}

func TestCommitThenDrop(t *testing.T) {
	tests := []struct {
		mode     DropMode
		wantCut  bool
		wantCode int
	}{
		{DropWith502, false, http.StatusBadGateway},
		{"", false, http.StatusBadGateway}, // 502 is the default mode
		{DropCut, true, 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			h := newHarness(t, Options{Faults: Faults{CommitThenDrop: 1, DropMode: tt.mode}})
			// A rejected PUT does not use up the drop.
			expectStatus(t, h.do(http.MethodPut, "/api/v2/company/acme/connections/layer2", with(p2pRequest("X"), "speed", 0)), 400)

			body := encodeBody(t, p2pRequest("DROPPED"))
			req, _ := http.NewRequest(http.MethodPut, h.http.URL+"/api/v2/company/acme/connections/layer2", body)
			req.Header.Set("Authorization", "Bearer "+testKey)
			res, err := h.http.Client().Do(req)
			if tt.wantCut {
				if err == nil {
					res.Body.Close()
					t.Fatalf("got status %d, want a transport error", res.StatusCode)
				}
			} else {
				if err != nil {
					t.Fatalf("transport error %v, want %d", err, tt.wantCode)
				}
				res.Body.Close()
				if res.StatusCode != tt.wantCode || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
					t.Fatalf("status %d %q, want %d HTML", res.StatusCode, res.Header.Get("Content-Type"), tt.wantCode)
				}
			}
			if n := h.sim.ConnectionsCreated("acme", "DROPPED"); n != 1 {
				t.Fatalf("ConnectionsCreated = %d, want 1", n)
			}
			page := mustJSON[connectionPage](t, h.do(http.MethodGet, "/api/v2/company/acme/connections?status=CREATING", nil))
			if page.Count != 1 || page.Results[0].Name != "DROPPED" {
				t.Fatalf("stored connections = %+v", page.Results)
			}
			if r := h.remaining(portHKG); r != 700 {
				t.Errorf("remaining = %d, want 700", r)
			}
			// Only N creations are dropped.
			h.create(p2pRequest("AFTER"))
			if f := h.sim.currentFaults(); f.CommitThenDrop != 0 {
				t.Errorf("CommitThenDrop left = %d", f.CommitThenDrop)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{RateLimit: 2}})
	statuses := func(n int) []int {
		var out []int
		for range n {
			out = append(out, h.do(http.MethodGet, portsPath, nil).status)
		}
		return out
	}
	if got := statuses(3); !slices.Equal(got, []int{200, 200, 429}) {
		t.Fatalf("burst statuses = %v, want [200 200 429]", got)
	}
	res := h.do(http.MethodGet, portsPath, nil)
	if res.status != 429 || res.header.Get("Retry-After") != "1" {
		t.Fatalf("status %d Retry-After %q", res.status, res.header.Get("Retry-After"))
	}
	h.clock.Advance(500 * time.Millisecond) // one token at 2/s
	if got := statuses(2); !slices.Equal(got, []int{200, 429}) {
		t.Fatalf("after 0.5s statuses = %v, want [200 429]", got)
	}
	h.clock.Advance(time.Hour) // refill is capped at the burst
	if got := statuses(3); !slices.Equal(got, []int{200, 200, 429}) {
		t.Fatalf("after an hour statuses = %v, want [200 200 429]", got)
	}
}

func TestSlowRateLimitRetryAfter(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{RateLimit: 0.25}}) // one request per 4s, burst 1
	expectStatus(t, h.do(http.MethodGet, portsPath, nil), 200)
	res := h.do(http.MethodGet, portsPath, nil)
	if res.status != 429 || res.header.Get("Retry-After") != "4" {
		t.Fatalf("status %d Retry-After %q, want 429 and 4", res.status, res.header.Get("Retry-After"))
	}
}

func TestRateLimitComesBeforeRandomFaults(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{RateLimit: 1, ErrorRate: 1}})
	if s := h.do(http.MethodGet, portsPath, nil).status; s < 500 {
		t.Fatalf("first status = %d, want 5xx", s)
	}
	if s := h.do(http.MethodGet, portsPath, nil).status; s != 429 {
		t.Fatalf("second status = %d, want 429 from the rate limiter", s)
	}
}

func TestFaultsAreReproducibleFromTheSeed(t *testing.T) {
	run := func(seed int64) []int {
		h := newHarness(t, Options{Faults: Faults{ErrorRate: 0.3, ThrottleRate: 0.3}, Seed: seed})
		var out []int
		for range 40 {
			out = append(out, h.do(http.MethodGet, portsPath, nil).status)
		}
		return out
	}
	a, b, c := run(42), run(42), run(43)
	if !slices.Equal(a, b) {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("different seeds gave identical fault sequences")
	}
	if !slices.Contains(a, 200) || !slices.Contains(a, 429) {
		t.Errorf("expected a mix of outcomes, got %v", a)
	}
}

func TestSetFaultsAtRuntime(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{ErrorRate: 1}})
	if s := h.do(http.MethodGet, portsPath, nil).status; s < 500 {
		t.Fatalf("status = %d, want 5xx", s)
	}
	h.sim.SetFaults(Faults{})
	expectStatus(t, h.do(http.MethodGet, portsPath, nil), http.StatusOK)
}

func TestFaultsJSON(t *testing.T) {
	f := Faults{ErrorRate: 0.1, ThrottleRate: 0.2, RetryAfter: 1500 * time.Millisecond, Latency: 250 * time.Millisecond,
		CommitThenDrop: 2, DropMode: DropCut, RateLimit: 5}
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"errorRate":0.1,"throttleRate":0.2,"retryAfter":"1.5s","latency":"250ms","rateLimit":5,"commitThenDrop":2,"dropMode":"cut"}`
	if string(data) != want {
		t.Fatalf("marshal = %s, want %s", data, want)
	}
	var back Faults
	if err := json.Unmarshal(data, &back); err != nil || !back.Equal(f) {
		t.Fatalf("round trip = %+v, %v", back, err)
	}
	var partial Faults
	if err := json.Unmarshal([]byte(`{"latency":"2s","retryAfter":1000000000}`), &partial); err != nil ||
		!partial.Equal(Faults{Latency: 2 * time.Second, RetryAfter: time.Second}) {
		t.Fatalf("partial = %+v, %v", partial, err)
	}
	for _, bad := range []string{`{"latency":"soon"}`, `{"errorRat":1}`, `{"latency":true}`} {
		if err := json.Unmarshal([]byte(bad), &partial); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestFaultsValidate(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
		want   string
	}{
		{"zero", Faults{}, ""},
		{"full", Faults{ErrorRate: 1, ThrottleRate: 0.5, DropMode: DropWith502, RateLimit: 3}, ""},
		{"rate above 1", Faults{ErrorRate: 1.5}, "errorRate"},
		{"negative throttle", Faults{ThrottleRate: -0.1}, "throttleRate"},
		{"negative latency", Faults{Latency: -time.Second}, "latency"},
		{"unknown mode", Faults{DropMode: "explode"}, "dropMode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.faults.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want mention of %s", err, tt.want)
			}
		})
	}
}

func TestDropCutFallsBackWithoutHijacker(t *testing.T) {
	rec := &nonHijackable{header: http.Header{}}
	dropResponse(rec, DropCut)
	if rec.status != http.StatusBadGateway {
		t.Fatalf("status = %d, want 502", rec.status)
	}
}

// nonHijackable is a ResponseWriter without Hijack, like an HTTP/2 stream.
type nonHijackable struct {
	header http.Header
	status int
}

func (w *nonHijackable) Header() http.Header         { return w.header }
func (w *nonHijackable) Write(b []byte) (int, error) { return len(b), nil }
func (w *nonHijackable) WriteHeader(status int)      { w.status = status }

func TestSetEndpointFaults(t *testing.T) {
	s := New(nil, Options{APIKey: "k"})
	s.SetFaults(Faults{ErrorRate: 0.1, Endpoints: map[string]Faults{EndpointGetPort: {ThrottleRate: 1}}})
	s.SetEndpointFaults(EndpointDeleteConnection, Faults{CommitThenErrorRate: 1})
	s.SetEndpointFaults(EndpointUpdateConnection, Faults{CommitThenErrorRate: 1})
	s.SetEndpointFaults(EndpointUpdateConnection, Faults{})
	f := s.currentFaults()
	if f.ErrorRate != 0.1 || len(f.Endpoints) != 2 || f.Endpoints[EndpointGetPort].ThrottleRate != 1 || f.Endpoints[EndpointDeleteConnection].CommitThenErrorRate != 1 {
		t.Fatalf("faults %+v", f)
	}
}
