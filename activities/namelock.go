package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// TemporalClient is the part of the Temporal client that the
// connection-name locks need.
type TemporalClient interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
	TerminateWorkflow(ctx context.Context, workflowID, runID, reason string, details ...any) error
}

// NameLockInput asks for one connection name on one port, for one order.
type NameLockInput struct {
	OrderID         string `json:"orderId"`
	OrderWorkflowID string `json:"orderWorkflowId"`
	Company         string `json:"company"`
	PortID          string `json:"portId"`
	Name            string `json:"name"`
	// LockWorkflowID and LockWorkflowType name the lock: a workflow that
	// runs while the order holds the name (see workflows.NameLock).
	LockWorkflowID   string `json:"lockWorkflowId"`
	LockWorkflowType string `json:"lockWorkflowType"`
	// Delay starts the lock workflow this much later: until then it runs
	// no workflow task at all, and the order releases it by terminating
	// it (ReleaseConnectionName), so that holding a name costs the server
	// one start and one termination. After the delay it checks at once
	// that its order still runs. Zero for locks released by signal.
	Delay time.Duration `json:"delay,omitempty"`
}

// NameLockRelease names the lock run an order took, to end it.
type NameLockRelease struct {
	OrderID        string `json:"orderId"`
	LockWorkflowID string `json:"lockWorkflowId"`
	RunID          string `json:"runId"`
}

// NameLock says whether the order holds the name, or which order does.
type NameLock struct {
	Held          bool   `json:"held"`
	HolderOrderID string `json:"holderOrderId,omitempty"`
	// RunID is the lock's run, when the order holds it.
	RunID string `json:"runId,omitempty"`
}

// errNoTemporal fails a lock activity on a worker built without a
// Temporal client: no retry can mend that.
var errNoTemporal = temporal.NewNonRetryableApplicationError("the worker has no Temporal client for connection-name locks", "Misconfigured", nil)

// memoOrderID is the lock workflow's memo key naming its holder.
const memoOrderID = "orderId"

// LockConnectionName takes the lock on (company, port, name) for the
// order: it starts the lock workflow, whose id is unique to the name while
// it runs, so of two orders that try at the same instant the server lets
// exactly one start it. The other learns who holds it. A retry of an
// attempt that did start it finds itself the holder.
func (a *Activities) LockConnectionName(ctx context.Context, in NameLockInput) (NameLock, error) {
	logger := activity.GetLogger(ctx)
	if a.Temporal == nil {
		return NameLock{}, errNoTemporal
	}
	run, err := a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       in.LockWorkflowID,
		StartDelay:               in.Delay,
		TaskQueue:                activity.GetInfo(ctx).TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		Memo:                     map[string]any{memoOrderID: in.OrderID},
		// The caller learns of a running lock from the error.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, in.LockWorkflowType, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case err == nil:
		logger.Info("Connection name locked", "orderId", in.OrderID, "portId", in.PortID, "name", in.Name)
		return NameLock{Held: true, RunID: run.GetRunID()}, nil
	case !errors.As(err, &started):
		return NameLock{}, temporal.NewApplicationError("locking the connection name: "+err.Error(), ErrTypeAPIUnavailable)
	}
	holder, lockRun, err := a.lockHolder(ctx, in.LockWorkflowID)
	if err != nil {
		return NameLock{}, err
	}
	if holder == in.OrderID {
		return NameLock{Held: true, RunID: lockRun}, nil // an earlier attempt of ours took it
	}
	logger.Warn("Connection name held by another order", "orderId", in.OrderID, "holder", holder, "name", in.Name)
	return NameLock{HolderOrderID: holder}, nil
}

// lockHolder reads which order holds a running lock, and the lock's run.
func (a *Activities) lockHolder(ctx context.Context, lockID string) (holder, runID string, err error) {
	desc, err := a.Temporal.DescribeWorkflowExecution(ctx, lockID, "")
	if err != nil {
		return "", "", temporal.NewApplicationError("reading the holder of lock "+lockID+": "+err.Error(), ErrTypeAPIUnavailable)
	}
	info := desc.GetWorkflowExecutionInfo()
	if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		// Released between our start and this read: try again.
		return "", "", temporal.NewApplicationError("lock "+lockID+" was released meanwhile", ErrTypeAPIUnavailable)
	}
	payload := info.GetMemo().GetFields()[memoOrderID]
	if payload == nil || converter.GetDefaultDataConverter().FromPayload(payload, &holder) != nil || holder == "" {
		return "", "", temporal.NewNonRetryableApplicationError(fmt.Sprintf("lock %s does not say which order holds it", lockID), "Misconfigured", nil)
	}
	return holder, info.GetExecution().GetRunId(), nil
}

// ReleaseConnectionName ends the lock run an order took with a Delay: a
// run that has not started its first workflow task cannot take a signal,
// so it is terminated. Only that run: a later lock of the same name
// belongs to another order. A run that has ended already is released.
func (a *Activities) ReleaseConnectionName(ctx context.Context, in NameLockRelease) error {
	if a.Temporal == nil {
		return errNoTemporal
	}
	err := a.Temporal.TerminateWorkflow(ctx, in.LockWorkflowID, in.RunID, "released by order "+in.OrderID)
	var notFound *serviceerror.NotFound
	switch {
	case err == nil, errors.As(err, &notFound):
		return nil
	default:
		return temporal.NewApplicationError("releasing lock "+in.LockWorkflowID+": "+err.Error(), ErrTypeAPIUnavailable)
	}
}

// OrderIsOpen reports whether the order's workflow (its latest run) is
// still running: a lock whose holder was terminated releases itself.
func (a *Activities) OrderIsOpen(ctx context.Context, workflowID string) (bool, error) {
	desc, err := a.Temporal.DescribeWorkflowExecution(ctx, workflowID, "")
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		return false, nil
	case err != nil:
		return false, temporal.NewApplicationError("describing "+workflowID+": "+err.Error(), ErrTypeAPIUnavailable)
	}
	status := desc.GetWorkflowExecutionInfo().GetStatus()
	return status == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING || status == enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW, nil
}
