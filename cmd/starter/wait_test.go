package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
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
	require.Equal(t, stageUnknown, f.Stage)
	require.Equal(t, "Interrupted", f.ErrorType)
	require.Contains(t, f.Error, "starter status CHG1")
	require.False(t, f.succeeded())
}
