package main

import (
	"context"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"
)

// blockedRun is a workflow run that never ends before its context does.
type blockedRun struct{ client.WorkflowRun }

func (blockedRun) Get(ctx context.Context, _ any) error {
	<-ctx.Done()
	return ctx.Err()
}

type blockedGetter struct{}

func (blockedGetter) GetWorkflow(context.Context, string, string) client.WorkflowRun {
	return blockedRun{}
}

// Interrupting the starter while it waits must not report the order failed:
// the workflow goes on without us.
func TestWaitInterruptedIsNotAFailure(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := wait(ctx, blockedGetter{}, started{OrderID: "CHG1", WorkflowID: "l2-order-CHG1"})
	if got, want := f.Stage, stageUnknown; got != want {
		t.Fatalf("f.Stage = %v, want %v", got, want)
	}
	if got, want := f.ErrorType, "Interrupted"; got != want {
		t.Fatalf("f.ErrorType = %v, want %v", got, want)
	}
	if s, sub := f.Error, "starter status CHG1"; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
	if f.succeeded() {
		t.Fatal("f.succeeded() is true")
	}
}
