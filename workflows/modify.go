package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// Modify is the workflow of a modify order: change an ACTIVE connection's
// speed. A self-connection, or any decrease, is updated directly; an
// increase toward another company is a change request that the other
// party must approve, waited for durably until it is approved (perhaps at
// a lower speed), rejected, or the deadline passes or a cancel arrives,
// which withdraw it.
func (p *Provisioner) Modify(ctx workflow.Context, in Input) (Result, error) {
	return p.runAction(ctx, in, StageAwaitingApproval, (*orderRun).modify)
}

func (r *orderRun) modify(ctx workflow.Context, cfg Config, f activities.ConnectionFacts) (Result, error) {
	o := r.order
	from, to := f.SpeedMbps, o.SpeedMbps
	var a *activities.Activities
	switch {
	case f.Status.Phase() != ccapi.PhaseActive:
		return r.failNothingOrdered(ErrTypePrecheckFailed, fmt.Sprintf("nothing was changed: connection %s is %s; only an ACTIVE connection's speed can change", o.ConnectionID, f.Status))
	case f.Change != nil && f.Change.Status == ccapi.ChangeRequestPending:
		return r.failNothingOrdered(ErrTypePrecheckFailed, fmt.Sprintf("nothing was changed: connection %s already has a change request pending (%d Mbps); wait for it or withdraw it first",
			o.ConnectionID, f.Change.SpeedMbps))
	case from == to:
		return r.end(Result{Stage: StageModified, NothingOrdered: true, Reason: fmt.Sprintf("connection %s is already at %d Mbps: nothing was changed", o.ConnectionID, to)}), nil
	case to > from:
		var port activities.PortInfo
		ref := activities.PortRef{OrderID: o.OrderID, Company: o.Company, PortID: f.SrcPortID}
		if err := workflow.ExecuteActivity(lookupOptions(ctx), a.ReadPort, ref).Get(ctx, &port); err != nil {
			if r.since(ctx, changeActionsOnce) && ctx.Err() != nil {
				return Result{}, ctx.Err() // a Temporal cancel: nothing was changed
			}
			return r.failNothingOrdered(ErrTypeAPIUnavailable, fmt.Sprintf("reading source port %s, nothing was changed: %s", f.SrcPortID, rootMessage(err)))
		}
		if port.RemainingMbps < to-from {
			return r.failNothingOrdered(ErrTypePrecheckFailed, fmt.Sprintf("nothing was changed: speed: %d Mbps needs %d Mbps more on source port %s (%s), which has %d Mbps remaining",
				to, to-from, f.SrcPortID, port.Name, port.RemainingMbps))
		}
	}
	direct := !f.BusinessToBusiness() || to < from
	how := map[bool]string{true: "update", false: "change request to the other party"}[direct]
	if r.since(ctx, changeActionsOnce) {
		r.takeSignals(ctx) // a cancel that came with the last read stops the change
	}
	switch {
	case o.DryRun:
		return r.end(Result{Stage: StageDryRun, NothingOrdered: true, Reason: fmt.Sprintf("dry run: would change connection %s from %d to %d Mbps by %s", o.ConnectionID, from, to, how)}), nil
	case r.cancel != nil:
		return r.end(Result{Stage: StageCancelled, NothingOrdered: true, Reason: "cancelled before anything was changed: " + r.cancel.Reason}), nil
	}

	if r.since(ctx, changeActionsOnce) {
		if ctx.Err() != nil {
			return Result{}, ctx.Err() // a Temporal cancel before anything was sent
		}
		r.setStage(StageModifying)
		if direct {
			return r.updateOnce(ctx, cfg, from, to)
		}
		return r.requestOnce(ctx, cfg, f, to)
	}

	r.setStage(StageModifying)
	change := activities.SpeedChange{ConnectionRef: r.connectionRef(), SpeedMbps: to}
	send := a.UpdateSpeed
	if !direct {
		send = a.RequestSpeedChange
	}
	if err := workflow.ExecuteActivity(actionOptions(ctx, cfg), send, change).Get(ctx, &f); err != nil {
		if isAPIRejection(err) {
			return r.failNothingOrdered(ErrTypeOrderRejected, fmt.Sprintf("the API refused the %s of connection %s to %d Mbps: %s", how, o.ConnectionID, to, rootMessage(err)))
		}
		return r.fail(ErrTypeAPIUnavailable, fmt.Sprintf("the %s of connection %s to %d Mbps kept failing (%s); it may or may not have gone through: check the connection",
			how, o.ConnectionID, to, rootMessage(err)))
	}
	if direct {
		return r.end(Result{Stage: StageModified, APIStatus: f.Status, Reason: fmt.Sprintf("connection %s changed from %d to %d Mbps", o.ConnectionID, from, to)}), nil
	}
	r.setStage(StageAwaitingApproval)
	w := WaitState{
		Phase: phaseApproval, ConnectionID: o.ConnectionID, SpeedMbps: to, FromMbps: from, Deadline: actionDeadline(ctx, o, cfg, true),
		NextPoll: Duration(cfg.PollInitial), OrderedAt: workflow.Now(ctx), StartedAt: r.startedAt,
	}
	if res, err, over := r.judge(ctx, w, f); over {
		return res, err
	}
	return r.awaitAction(ctx, cfg, w)
}

// updateOnce sets the new speed with one update (sendOnce). An update
// whose answer was lost is sent again only once the settle window has
// passed without a read showing the new speed. An update the API took is
// applied: the order ends modified, also when a cancel came meanwhile.
func (r *orderRun) updateOnce(ctx workflow.Context, cfg Config, from, to int) (Result, error) {
	id := r.order.ConnectionID
	var a *activities.Activities
	var answer activities.ConnectionFacts
	e := sideEffect{
		what:     fmt.Sprintf("the update of connection %s to %d Mbps", id, to),
		ref:      r.connectionRef(),
		activity: a.UpdateSpeed, input: activities.SpeedChange{ConnectionRef: r.connectionRef(), SpeedMbps: to}, result: &answer,
		shows: func(f activities.ConnectionFacts) bool { return f.Found && f.SpeedMbps == to },
	}
	return r.sendChange(ctx, cfg, e, from, func(s sent) (Result, error) {
		if s.doubted {
			answer = s.facts
		}
		return r.end(Result{Stage: StageModified, APIStatus: answer.Status, Reason: fmt.Sprintf("connection %s changed from %d to %d Mbps", id, from, to)}), nil
	})
}

// requestOnce asks the other party for the new speed with one change
// request (sendOnce), then waits for its decision. A request whose answer
// was lost shows as a change request the connection did not have before,
// or as a new speed: whatever the other party has meanwhile decided
// (approved at any speed, or rejected) is the outcome, and no second
// request goes out. A cancel that came while it was in flight withdraws
// it.
func (r *orderRun) requestOnce(ctx workflow.Context, cfg Config, f activities.ConnectionFacts, to int) (Result, error) {
	id, from, before := r.order.ConnectionID, f.SpeedMbps, f.Change
	var a *activities.Activities
	var answer activities.ConnectionFacts
	e := sideEffect{
		what:     fmt.Sprintf("the change request of connection %s to %d Mbps", id, to),
		ref:      r.connectionRef(),
		activity: a.RequestSpeedChange, input: activities.SpeedChange{ConnectionRef: r.connectionRef(), SpeedMbps: to}, result: &answer,
		shows: func(f activities.ConnectionFacts) bool {
			return f.Found && (f.SpeedMbps != from || newChange(before, f.Change))
		},
	}
	return r.sendChange(ctx, cfg, e, from, func(s sent) (Result, error) {
		if s.doubted {
			answer = s.facts
		}
		r.setStage(StageAwaitingApproval)
		w := WaitState{
			Phase: phaseApproval, ConnectionID: id, SpeedMbps: to, FromMbps: from, Deadline: actionDeadline(ctx, r.order, cfg, true),
			NextPoll: Duration(cfg.PollInitial), OrderedAt: workflow.Now(ctx), StartedAt: r.startedAt,
		}
		if res, err, over := r.judge(ctx, w, answer); over {
			return res, err
		}
		if r.interrupted(ctx) {
			done, _ := workflow.NewDisconnectedContext(ctx)
			return r.actionCancelled(done, cfg, &w, r.cancelReason(ctx))
		}
		return r.awaitAction(ctx, cfg, w)
	})
}

// newChange reports whether the connection's change request now is not
// the one it had before.
func newChange(before, now *activities.ChangeFacts) bool {
	return now != nil && (before == nil || *now != *before)
}

// sendChange sends a speed change once (sendOnce) and hands one the API
// took to taken; a refusal, or an outcome that stayed unknown, ends the
// order saying so; one that took no effect is sent again, within
// actionSendBudget, unless a cancel came.
func (r *orderRun) sendChange(ctx workflow.Context, cfg Config, e sideEffect, from int, taken func(sent) (Result, error)) (Result, error) {
	id := r.order.ConnectionID
	first, doubted := workflow.Now(ctx), false
	for {
		s := r.sendOnce(ctx, cfg, e)
		doubted = doubted || s.doubted
		switch s.outcome {
		case sendTaken:
			return taken(s)
		case sendRefused:
			if r.interrupted(ctx) {
				return r.end(Result{Stage: StageCancelled, NothingOrdered: !doubted,
					Reason: fmt.Sprintf("cancelled: the API refused %s (%s); connection %s stays at %d Mbps: %s", e.what, s.reason, id, from, r.cancelReason(ctx))}), nil
			}
			msg := fmt.Sprintf("the API refused %s: %s", e.what, s.reason)
			if doubted {
				return r.fail(ErrTypeOrderRejected, msg+fmt.Sprintf("; an earlier one took no effect: connection %s stays at %d Mbps", id, from))
			}
			return r.failNothingOrdered(ErrTypeOrderRejected, msg)
		case sendUnknown:
			what := fmt.Sprintf("%s was sent and its outcome stayed unknown (%s): it may or may not have gone through; check the connection", e.what, s.reason)
			if r.interrupted(ctx) {
				return r.end(Result{Stage: StageCancelled, Reason: "cancelled: " + what + ": " + r.cancelReason(ctx)}), nil
			}
			return r.fail(ErrTypeAPIUnavailable, what)
		}
		what := fmt.Sprintf("%s took no effect (%s); connection %s stays at %d Mbps", e.what, s.reason, id, from)
		switch {
		case r.interrupted(ctx):
			return r.end(Result{Stage: StageCancelled, Reason: "cancelled: " + what + ": " + r.cancelReason(ctx)}), nil
		case workflow.Now(ctx).Sub(first) >= actionSendBudget:
			return r.fail(ErrTypeAPIUnavailable, fmt.Sprintf("it kept failing for %s: %s", actionSendBudget, what))
		}
		r.logger.Info("The change took no effect; sending it again", "what", e.what)
	}
}
