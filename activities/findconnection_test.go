package activities_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

func lookFor(name string) activities.FindOrderConnectionInput {
	return activities.FindOrderConnectionInput{OrderID: name, Company: "acme", PortID: acmeHKG, Name: name, DestPortID: acmeSIN, SpeedMbps: 100}
}

// create makes n connections on acme's HKG port, the last named name.
func create(t *testing.T, at *actTest, n int, name string) string {
	t.Helper()
	var id string
	for i := range n {
		in := submitInput(fmt.Sprintf("OTHER-%d", i))
		in.Request.SpeedMbps = 1
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
	if err != nil || len(got.Matches) != 1 || got.Matches[0].ID != id || got.Scanned != 1 {
		t.Fatalf("found %+v, %v", got, err)
	}
	// Named alike but another speed, or excluded: not the order's.
	other := lookFor("ORDER-FIND")
	other.SpeedMbps = 7
	if got, err := run[activities.OrderConnections](t, at, at.acts.FindOrderConnection, other); err != nil || len(got.Matches) != 0 {
		t.Errorf("another speed: %+v, %v", got, err)
	}
	excluded := lookFor("ORDER-FIND")
	excluded.Exclude = []string{id}
	if got, err := run[activities.OrderConnections](t, at, at.acts.FindOrderConnection, excluded); err != nil || len(got.Matches) != 0 {
		t.Errorf("excluded: %+v, %v", got, err)
	}
	// Created before the order's PUT: another order's, never recovered.
	later := lookFor("ORDER-FIND")
	later.NotBefore = time.Now().Add(time.Hour)
	if got, err := run[activities.OrderConnections](t, at, at.acts.FindOrderConnection, later); err != nil || len(got.Matches) != 0 {
		t.Errorf("created before NotBefore: %+v, %v", got, err)
	}
	// One port, read at once: no company-wide search, no paged list.
	for _, endpoint := range []string{ccapisim.EndpointListConnections, ccapisim.EndpointPortConnections} {
		if n := at.sim.RequestCount(endpoint); n != 0 {
			t.Errorf("%d requests to %s", n, endpoint)
		}
	}
}

// Issue 22, scenario 1: between two page reads of a port's connection
// list, one already-read connection goes and another comes (the count
// stays), so every later item shifts left and the one at the page
// boundary is never read. A lookup must see the order's connection all
// the same: it reads the port once, a snapshot, not pages.
func TestFindOrderConnectionIsNotFooledByPageChurn(t *testing.T) {
	const target = "c-target"
	item := func(id, name string) string {
		return fmt.Sprintf(`{"id":%q,"name":%q,"srcPortId":%q,"destPortId":%q,"speed":100,"status":"ACTIVE","createdAt":"2026-01-01T00:00:00Z"}`,
			id, name, acmeHKG, acmeSIN)
	}
	var before []string
	for i := range 100 {
		before = append(before, item(fmt.Sprintf("c-%03d", i), "OTHER"))
	}
	before = append(before, item(target, "ORDER-CHURN")) // the 101st
	after := append(slices.Clone(before[1:]), item("c-new", "OTHER"))
	lists := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch path := r.URL.Path; {
		case strings.HasSuffix(path, "/ports/"+acmeHKG+"/connections"):
			// Page 1 is read before the churn, every later page after it.
			items, from := before, 0
			if lists++; lists > 1 {
				items = after
			}
			if p := r.URL.Query().Get("page"); p != "" && p != "1" {
				from = 100
			}
			_, _ = fmt.Fprintf(w, `{"results":[%s],"count":101}`, strings.Join(items[from:min(len(items), from+100)], ","))
		case strings.HasSuffix(path, "/ports/"+acmeHKG):
			_, _ = fmt.Fprintf(w, `{"id":%q,"connections":[{"id":%q,"name":"ORDER-CHURN","status":"ACTIVE"}]}`, acmeHKG, target)
		case strings.HasSuffix(path, "/connections/"+target):
			_, _ = w.Write([]byte(item(target, "ORDER-CHURN")))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	at := newActTest(t)
	at.acts.API, _ = ccapi.NewClient(srv.URL, simKey, srv.Client())
	got, err := run[activities.OrderConnections](t, at, at.acts.FindOrderConnection, lookFor("ORDER-CHURN"))
	if err != nil || len(got.Matches) != 1 || got.Matches[0].ID != target {
		t.Fatalf("found %+v, %v: the order's connection was missed", got, err)
	}
}

// Whatever the lookup cannot fully interpret fails it, retryably: never an
// empty answer that would let an order PUT again.
func TestFindOrderConnectionFailsClosed(t *testing.T) {
	port := func(conns string) string { return `{"id":"` + acmeHKG + `"` + conns + `}` }
	named := `,"connections":[{"id":"c1","name":"ORDER-X"}]`
	tests := []struct {
		name, port, conn string
		notBefore        time.Time
	}{
		{"a bare array", `[{"id":"c1","name":"ORDER-X"}]`, "", time.Time{}},
		{"another port", `{"id":"p-other","connections":[]}`, "", time.Time{}},
		{"no connection list", port(""), "", time.Time{}},
		{"a null connection list", port(`,"connections":null`), "", time.Time{}},
		{"an item without an id", port(`,"connections":[{"name":"ORDER-X"}]`), "", time.Time{}},
		{"a listed connection that answers 404", port(named), "", time.Time{}},
		{"the order's name without srcPortId", port(named), `{"id":"c1","name":"ORDER-X"}`, time.Time{}},
		{"no createdAt when it must be shown", port(named),
			`{"id":"c1","name":"ORDER-X","srcPortId":"` + acmeHKG + `","speed":100}`, time.Unix(1, 0)},
		{"not JSON", `<html>oops</html>`, "", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body := tt.port
				if strings.Contains(r.URL.Path, "/connections/") {
					body = tt.conn
				}
				if body == "" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(body))
			}))
			t.Cleanup(srv.Close)
			at := newActTest(t)
			at.acts.API, _ = ccapi.NewClient(srv.URL, simKey, srv.Client())
			in := lookFor("ORDER-X")
			in.NotBefore = tt.notBefore
			_, err := run[activities.OrderConnections](t, at, at.acts.FindOrderConnection, in)
			if err == nil {
				t.Fatal("the lookup concluded")
			}
			if appErr := appError(t, err); appErr.NonRetryable() {
				t.Errorf("not retryable: %v", err)
			}
		})
	}
}

// A port read that lags shows nothing yet, and says so truthfully: the
// workflow's settle window is what covers the lag.
func TestFindOrderConnectionUnderListLag(t *testing.T) {
	at := newActTest(t)
	at.sim.SetFaults(ccapisim.Faults{Endpoints: map[string]ccapisim.Faults{ccapisim.EndpointGetPort: {ListLag: time.Hour}}})
	create(t, at, 1, "ORDER-LAG")
	got, err := run[activities.OrderConnections](t, at, at.acts.FindOrderConnection, lookFor("ORDER-LAG"))
	if err != nil || len(got.Matches) != 0 {
		t.Fatalf("found %+v, %v", got, err)
	}
}
