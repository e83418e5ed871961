package main

import (
	"context"
	"errors"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/workflows"
)

// workflowGetter is the part of client.Client that waiting needs.
type workflowGetter interface {
	GetWorkflow(ctx context.Context, workflowID, runID string) client.WorkflowRun
}

// stageUnknown is shown when the starter stopped waiting before the end.
const stageUnknown workflows.Stage = "unknown"

// finished is how one order ended.
type finished struct {
	OrderID      string                     `json:"orderId"`
	WorkflowID   string                     `json:"workflowId"`
	RunID        string                     `json:"runId"`
	Stage        workflows.Stage            `json:"stage"`
	ConnectionID string                     `json:"connectionId,omitempty"`
	APIStatus    ccapi.Status               `json:"apiStatus,omitempty"`
	Reason       string                     `json:"reason,omitempty"`
	ErrorType    string                     `json:"errorType,omitempty"`
	Error        string                     `json:"error,omitempty"`
	Request      *ccapi.CreateLayer2Request `json:"request,omitempty"`
}

// succeeded reports whether the order reached what was asked: an active
// connection (a create or an adopt), a connection decommissioned, a speed
// modified, or a complete dry run of any of them.
func (f finished) succeeded() bool {
	if f.Error != "" {
		return false
	}
	switch f.Stage {
	case workflows.StageActive, workflows.StageDecommissioned, workflows.StageModified, workflows.StageDryRun:
		return true
	}
	return false
}

// detail is the reason an order ended as it did, or its failure.
func (f finished) detail() string {
	switch {
	case f.Error != "" && f.ErrorType != "":
		return f.ErrorType + ": " + f.Error
	case f.Error != "":
		return f.Error
	}
	return f.Reason
}

// wait blocks until the order's workflow ends (following continue-as-new
// runs) and says how it ended.
func wait(ctx context.Context, temporal workflowGetter, s started) finished {
	f := finished{OrderID: s.OrderID, WorkflowID: s.WorkflowID, RunID: s.RunID}
	var result workflows.Result
	err := temporal.GetWorkflow(ctx, s.WorkflowID, s.RunID).Get(ctx, &result)
	if err != nil && ctx.Err() != nil {
		// Interrupted: the order has not ended, only our waiting has.
		f.Stage = stageUnknown
		f.ErrorType, f.Error = "Interrupted", "stopped waiting; the order goes on (see: starter status "+s.OrderID+")"
		return f
	}
	if err != nil {
		f.Stage = workflows.StageFailed
		f.ErrorType, f.Error = failureReason(err)
		return f
	}
	f.Stage = result.Stage
	f.ConnectionID = result.ConnectionID
	f.APIStatus = result.APIStatus
	f.Reason = result.Reason
	f.Request = result.Request
	return f
}

// failureReason digs the workflow's own failure out of the SDK's wrapping
// (WorkflowExecutionError → ActivityError → ApplicationError ...): its type
// (workflows.ErrTypeConnectionFailed, ...) and its message without the chain.
func failureReason(err error) (errorType, message string) {
	var (
		app        *temporal.ApplicationError
		canceled   *temporal.CanceledError
		terminated *temporal.TerminatedError
		timeout    *temporal.TimeoutError
	)
	switch {
	case errors.As(err, &app):
		return app.Type(), app.Message()
	case errors.As(err, &canceled):
		return "Canceled", "the workflow was cancelled"
	case errors.As(err, &terminated):
		return "Terminated", "the workflow was terminated"
	case errors.As(err, &timeout):
		return "Timeout", "the workflow timed out (" + timeout.TimeoutType().String() + ")"
	}
	root := err
	for next := errors.Unwrap(root); next != nil; next = errors.Unwrap(root) {
		root = next
	}
	return "", root.Error()
}
