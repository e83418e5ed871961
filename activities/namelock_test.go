package activities_test

import (
	"context"
	"sync"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/cc-l2/provisioner/activities"
)

// fakeTemporal keeps running workflows by id, as the server does: a second
// start of a running id fails.
type fakeTemporal struct {
	mu      sync.Mutex
	running map[string]string // workflow id → memo orderId
}

func (f *fakeTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.running[o.ID]; ok {
		return nil, serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "", "run-1")
	}
	f.running[o.ID] = o.Memo["orderId"].(string)
	return nil, nil
}

func (f *fakeTemporal) DescribeWorkflowExecution(_ context.Context, id, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	holder, ok := f.running[id]
	if !ok {
		return nil, serviceerror.NewNotFound("no such workflow")
	}
	payload, _ := converter.GetDefaultDataConverter().ToPayload(holder)
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		Status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		Memo:   &commonpb.Memo{Fields: map[string]*commonpb.Payload{"orderId": payload}},
	}}, nil
}

func TestLockConnectionName(t *testing.T) {
	at := newActTest(t)
	at.acts.Temporal = &fakeTemporal{running: map[string]string{}}
	lock := func(order string) activities.NameLock {
		t.Helper()
		got, err := run[activities.NameLock](t, at, at.acts.LockConnectionName, activities.NameLockInput{
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
