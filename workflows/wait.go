package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// await polls the connection until it is ACTIVE, has failed, the deadline
// passes or a cancel arrives. Polls back off from PollInitial to PollMax on
// durable timers; after PollsPerRun polls the run continues as new with
// its WaitState, so a wait of weeks never grows one history without bound.
func (r *orderRun) await(ctx workflow.Context, cfg Config, w WaitState) (Result, error) {
	r.view.ConnectionID, r.view.APIStatus, r.view.Polls = w.ConnectionID, w.APIStatus, w.Polls
	r.setStage(StageAwaitingActivation)
	interval := time.Duration(w.NextPoll)
	var a *activities.Activities
	ref := activities.ConnectionRef{OrderID: r.order.OrderID, Company: r.order.Company, ConnectionID: w.ConnectionID}

	for pollsThisRun := 0; ; {
		if r.cancel != nil {
			return r.withdraw(ctx, ref)
		}
		switch w.APIStatus.Phase() {
		case ccapi.PhaseActive:
			return r.end(Result{Stage: StageActive}), nil
		case ccapi.PhaseFailed:
			return r.fail(ErrConnectionFailed, fmt.Sprintf("connection %s ended %s: %s", w.ConnectionID, w.APIStatus, orNone(r.view.Reason)))
		}
		now := workflow.Now(ctx)
		if !now.Before(w.Deadline) {
			return r.fail(ErrActivationTimeout, fmt.Sprintf("connection %s still %s at the deadline %s; it was left in place",
				w.ConnectionID, w.APIStatus, w.Deadline.UTC().Format(time.RFC3339)))
		}
		if pollsThisRun >= cfg.PollsPerRun {
			w.NextPoll = Duration(interval)
			r.logger.Info("Continuing as new to keep the history small", "polls", w.Polls)
			return Result{}, workflow.NewContinueAsNewError(ctx, WorkflowName, Input{Order: r.order, Wait: &w})
		}

		sleep := min(interval, w.Deadline.Sub(now))
		if _, err := workflow.AwaitWithTimeout(ctx, sleep, func() bool { return r.cancel != nil }); err != nil {
			return Result{}, err
		}
		if r.cancel != nil {
			continue
		}
		interval = min(interval*2, cfg.PollMax)

		var st activities.ConnectionStatus
		err := workflow.ExecuteActivity(pollOptions(ctx), a.GetConnectionStatus, ref).Get(ctx, &st)
		pollsThisRun++
		w.Polls++
		r.view.Polls = w.Polls
		if err != nil {
			// One failed read is not the connection failing: try again later.
			r.view.Reason = "last status read failed: " + rootMessage(err)
			r.logger.Warn("Status read failed", "error", err)
			continue
		}
		w.APIStatus, r.view.APIStatus, r.view.Reason = st.Status, st.Status, st.ErrorReason
	}
}

// withdraw deletes the ordered connection after a cancel.
func (r *orderRun) withdraw(ctx workflow.Context, ref activities.ConnectionRef) (Result, error) {
	var a *activities.Activities
	if err := workflow.ExecuteActivity(withdrawOptions(ctx), a.DeleteConnection, ref).Get(ctx, nil); err != nil {
		return r.fail(ErrAPIUnavailable, fmt.Sprintf("cancel: deleting connection %s: %s", ref.ConnectionID, rootMessage(err)))
	}
	return r.end(Result{
		Stage:     StageCancelled,
		APIStatus: ccapi.StatusDeleted,
		Reason:    fmt.Sprintf("cancelled after ordering, connection %s deleted: %s", ref.ConnectionID, r.cancel.Reason),
	}), nil
}

func orNone(s string) string {
	if s == "" {
		return "no reason given"
	}
	return s
}
