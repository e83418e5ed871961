package activities_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

// Fixture ids (ccapi/ccapisim/testdata/fixture.json).
const (
	simKey     = "sim-test-key-41c7"
	acmeHKG    = "601000000000000000000001"
	acmeSIN    = "601000000000000000000002"
	metroHKG   = "5d1000000000000000000001"
	metroSIN   = "5d1000000000000000000002"
	regionAPAC = "5c1000000000000000000001"
	dcfHKG     = "5f10000000000000000000a1"
	dcfHKG2    = "5f10000000000000000000a2"
	dcfNotRdy  = "5f10000000000000000000a3"
	legacyConn = "6a1000000000000000000001"
)

type actTest struct {
	testsuite.WorkflowTestSuite
	env  *testsuite.TestActivityEnvironment
	sim  *ccapisim.Server
	acts *activities.Activities
}

func newActTest(t *testing.T) *actTest {
	t.Helper()
	at := &actTest{}
	at.sim = ccapisim.New(nil, ccapisim.Options{APIKey: simKey, ActivationDelay: time.Hour, Seed: 7})
	srv := httptest.NewServer(at.sim)
	t.Cleanup(srv.Close)
	client, err := ccapi.NewClient(srv.URL, simKey, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	at.acts = &activities.Activities{API: client}
	at.env = at.NewTestActivityEnvironment()
	at.env.RegisterActivity(at.acts)
	return at
}

// run executes one activity and decodes its result into out.
func run[T any](t *testing.T, at *actTest, fn any, in any) (T, error) {
	t.Helper()
	var out T
	val, err := at.env.ExecuteActivity(fn, in)
	if err != nil {
		return out, err
	}
	if err := val.Get(&out); err != nil {
		t.Fatal(err)
	}
	return out, nil
}

func appError(t *testing.T, err error) *temporal.ApplicationError {
	t.Helper()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		t.Fatalf("error %v is not an application error", err)
	}
	return appErr
}

func TestLookupPorts(t *testing.T) {
	at := newActTest(t)
	res, err := run[activities.PortsResult](t, at, at.acts.LookupPorts, activities.LookupPortsInput{
		OrderID: "O1", Company: "acme", PortID: acmeHKG, DestPortID: acmeSIN, ConnectionName: "LEGACY-HKG-SIN"})
	if err != nil {
		t.Fatal(err)
	}
	want := activities.PortInfo{Found: true, ID: acmeHKG, Name: "ACME-HKG-01", Status: "ACTIVE", MetroID: metroHKG,
		SupportsL2: true, Services: []string{"L2"}, RemainingMbps: 800}
	if res.Source.ID != want.ID || res.Source.RemainingMbps != 800 || !res.Source.SupportsL2 || res.Source.MetroID != metroHKG ||
		res.Dest == nil || !res.Dest.Found || res.Dest.MetroID != metroSIN {
		t.Errorf("result %+v / %+v", res.Source, res.Dest)
	}
	if len(res.SameName) != 1 || res.SameName[0].ID != legacyConn || res.SameName[0].Status != ccapi.StatusActive {
		t.Errorf("same-name connections %+v", res.SameName)
	}

	missing, err := run[activities.PortsResult](t, at, at.acts.LookupPorts, activities.LookupPortsInput{
		OrderID: "O1", Company: "acme", PortID: "nope", DestPortID: "nope2"})
	if err != nil || missing.Source.Found || missing.Dest == nil || missing.Dest.Found {
		t.Errorf("missing ports: %+v, %v", missing, err)
	}

	// Ports are read one by one: the cost does not grow with the company,
	// and an unknown company's port is simply not found.
	unknown, err := run[activities.PortsResult](t, at, at.acts.LookupPorts, activities.LookupPortsInput{OrderID: "O1", Company: "nobody", PortID: "p"})
	if err != nil || unknown.Source.Found {
		t.Errorf("unknown company: %+v, %v", unknown, err)
	}
	if n := at.sim.RequestCount(ccapisim.EndpointListPorts); n != 0 {
		t.Errorf("%d calls listed the whole company's ports", n)
	}
}

func TestResolveMetro(t *testing.T) {
	tests := []struct {
		company, metro string
		want           activities.MetroInfo
	}{
		{"globex", "HKG", activities.MetroInfo{Found: true, ID: metroHKG, Code: "HKG", Name: "Hong Kong", RegionID: regionAPAC, Layer2: true}},
		{"globex", "hkg", activities.MetroInfo{Found: true, ID: metroHKG, Code: "HKG", Name: "Hong Kong", RegionID: regionAPAC, Layer2: true}},
		{"globex", metroSIN, activities.MetroInfo{Found: true, ID: metroSIN, Code: "SIN", Name: "Singapore", RegionID: regionAPAC, Layer2: true}},
		{"globex", "SYD", activities.MetroInfo{Found: true, ID: "5d1000000000000000000004", Code: "SYD", Name: "Sydney", RegionID: regionAPAC}},
		{"initech", "SIN", activities.MetroInfo{Known: []string{"HKG", "LON"}}},
	}
	at := newActTest(t)
	for _, tt := range tests {
		got, err := run[activities.MetroInfo](t, at, at.acts.ResolveMetro, activities.ResolveMetroInput{OrderID: "O1", Company: tt.company, Metro: tt.metro})
		if err != nil {
			t.Fatal(err)
		}
		if got.Found != tt.want.Found || got.ID != tt.want.ID || got.Code != tt.want.Code || got.RegionID != tt.want.RegionID ||
			got.Layer2 != tt.want.Layer2 || strings.Join(got.Known, ",") != strings.Join(tt.want.Known, ",") {
			t.Errorf("%s %s: got %+v, want %+v", tt.company, tt.metro, got, tt.want)
		}
	}
}

func TestFindDCF(t *testing.T) {
	tests := []struct {
		name string
		in   activities.FindDCFInput
		want activities.DCFInfo
	}{
		{"first ready in the metro", activities.FindDCFInput{MetroID: metroHKG}, activities.DCFInfo{Found: true, ID: dcfHKG, MetroID: metroHKG, Ready: true}},
		{"the one asked for", activities.FindDCFInput{MetroID: metroHKG, DCFID: dcfHKG2}, activities.DCFInfo{Found: true, ID: dcfHKG2, MetroID: metroHKG, Ready: true}},
		{"asked for, not ready", activities.FindDCFInput{MetroID: metroHKG, DCFID: dcfNotRdy}, activities.DCFInfo{Found: true, ID: dcfNotRdy, MetroID: metroHKG}},
		{"asked for, unknown", activities.FindDCFInput{MetroID: metroHKG, DCFID: "5f10000000000000000000ff"}, activities.DCFInfo{ID: "5f10000000000000000000ff"}},
		{"none in the metro", activities.FindDCFInput{MetroID: "nowhere"}, activities.DCFInfo{}},
	}
	at := newActTest(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run[activities.DCFInfo](t, at, at.acts.FindDCF, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got.Name = ""
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func submitInput(name string) activities.SubmitInput {
	return activities.SubmitInput{OrderID: name, Company: "acme", Request: ccapi.CreateLayer2Request{
		Name: name, PortID: acmeHKG, DestPortID: acmeSIN, DestCompany: "acme", DestMetroID: metroSIN,
		Duration: 1, DurationUnit: "m", PaymentType: "invoice", ClassOfService: "SILVER", SpeedMbps: 100, Type: "LAYER2", Evergreen: true}}
}

func TestSubmitOrdersOnce(t *testing.T) {
	at := newActTest(t)
	in := submitInput("ORDER-1")
	first, err := run[activities.SubmitResult](t, at, at.acts.SubmitLayer2, in)
	if err != nil {
		t.Fatal(err)
	}
	if first.ConnectionID == "" || first.Status != ccapi.StatusCreating || first.Recovered {
		t.Errorf("first %+v", first)
	}
	again, err := run[activities.SubmitResult](t, at, at.acts.SubmitLayer2, in)
	if err != nil || again.ConnectionID != first.ConnectionID || !again.Recovered {
		t.Errorf("second attempt %+v, %v", again, err)
	}
	if n := at.sim.ConnectionsCreated("acme", "ORDER-1"); n != 1 {
		t.Errorf("simulator created %d connections, want 1", n)
	}
}

// The PUT takes effect but its answer is lost: the retry must find the
// connection, not create a second one.
func TestSubmitAfterCommitThenDrop(t *testing.T) {
	for _, mode := range []ccapisim.DropMode{ccapisim.DropWith502, ccapisim.DropCut} {
		t.Run(string(mode), func(t *testing.T) {
			at := newActTest(t)
			at.sim.SetFaults(ccapisim.Faults{CommitThenDrop: 1, DropMode: mode})
			in := submitInput("ORDER-DROP")
			_, err := run[activities.SubmitResult](t, at, at.acts.SubmitLayer2, in)
			if appErr := appError(t, err); appErr.NonRetryable() || appErr.Type() != activities.ErrTypeAPIUnavailable {
				t.Fatalf("lost answer must be retryable: %v", err)
			}
			retry, err := run[activities.SubmitResult](t, at, at.acts.SubmitLayer2, in)
			if err != nil || !retry.Recovered || retry.ConnectionID == "" {
				t.Fatalf("retry %+v, %v", retry, err)
			}
			if n := at.sim.ConnectionsCreated("acme", "ORDER-DROP"); n != 1 {
				t.Errorf("simulator created %d connections, want exactly 1", n)
			}
			if n := at.sim.RequestCount(ccapisim.EndpointCreateLayer2); n != 1 {
				t.Errorf("%d PUTs sent, want 1", n)
			}
		})
	}
}

func TestSubmitIgnoresPreexistingConnections(t *testing.T) {
	at := newActTest(t)
	in := submitInput("LEGACY-HKG-SIN") // the fixture's connection on this port has this name
	in.PreexistingIDs = []string{legacyConn}
	res, err := run[activities.SubmitResult](t, at, at.acts.SubmitLayer2, in)
	if err != nil || res.Recovered || res.ConnectionID == legacyConn {
		t.Errorf("recovered a connection that predates the order: %+v, %v", res, err)
	}
}

func TestSubmitErrors(t *testing.T) {
	t.Run("rejected is not retried and carries the API's words", func(t *testing.T) {
		at := newActTest(t)
		in := submitInput("ORDER-BIG")
		in.Request.SpeedMbps = 5000
		_, err := run[activities.SubmitResult](t, at, at.acts.SubmitLayer2, in)
		appErr := appError(t, err)
		if !appErr.NonRetryable() || appErr.Type() != activities.ErrTypeAPIRejected || !strings.Contains(appErr.Error(), "remaining capacity") {
			t.Errorf("error %v", err)
		}
		var details activities.APIErrorDetails
		if err := appErr.Details(&details); err != nil || details.StatusCode != 400 || details.Message == "" {
			t.Errorf("details %+v, %v", details, err)
		}
		if strings.Contains(err.Error(), simKey) {
			t.Error("error shows the API key")
		}
	})
	t.Run("429 asks for Retry-After", func(t *testing.T) {
		at := newActTest(t)
		at.sim.SetFaults(ccapisim.Faults{ThrottleRate: 1, RetryAfter: 4 * time.Second})
		_, err := run[activities.SubmitResult](t, at, at.acts.SubmitLayer2, submitInput("ORDER-429"))
		appErr := appError(t, err)
		if appErr.NonRetryable() || appErr.NextRetryDelay() != 4*time.Second {
			t.Errorf("error %v, next retry delay %v", err, appErr.NextRetryDelay())
		}
	})
	t.Run("5xx is retryable", func(t *testing.T) {
		at := newActTest(t)
		at.sim.SetFaults(ccapisim.Faults{ErrorRate: 1})
		_, err := run[activities.SubmitResult](t, at, at.acts.SubmitLayer2, submitInput("ORDER-5XX"))
		if appErr := appError(t, err); appErr.NonRetryable() {
			t.Errorf("error %v", err)
		}
	})
}

func TestConnectionStatusAndDelete(t *testing.T) {
	at := newActTest(t)
	sub, err := run[activities.SubmitResult](t, at, at.acts.SubmitLayer2, submitInput("ORDER-ST"))
	if err != nil {
		t.Fatal(err)
	}
	ref := activities.ConnectionRef{OrderID: "ORDER-ST", Company: "acme", ConnectionID: sub.ConnectionID}
	st, err := run[activities.ConnectionStatus](t, at, at.acts.GetConnectionStatus, ref)
	if err != nil || st.Status != ccapi.StatusCreating {
		t.Errorf("status %+v, %v", st, err)
	}
	for range 2 { // deleting twice is fine
		if _, err := at.env.ExecuteActivity(at.acts.DeleteConnection, ref); err != nil {
			t.Fatal(err)
		}
	}
	st, err = run[activities.ConnectionStatus](t, at, at.acts.GetConnectionStatus, ref)
	if err != nil || st.Status != ccapi.StatusDeleted {
		t.Errorf("after delete %+v, %v", st, err)
	}
	gone := activities.ConnectionRef{OrderID: "X", Company: "acme", ConnectionID: "6a10000000000000000000ff"}
	st, err = run[activities.ConnectionStatus](t, at, at.acts.GetConnectionStatus, gone)
	if err != nil || st.Status != ccapi.StatusDeleted {
		t.Errorf("unknown connection %+v, %v", st, err)
	}
}

// progress mirrors what SubmitLayer2 leaves in its heartbeat details.
type progress struct {
	PutSentAt time.Time `json:"putSentAt"`
	Answered  bool      `json:"answered"`
}

// A PUT that got no answer may still be running at the API: the retry
// must not send another one until it has had time to settle.
func TestSubmitWaitsForAnUnansweredPUT(t *testing.T) {
	tests := []struct {
		name      string
		previous  progress
		precut    bool // the unanswered PUT did create the connection
		wantPUT   bool
		recovered bool
	}{
		{"unanswered a moment ago: wait", progress{PutSentAt: time.Now().Add(-10 * time.Second)}, false, false, false},
		{"unanswered but committed: recover at once", progress{PutSentAt: time.Now().Add(-10 * time.Second)}, true, false, true},
		{"answered with an error: order again", progress{PutSentAt: time.Now().Add(-10 * time.Second), Answered: true}, false, true, false},
		{"unanswered long ago: order again", progress{PutSentAt: time.Now().Add(-3 * time.Minute)}, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := newActTest(t)
			at.acts.SettleWindow = 2 * time.Minute
			in := submitInput("ORDER-SETTLE")
			if tt.precut {
				at.sim.SetFaults(ccapisim.Faults{CommitThenDrop: 1, DropMode: ccapisim.DropCut})
				if _, err := run[activities.SubmitResult](t, at, at.acts.SubmitLayer2, in); err == nil {
					t.Fatal("the cut PUT succeeded")
				}
			}
			puts := at.sim.RequestCount(ccapisim.EndpointCreateLayer2)
			at.env.SetHeartbeatDetails(tt.previous)
			res, err := run[activities.SubmitResult](t, at, at.acts.SubmitLayer2, in)
			sent := at.sim.RequestCount(ccapisim.EndpointCreateLayer2) - puts
			if sent != map[bool]int{true: 1, false: 0}[tt.wantPUT] {
				t.Errorf("%d PUTs sent", sent)
			}
			if tt.wantPUT || tt.recovered {
				if err != nil || res.Recovered != tt.recovered {
					t.Errorf("result %+v, %v", res, err)
				}
			} else {
				appErr := appError(t, err)
				if appErr.NonRetryable() || appErr.NextRetryDelay() < 100*time.Second || appErr.NextRetryDelay() > 2*time.Minute {
					t.Errorf("error %v, next retry in %v", err, appErr.NextRetryDelay())
				}
			}
			if n := at.sim.ConnectionsCreated("acme", in.Request.Name); n > 1 {
				t.Errorf("%d connections for one order", n)
			}
		})
	}
}

// A DELETE answered 404 is taken for the connection gone only by runs that
// did not ask otherwise; since revision 9 the workflow asks, and the 404
// is an outcome to read for (a gateway's stray 404 is no withdrawal).
func TestDeleteAnswered404(t *testing.T) {
	at := newActTest(t)
	gone := activities.ConnectionRef{OrderID: "X", Company: "acme", ConnectionID: "6a10000000000000000000ff"}
	if _, err := at.env.ExecuteActivity(at.acts.DeleteConnection, gone); err != nil {
		t.Errorf("a 404 without NotFoundUnknown: %v, want success (already gone)", err)
	}
	gone.NotFoundUnknown = true
	_, err := at.env.ExecuteActivity(at.acts.DeleteConnection, gone)
	if appErr := appError(t, err); appErr.NonRetryable() || appErr.Type() != activities.ErrTypeAPIUnavailable {
		t.Errorf("a 404 with NotFoundUnknown: %v, want a retryable %s (an unknown outcome)", err, activities.ErrTypeAPIUnavailable)
	}
}
