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
			in.Request.Speed = tt.speed
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
