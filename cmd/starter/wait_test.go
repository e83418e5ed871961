package main

import (
	"context"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/cc-l2/provisioner/workflows"
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

// An order succeeded when it reached what it asked for, whatever its kind:
// a ticketing script must not mark a good decommission as failed.
func TestFinishedSucceeded(t *testing.T) {
	tests := []struct {
		f    finished
		want bool
	}{
		{finished{Stage: workflows.StageActive}, true},
		{finished{Stage: workflows.StageDryRun}, true},
		{finished{Stage: workflows.StageDecommissioned}, true},
		{finished{Stage: workflows.StageModified}, true},
		{finished{Stage: workflows.StageFailed, ErrorType: "PrecheckFailed", Error: "x"}, false},
		{finished{Stage: workflows.StageCancelled}, false},
		{finished{Stage: stageUnknown, ErrorType: "Interrupted", Error: "stopped waiting"}, false},
		{finished{Stage: workflows.StageActive, Error: "x"}, false},
	}
	for _, tt := range tests {
		if got := tt.f.succeeded(); got != tt.want {
			t.Errorf("%+v.succeeded() = %v, want %v", tt.f, got, tt.want)
		}
	}
}
