package ccapisim_test

// These tests drive the simulator's change endpoints through the real
// client, so the two implementations of the wire format meet. They live in
// an external test package: the simulator itself must not import ccapi.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

const (
	clientKey   = "client-test-key"
	acmeHKG     = "601000000000000000000001"
	metroHKG    = "5d1000000000000000000001"
	regionAPAC  = "5c1000000000000000000001"
	legacyConn  = "6a1000000000000000000001"
	acmeID      = "5e1000000000000000000001"
	initechID   = "5e1000000000000000000003"
	activeAfter = time.Minute
)

// clientEnv is a simulator on a settable clock and a client for it.
type clientEnv struct {
	sim    *ccapisim.Server
	client *ccapi.Client
	mu     sync.Mutex
	now    time.Time
}

func newClientEnv(t *testing.T) *clientEnv {
	t.Helper()
	e := &clientEnv{now: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	e.sim = ccapisim.New(ccapisim.DefaultFixture(), ccapisim.Options{
		APIKey: clientKey, ActivationDelay: activeAfter, AutoApproveDelay: activeAfter, Seed: 1, Now: e.clock,
	})
	srv := httptest.NewServer(e.sim)
	t.Cleanup(srv.Close)
	client, err := ccapi.NewClient(srv.URL, clientKey, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	e.client = client
	return e
}

func (e *clientEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *clientEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

// activeToInitech is an ACTIVE 100 Mbps connection from ACME HKG to
// initech, which never decides by itself.
func (e *clientEnv) activeToInitech(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	conn, err := e.client.CreateLayer2(ctx, "acme", ccapi.CreateLayer2Request{
		Name: "TO-INITECH", PortID: acmeHKG, DestCompany: "initech", DestMetroID: metroHKG, DestRegionID: regionAPAC,
		Duration: 1, DurationUnit: "m", PaymentType: "invoice", ClassOfService: "SILVER", SpeedMbps: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ApproveConnection(ctx, "initech", conn.ID); err != nil {
		t.Fatal(err)
	}
	e.advance(activeAfter)
	return conn.ID
}

func (e *clientEnv) remaining(t *testing.T) int {
	t.Helper()
	port, err := e.client.GetPort(context.Background(), "acme", acmeHKG)
	if err != nil {
		t.Fatal(err)
	}
	return port.Capacity.Remaining
}

// wantAPIError fails unless err is a permanent *ccapi.APIError with that
// status and a message containing msg, and proves nothing was done.
func wantAPIError(t *testing.T, err error, status int, msg string) {
	t.Helper()
	var apiErr *ccapi.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != status || !strings.Contains(apiErr.Message, msg) {
		t.Fatalf("error %v, want %d with %q", err, status, msg)
	}
	if !ccapi.IsPermanent(err) || ccapi.EffectOf(err) != ccapi.EffectNone {
		t.Errorf("%v: not permanent, or not proof that nothing changed", err)
	}
}

func TestClientChangesConnections(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, e *clientEnv)
	}{
		{"a self-connection takes a new speed at once", func(t *testing.T, e *clientEnv) {
			got, err := e.client.UpdateConnection(ctx, "acme", legacyConn, ccapi.UpdateConnectionRequest{SpeedMbps: 600})
			if err != nil {
				t.Fatal(err)
			}
			if got.Speed.Mbps != 600 || got.SrcCompany != "acme" || got.DestCompany != "acme" || got.Request != nil {
				t.Errorf("updated %+v", got)
			}
			if r := e.remaining(t); r != 400 {
				t.Errorf("remaining %d, want 400", r)
			}
			_, err = e.client.UpdateConnection(ctx, "acme", legacyConn, ccapi.UpdateConnectionRequest{SpeedMbps: 1001})
			wantAPIError(t, err, http.StatusBadRequest, "remaining capacity")
		}},
		{"a connection to another company is only slowed down by an update", func(t *testing.T, e *clientEnv) {
			id := e.activeToInitech(t)
			_, err := e.client.UpdateConnection(ctx, "acme", id, ccapi.UpdateConnectionRequest{SpeedMbps: 200})
			wantAPIError(t, err, http.StatusBadRequest, "change request")
			got, err := e.client.UpdateConnection(ctx, "acme", id, ccapi.UpdateConnectionRequest{SpeedMbps: 50})
			if err != nil || got.Speed.Mbps != 50 || got.SrcCompany != "acme" || got.DestCompany != "initech" {
				t.Fatalf("slowed down: %+v, %v", got, err)
			}
			_, err = e.client.UpdateConnection(ctx, "initech", id, ccapi.UpdateConnectionRequest{SpeedMbps: 40})
			wantAPIError(t, err, http.StatusForbidden, "not authorized")
		}},
		{"a change request approved by the other party", func(t *testing.T, e *clientEnv) {
			id := e.activeToInitech(t)
			asked, err := e.client.RequestChange(ctx, "acme", id, 300)
			if err != nil {
				t.Fatal(err)
			}
			want := ccapi.ChangeRequest{Status: ccapi.ChangeRequestPending, SpeedMbps: 300, SrcApproval: acmeID, UpdatedAt: e.clock()}
			if asked.Speed.Mbps != 100 || asked.Request == nil || *asked.Request != want {
				t.Fatalf("asked %+v, request %+v; want request %+v", asked, asked.Request, want)
			}
			if r := e.remaining(t); r != 500 {
				t.Errorf("remaining %d while pending, want 500: the increase is reserved", r)
			}
			_, err = e.client.ApproveChange(ctx, "acme", id)
			wantAPIError(t, err, http.StatusBadRequest, "already approved")
			approved, err := e.client.ApproveChange(ctx, "initech", id)
			if err != nil {
				t.Fatal(err)
			}
			if approved.Speed.Mbps != 300 || approved.Request.Status != ccapi.ChangeRequestApproved ||
				approved.Request.SrcApproval != acmeID || approved.Request.DestApproval != initechID {
				t.Errorf("approved %+v, request %+v", approved, approved.Request)
			}
			if r := e.remaining(t); r != 500 {
				t.Errorf("remaining %d, want 500", r)
			}
		}},
		{"withdrawn by its requester, rejected by the other party", func(t *testing.T, e *clientEnv) {
			id := e.activeToInitech(t)
			for _, tt := range []struct{ by, want string }{{"acme", ccapi.ChangeRequestWithdrawn}, {"initech", ccapi.ChangeRequestRejected}} {
				if _, err := e.client.RequestChange(ctx, "acme", id, 300); err != nil {
					t.Fatal(err)
				}
				got, err := e.client.CancelChange(ctx, tt.by, id)
				if err != nil || got.Request.Status != tt.want || got.Speed.Mbps != 100 {
					t.Errorf("cancelled by %s: %+v, %v; want %s", tt.by, got, err, tt.want)
				}
				if r := e.remaining(t); r != 700 {
					t.Errorf("remaining %d, want the reservation back: 700", r)
				}
			}
			_, err := e.client.CancelChange(ctx, "acme", id)
			wantAPIError(t, err, http.StatusBadRequest, "no pending change request")
		}},
		{"accepted at a lower speed by the other party", func(t *testing.T, e *clientEnv) {
			id := e.activeToInitech(t)
			if _, err := e.client.RequestChange(ctx, "acme", id, 500); err != nil {
				t.Fatal(err)
			}
			if err := e.sim.ApproveChangeAsPartner(id, 250); err != nil {
				t.Fatal(err)
			}
			got, err := e.client.GetConnection(ctx, "acme", id)
			if err != nil || got.Speed.Mbps != 250 || got.Request.Status != ccapi.ChangeRequestApproved || got.Request.SpeedMbps != 250 {
				t.Fatalf("%+v, %v", got, err)
			}
			if r := e.remaining(t); r != 550 {
				t.Errorf("remaining %d, want 550", r)
			}
		}},
		{"a self-connection has no change requests", func(t *testing.T, e *clientEnv) {
			_, err := e.client.RequestChange(ctx, "acme", legacyConn, 300)
			wantAPIError(t, err, http.StatusBadRequest, "update it directly")
		}},
		{"deleted, it reads DELETED until the end", func(t *testing.T, e *clientEnv) {
			id := e.activeToInitech(t)
			if err := e.client.DeleteConnection(ctx, "acme", id); err != nil {
				t.Fatal(err)
			}
			e.advance(365 * 24 * time.Hour)
			got, err := e.client.GetConnection(ctx, "acme", id)
			if err != nil || got.Status != ccapi.StatusDeleted {
				t.Fatalf("%+v, %v", got, err)
			}
			wantAPIError(t, e.client.DeleteConnection(ctx, "acme", id), http.StatusNotFound, "not found")
			_, err = e.client.UpdateConnection(ctx, "acme", id, ccapi.UpdateConnectionRequest{SpeedMbps: 50})
			if !ccapi.IsNotFound(err) {
				t.Errorf("update of a deleted connection: %v", err)
			}
			if n := e.sim.ChangeCalls(id, ccapisim.EndpointDeleteConnection); n != 1 {
				t.Errorf("%d deletes took effect, want 1", n)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newClientEnv(t)) })
	}
}

// A change whose answer is lost is made all the same: the client cannot
// tell, and the ledger can.
func TestClientLosesTheAnswerOfACommittedChange(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		endpoint string
		call     func(e *clientEnv, id string) error
		check    func(got *ccapi.Connection) bool
	}{
		{ccapisim.EndpointUpdateConnection, func(e *clientEnv, id string) error {
			_, err := e.client.UpdateConnection(ctx, "acme", id, ccapi.UpdateConnectionRequest{SpeedMbps: 50})
			return err
		}, func(got *ccapi.Connection) bool { return got.Speed.Mbps == 50 }},
		{ccapisim.EndpointRequestChange, func(e *clientEnv, id string) error {
			_, err := e.client.RequestChange(ctx, "acme", id, 300)
			return err
		}, func(got *ccapi.Connection) bool {
			return got.Request != nil && got.Request.Status == ccapi.ChangeRequestPending
		}},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			e := newClientEnv(t)
			id := e.activeToInitech(t)
			e.sim.SetFaults(ccapisim.Faults{Endpoints: map[string]ccapisim.Faults{tt.endpoint: {CommitThenErrorRate: 1}}})
			err := tt.call(e, id)
			if ccapi.EffectOf(err) != ccapi.EffectUnknown || !ccapi.IsRetryable(err) {
				t.Fatalf("error %v, want a retryable one of unknown effect", err)
			}
			got, err := e.client.GetConnection(ctx, "acme", id)
			if err != nil || !tt.check(got) {
				t.Fatalf("connection %+v, %v: the change was not made", got, err)
			}
			if n := e.sim.ChangeCalls(id, tt.endpoint); n != 1 {
				t.Errorf("ledger has %d, want 1", n)
			}
		})
	}
}
