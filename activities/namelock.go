package activities

import (
	"context"
	"errors"
	"fmt"

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
}

// NameLock says whether the order holds the name, or which order does.
type NameLock struct {
	Held          bool   `json:"held"`
	HolderOrderID string `json:"holderOrderId,omitempty"`
}

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
		return NameLock{}, temporal.NewNonRetryableApplicationError("the worker has no Temporal client for connection-name locks", "Misconfigured", nil)
	}
	_, err := a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       in.LockWorkflowID,
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
		return NameLock{Held: true}, nil
	case !errors.As(err, &started):
		return NameLock{}, temporal.NewApplicationError("locking the connection name: "+err.Error(), ErrTypeAPIUnavailable)
	}
	holder, err := a.lockHolder(ctx, in.LockWorkflowID)
	if err != nil {
		return NameLock{}, err
	}
	if holder == in.OrderID {
		return NameLock{Held: true}, nil // an earlier attempt of ours took it
	}
	logger.Warn("Connection name held by another order", "orderId", in.OrderID, "holder", holder, "name", in.Name)
	return NameLock{HolderOrderID: holder}, nil
}

// lockHolder reads which order holds a running lock.
func (a *Activities) lockHolder(ctx context.Context, lockID string) (string, error) {
	desc, err := a.Temporal.DescribeWorkflowExecution(ctx, lockID, "")
	if err != nil {
		return "", temporal.NewApplicationError("reading the holder of lock "+lockID+": "+err.Error(), ErrTypeAPIUnavailable)
	}
	info := desc.GetWorkflowExecutionInfo()
	if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		// Released between our start and this read: try again.
		return "", temporal.NewApplicationError("lock "+lockID+" was released meanwhile", ErrTypeAPIUnavailable)
	}
	var holder string
	payload := info.GetMemo().GetFields()[memoOrderID]
	if payload == nil || converter.GetDefaultDataConverter().FromPayload(payload, &holder) != nil || holder == "" {
		return "", temporal.NewNonRetryableApplicationError(fmt.Sprintf("lock %s does not say which order holds it", lockID), "Misconfigured", nil)
	}
	return holder, nil
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
