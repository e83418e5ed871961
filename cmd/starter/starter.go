package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	model "github.com/cc-l2/provisioner/order" // the tests' order helper has the name order
	"github.com/cc-l2/provisioner/workflows"
)

// Outcomes of starting an order.
const (
	outcomeStarted = "started" // a new workflow runs the order
	outcomeExists  = "exists"  // the order's workflow was started before (running or finished)
	outcomeError   = "error"   // Temporal refused or could not be reached
)

// workflowStarter is the part of client.Client that starting orders needs.
type workflowStarter interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
	// GetWorkflow reads how an earlier run ended, to tell whether the order
	// may be submitted again.
	GetWorkflow(ctx context.Context, workflowID, runID string) client.WorkflowRun
}

// starter starts orders as workflows. The CLI's submit and the webhook
// share it, so both name, deduplicate and start orders the same way.
type starter struct {
	temporal  workflowStarter
	taskQueue string
	now       func() time.Time // for dry-run workflow ids
	// retryWait is the pause before the n-th retry of a start (from 1).
	retryWait func(n int) time.Duration
}

func newStarter(temporal workflowStarter, taskQueue string) *starter {
	return &starter{temporal: temporal, taskQueue: taskQueue, now: time.Now,
		retryWait: func(n int) time.Duration { return time.Duration(1<<(n-1)) * time.Second }}
}

// newSubmitID is a random id for one submission (a submit, a webhook
// request). The workflows it starts carry it in their memo, so that a
// start retried after a lost answer knows its own.
func newSubmitID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// started is what starting one order gave.
type started struct {
	OrderID    string `json:"orderId"`
	WorkflowID string `json:"workflowId"`
	RunID      string `json:"runId"`
	Outcome    string `json:"outcome"`
	Error      string `json:"error,omitempty"`
	DryRun     bool   `json:"dryRun,omitempty"`
}

// isDryRun says whether an order runs as a dry run: asked for by the
// caller (--dry-run) or by the order itself.
func isDryRun(o model.Order, forced bool) bool { return forced || o.DryRun }

// workflowID is the order's workflow id. A dry run gets an id of its own,
// unique per attempt, so it never occupies (and, with REJECT_DUPLICATE,
// forever blocks) the real order's id.
func (s *starter) workflowID(o model.Order, dryRun bool) string {
	if dryRun {
		return fmt.Sprintf("l2-dryrun-%s-%d", o.OrderID, s.now().UnixNano())
	}
	return workflows.WorkflowID(o.OrderID)
}

// start starts one validated order. The order goes as given: the workflow
// applies the defaults, so the history shows what was asked for. A second
// start of the same order finds the first workflow, running or finished,
// and reports "exists" with its run id; that is not an error. The one
// exception is an order whose latest run ended certain that nothing was
// ordered (a failed pre-check, an order invalid after start): submitted
// again, corrected, it starts a new run under the same workflow id (see
// resubmit).
func (s *starter) start(ctx context.Context, o model.Order, forceDryRun bool, submitID string) started {
	dryRun := isDryRun(o, forceDryRun)
	if dryRun {
		o.DryRun = true
	}
	result := started{OrderID: o.OrderID, WorkflowID: s.workflowID(o, dryRun), DryRun: dryRun}
	options := client.StartWorkflowOptions{
		ID:        result.WorkflowID,
		TaskQueue: s.taskQueue,
		// A finished order is not run again: its connection may exist and
		// ordering again would double it (resubmittable says when not).
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		// So that starter list finds it before its first workflow task.
		TypedSearchAttributes: workflows.StartSearchAttributes(o),
		Memo:                  map[string]any{memoSubmitID: submitID},
	}
	run, err := s.execute(ctx, options, o)
	if err == nil {
		result.RunID, result.Outcome = run.GetRunID(), outcomeStarted
		return result
	}
	info, done := s.existing(ctx, &result, err, submitID)
	if done || !s.resubmittable(ctx, info) {
		return result
	}
	// The latest run ordered nothing, for certain: start a new one. Only a
	// run that ended failed or cancelled may be followed (the reuse
	// policy), and only while none runs (the conflict policy): of two
	// resubmissions at once one starts, the other finds it.
	options.WorkflowIDReusePolicy = enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY
	if run, err = s.execute(ctx, options, o); err == nil {
		result.RunID, result.Outcome, result.Error = run.GetRunID(), outcomeStarted, ""
		return result
	}
	_, _ = s.existing(ctx, &result, err, submitID)
	return result
}

// execute starts the workflow, trying again a start the server did not
// answer.
func (s *starter) execute(ctx context.Context, options client.StartWorkflowOptions, o model.Order) (client.WorkflowRun, error) {
	for attempt := 1; ; attempt++ {
		attemptCtx, cancel := context.WithTimeout(ctx, startAttemptTimeout)
		run, err := s.temporal.ExecuteWorkflow(attemptCtx, options, workflows.WorkflowType(o), workflows.Input{Order: o})
		cancel()
		if err == nil || attempt == startAttempts || ctx.Err() != nil || !retryableStart(err) {
			return run, err
		}
		select {
		case <-ctx.Done():
		case <-time.After(s.retryWait(attempt)):
		}
	}
}

// existing fills result for a start that failed with err: an error, or the
// workflow that holds the id, which is "started" when its memo carries
// submitID (an attempt of ours whose answer was lost) and "exists"
// otherwise. done says the result is final; else info is the latest run,
// which ended or runs under someone else's submit.
func (s *starter) existing(ctx context.Context, result *started, err error, submitID string) (info *workflowpb.WorkflowExecutionInfo, done bool) {
	var exists *serviceerror.WorkflowExecutionAlreadyStarted
	if !errors.As(err, &exists) {
		result.Outcome, result.Error = outcomeError, fmt.Sprintf("starting workflow %s: %v", result.WorkflowID, err)
		return nil, true
	}
	desc, err := s.temporal.DescribeWorkflowExecution(ctx, result.WorkflowID, "")
	if err != nil {
		result.RunID, result.Outcome = exists.RunId, outcomeExists
		if result.RunID == "" {
			result.Outcome, result.Error = outcomeError, fmt.Sprintf("workflow %s exists but describing it failed: %v", result.WorkflowID, err)
		}
		return nil, true
	}
	info = desc.GetWorkflowExecutionInfo()
	result.RunID, result.Outcome = info.GetExecution().GetRunId(), outcomeExists
	var by string
	if p := info.GetMemo().GetFields()[memoSubmitID]; p != nil && converter.GetDefaultDataConverter().FromPayload(p, &by) == nil && by == submitID {
		result.Outcome = outcomeStarted
		return info, true
	}
	return info, false
}

// resubmittable reports whether the run ended certain that nothing was
// ordered: it failed, or was cancelled by Temporal, and its failure's
// details, the order's StatusView, say NothingOrdered. Any other end
// (active, withdrawn after the PUT, OutcomeUnknown, terminated) may have
// left a connection, and ordering again could double it.
func (s *starter) resubmittable(ctx context.Context, info *workflowpb.WorkflowExecutionInfo) bool {
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
	default:
		return false
	}
	execution := info.GetExecution()
	err := s.temporal.GetWorkflow(ctx, execution.GetWorkflowId(), execution.GetRunId()).Get(ctx, nil)
	var (
		view     workflows.StatusView
		appErr   *temporal.ApplicationError
		canceled *temporal.CanceledError
	)
	switch {
	case errors.As(err, &appErr):
		return appErr.HasDetails() && appErr.Details(&view) == nil && view.NothingOrdered
	case errors.As(err, &canceled):
		return canceled.HasDetails() && canceled.Details(&view) == nil && view.NothingOrdered
	}
	return false
}

// Starting one order: each attempt may take startAttemptTimeout; an
// attempt that failed for want of an answer (the server busy or
// unreachable) is tried again, up to startAttempts in all.
const (
	startAttempts       = 5
	startAttemptTimeout = 20 * time.Second
	memoSubmitID        = "submitId"
)

// retryableStart reports whether a failed start may succeed if tried
// again: the server was unavailable, overloaded or did not answer in time.
// A refusal (bad argument, no such namespace, no permission) is final.
func retryableStart(err error) bool {
	var (
		unavailable *serviceerror.Unavailable
		exhausted   *serviceerror.ResourceExhausted
		deadline    *serviceerror.DeadlineExceeded
	)
	return errors.As(err, &unavailable) || errors.As(err, &exhausted) || errors.As(err, &deadline) ||
		errors.Is(err, context.DeadlineExceeded)
}
