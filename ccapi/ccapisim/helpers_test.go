package ccapisim

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

const testKey = "test-key"

// Fixture ids used across the tests.
const (
	metroHKG = "5d1000000000000000000001"
	metroSIN = "5d1000000000000000000002"
	metroLON = "5d1000000000000000000003"
	metroSYD = "5d1000000000000000000004"
	regionAP = "5c1000000000000000000001"
	regionEU = "5c1000000000000000000002"

	dcfHKG05    = "5f10000000000000000000a1"
	dcfMega     = "5f10000000000000000000a2"
	dcfSIN01    = "5f10000000000000000000b1"
	dcfLDN01    = "5f10000000000000000000c1"
	portHKG     = "601000000000000000000001"
	portSIN     = "601000000000000000000002"
	portSmall   = "601000000000000000000003"
	portDisable = "601000000000000000000004"
	portL3Only  = "601000000000000000000005"
	portFaulty  = "601000000000000000000006"
	portGlobex  = "601000000000000000000011"
	portInitech = "601000000000000000000021"
	legacyConn  = "6a1000000000000000000001"
)

var epoch = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// harness is a simulator behind a real HTTP server, driven by a fake clock.
type harness struct {
	t     *testing.T
	sim   *Server
	http  *httptest.Server
	clock *fakeClock
}

// newHarness starts the default fixture with 10s activation, 5s auto-approve
// and the fake clock, unless opts says otherwise.
func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	return newHarnessWithFixture(t, DefaultFixture(), opts)
}

// newHarnessWithFixture is newHarness on another world.
func newHarnessWithFixture(t *testing.T, fx *Fixture, opts Options) *harness {
	t.Helper()
	clock := &fakeClock{now: epoch}
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.ActivationDelay == 0 {
		opts.ActivationDelay = 10 * time.Second
	}
	if opts.AutoApproveDelay == 0 {
		opts.AutoApproveDelay = 5 * time.Second
	}
	sim := New(fx, opts)
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	return &harness{t: t, sim: sim, http: ts, clock: clock}
}

// response is what a test needs from an HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends an authenticated request; body may be nil, a string (sent
// verbatim) or anything JSON-encodable.
func (h *harness) do(method, path string, body any) response {
	h.t.Helper()
	return h.doWithKey(method, path, body, testKey)
}

func (h *harness) doWithKey(method, path string, body any, key string) response {
	h.t.Helper()
	req, err := http.NewRequest(method, h.http.URL+path, encodeBody(h.t, body))
	if err != nil {
		h.t.Fatalf("new request: %v", err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := h.http.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatalf("read body: %v", err)
	}
	return response{res.StatusCode, res.Header, data}
}

func encodeBody(t *testing.T, body any) io.Reader {
	t.Helper()
	switch b := body.(type) {
	case nil:
		return nil
	case string:
		return bytes.NewBufferString(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode body: %v", err)
		}
		return bytes.NewReader(data)
	}
}

// mustJSON decodes a response body, failing the test on bad JSON.
func mustJSON[T any](t *testing.T, res response) T {
	t.Helper()
	var out T
	if err := json.Unmarshal(res.body, &out); err != nil {
		t.Fatalf("decode %T from %d %s: %v", out, res.status, res.body, err)
	}
	return out
}

// expectStatus fails unless the response has the wanted status.
func expectStatus(t *testing.T, res response, want int) {
	t.Helper()
	if res.status != want {
		t.Fatalf("status = %d, want %d; body %s", res.status, want, res.body)
	}
}

// wireConnection holds the ConnectionModel fields the tests look at.
type wireConnection struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Status string `json:"status"`
	Speed  struct {
		Value int    `json:"value"`
		Name  string `json:"name"`
	} `json:"speed"`
	SrcPortID      string  `json:"srcPortId"`
	DestPortID     *string `json:"destPortId"`
	SrcCompany     string  `json:"srcCompany"`
	DestCompany    string  `json:"destCompany"`
	DestMetroID    string  `json:"destMetroId"`
	DestDCF        *string `json:"destDcf"`
	SrcRegionID    string  `json:"srcRegionId"`
	DestRegionID   string  `json:"destRegionId"`
	ClassOfService string  `json:"classOfService"`
	PaymentType    string  `json:"paymentType"`
	Duration       float64 `json:"duration"`
	DurationUnit   string  `json:"durationUnit"`
	Evergreen      bool    `json:"evergreen"`
	ErrorReason    *string `json:"errorReason"`
	CreatedAt      string  `json:"createdAt"`
	UpdatedAt      string  `json:"updatedAt"`
	// Request is the change request; nil when the answer has none.
	Request *wireChangeRequest `json:"request"`
}

// wireChangeRequest is connection.request.
type wireChangeRequest struct {
	Status       string  `json:"status"`
	Speed        int     `json:"speed"`
	SrcApproval  *string `json:"srcApproval"`
	DestApproval *string `json:"destApproval"`
	UpdatedAt    string  `json:"updatedAt"`
}

// loopbackErr is the {"error":{statusCode,name,message}} shape.
type loopbackErr struct {
	Error struct {
		StatusCode int    `json:"statusCode"`
		Name       string `json:"name"`
		Message    string `json:"message"`
	} `json:"error"`
}

// p2pRequest is the port-to-port body of the API guide, ACME HKG -> SIN.
func p2pRequest(name string) map[string]any {
	return map[string]any{
		"name": name, "portId": portHKG, "destPortId": portSIN, "destCompany": "acme", "destMetroId": metroSIN,
		"duration": 1, "durationUnit": "m", "paymentType": "invoice", "classOfService": "SILVER",
		"speed": 100, "type": "LAYER2", "evergreen": true,
	}
}

// b2bRequest is the business-to-business body of the API guide from ACME HKG.
func b2bRequest(name, destCompany, destMetro string) map[string]any {
	return map[string]any{
		"name": name, "portId": portHKG, "destCompany": destCompany, "destMetroId": destMetro,
		"destRegionId": regionAP, "duration": 1, "durationUnit": "m", "paymentType": "invoice",
		"classOfService": "SILVER", "speed": 100, "type": "LAYER2", "evergreen": true,
	}
}

// with returns a copy of body with key set (or removed when value is nil).
func with(body map[string]any, key string, value any) map[string]any {
	out := maps.Clone(body)
	if value == nil {
		delete(out, key)
	} else {
		out[key] = value
	}
	return out
}

// create PUTs a layer2 request for acme and returns the connection.
func (h *harness) create(body map[string]any) wireConnection {
	h.t.Helper()
	res := h.do(http.MethodPut, "/api/v2/company/acme/connections/layer2", body)
	expectStatus(h.t, res, http.StatusOK)
	return mustJSON[wireConnection](h.t, res)
}

// get reads a connection as company.
func (h *harness) get(company, id string) wireConnection {
	h.t.Helper()
	res := h.do(http.MethodGet, "/api/v2/company/"+company+"/connections/"+id, nil)
	expectStatus(h.t, res, http.StatusOK)
	return mustJSON[wireConnection](h.t, res)
}

// remaining returns capacity.remaining of an acme port.
func (h *harness) remaining(portID string) int {
	h.t.Helper()
	res := h.do(http.MethodGet, "/api/company/acme/ports?deleted=false", nil)
	expectStatus(h.t, res, http.StatusOK)
	ports := mustJSON[struct {
		Results []struct {
			ID       string `json:"id"`
			Capacity struct {
				Remaining int `json:"remaining"`
			} `json:"capacity"`
		} `json:"results"`
	}](h.t, res)
	for _, p := range ports.Results {
		if p.ID == portID {
			return p.Capacity.Remaining
		}
	}
	h.t.Fatalf("port %s not listed", portID)
	return 0
}
