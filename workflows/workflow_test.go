package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// wfTest is a workflow test environment with the activities mocked.
type wfTest struct {
	testsuite.WorkflowTestSuite
	env      *testsuite.TestWorkflowEnvironment
	t        *testing.T
	submits  int // PUTs sent
	putTimes []time.Time
	deletes  int
	lookups  int // FindOrderConnection calls
	releases int // name locks released
	// reserved is how long each release kept the name after the order.
	reserved []time.Duration
	// lookIns are the inputs of the lookups for the order's connection.
	lookIns []activities.FindOrderConnectionInput
	// lockHolder, when set, is the order that holds the name already;
	// lockDown, when set, is how taking the name fails.
	lockHolder string
	lockDown   error
	// signals are the releases by signal (the older protocol) among
	// releases.
	signals int
	// readStatus and readFacts answer the reads of a wait, in both its
	// forms: the loops of runs before revisionWaitAtFloor
	// (GetConnectionStatus, ReadConnection) and each attempt of
	// AwaitConnection since.
	readStatus func(context.Context, activities.ConnectionRef) (activities.ConnectionStatus, error)
	readFacts  func(context.Context, activities.ConnectionRef) (activities.ConnectionFacts, error)
	// awaits are the AwaitConnection activities started (the phases of
	// waits, and their restarts), attempts their attempts, deferrals the
	// first attempts that only waited out an interval (AwaitInput.Delayed).
	awaits, attempts, deferrals int
}

// onStatus answers a create order's status reads with read.
func (w *wfTest) onStatus(read func(context.Context, activities.ConnectionRef) (activities.ConnectionStatus, error)) {
	w.env.OnActivity(a.GetConnectionStatus, mock.Anything, mock.Anything).Return(read)
	if w.readStatus == nil {
		w.readStatus = read
	}
}

// onFacts answers an action's connection reads with read (the first one
// set answers, like the first matching mock).
func (w *wfTest) onFacts(read func(context.Context, activities.ConnectionRef) (activities.ConnectionFacts, error)) {
	w.env.OnActivity(a.ReadConnection, mock.Anything, mock.Anything).Return(read).Maybe()
	if w.readFacts == nil {
		w.readFacts = read
	}
}

var a *activities.Activities // method references for OnActivity

// newWFTest builds the environment; setup, if any, prepares the suite
// first (e.g. its metrics handler).
func newWFTest(t *testing.T, cfg Config, setup ...func(*testsuite.WorkflowTestSuite)) *wfTest {
	return newWFTestAt(t, cfg, codeRevision, setup...)
}

// newWFTestAt runs the workflows as runs started at revision do.
func newWFTestAt(t *testing.T, cfg Config, revision int, setup ...func(*testsuite.WorkflowTestSuite)) *wfTest {
	w := &wfTest{t: t}
	for _, s := range setup {
		s(&w.WorkflowTestSuite)
	}
	w.env = w.NewTestWorkflowEnvironment()
	RegisterAt(w.env, cfg, revision)
	w.env.RegisterActivity(&activities.Activities{})
	w.env.OnActivity(a.LockConnectionName, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.LockConnectionNameInput) (activities.NameLock, error) {
			if w.lockDown != nil {
				return activities.NameLock{}, w.lockDown
			}
			if w.lockHolder != "" {
				return activities.NameLock{HolderOrderID: w.lockHolder}, nil
			}
			return activities.NameLock{Held: true, RunID: "lock-run-1"}, nil
		}).Maybe()
	w.env.OnActivity(a.ReleaseConnectionName, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.NameLockRelease) error {
			if in.RunID != "lock-run-1" && w.lockDown == nil {
				t.Errorf("released lock run %q, not the one taken", in.RunID)
			}
			w.releases++
			w.reserved = append(w.reserved, in.ReserveFor)
			if in.ReserveFor > 0 && (in.Reserve == nil || in.Reserve.OrderID != in.OrderID || in.Reserve.LockWorkflowID != in.LockWorkflowID) {
				t.Errorf("a reservation of another lock: %+v", in.Reserve)
			}
			return nil
		}).Maybe()
	w.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, mock.Anything, SignalReleaseName, mock.Anything).Return(
		func(_, _, _, _ string, _ any) error { w.releases++; w.signals++; return nil }).Maybe()
	w.env.OnActivity(a.AwaitConnection, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.AwaitInput) (activities.Awaited, error) {
			if activity.GetInfo(ctx).Attempt == 1 {
				w.awaits++
				if in.Delayed {
					w.deferrals++
				}
			}
			w.attempts++
			return activities.AwaitAttempt(ctx, in, w.env.Now(), activities.AwaitReads{Status: w.readStatus, Facts: w.readFacts})
		}).Maybe()
	return w
}

func (w *wfTest) ports(p activities.PortsResult) {
	w.env.OnActivity(a.LookupPorts, mock.Anything, mock.Anything).Return(p, nil)
}

func (w *wfTest) b2bLookups(l preorder) {
	w.ports(l.Ports)
	w.env.OnActivity(a.ResolveMetro, mock.Anything, mock.Anything).Return(*l.Metro, nil)
	w.env.OnActivity(a.FindDCF, mock.Anything, mock.Anything).Return(*l.DCF, nil)
}

// submit answers the PUT with the given connection status and counts PUTs.
func (w *wfTest) submit(status ccapi.Status) {
	w.puts(func(int) activities.PlaceResult {
		return activities.PlaceResult{Effect: activities.PutCreated, ConnectionID: "conn-1", Status: status}
	})
}

// puts answers the n-th PUT (from 1) with answer(n), counting them.
func (w *wfTest) puts(answer func(n int) activities.PlaceResult) {
	w.env.OnActivity(a.PlaceLayer2Order, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.PlaceInput) (activities.PlaceResult, error) {
			w.submits++
			w.putTimes = append(w.putTimes, w.env.Now())
			return answer(w.submits), nil
		})
}

// finds answers the lookups for the order's connection: found(n, now) for
// the n-th (from 1).
func (w *wfTest) finds(found func(n int, now time.Time) ([]activities.ExistingConnection, error)) {
	w.env.OnActivity(a.FindOrderConnection, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.FindOrderConnectionInput) (activities.OrderConnections, error) {
			w.lookups++
			w.lookIns = append(w.lookIns, in)
			m, err := found(w.lookups, w.env.Now())
			return activities.OrderConnections{Matches: m}, err
		})
}

// statuses answers successive polls with the given statuses, the last one
// repeating.
func (w *wfTest) statuses(seq ...activities.ConnectionStatus) {
	i := 0
	w.onStatus(func(context.Context, activities.ConnectionRef) (activities.ConnectionStatus, error) {
		s := seq[min(i, len(seq)-1)]
		i++
		return s, nil
	})
}

func (w *wfTest) allowDelete() {
	w.env.OnActivity(a.DeleteConnection, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.ConnectionRef) error { w.deletes++; return nil })
}

// run runs the order under the workflow type that runs it (a create
// order's, or its action's) to its end.
func (w *wfTest) run(o Order) (Result, error) {
	w.env.ExecuteWorkflow(WorkflowType(o), Input{Order: o})
	if !w.env.IsWorkflowCompleted() {
		w.t.Fatal("workflow did not complete")
	}
	if err := w.env.GetWorkflowError(); err != nil {
		return Result{}, err
	}
	var res Result
	if err := w.env.GetWorkflowResult(&res); err != nil {
		w.t.Fatal(err)
	}
	return res, nil
}

func (w *wfTest) status() StatusView {
	v, err := w.env.QueryWorkflow(QueryStatus)
	if err != nil {
		w.t.Fatal(err)
	}
	var s StatusView
	if err := v.Get(&s); err != nil {
		w.t.Fatal(err)
	}
	return s
}

// failure asserts err is the workflow's application error of errType and
// that its message contains every want.
func failure(t *testing.T, err error, errType string, want ...string) {
	t.Helper()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		t.Fatalf("error = %v, want an application error of type %s", err, errType)
	}
	if appErr.Type() != errType || !appErr.NonRetryable() {
		t.Errorf("error type = %s (non-retryable %v), want non-retryable %s: %v", appErr.Type(), appErr.NonRetryable(), errType, err)
	}
	for _, w := range want {
		if !strings.Contains(appErr.Error(), w) {
			t.Errorf("error %q does not contain %q", appErr.Error(), w)
		}
	}
}

func st(s ccapi.Status) activities.ConnectionStatus { return activities.ConnectionStatus{Status: s} }

func TestPortToPortBecomesActive(t *testing.T) {
	w := newWFTest(t, Config{})
	w.ports(goodPorts())
	w.submit(ccapi.StatusCreating)
	w.statuses(st(ccapi.StatusCreating), st(ccapi.StatusActive))
	res, err := w.run(validP2P())
	if err != nil {
		t.Fatal(err)
	}
	if res.Stage != StageActive || res.ConnectionID != "conn-1" || res.APIStatus != ccapi.StatusActive || w.submits != 1 {
		t.Errorf("result %+v, %d PUTs", res, w.submits)
	}
	if w.releases != 1 {
		t.Errorf("name lock released %d times, want once", w.releases)
	}
	if s := w.status(); s.Stage != StageActive || s.Polls != 2 {
		t.Errorf("status after the end = %+v", s)
	}
}

// An order's reads of the API run as local activities, in the workflow
// task that asks for them, unless the worker caps API calls across workers
// (then the server's task-queue rate must count every call); the PUT is
// always an activity of its own, the name lock always local, and so is a
// wait's read (AwaitConnection, retried by the server).
func TestReadsRunLocallyUnlessRateLimited(t *testing.T) {
	for _, tc := range []struct {
		name        string
		rateLimited bool
		wantLocal   []string
		wantRemote  []string
	}{
		{"no rate limit", false, []string{"LockConnectionName", "LookupPorts", "ReleaseConnectionName"}, []string{"PlaceLayer2Order", "AwaitConnection"}},
		{"CC_API_MAX_RPS", true, []string{"LockConnectionName", "ReleaseConnectionName"}, []string{"LookupPorts", "PlaceLayer2Order", "AwaitConnection"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWFTest(t, Config{APIRateLimited: tc.rateLimited})
			w.ports(goodPorts())
			w.submit(ccapi.StatusCreating)
			w.statuses(st(ccapi.StatusActive))
			local, remote := map[string]bool{}, map[string]bool{}
			w.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
				local[info.ActivityType.Name] = true
			})
			w.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
				remote[info.ActivityType.Name] = true
			})
			if res, err := w.run(validP2P()); err != nil || res.Stage != StageActive {
				t.Fatalf("%+v, %v", res, err)
			}
			for _, name := range tc.wantLocal {
				if !local[name] || remote[name] {
					t.Errorf("%s: local %v, activity %v; want local", name, local[name], remote[name])
				}
			}
			for _, name := range tc.wantRemote {
				if local[name] || !remote[name] {
					t.Errorf("%s: local %v, activity %v; want an activity", name, local[name], remote[name])
				}
			}
		})
	}
}

func TestBusinessToBusinessAccepted(t *testing.T) {
	w := newWFTest(t, Config{})
	w.b2bLookups(goodB2BLookups())
	w.submit(ccapi.StatusPending)
	w.statuses(st(ccapi.StatusPending), st(ccapi.StatusAccepted), st(ccapi.StatusActive))
	var during StatusView
	w.env.RegisterDelayedCallback(func() { during = w.status() }, 15*time.Second)
	res, err := w.run(validB2B())
	if err != nil {
		t.Fatal(err)
	}
	if res.Stage != StageActive || w.submits != 1 {
		t.Errorf("result %+v", res)
	}
	if during.Stage != StageAwaitingActivation || during.ConnectionID != "conn-1" || during.APIStatus != ccapi.StatusPending {
		t.Errorf("status while waiting = %+v", during)
	}
}

func TestConnectionEndsBadly(t *testing.T) {
	tests := []struct {
		status ccapi.Status
		reason string
	}{
		{ccapi.StatusDenied, "Rejected by globex"},
		{ccapi.StatusError, "VLAN allocation failed on the provider edge"},
		{ccapi.StatusCancelled, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			w := newWFTest(t, Config{})
			w.b2bLookups(goodB2BLookups())
			w.submit(ccapi.StatusPending)
			w.statuses(activities.ConnectionStatus{Status: tt.status, ErrorReason: tt.reason})
			w.allowDelete()
			_, err := w.run(validB2B())
			failure(t, err, ErrTypeConnectionFailed, "conn-1 ended "+string(tt.status), tt.reason)
			// An ERROR connection still holds the port's capacity and may
			// be billed: it is withdrawn. The others are gone already.
			wantDeletes, wantStatus := 0, tt.status
			if tt.status == ccapi.StatusError {
				wantDeletes, wantStatus = 1, ccapi.StatusDeleted
				failure(t, err, ErrTypeConnectionFailed, "it was withdrawn (DELETED)")
			}
			if s := w.status(); s.Stage != StageFailed || s.APIStatus != wantStatus || w.deletes != wantDeletes {
				t.Errorf("status = %+v, %d deletes", s, w.deletes)
			}
		})
	}
}

func TestFailedPrecheckOrdersNothing(t *testing.T) {
	tests := []struct {
		name  string
		order Order
		setup func(w *wfTest)
		want  string
	}{
		{"source port missing", validP2P(), func(w *wfTest) {
			p := goodPorts()
			p.Source = activities.PortInfo{ID: srcPortID}
			w.ports(p)
		}, "source port " + srcPortID + " not found"},
		{"capacity", func() Order { o := validP2P(); o.SpeedMbps = 5000; return o }(), func(w *wfTest) { w.ports(goodPorts()) },
			"5000 Mbps exceeds the 800 Mbps remaining"},
		{"metro without layer 2", validB2B(), func(w *wfTest) {
			l := goodB2BLookups()
			l.Metro.Layer2 = false
			w.b2bLookups(l)
		}, "does not support Layer 2"},
		{"source port disabled", validP2P(), func(w *wfTest) {
			p := goodPorts()
			p.Source.Status = "DISABLED"
			w.ports(p)
		}, "is DISABLED, not ACTIVE"},
		{"source port without layer 2", validP2P(), func(w *wfTest) {
			p := goodPorts()
			p.Source.SupportsL2 = false
			w.ports(p)
		}, "does not support Layer 2"},
		{"destination port missing", validP2P(), func(w *wfTest) {
			p := goodPorts()
			p.Dest = &activities.PortInfo{ID: dstPortID}
			w.ports(p)
		}, "destination port " + dstPortID + " not found"},
		{"destination port not active", validP2P(), func(w *wfTest) {
			p := goodPorts()
			p.Dest.Status = "PENDING"
			w.ports(p)
		}, "is PENDING, not ACTIVE"},
		{"name already live on the port", validP2P(), func(w *wfTest) {
			p := goodPorts()
			p.SameName = []activities.ExistingConnection{{ID: "old", Status: ccapi.StatusPending}}
			w.ports(p)
		}, "already exists on port"},
		{"metro unknown", validB2B(), func(w *wfTest) {
			l := goodB2BLookups()
			w.ports(l.Ports)
			w.env.OnActivity(a.ResolveMetro, mock.Anything, mock.Anything).Return(activities.MetroInfo{Known: []string{"SIN"}}, nil)
		}, `metro "HKG" not found`},
		{"no ready DCF", validB2B(), func(w *wfTest) {
			l := goodB2BLookups()
			l.DCF = &activities.DCFInfo{}
			w.b2bLookups(l)
		}, "no ready data-center facility"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWFTest(t, Config{})
			tt.setup(w)
			w.submit(ccapi.StatusCreating)
			_, err := w.run(tt.order)
			failure(t, err, ErrTypePrecheckFailed, "nothing was ordered", tt.want)
			if w.submits != 0 {
				t.Errorf("%d PUTs after a failed pre-check", w.submits)
			}
		})
	}
}

func TestInvalidOrderOrdersNothing(t *testing.T) {
	w := newWFTest(t, Config{})
	w.submit(ccapi.StatusCreating)
	o := validP2P()
	o.SpeedMbps = 0
	_, err := w.run(o)
	failure(t, err, ErrTypeInvalidOrder, "speed must be greater than 0")
	if w.submits != 0 {
		t.Error("PUT sent for an invalid order")
	}
}

func TestActivationTimeout(t *testing.T) {
	tests := []struct {
		onTimeout   string
		wantDeletes int
		want        string
	}{
		{"", 1, "it was withdrawn (CANCELLED)"},
		{OnTimeoutKeep, 0, "left in place, as the order asks (onTimeout keep)"},
	}
	for _, tt := range tests {
		t.Run("onTimeout "+tt.onTimeout, func(t *testing.T) {
			w := newWFTest(t, Config{})
			w.b2bLookups(goodB2BLookups())
			w.submit(ccapi.StatusPending)
			w.statuses(st(ccapi.StatusPending))
			w.allowDelete()
			o := validB2B()
			o.ActivationTimeout, o.OnTimeout = Duration(time.Hour), tt.onTimeout
			start := w.env.Now()
			_, err := w.run(o)
			failure(t, err, ErrTypeActivationTimeout, "conn-1 still PENDING at the deadline", tt.want)
			if took := w.env.Now().Sub(start); took < time.Hour || took > time.Hour+time.Minute {
				t.Errorf("gave up after %v, want 1h", took)
			}
			if w.deletes != tt.wantDeletes {
				t.Errorf("%d deletes, want %d", w.deletes, tt.wantDeletes)
			}
		})
	}
}

func TestDefaultActivationTimeouts(t *testing.T) {
	cfg := DefaultConfig()
	if got := activationTimeout(validP2P(), cfg); got != 2*time.Hour {
		t.Errorf("port-to-port default = %v", got)
	}
	if got := activationTimeout(validB2B(), cfg); got != 14*24*time.Hour {
		t.Errorf("business-to-business default = %v", got)
	}
}

func TestCancelBeforeOrdering(t *testing.T) {
	w := newWFTest(t, Config{})
	w.env.OnActivity(a.LookupPorts, mock.Anything, mock.Anything).After(time.Minute).Return(goodPorts(), nil)
	w.submit(ccapi.StatusCreating)
	w.env.RegisterDelayedCallback(func() {
		w.env.SignalWorkflow(SignalCancel, CancelRequest{Reason: "ticket withdrawn"})
	}, 10*time.Second)
	res, err := w.run(validP2P())
	if err != nil {
		t.Fatal(err)
	}
	if res.Stage != StageCancelled || !strings.Contains(res.Reason, "nothing was ordered: ticket withdrawn") || w.submits != 0 {
		t.Errorf("result %+v, %d PUTs", res, w.submits)
	}
}

func TestCancelAfterOrderingDeletesTheConnection(t *testing.T) {
	w := newWFTest(t, Config{})
	w.b2bLookups(goodB2BLookups())
	w.submit(ccapi.StatusPending)
	w.statuses(st(ccapi.StatusPending))
	w.allowDelete()
	w.env.RegisterDelayedCallback(func() {
		w.env.SignalWorkflow(SignalCancel, CancelRequest{Reason: "customer changed their mind"})
	}, 3*time.Hour)
	res, err := w.run(validB2B())
	if err != nil {
		t.Fatal(err)
	}
	// A request nobody accepted yet is CANCELLED when withdrawn.
	if res.Stage != StageCancelled || res.ConnectionID != "conn-1" || res.APIStatus != ccapi.StatusCancelled || !res.Withdrawn ||
		w.deletes != 1 || w.submits != 1 {
		t.Errorf("result %+v, %d deletes", res, w.deletes)
	}
	if s := w.status(); s.Stage != StageCancelled || s.APIStatus != ccapi.StatusCancelled || !strings.Contains(s.Reason, "customer changed their mind") {
		t.Errorf("status after the cancel = %+v", s)
	}
}

func TestRetryableErrorsAreRecovered(t *testing.T) {
	w := newWFTest(t, Config{})
	w.ports(goodPorts())
	unavailable := temporal.NewApplicationError("ccapi: 503 Service Unavailable", activities.ErrTypeAPIUnavailable)
	w.submit(ccapi.StatusCreating)
	polls := 0
	w.onStatus(func(context.Context, activities.ConnectionRef) (activities.ConnectionStatus, error) {
		polls++
		if polls == 1 {
			return activities.ConnectionStatus{}, unavailable
		}
		return st(ccapi.StatusActive), nil
	})
	res, err := w.run(validP2P())
	if err != nil {
		t.Fatal(err)
	}
	if res.Stage != StageActive || polls != 2 || w.submits != 1 {
		t.Errorf("result %+v after %d polls, %d PUTs", res, polls, w.submits)
	}
}

func TestRejectedOrderIsNotRetried(t *testing.T) {
	w := newWFTest(t, Config{})
	w.ports(goodPorts())
	w.puts(func(int) activities.PlaceResult {
		return activities.PlaceResult{Effect: activities.PutRefused,
			Reason:  "ordering: ccapi: PUT ...: 400 Bad Request: paymentType creditcard is only supported via the web application",
			Refusal: &activities.APIErrorDetails{StatusCode: 400}}
	})
	_, err := w.run(validP2P())
	failure(t, err, ErrTypeOrderRejected, "nothing was ordered", "paymentType creditcard")
	if w.submits != 1 {
		t.Errorf("PUT attempted %d times, want 1", w.submits)
	}
}

func TestDryRunEndsWithTheRequest(t *testing.T) {
	w := newWFTest(t, Config{})
	w.b2bLookups(goodB2BLookups())
	w.submit(ccapi.StatusCreating)
	o := validB2B()
	o.DryRun = true
	res, err := w.run(o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stage != StageDryRun || res.Request == nil || *res.Request != layer2Request(o.WithDefaults(), goodB2BLookups()) || w.submits != 0 {
		t.Errorf("result %+v, %d PUTs", res, w.submits)
	}
}

func TestLongWaitContinuesAsNew(t *testing.T) {
	w := newWFTestAt(t, Config{PollsPerRun: 3}, revisionActionsOnce)
	w.b2bLookups(goodB2BLookups())
	w.submit(ccapi.StatusPending)
	w.statuses(st(ccapi.StatusPending))
	w.env.ExecuteWorkflow(WorkflowName, Input{Order: validB2B()})
	var can *workflow.ContinueAsNewError
	if !errors.As(w.env.GetWorkflowError(), &can) {
		t.Fatalf("error = %v, want continue-as-new", w.env.GetWorkflowError())
	}
	if can.WorkflowType.Name != WorkflowName {
		t.Errorf("continued as %q", can.WorkflowType.Name)
	}
	// The next run resumes the wait where this one stopped.
	w2 := newWFTestAt(t, Config{PollsPerRun: 3}, revisionActionsOnce)
	w2.statuses(st(ccapi.StatusActive))
	w2.submit(ccapi.StatusCreating)
	var next Input
	if err := (newDataConverter()).FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.Wait == nil || next.Wait.ConnectionID != "conn-1" || next.Wait.Polls != 3 {
		t.Fatalf("continued with %+v", next.Wait)
	}
	w2.env.ExecuteWorkflow(WorkflowName, next)
	var res Result
	if err := w2.env.GetWorkflowResult(&res); err != nil || res.Stage != StageActive || w2.submits != 0 {
		t.Errorf("resumed run: %+v, %v, %d PUTs", res, err, w2.submits)
	}
}

func newDataConverter() interface {
	FromPayloads(*commonpb.Payloads, ...any) error
} {
	return converter.GetDefaultDataConverter()
}

func TestLookupErrors(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		errType string
	}{
		{"the API refuses: the order is wrong", temporal.NewNonRetryableApplicationError(
			"listing ports of company nobody: ccapi: GET /api/company/nobody/ports: 404 Not Found: A company can not be found",
			activities.ErrTypeAPIRejected, nil), ErrTypePrecheckFailed},
		{"the API stays unreachable", temporal.NewNonRetryableApplicationError("listing ports: connection refused",
			activities.ErrTypeAPIUnavailable, nil), ErrTypeAPIUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWFTest(t, Config{})
			w.env.OnActivity(a.LookupPorts, mock.Anything, mock.Anything).Return(activities.PortsResult{}, tt.err)
			w.submit(ccapi.StatusCreating)
			_, err := w.run(validP2P())
			failure(t, err, tt.errType, "nothing was ordered", "listing ports")
			if w.submits != 0 {
				t.Error("PUT sent after a failed lookup")
			}
		})
	}
}

// A wait continues as new once its history reaches the size budget, even
// before PollsPerRun polls: a history of any wait stays under 64 KiB.
func TestLongWaitContinuesAsNewAtTheSizeBudget(t *testing.T) {
	w := newWFTestAt(t, Config{PollsPerRun: 1000}, revisionActionsOnce)
	w.b2bLookups(goodB2BLookups())
	w.submit(ccapi.StatusPending)
	w.statuses(st(ccapi.StatusPending))
	w.env.SetCurrentHistorySize(historyBudget)
	w.env.ExecuteWorkflow(WorkflowName, Input{Order: validB2B()})
	var can *workflow.ContinueAsNewError
	if !errors.As(w.env.GetWorkflowError(), &can) {
		t.Fatalf("error = %v, want continue-as-new", w.env.GetWorkflowError())
	}
}
