package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// Phases of an action's wait, carried across continue-as-new in
// WaitState.Phase.
const (
	phaseDeleting  = "deleting"
	phaseApproval  = "approval"
	phaseFollowing = "following"
)

// awaitAction reads the connection on the polling budget's schedule until
// judge says the wait is over, the deadline passes, or a cancel arrives.
// Like a create order's wait, it continues as new every PollsPerRun reads
// or historyBudget bytes.
func (r *orderRun) awaitAction(ctx workflow.Context, cfg Config, w WaitState) (Result, error) {
	if r.since(ctx, changeWaitAtFloor) {
		return r.awaitActionAtFloor(ctx, cfg, w)
	}
	r.view.Polls = w.Polls
	var a *activities.Activities
	interval := max(min(time.Duration(w.NextPoll), pollCap(waitAge(workflow.Now(ctx), w))), time.Second)
	for pollsThisRun := 0; ; {
		if ctx.Err() != nil {
			if r.since(ctx, changeActionsOnce) {
				done, _ := workflow.NewDisconnectedContext(ctx)
				return r.actionCancelled(done, cfg, &w, "a Temporal cancel")
			}
			return Result{}, ctx.Err()
		}
		if r.cancel != nil {
			return r.actionCancelled(ctx, cfg, &w, r.cancel.Reason)
		}
		now := workflow.Now(ctx)
		if !now.Before(w.Deadline) {
			return r.actionTimedOut(ctx, cfg, w)
		}
		if pollsThisRun >= cfg.PollsPerRun || workflow.GetInfo(ctx).GetCurrentHistorySize() >= historyBudget {
			if r.takeSignals(ctx); r.cancel != nil {
				continue // act on it here rather than hand it over
			}
			r.carryOver(&w)
			w.PortID = r.srcPortID
			w.NextPoll, w.StartedAt, w.CallbacksStarted = Duration(interval), r.startedAt, r.callbacksStarted
			r.logger.Info("Continuing as new to keep the history small", "polls", w.Polls)
			return Result{}, workflow.NewContinueAsNewError(ctx, WorkflowType(r.order), Input{Order: r.order, Wait: &w})
		}
		sleep := min(interval, w.Deadline.Sub(now))
		if _, err := workflow.AwaitWithTimeout(ctx, sleep, func() bool { return r.cancel != nil || r.refresh }); err != nil {
			if r.since(ctx, changeActionsOnce) {
				continue // a Temporal cancel: handled above
			}
			return Result{}, err
		}
		if r.cancel != nil {
			continue
		}
		if r.refresh {
			r.refresh = false
		} else {
			interval = nextPoll(interval, waitAge(workflow.Now(ctx), w), cfg)
		}
		var f activities.ConnectionFacts
		err := workflow.ExecuteActivity(pollOptions(ctx, cfg), a.ReadConnection, r.connectionRef()).Get(ctx, &f)
		pollsThisRun++
		w.Polls++
		r.view.Polls = w.Polls
		if err != nil {
			r.view.Reason = "last read failed: " + rootMessage(err)
			continue
		}
		r.view.APIStatus, r.view.Reason = f.Status, f.ErrorReason
		if res, err, over := r.judge(ctx, w, f); over {
			return res, err
		}
	}
}

// judge says whether what the read found ends the wait, and how.
func (r *orderRun) judge(ctx workflow.Context, w WaitState, f activities.ConnectionFacts) (Result, error, bool) {
	id := r.order.ConnectionID
	switch w.Phase {
	case phaseDeleting:
		if !f.Found || f.Gone() {
			return r.end(Result{Stage: StageDecommissioned, Reason: fmt.Sprintf("connection %s deleted", id)}), nil, true
		}
	case phaseApproval:
		asked := w.SpeedMbps
		switch ch := f.Change; {
		case f.SpeedMbps == asked || ch != nil && ch.Status == ccapi.ChangeRequestApproved && f.SpeedMbps != w.FromMbps:
			reason := fmt.Sprintf("connection %s changed from %d to %d Mbps", id, w.FromMbps, f.SpeedMbps)
			if f.SpeedMbps < asked {
				reason += fmt.Sprintf(": the other party accepted %d Mbps, lower than the %d Mbps asked", f.SpeedMbps, asked)
			}
			return r.end(Result{Stage: StageModified, Reason: reason}), nil, true
		case ch != nil && ch.Status == ccapi.ChangeRequestRejected:
			res, err := r.fail(ErrTypeOrderRejected, fmt.Sprintf("the other party rejected the change of connection %s to %d Mbps; it stays at %d Mbps", id, asked, f.SpeedMbps))
			return res, err, true
		case ch != nil && ch.Status == ccapi.ChangeRequestWithdrawn:
			res, err := r.fail(ErrTypeConnectionFailed, fmt.Sprintf("the change request of connection %s was withdrawn outside this order; it stays at %d Mbps", id, f.SpeedMbps))
			return res, err, true
		case !f.Found || f.Status.Phase() == ccapi.PhaseFailed:
			res, err := r.fail(ErrTypeConnectionFailed, fmt.Sprintf("connection %s is %s while its change waited for approval", id, orNone(string(f.Status))))
			return res, err, true
		}
	case phaseFollowing:
		switch {
		case !f.Found:
			res, err := r.fail(ErrTypeConnectionFailed, fmt.Sprintf("adopted connection %s is no longer known to the API", id))
			return res, err, true
		case f.Status.Phase() == ccapi.PhaseActive:
			return r.end(Result{Stage: StageActive, Reason: "adopted connection " + id + " is ACTIVE"}), nil, true
		case f.Status.Phase() == ccapi.PhaseFailed:
			res, err := r.fail(ErrTypeConnectionFailed, fmt.Sprintf("adopted connection %s ended %s: %s", id, f.Status, orNone(f.ErrorReason)))
			return res, err, true
		}
	}
	return Result{}, nil, false
}

// actionTimedOut ends a wait at its deadline: a change request still
// pending is withdrawn; a DELETE sent stays sent; an adopted connection
// is never touched.
func (r *orderRun) actionTimedOut(ctx workflow.Context, cfg Config, w WaitState) (Result, error) {
	id := r.order.ConnectionID
	deadline := w.Deadline.UTC().Format(time.RFC3339)
	switch w.Phase {
	case phaseApproval:
		if r.since(ctx, changeActionsOnce) {
			return r.stopChange(ctx, cfg, w, func(what string) (Result, error) {
				return r.fail(ErrTypeActivationTimeout, fmt.Sprintf("the change of connection %s to %d Mbps was not approved by the deadline %s; %s", id, w.SpeedMbps, deadline, what))
			})
		}
		return r.fail(ErrTypeActivationTimeout, fmt.Sprintf("the change of connection %s to %d Mbps was not approved by the deadline %s; %s",
			id, w.SpeedMbps, deadline, r.withdrawChange(ctx, cfg)))
	case phaseDeleting:
		return r.fail(ErrTypeActivationTimeout, fmt.Sprintf("connection %s was still %s at the deadline %s; its DELETE was sent", id, orNone(string(r.view.APIStatus)), deadline))
	}
	return r.fail(ErrTypeActivationTimeout, fmt.Sprintf("adopted connection %s was still %s at the deadline %s; it was left as it is (an adopted connection is never withdrawn)",
		id, orNone(string(r.view.APIStatus)), deadline))
}

// actionCancelled ends an action cancelled while it waited (w, since
// revisionActionsOnce) or before it sent anything: a change request still
// pending is withdrawn.
func (r *orderRun) actionCancelled(ctx workflow.Context, cfg Config, w *WaitState, reason string) (Result, error) {
	id := r.order.ConnectionID
	var what string
	nothing := false
	switch r.view.Stage {
	case StageAwaitingApproval, StageModifying:
		if r.since(ctx, changeActionsOnce) && w != nil {
			return r.stopChange(ctx, cfg, *w, func(what string) (Result, error) {
				return r.end(Result{Stage: StageCancelled, Reason: "cancelled: " + what + ": " + reason}), nil
			})
		}
		what = r.withdrawChange(ctx, cfg)
	case StageDeleting:
		what = fmt.Sprintf("the DELETE of connection %s had been sent", id)
		if r.since(ctx, changeActionsOnce) {
			what = fmt.Sprintf("the DELETE of connection %s was sent and taken; it is being deleted", id)
		}
	case StageFollowing:
		what = fmt.Sprintf("stopped following connection %s, left as it is", id)
	default:
		what = "nothing was done"
		nothing = r.since(ctx, changeActionsOnce)
	}
	return r.end(Result{Stage: StageCancelled, NothingOrdered: nothing, Reason: "cancelled: " + what + ": " + reason}), nil
}

// cancelReason is why the order was cancelled.
func (r *orderRun) cancelReason(ctx workflow.Context) string {
	if r.cancel != nil {
		return r.cancel.Reason
	}
	return "a Temporal cancel"
}

// stopChange withdraws the order's change request as the order stops
// waiting (a cancel, the deadline), and ends the order from one decision
// about what happened to the connection: a change the other party
// approved meanwhile was applied (modified, whatever stopped the wait),
// one it rejected was rejected; else the request was withdrawn and stop
// says so. A withdrawal the API refuses is judged by a read: the request
// may have been decided just before it.
func (r *orderRun) stopChange(ctx workflow.Context, cfg Config, w WaitState, stop func(what string) (Result, error)) (Result, error) {
	var a *activities.Activities
	var f activities.ConnectionFacts
	ref := r.connectionRef()
	if err := workflow.ExecuteActivity(withdrawOptions(ctx, cfg), a.WithdrawSpeedChange, ref).Get(ctx, &f); err != nil {
		rerr := workflow.ExecuteActivity(pollOptions(ctx, cfg), a.ReadConnection, ref).Get(ctx, &f)
		if rerr != nil || f.Change != nil && f.Change.Status == ccapi.ChangeRequestPending {
			return stop(fmt.Sprintf("withdrawing its change request failed (%s): withdraw it by hand", rootMessage(err)))
		}
	}
	r.view.APIStatus = f.Status
	if f.Change == nil || f.Change.Status != ccapi.ChangeRequestWithdrawn {
		if res, err, over := r.judge(ctx, w, f); over {
			return res, err
		}
	}
	r.view.Withdrawn = true
	return stop(fmt.Sprintf("its change request was withdrawn; connection %s stays at %d Mbps", r.order.ConnectionID, f.SpeedMbps))
}

// withdrawChange withdraws the order's change request, durably, and says
// what became of it.
func (r *orderRun) withdrawChange(ctx workflow.Context, cfg Config) string {
	var a *activities.Activities
	var f activities.ConnectionFacts
	if err := workflow.ExecuteActivity(withdrawOptions(ctx, cfg), a.WithdrawSpeedChange, r.connectionRef()).Get(ctx, &f); err != nil {
		return fmt.Sprintf("withdrawing its change request failed (%s): withdraw it by hand", rootMessage(err))
	}
	if f.Change != nil && f.Change.Status == ccapi.ChangeRequestApproved {
		return fmt.Sprintf("but the change had just been approved: connection %s is at %d Mbps", r.order.ConnectionID, f.SpeedMbps)
	}
	r.view.Withdrawn = true
	return fmt.Sprintf("its change request was withdrawn; connection %s stays at %d Mbps", r.order.ConnectionID, f.SpeedMbps)
}

// actionDeadline is when an action's wait gives up: the order's own
// activationTimeout, else the worker's default for the connection's kind.
func actionDeadline(ctx workflow.Context, o Order, cfg Config, b2b bool) time.Time {
	timeout := cfg.ActivationTimeoutPortToPort
	switch {
	case o.ActivationTimeout > 0:
		timeout = time.Duration(o.ActivationTimeout)
	case b2b:
		timeout = cfg.ActivationTimeoutB2B
	}
	return workflow.Now(ctx).Add(timeout)
}
