package activities_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/cc-l2/provisioner/activities"
)

// fakeTemporal keeps running workflows by id, as the server and the SDK's
// client do: a second start of a running id fails when the start asks for
// the error (WorkflowExecutionErrorWhenAlreadyStarted), and otherwise
// returns the running workflow.
type fakeTemporal struct {
	mu       sync.Mutex
	running  map[string]string // workflow id → memo orderId
	runs     map[string]string // workflow id → run id
	reserved map[string]string // workflow id → memo reservedUntil
	started  int
	// down, when set, is how every call fails: the server cannot be
	// reached.
	down error
}

// continueAsNew ends a lock's run and starts the next, as a lock that has
// made its checks does: the same holder, a new run id.
func (f *fakeTemporal) continueAsNew(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started++
	f.runs[id] = fmt.Sprintf("run-%d", f.started)
}

// fakeRun is a started run, as far as the lock needs one.
type fakeRun struct {
	client.WorkflowRun
	id, runID string
}

func (r fakeRun) GetID() string    { return r.id }
func (r fakeRun) GetRunID() string { return r.runID }

func (f *fakeTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down != nil {
		return nil, f.down
	}
	if _, ok := f.running[o.ID]; ok && o.WorkflowIDConflictPolicy != enumspb.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING {
		if !o.WorkflowExecutionErrorWhenAlreadyStarted {
			// The SDK's client hands back the running workflow as if it
			// had been started, unless asked for the error: a lock taken
			// without asking would look held by every order.
			return fakeRun{id: o.ID, runID: f.runs[o.ID]}, nil
		}
		return nil, serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "", f.runs[o.ID])
	}
	f.started++
	if f.runs == nil {
		f.runs = map[string]string{}
	}
	if f.reserved == nil {
		f.reserved = map[string]string{}
	}
	f.running[o.ID] = o.Memo["orderId"].(string)
	f.reserved[o.ID], _ = o.Memo["reservedUntil"].(string)
	f.runs[o.ID] = fmt.Sprintf("run-%d", f.started)
	return fakeRun{id: o.ID, runID: f.runs[o.ID]}, nil
}

func (f *fakeTemporal) DescribeWorkflowExecution(_ context.Context, id, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down != nil {
		return nil, f.down
	}
	holder, ok := f.running[id]
	if !ok {
		return nil, serviceerror.NewNotFound("no such workflow")
	}
	payload, _ := converter.GetDefaultDataConverter().ToPayload(holder)
	memo := map[string]*commonpb.Payload{"orderId": payload}
	if until := f.reserved[id]; until != "" {
		memo["reservedUntil"], _ = converter.GetDefaultDataConverter().ToPayload(until)
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: f.runs[id]},
		Status:    enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		Memo:      &commonpb.Memo{Fields: memo},
	}}, nil
}

// TerminateWorkflow ends the run named, as the server does: a run that is
// not running is not found.
func (f *fakeTemporal) TerminateWorkflow(_ context.Context, id, runID, _ string, _ ...any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down != nil {
		return f.down
	}
	if _, ok := f.running[id]; !ok || f.runs[id] != runID {
		return serviceerror.NewNotFound("workflow execution already completed")
	}
	delete(f.running, id)
	return nil
}

func TestLockConnectionName(t *testing.T) {
	at := newActTest(t)
	at.acts.Temporal = &fakeTemporal{running: map[string]string{}}
	lock := func(order string) activities.NameLock {
		t.Helper()
		got, err := run[activities.NameLock](t, at, at.acts.LockConnectionName, activities.LockConnectionNameInput{
			OrderID: order, Company: "acme", PortID: acmeHKG, Name: "SHARED", LockWorkflowID: "l2-name-x", LockWorkflowType: "L",
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := lock("FIRST"); !got.Held {
		t.Fatalf("first order: %+v", got)
	}
	if got := lock("FIRST"); !got.Held {
		t.Fatalf("a retry of the first order: %+v", got)
	}
	if got := lock("SECOND"); got.Held || got.HolderOrderID != "FIRST" {
		t.Fatalf("second order: %+v", got)
	}

	open, err := run[bool](t, at, at.acts.OrderIsOpen, "l2-name-x")
	if err != nil || !open {
		t.Errorf("running: %v, %v", open, err)
	}
	open, err = run[bool](t, at, at.acts.OrderIsOpen, "l2-order-GONE")
	if err != nil || open {
		t.Errorf("unknown: %v, %v", open, err)
	}

}

// A lock taken with a delay is released by terminating the run the order
// took, and only that run: a later lock of the name is another order's.
func TestReleaseConnectionName(t *testing.T) {
	at := newActTest(t)
	fake := &fakeTemporal{running: map[string]string{}}
	at.acts.Temporal = fake
	lock := func(order string) activities.NameLock {
		t.Helper()
		got, err := run[activities.NameLock](t, at, at.acts.LockConnectionName, activities.LockConnectionNameInput{
			OrderID: order, Company: "acme", PortID: acmeHKG, Name: "SHARED", LockWorkflowID: "l2-name-x", LockWorkflowType: "L", Delay: time.Hour,
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	release := func(order, runID string) {
		t.Helper()
		if _, err := at.env.ExecuteActivity(at.acts.ReleaseConnectionName, activities.NameLockRelease{OrderID: order, LockWorkflowID: "l2-name-x", RunID: runID}); err != nil {
			t.Fatalf("releasing %s: %v", runID, err)
		}
	}
	first := lock("FIRST")
	if !first.Held || first.RunID == "" {
		t.Fatalf("first order: %+v", first)
	}
	if again := lock("FIRST"); !again.Held || again.RunID != first.RunID {
		t.Fatalf("a retry of the first order: %+v, want run %s", again, first.RunID)
	}
	release("FIRST", first.RunID)
	second := lock("SECOND")
	if !second.Held || second.RunID == first.RunID {
		t.Fatalf("second order, after the first released: %+v", second)
	}
	release("FIRST", first.RunID) // a retried release of the first: gone already
	if holder := fake.running["l2-name-x"]; holder != "SECOND" {
		t.Fatalf("a late release of the first ended the second's lock (holder %q)", holder)
	}
	release("SECOND", second.RunID)
	if len(fake.running) != 0 {
		t.Fatalf("still running: %v", fake.running)
	}
}

// Issue 22, scenario 10: a lock that continued as new (after its checks)
// is still the order's; releasing the name ends that current run, not
// only the run the order took, which has ended already.
func TestReleaseConnectionNameEndsTheCurrentRun(t *testing.T) {
	at := newActTest(t)
	fake := &fakeTemporal{running: map[string]string{}}
	at.acts.Temporal = fake
	in := activities.LockConnectionNameInput{OrderID: "FIRST", Company: "acme", PortID: acmeHKG, Name: "SHARED", LockWorkflowID: "l2-name-x", LockWorkflowType: "L", Delay: time.Hour}
	first, err := run[activities.NameLock](t, at, at.acts.LockConnectionName, in)
	if err != nil || !first.Held {
		t.Fatalf("first order: %+v, %v", first, err)
	}
	fake.continueAsNew("l2-name-x")
	if _, err := at.env.ExecuteActivity(at.acts.ReleaseConnectionName, activities.NameLockRelease{OrderID: "FIRST", LockWorkflowID: "l2-name-x", RunID: first.RunID}); err != nil {
		t.Fatal(err)
	}
	if holder, ok := fake.running["l2-name-x"]; ok {
		t.Fatalf("the name is still held by %s after its order released it", holder)
	}
}

// Issue 22, scenario 5: an order that made a connection keeps its name
// reserved for the settle window after it ends; a second order of the
// name is refused meanwhile, and told until when and why.
func TestReleaseConnectionNameReservesTheName(t *testing.T) {
	at := newActTest(t)
	fake := &fakeTemporal{running: map[string]string{}}
	at.acts.Temporal = fake
	lockIn := func(order string) activities.LockConnectionNameInput {
		return activities.LockConnectionNameInput{OrderID: order, Company: "acme", PortID: acmeHKG, Name: "SHARED", LockWorkflowID: "l2-name-x", LockWorkflowType: "L", Delay: time.Hour}
	}
	first, err := run[activities.NameLock](t, at, at.acts.LockConnectionName, lockIn("FIRST"))
	if err != nil || !first.Held {
		t.Fatalf("first order: %+v, %v", first, err)
	}
	reserve := lockIn("FIRST")
	release := activities.NameLockRelease{OrderID: "FIRST", LockWorkflowID: "l2-name-x", RunID: first.RunID, ReserveFor: 10 * time.Minute, Reserve: &reserve}
	for range 2 { // a retried release reserves once
		if _, err := at.env.ExecuteActivity(at.acts.ReleaseConnectionName, release); err != nil {
			t.Fatal(err)
		}
	}
	if fake.running["l2-name-x"] != "FIRST" || fake.reserved["l2-name-x"] == "" || fake.started != 2 {
		t.Fatalf("not reserved for the first order: holder %q, reserved %q, %d starts", fake.running["l2-name-x"], fake.reserved["l2-name-x"], fake.started)
	}
	second, err := run[activities.NameLock](t, at, at.acts.LockConnectionName, lockIn("SECOND"))
	if err != nil || second.Held || second.HolderOrderID != "FIRST" || second.ReservedUntil.IsZero() {
		t.Fatalf("second order during the reservation: %+v, %v", second, err)
	}
	if late := time.Until(second.ReservedUntil); late < 9*time.Minute || late > 11*time.Minute {
		t.Errorf("reserved for %v, want the 10m asked", late)
	}
	// The first order itself, asking again, does not take it back.
	if again, err := run[activities.NameLock](t, at, at.acts.LockConnectionName, lockIn("FIRST")); err != nil || again.Held {
		t.Errorf("the first order took its reserved name again: %+v, %v", again, err)
	}
}

// A lock activity that cannot reach Temporal says so, with a type of its
// own: it is not the Console Connect API that is down.
func TestLockActivitiesCannotReachTemporal(t *testing.T) {
	at := newActTest(t)
	at.acts.Temporal = &fakeTemporal{running: map[string]string{}, down: serviceerror.NewUnavailable("connection refused")}
	in := activities.LockConnectionNameInput{OrderID: "FIRST", Company: "acme", PortID: acmeHKG, Name: "SHARED", LockWorkflowID: "l2-name-x", LockWorkflowType: "L"}
	for _, tc := range []struct {
		name string
		fn   any
		in   any
	}{
		{"LockConnectionName", at.acts.LockConnectionName, in},
		{"ReleaseConnectionName", at.acts.ReleaseConnectionName, activities.NameLockRelease{OrderID: "FIRST", LockWorkflowID: "l2-name-x"}},
		{"OrderIsOpen", at.acts.OrderIsOpen, "l2-order-FIRST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := at.env.ExecuteActivity(tc.fn, tc.in)
			if got := appError(t, err); got.Type() != "TemporalUnavailable" || got.NonRetryable() {
				t.Errorf("error type %s (non-retryable %v), want retryable TemporalUnavailable: %v", got.Type(), got.NonRetryable(), err)
			}
		})
	}
}
