package ccapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

// Fixture ids (ccapisim/testdata/fixture.json).
const (
	simKey      = "sim-test-key-7f3a9"
	acmeHKG     = "601000000000000000000001"
	acmeSIN     = "601000000000000000000002"
	acmeSmall   = "601000000000000000000003"
	metroHKG    = "5d1000000000000000000001"
	regionAPAC  = "5c1000000000000000000001"
	dcfHKG      = "5f10000000000000000000a1"
	legacyConn  = "6a1000000000000000000001"
	globexHKG   = "601000000000000000000011"
	initechLON  = "601000000000000000000021"
	activeAfter = time.Minute
)

type simEnv struct {
	sim    *ccapisim.Server
	client *ccapi.Client
	now    *time.Time
}

func newSim(t *testing.T) *simEnv {
	t.Helper()
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	e := &simEnv{now: &now}
	e.sim = ccapisim.New(ccapisim.DefaultFixture(), ccapisim.Options{
		APIKey: simKey, ActivationDelay: activeAfter, AutoApproveDelay: activeAfter, Seed: 1,
		Now: func() time.Time { return *e.now },
	})
	srv := httptest.NewServer(e.sim)
	t.Cleanup(srv.Close)
	c, err := ccapi.NewClient(srv.URL, simKey, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	return e
}

func (e *simEnv) advance(d time.Duration) { *e.now = e.now.Add(d) }

func p2pRequest(name string) ccapi.CreateLayer2Request {
	return ccapi.CreateLayer2Request{Name: name, PortID: acmeHKG, DestPortID: acmeSIN, DestCompany: "acme",
		DestMetroID: "5d1000000000000000000002", Duration: 1, DurationUnit: "m", PaymentType: "invoice",
		ClassOfService: "SILVER", SpeedMbps: 100, Evergreen: true}
}

func b2bRequest(name, company string) ccapi.CreateLayer2Request {
	return ccapi.CreateLayer2Request{Name: name, PortID: acmeHKG, DestCompany: company, DestDCF: dcfHKG,
		DestMetroID: metroHKG, DestRegionID: regionAPAC, Duration: 1, DurationUnit: "m", PaymentType: "invoice",
		ClassOfService: "SILVER", SpeedMbps: 100, Evergreen: true}
}

func TestClientAgainstSimulator(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, e *simEnv)
	}{
		{"list ports", func(t *testing.T, e *simEnv) {
			ports, err := e.client.ListPorts(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			var hkg *ccapi.Port
			for i := range ports {
				if ports[i].ID == acmeHKG {
					hkg = &ports[i]
				}
			}
			if len(ports) != 6 || hkg == nil || hkg.Status != "ACTIVE" || hkg.MetroID != metroHKG ||
				hkg.Capacity.Remaining != 800 || !hkg.SupportsLayer2() || len(hkg.Connections) != 1 ||
				hkg.Connections[0].ID != legacyConn || hkg.Connections[0].Speed.Mbps != 200 {
				t.Errorf("ports %+v", hkg)
			}
		}},
		{"metro capabilities", func(t *testing.T, e *simEnv) {
			metros, err := e.client.MetroCapabilities(ctx, "globex")
			if err != nil {
				t.Fatal(err)
			}
			layer2 := map[string]bool{}
			for _, m := range metros {
				layer2[m.Code] = m.Capabilities.Layer2
			}
			if len(metros) != 3 || !layer2["HKG"] || layer2["SYD"] {
				t.Errorf("metros %+v", metros)
			}
		}},
		{"DCF search", func(t *testing.T, e *simEnv) {
			dcfs, err := e.client.SearchDCFs(ctx, ccapi.DCFFilter{Where: map[string]any{
				"dataCenterFacility.metroId": metroHKG, "dataCenterFacility.ready": true}, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(dcfs) != 2 || dcfs[0].ID != dcfHKG || !dcfs[0].Facility.Ready || len(dcfs[0].Company.Addresses) == 0 {
				t.Errorf("dcfs %+v", dcfs)
			}
		}},
		{"create, read, list and delete", func(t *testing.T, e *simEnv) {
			conn, err := e.client.CreateLayer2(ctx, "acme", p2pRequest("T-1"))
			if err != nil {
				t.Fatal(err)
			}
			if conn.Status != ccapi.StatusCreating || conn.SrcPortID != acmeHKG || conn.Speed.Mbps != 100 || conn.CreatedAt.IsZero() {
				t.Errorf("created %+v", conn)
			}
			e.advance(activeAfter)
			got, err := e.client.GetConnection(ctx, "acme", conn.ID)
			if err != nil || got.Status != ccapi.StatusActive {
				t.Errorf("read %+v, %v", got, err)
			}
			page, err := e.client.ListConnections(ctx, "acme", ccapi.ListConnectionsOptions{Count: 100})
			if err != nil || page.Count != 2 || len(page.Results) != 2 {
				t.Errorf("list %+v, %v", page, err)
			}
			active, err := e.client.ListConnections(ctx, "acme", ccapi.ListConnectionsOptions{Status: ccapi.StatusActive, Page: 2, Count: 1})
			if err != nil || len(active.Results) != 1 || active.Count != 2 {
				t.Errorf("second page of ACTIVE %+v, %v", active, err)
			}
			if err := e.client.DeleteConnection(ctx, "acme", conn.ID); err != nil {
				t.Fatal(err)
			}
			if got, _ := e.client.GetConnection(ctx, "acme", conn.ID); got.Status != ccapi.StatusDeleted {
				t.Errorf("after delete %+v", got)
			}
			if err := e.client.DeleteConnection(ctx, "acme", conn.ID); !ccapi.IsNotFound(err) {
				t.Errorf("second delete: %v", err)
			}
		}},
		{"approve", func(t *testing.T, e *simEnv) {
			conn, err := e.client.CreateLayer2(ctx, "acme", b2bRequest("T-B2B", "initech"))
			if err != nil {
				t.Fatal(err)
			}
			if conn.Status != ccapi.StatusPending {
				t.Errorf("created %+v", conn)
			}
			approved, err := e.client.ApproveConnection(ctx, "initech", conn.ID)
			if err != nil || approved.Status != ccapi.StatusAccepted {
				t.Fatalf("approve %+v, %v", approved, err)
			}
			e.advance(activeAfter)
			if got, _ := e.client.GetConnection(ctx, "acme", conn.ID); got.Status != ccapi.StatusActive {
				t.Errorf("after approval %+v", got)
			}
		}},
		{"reject", func(t *testing.T, e *simEnv) {
			conn, err := e.client.CreateLayer2(ctx, "acme", b2bRequest("T-B2B", "initech"))
			if err != nil {
				t.Fatal(err)
			}
			rejected, err := e.client.RejectConnection(ctx, "initech", conn.ID)
			if err != nil || rejected.Status != ccapi.StatusDenied || !strings.Contains(rejected.ErrorReason, "initech") {
				t.Errorf("reject %+v, %v", rejected, err)
			}
			if _, err := e.client.ApproveConnection(ctx, "acme", conn.ID); !ccapi.IsPermanent(err) {
				t.Errorf("the source approving its own request: %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newSim(t)) })
	}
}

// Every error the simulator answers with arrives as a classified
// *APIError with the API's own message, and never shows the key.
func TestSimulatorErrors(t *testing.T) {
	ctx := context.Background()
	tooFast := p2pRequest("T-FAST")
	tooFast.SpeedMbps = 5000
	creditcard := p2pRequest("T-CC")
	creditcard.PaymentType = "creditcard"
	foreign := p2pRequest("T-FOREIGN")
	foreign.DestPortID = globexHKG
	tests := []struct {
		name   string
		call   func(c *ccapi.Client) error
		status int
		msg    string
	}{
		{"wrong key", func(c *ccapi.Client) error {
			bad, _ := ccapi.NewClient(c.BaseURL.String(), "wrong-key", c.HTTPClient)
			_, err := bad.ListPorts(ctx, "acme")
			return err
		}, 401, "not logged in"},
		{"unknown company", func(c *ccapi.Client) error { _, err := c.ListPorts(ctx, "nobody"); return err }, 404, "company"},
		{"unknown connection", func(c *ccapi.Client) error { _, err := c.GetConnection(ctx, "acme", "nope"); return err }, 404, "not found"},
		{"speed above capacity", func(c *ccapi.Client) error { _, err := c.CreateLayer2(ctx, "acme", tooFast); return err }, 400, "remaining capacity"},
		{"credit card", func(c *ccapi.Client) error { _, err := c.CreateLayer2(ctx, "acme", creditcard); return err }, 400, "creditcard"},
		{"foreign destination port", func(c *ccapi.Client) error { _, err := c.CreateLayer2(ctx, "acme", foreign); return err }, 400, "not owned"},
		{"bad DCF filter", func(c *ccapi.Client) error {
			_, err := c.SearchDCFs(ctx, ccapi.DCFFilter{Where: map[string]any{"colour": "blue"}})
			return err
		}, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSim(t)
			err := tt.call(e.client)
			var apiErr *ccapi.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if apiErr.StatusCode != tt.status || !strings.Contains(apiErr.Message, tt.msg) || apiErr.RequestID == "" {
				t.Errorf("got %+v", apiErr)
			}
			if !ccapi.IsPermanent(err) || ccapi.IsRetryable(err) {
				t.Errorf("%d classified retryable", tt.status)
			}
			if strings.Contains(err.Error(), simKey) {
				t.Errorf("error shows the key: %v", err)
			}
			if got := e.sim.ConnectionsCreated("acme", "T-FAST") + e.sim.ConnectionsCreated("acme", "T-CC"); got != 0 {
				t.Errorf("%d connections created by a rejected PUT", got)
			}
		})
	}
}

func TestFaultModesReachTheClient(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		faults ccapisim.Faults
		check  func(t *testing.T, e *simEnv, err error)
	}{
		{"5xx", ccapisim.Faults{ErrorRate: 1}, func(t *testing.T, _ *simEnv, err error) {
			var apiErr *ccapi.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode < 500 || !ccapi.IsRetryable(err) {
				t.Errorf("error %v", err)
			}
		}},
		{"429 with Retry-After", ccapisim.Faults{ThrottleRate: 1, RetryAfter: 3 * time.Second}, func(t *testing.T, _ *simEnv, err error) {
			if d, ok := ccapi.RetryAfter(err); !ok || d != 3*time.Second || !ccapi.IsRetryable(err) {
				t.Errorf("error %v (retry after %v)", err, d)
			}
		}},
		{"rate limit", ccapisim.Faults{RateLimit: 1}, func(t *testing.T, e *simEnv, err error) {
			// The first request fits the burst; the limit answers the second.
			_, err = e.client.ListPorts(ctx, "acme")
			if d, ok := ccapi.RetryAfter(err); !ok || d <= 0 {
				t.Errorf("second request: %v", err)
			}
		}},
		{"latency", ccapisim.Faults{Latency: time.Second}, func(t *testing.T, e *simEnv, err error) {
			short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			_, err = e.client.ListPorts(short, "acme")
			var tErr *ccapi.TransportError
			if !errors.As(err, &tErr) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v", err)
			}
		}},
		{"commit then 502", ccapisim.Faults{CommitThenDrop: 1, DropMode: ccapisim.DropWith502}, func(t *testing.T, e *simEnv, _ error) {
			_, err := e.client.CreateLayer2(ctx, "acme", p2pRequest("T-DROP"))
			var apiErr *ccapi.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadGateway || !ccapi.IsRetryable(err) {
				t.Errorf("error %v", err)
			}
			if n := e.sim.ConnectionsCreated("acme", "T-DROP"); n != 1 {
				t.Errorf("created %d, want 1 despite the error", n)
			}
		}},
		{"commit then cut", ccapisim.Faults{CommitThenDrop: 1, DropMode: ccapisim.DropCut}, func(t *testing.T, e *simEnv, _ error) {
			_, err := e.client.CreateLayer2(ctx, "acme", p2pRequest("T-CUT"))
			var tErr *ccapi.TransportError
			if !errors.As(err, &tErr) || !ccapi.IsRetryable(err) {
				t.Errorf("error %v", err)
			}
			if n := e.sim.ConnectionsCreated("acme", "T-CUT"); n != 1 {
				t.Errorf("created %d, want 1 despite the error", n)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSim(t)
			e.sim.SetFaults(tt.faults)
			_, err := e.client.ListPorts(ctx, "acme")
			tt.check(t, e, err)
		})
	}
}

// The simulator reads the correlation header the client sends: the ledger
// names the order behind each connection and each change.
func TestCorrelationReachesTheLedger(t *testing.T) {
	if ccapi.CorrelationHeader != ccapisim.CorrelationHeader {
		t.Fatalf("the client sends %s, the simulator reads %s", ccapi.CorrelationHeader, ccapisim.CorrelationHeader)
	}
	e := newSim(t)
	created, err := e.client.CreateLayer2(ccapi.WithCorrelationID(context.Background(), "ORDER-1"), "acme", p2pRequest("CORRELATED"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.client.DeleteConnection(ccapi.WithCorrelationID(context.Background(), "ORDER-2"), "acme", created.ID); err != nil {
		t.Fatal(err)
	}
	l := e.sim.Ledger()
	if len(l.Connections) != 1 || l.Connections[0].OrderID != "ORDER-1" {
		t.Errorf("connections %+v, want one made by ORDER-1", l.Connections)
	}
	if ch := l.ChangesTo(created.ID); len(ch) != 1 || ch[0].OrderID != "ORDER-2" {
		t.Errorf("changes %+v, want a delete by ORDER-2", ch)
	}
}
