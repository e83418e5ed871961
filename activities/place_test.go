package activities_test

import (
	"net"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

// What one PUT did, as far as its answer tells; the simulator's ledger
// says what really happened.
func TestPlaceLayer2OrderEffects(t *testing.T) {
	tests := []struct {
		name    string
		faults  ccapisim.Faults
		speed   int
		effect  string
		created int
	}{
		{"answered", ccapisim.Faults{}, 100, activities.PutCreated, 1},
		{"refused", ccapisim.Faults{}, 5000, activities.PutRefused, 0},
		{"5xx after the commit", ccapisim.Faults{CommitThenErrorRate: 1}, 100, activities.PutUnknown, 1},
		{"cut after the commit", ccapisim.Faults{CommitThenCutRate: 1}, 100, activities.PutUnknown, 1},
		{"2xx that does not decode", ccapisim.Faults{GarbledRate: 1}, 100, activities.PutCreatedUnread, 1},
		{"5xx before the API", ccapisim.Faults{ErrorRate: 1}, 100, activities.PutUnknown, 0},
		{"429: the rate limit refused it", ccapisim.Faults{ThrottleRate: 1, RetryAfter: 3 * time.Second}, 100, activities.PutRefused, 0},
		{"key being rotated", ccapisim.Faults{AuthBurstRate: 1, AuthBurstLength: time.Minute}, 100, activities.PutRefused, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := newActTest(t)
			at.sim.SetFaults(tt.faults)
			in := submitInput("ORDER-PLACE")
			in.Request.SpeedMbps = tt.speed
			res, err := run[activities.PlaceResult](t, at, at.acts.PlaceLayer2Order, activities.PlaceInput{OrderID: "O", Company: "acme", Request: in.Request})
			if err != nil || res.Effect != tt.effect {
				t.Fatalf("result %+v, %v; want effect %s", res, err, tt.effect)
			}
			if n := at.sim.ConnectionsCreated("acme", "ORDER-PLACE"); n != tt.created {
				t.Errorf("%d connections created, want %d", n, tt.created)
			}
			if tt.effect == activities.PutRefused && res.Refusal == nil {
				t.Errorf("refusal without the API's words: %+v", res)
			}
		})
	}
}

func TestPlaceLayer2OrderNeverSent(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	at := newActTest(t)
	at.acts.API, _ = ccapi.NewClient("http://"+addr, simKey, nil)
	res, err := run[activities.PlaceResult](t, at, at.acts.PlaceLayer2Order, activities.PlaceInput{OrderID: "O", Company: "acme", Request: submitInput("X").Request})
	if err != nil || res.Effect != activities.PutRefused || !res.NotSent {
		t.Fatalf("result %+v, %v", res, err)
	}
}

func TestGetConnectionStatusReadGapAndRefusedKey(t *testing.T) {
	at := newActTest(t)
	id := create(t, at, 1, "ORDER-READ")
	ref := activities.ConnectionRef{OrderID: "O", Company: "acme", ConnectionID: id}
	at.sim.SetFaults(ccapisim.Faults{ReadGap: time.Hour})
	st, err := run[activities.ConnectionStatus](t, at, at.acts.GetConnectionStatus, ref)
	if err != nil || !st.NotFound {
		t.Errorf("right after creation: %+v, %v", st, err)
	}
	at.sim.SetFaults(ccapisim.Faults{AuthBurstRate: 1, AuthBurstLength: time.Minute})
	st, err = run[activities.ConnectionStatus](t, at, at.acts.GetConnectionStatus, ref)
	if err != nil || st.AuthFailure == nil || st.Status != "" {
		t.Errorf("refused key: %+v, %v", st, err)
	}
}

// Issue 22, scenario 6: one stray 404 for a live connection (a gateway
// during a deploy, a lagging replica) is not believed while the
// connection's port still lists it: the read answers what the port says.
// A 404 the port agrees with is believed.
func TestGetConnectionStatusConfirmsA404WithThePort(t *testing.T) {
	at := newActTest(t)
	id := create(t, at, 1, "ORDER-STRAY")
	ref := activities.ConnectionRef{OrderID: "O", Company: "acme", ConnectionID: id, PortID: acmeHKG}
	at.sim.SetFaults(ccapisim.Faults{Endpoints: map[string]ccapisim.Faults{ccapisim.EndpointGetConnection: {ReadGap: time.Hour}}})
	st, err := run[activities.ConnectionStatus](t, at, at.acts.GetConnectionStatus, ref)
	if err != nil || st.NotFound || st.Status.Phase() == ccapi.PhaseFailed || st.Status == "" {
		t.Fatalf("a live connection answering 404: %+v, %v", st, err)
	}
	if _, err := at.acts.API.GetConnection(t.Context(), "acme", id); !ccapi.IsNotFound(err) {
		t.Fatalf("the fault did not answer 404: %v", err)
	}
	if err := at.acts.API.DeleteConnection(t.Context(), "acme", id); err != nil {
		t.Fatal(err)
	}
	at.sim.SetFaults(ccapisim.Faults{})
	gone := activities.ConnectionRef{OrderID: "O", Company: "acme", ConnectionID: "6b0000000000000000000bad", PortID: acmeHKG}
	if st, err := run[activities.ConnectionStatus](t, at, at.acts.GetConnectionStatus, gone); err != nil || !st.NotFound {
		t.Errorf("a connection the port does not list either: %+v, %v", st, err)
	}
}

// Issue 22, point 8, for the action orders: a stray 404 on a read of a
// connection whose port still lists it is not believed (a decommission
// would say "deleted", an adopt "no longer known"); one the port agrees
// with is a result, Found false.
func TestReadConnectionConfirmsA404WithThePort(t *testing.T) {
	at := newActTest(t)
	id := create(t, at, 1, "ORDER-STRAY-READ")
	ref := activities.ConnectionRef{OrderID: "O", Company: "acme", ConnectionID: id, PortID: acmeHKG}
	at.sim.SetFaults(ccapisim.Faults{Endpoints: map[string]ccapisim.Faults{ccapisim.EndpointGetConnection: {ReadGap: time.Hour}}})
	if f, err := run[activities.ConnectionFacts](t, at, at.acts.ReadConnection, ref); err == nil {
		t.Fatalf("a live connection answering 404 was read as %+v", f)
	}
	at.sim.SetFaults(ccapisim.Faults{})
	gone := activities.ConnectionRef{OrderID: "O", Company: "acme", ConnectionID: "6b0000000000000000000bad", PortID: acmeHKG}
	if f, err := run[activities.ConnectionFacts](t, at, at.acts.ReadConnection, gone); err != nil || f.Found {
		t.Errorf("a connection the port does not list either: %+v, %v", f, err)
	}
}

// A read whose 404 is not believed is retryable: WithdrawSpeedChange,
// retried for a day, reads first and must not give up on a stray 404.
func TestUnbelievedA404IsRetryable(t *testing.T) {
	at := newActTest(t)
	id := create(t, at, 1, "ORDER-STRAY-RETRY")
	ref := activities.ConnectionRef{OrderID: "O", Company: "acme", ConnectionID: id, PortID: acmeHKG}
	at.sim.SetFaults(ccapisim.Faults{Endpoints: map[string]ccapisim.Faults{ccapisim.EndpointGetConnection: {ReadGap: time.Hour}}})
	_, err := run[activities.ConnectionFacts](t, at, at.acts.WithdrawSpeedChange, ref)
	if err == nil {
		t.Fatal("a withdrawal read a live connection's stray 404 as an answer")
	}
	if appErr := appError(t, err); appErr.NonRetryable() {
		t.Errorf("not retryable: %v", err)
	}
}
