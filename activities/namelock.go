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

// The activity side of the connection-name lock (the workflow side, and
// how the order holds and gives back its name, is workflows/namelock.go):
// LockConnectionName starts the lock workflow, whose id only one run holds
// at a time; ReleaseConnectionName ends it by identity, or replaces it by
// a reservation; OrderIsOpen is the lock's check on its order. Every one
// of them is a call to the Temporal server, and fails as
// ErrTypeTemporalUnavailable when the server cannot be reached. Their
// registered names are in recorded histories: never rename them.

// TemporalClient is the part of the Temporal client that the
// connection-name locks need.
type TemporalClient interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
	TerminateWorkflow(ctx context.Context, workflowID, runID, reason string, details ...any) error
}

// LockConnectionNameInput asks for one connection name on one port, for
// one order. The activity starts the lock workflow with it as is: it is a
// JSON superset of that workflow's input (workflows.NameLockInput), as it
// has been since the lock was written, so the inputs of running locks
// and recorded histories read the same.
type LockConnectionNameInput struct {
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

// NameLockRelease names the lock an order holds, to give it back.
type NameLockRelease struct {
	OrderID        string `json:"orderId"`
	LockWorkflowID string `json:"lockWorkflowId"`
	// RunID is the run the order took. Releases since the lock is
	// released by identity do not need it: the lock may have continued as
	// new since (histories recorded it).
	RunID string `json:"runId"`
	// ReserveFor keeps the name for this long after the order ends, for an
	// order that made (or may have made) a connection: until its settle
	// window has passed, a read of the port may not show that connection
	// yet, and another order of the name could take it for its own.
	// Reserve is the lock to hold meanwhile (its Delay is ReserveFor).
	ReserveFor time.Duration            `json:"reserveFor,omitempty"`
	Reserve    *LockConnectionNameInput `json:"reserve,omitempty"`
}

// NameLock says whether the order holds the name, or which order does.
type NameLock struct {
	Held          bool   `json:"held"`
	HolderOrderID string `json:"holderOrderId,omitempty"`
	// RunID is the lock's run, when the order holds it.
	RunID string `json:"runId,omitempty"`
	// ReservedUntil is set when the holder has ended and the name stays
	// reserved until then, for the connection it made (see ReserveFor).
	ReservedUntil time.Time `json:"reservedUntil,omitzero"`
}

// errNoTemporal fails a lock activity on a worker built without a
// Temporal client: no retry can mend that.
var errNoTemporal = temporal.NewNonRetryableApplicationError("the worker has no Temporal client for connection-name locks", "Misconfigured", nil)

// Memo keys of the lock workflow: memoOrderID names its holder;
// memoReservedUntil is set on a lock that keeps the name after its order
// ended (RFC 3339).
const (
	memoOrderID       = "orderId"
	memoReservedUntil = "reservedUntil"
)

// LockConnectionName takes the lock on (company, port, name) for the
// order: it starts the lock workflow, whose id is unique to the name while
// it runs, so of two orders that try at the same instant the server lets
// exactly one start it. The other learns who holds it. A retry of an
// attempt that did start it finds itself the holder.
func (a *Activities) LockConnectionName(ctx context.Context, in LockConnectionNameInput) (NameLock, error) {
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
		return NameLock{}, temporal.NewApplicationError("locking the connection name: "+err.Error(), ErrTypeTemporalUnavailable)
	}
	holder, err := a.lockHolder(ctx, in.LockWorkflowID)
	switch {
	case err != nil:
		return NameLock{}, err
	case !holder.running:
		// Released between our start and this read: try again.
		return NameLock{}, temporal.NewApplicationError("lock "+in.LockWorkflowID+" was released meanwhile", ErrTypeTemporalUnavailable)
	case holder.orderID == in.OrderID && holder.reservedUntil.IsZero():
		return NameLock{Held: true, RunID: holder.runID}, nil // an earlier attempt of ours took it
	}
	logger.Warn("Connection name held by another order", "orderId", in.OrderID, "holder", holder.orderID,
		"name", in.Name, "reservedUntil", holder.reservedUntil)
	return NameLock{HolderOrderID: holder.orderID, ReservedUntil: holder.reservedUntil}, nil
}

// lockHolder is what the current run of a lock says of itself.
type lockHolder struct {
	running       bool
	orderID       string
	runID         string
	reservedUntil time.Time
}

// lockHolder reads the current run of a lock: whether it runs, which
// order holds it, and until when it is reserved after that order ended.
func (a *Activities) lockHolder(ctx context.Context, lockID string) (lockHolder, error) {
	desc, err := a.Temporal.DescribeWorkflowExecution(ctx, lockID, "")
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		return lockHolder{}, nil
	case err != nil:
		return lockHolder{}, temporal.NewApplicationError("reading the holder of lock "+lockID+": "+err.Error(), ErrTypeTemporalUnavailable)
	}
	info := desc.GetWorkflowExecutionInfo()
	h := lockHolder{running: info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, runID: info.GetExecution().GetRunId()}
	if !h.running {
		return h, nil
	}
	dc := converter.GetDefaultDataConverter()
	fields := info.GetMemo().GetFields()
	if payload := fields[memoOrderID]; payload == nil || dc.FromPayload(payload, &h.orderID) != nil || h.orderID == "" {
		return lockHolder{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("lock %s does not say which order holds it", lockID), "Misconfigured", nil)
	}
	var until string
	if payload := fields[memoReservedUntil]; payload != nil && dc.FromPayload(payload, &until) == nil {
		h.reservedUntil, _ = time.Parse(time.RFC3339Nano, until)
	}
	return h, nil
}

// releaseAttempts bounds how often a release reads the lock again because
// its current run changed under it (it continued as new meanwhile).
const releaseAttempts = 5

// ReleaseConnectionName gives an order's name back, by identity: it ends
// whatever run of the lock is current and held by this order — the one
// the order took, or the one that run continued as new into — and no
// other: a run held by another order means this order's ended already.
// A release that finds no run of the lock has nothing left to do.
//
// With ReserveFor, the run is replaced, in one step, by a lock of the
// same order that starts after ReserveFor and then ends, seeing its order
// ended: the name stays reserved for exactly that long (a start with
// WorkflowIDConflictPolicy TERMINATE_EXISTING, so no other order can take
// the name in between).
func (a *Activities) ReleaseConnectionName(ctx context.Context, in NameLockRelease) error {
	if a.Temporal == nil {
		return errNoTemporal
	}
	logger := activity.GetLogger(ctx)
	for range releaseAttempts {
		holder, err := a.lockHolder(ctx, in.LockWorkflowID)
		switch {
		case err != nil:
			return err
		case !holder.running, holder.orderID != in.OrderID:
			return nil
		case !holder.reservedUntil.IsZero():
			return nil // reserved already, by an earlier attempt of this release
		case in.ReserveFor > 0 && in.Reserve != nil:
			return a.reserveName(ctx, in)
		}
		err = a.Temporal.TerminateWorkflow(ctx, in.LockWorkflowID, holder.runID, "released by order "+in.OrderID)
		var notFound *serviceerror.NotFound
		switch {
		case err == nil:
			logger.Info("Connection name released", "orderId", in.OrderID, "lock", in.LockWorkflowID)
			return nil
		case !errors.As(err, &notFound):
			return temporal.NewApplicationError("releasing lock "+in.LockWorkflowID+": "+err.Error(), ErrTypeTemporalUnavailable)
		}
		// That run ended meanwhile (it continued as new): read again.
	}
	return temporal.NewApplicationError("releasing lock "+in.LockWorkflowID+": its current run kept changing", ErrTypeTemporalUnavailable)
}

// reserveName replaces the order's lock by one that keeps the name for
// ReserveFor after the order's end.
func (a *Activities) reserveName(ctx context.Context, in NameLockRelease) error {
	lock := *in.Reserve
	lock.Delay = in.ReserveFor
	until := time.Now().Add(in.ReserveFor).UTC().Format(time.RFC3339Nano)
	_, err := a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       in.LockWorkflowID,
		StartDelay:               in.ReserveFor,
		TaskQueue:                activity.GetInfo(ctx).TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING,
		Memo:                     map[string]any{memoOrderID: in.OrderID, memoReservedUntil: until},
	}, lock.LockWorkflowType, lock)
	if err != nil {
		return temporal.NewApplicationError("reserving lock "+in.LockWorkflowID+": "+err.Error(), ErrTypeTemporalUnavailable)
	}
	activity.GetLogger(ctx).Info("Connection name reserved after its order", "orderId", in.OrderID, "lock", in.LockWorkflowID, "until", until)
	return nil
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
		return false, temporal.NewApplicationError("describing "+workflowID+": "+err.Error(), ErrTypeTemporalUnavailable)
	}
	status := desc.GetWorkflowExecutionInfo().GetStatus()
	return status == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING || status == enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW, nil
}
