package activities_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

func lookFor(name string) activities.FindOrderConnectionInput {
	return activities.FindOrderConnectionInput{OrderID: name, Company: "acme", PortID: acmeHKG, Name: name, DestPortID: acmeSIN, Speed: 100}
}

// create makes n connections on acme's HKG port, the last named name.
func create(t *testing.T, at *actTest, n int, name string) string {
	t.Helper()
	var id string
	for i := range n {
		in := submitInput(fmt.Sprintf("OTHER-%d", i))
		in.Request.Speed = 1
		if i == n-1 {
			in = submitInput(name)
		}
		res, err := run[activities.PlaceResult](t, at, at.acts.PlaceLayer2Order, activities.PlaceInput{OrderID: name, Company: "acme", Request: in.Request})
		if err != nil || res.Effect != activities.PutCreated {
			t.Fatalf("creating: %+v, %v", res, err)
		}
		id = res.ConnectionID
	}
	return id
}

func TestFindOrderConnection(t *testing.T) {
	at := newActTest(t)
	id := create(t, at, 5, "ORDER-FIND")
	got, err := run[activities.OrderConnections](t, at, at.acts.FindOrderConnection, lookFor("ORDER-FIND"))
	if err != nil || len(got.Matches) != 1 || got.Matches[0].ID != id || got.Scanned != 6 {
		t.Fatalf("found %+v, %v", got, err)
	}
	// Named alike but another speed, or excluded: not the order's.
	other := lookFor("ORDER-FIND")
	other.Speed = 7
	if got, err := run[activities.OrderConnections](t, at, at.acts.FindOrderConnection, other); err != nil || len(got.Matches) != 0 {
		t.Errorf("another speed: %+v, %v", got, err)
	}
	excluded := lookFor("ORDER-FIND")
	excluded.Exclude = []string{id}
	if got, err := run[activities.OrderConnections](t, at, at.acts.FindOrderConnection, excluded); err != nil || len(got.Matches) != 0 {
		t.Errorf("excluded: %+v, %v", got, err)
	}
	// One port's list, not the company's.
	if n := at.sim.RequestCount(ccapisim.EndpointListConnections); n != 0 {
		t.Errorf("%d company-wide connection searches", n)
	}
}

// A server that caps its pages below what was asked is paged again at its
// own size: the connection on the last page is found.
func TestFindOrderConnectionThroughAPageCap(t *testing.T) {
	at := newActTest(t)
	id := create(t, at, 7, "ORDER-CAP")
	at.sim.SetFaults(ccapisim.Faults{PageCap: 2})
	got, err := run[activities.OrderConnections](t, at, at.acts.FindOrderConnection, lookFor("ORDER-CAP"))
	if err != nil || len(got.Matches) != 1 || got.Matches[0].ID != id || got.Scanned != 8 {
		t.Fatalf("found %+v, %v", got, err)
	}
}

// Whatever the lookup cannot fully interpret fails it, retryably: never an
// empty answer that would let an order PUT again.
func TestFindOrderConnectionFailsClosed(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"a bare array cannot be known whole", `[{"id":"c1","name":"X","srcPortId":"p"}]`},
		{"another shape", `{"data":[]}`},
		{"no count", `{"results":[]}`},
		{"fewer than the count, with nothing capped", `{"results":[{"id":"c1","name":"X","srcPortId":"p"}],"count":250}`},
		{"an item without a name", `{"results":[{"id":"c1","srcPortId":"p"}],"count":1}`},
		{"the order's name without srcPortId", `{"results":[{"id":"c1","name":"ORDER-X"}],"count":1}`},
		{"not JSON", `<html>oops</html>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			at := newActTest(t)
			at.acts.API, _ = ccapi.NewClient(srv.URL, simKey, srv.Client())
			_, err := run[activities.OrderConnections](t, at, at.acts.FindOrderConnection, lookFor("ORDER-X"))
			if err == nil {
				t.Fatal("the lookup concluded")
			}
			if appErr := appError(t, err); appErr.NonRetryable() {
				t.Errorf("not retryable: %v", err)
			}
		})
	}
	t.Run("an item missing srcPortId in the simulator", func(t *testing.T) {
		at := newActTest(t)
		create(t, at, 1, "ORDER-MISSING")
		at.sim.SetFaults(ccapisim.Faults{MissingFieldRate: 1})
		if _, err := run[activities.OrderConnections](t, at, at.acts.FindOrderConnection, lookFor("ORDER-MISSING")); err == nil {
			t.Fatal("the lookup concluded")
		}
	})
}

// A list that lags shows nothing yet, and says so truthfully: the
// workflow's settle window is what covers the lag.
func TestFindOrderConnectionUnderListLag(t *testing.T) {
	at := newActTest(t)
	at.sim.SetFaults(ccapisim.Faults{Endpoints: map[string]ccapisim.Faults{ccapisim.EndpointPortConnections: {ListLag: time.Hour}}})
	create(t, at, 1, "ORDER-LAG")
	got, err := run[activities.OrderConnections](t, at, at.acts.FindOrderConnection, lookFor("ORDER-LAG"))
	if err != nil || len(got.Matches) != 0 {
		t.Fatalf("found %+v, %v", got, err)
	}
}
