package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// Decommission is the workflow of a decommission order: check that the
// connection is the company's and named as the order says, DELETE it
// once, and wait until the API reports it DELETED (or no longer knows
// it). An already deleted connection ends the order as "already gone".
func (p *Provisioner) Decommission(ctx workflow.Context, in Input) (Result, error) {
	return p.runAction(ctx, in, StageDeleting, (*orderRun).decommission)
}

func (r *orderRun) decommission(ctx workflow.Context, cfg Config, f activities.ConnectionFacts) (Result, error) {
	o := r.order
	describe := fmt.Sprintf("connection %s (%q, %d Mbps, %s)", o.ConnectionID, f.Name, f.SpeedMbps, f.Status)
	if r.since(ctx, changeActionsOnce) {
		r.takeSignals(ctx) // a cancel that came with the last read stops the DELETE
	}
	switch {
	case f.Name != o.Name:
		return r.failNothingOrdered(ErrTypePrecheckFailed, fmt.Sprintf("nothing was deleted: connection %s is named %q, not %q as the order says", o.ConnectionID, f.Name, o.Name))
	case f.Gone():
		return r.end(Result{Stage: StageDecommissioned, Reason: "already gone: " + describe}), nil
	case o.DryRun:
		return r.end(Result{Stage: StageDryRun, NothingOrdered: true, Reason: "dry run: would delete " + describe}), nil
	case r.cancel != nil:
		return r.end(Result{Stage: StageCancelled, NothingOrdered: true, Reason: "cancelled before anything was deleted: " + r.cancel.Reason}), nil
	}

	if r.since(ctx, changeActionsOnce) {
		if ctx.Err() != nil {
			return Result{}, ctx.Err() // a Temporal cancel before the DELETE: nothing was done
		}
		r.setStage(StageDeleting)
		return r.deleteOnce(ctx, cfg, describe)
	}

	r.setStage(StageDeleting)
	var a *activities.Activities
	var del activities.Decommissioned
	if err := workflow.ExecuteActivity(actionOptions(ctx, cfg), a.DecommissionConnection, r.connectionRef()).Get(ctx, &del); err != nil {
		if isAPIRejection(err) {
			return r.fail(ErrTypeOrderRejected, fmt.Sprintf("the API refused to delete %s: %s", describe, rootMessage(err)))
		}
		return r.fail(ErrTypeAPIUnavailable, fmt.Sprintf("deleting %s kept failing (%s); it may or may not be deleted: check it, and order again to finish", describe, rootMessage(err)))
	}
	if del.AlreadyGone {
		return r.end(Result{Stage: StageDecommissioned, Reason: "already gone: " + describe}), nil
	}
	return r.awaitAction(ctx, cfg, WaitState{
		Phase: phaseDeleting, ConnectionID: o.ConnectionID, Deadline: actionDeadline(ctx, o, cfg, false),
		NextPoll: Duration(cfg.PollInitial), OrderedAt: workflow.Now(ctx), StartedAt: r.startedAt,
	})
}

// deleteOnce sends the DELETE once (sendOnce), then waits until the API
// reports the connection DELETED. A DELETE whose answer was lost is sent
// again only once the settle window has passed without a read showing it
// (DELETING, DELETED or unknown to the API). A cancel that came while the
// DELETE was in flight ends the order saying what the DELETE did.
func (r *orderRun) deleteOnce(ctx workflow.Context, cfg Config, describe string) (Result, error) {
	id := r.order.ConnectionID
	var a *activities.Activities
	gone := func(f activities.ConnectionFacts) bool { return !f.Found || f.Gone() }
	e := sideEffect{
		what: "the DELETE of connection " + id, ref: r.connectionRef(), activity: a.DecommissionConnection, input: r.connectionRef(),
		shows: func(f activities.ConnectionFacts) bool { return gone(f) || f.Status == ccapi.StatusDeleting },
	}
	first, doubted := workflow.Now(ctx), false
	for {
		var del activities.Decommissioned
		e.result = &del
		s := r.sendOnce(ctx, cfg, e)
		doubted = doubted || s.doubted
		switch s.outcome {
		case sendTaken:
			switch {
			case del.AlreadyGone && !doubted:
				return r.end(Result{Stage: StageDecommissioned, Reason: "already gone: " + describe}), nil
			case s.doubted && gone(s.facts):
				return r.end(Result{Stage: StageDecommissioned, Reason: fmt.Sprintf("connection %s deleted", id)}), nil
			case r.interrupted(ctx):
				done, _ := workflow.NewDisconnectedContext(ctx)
				return r.actionCancelled(done, cfg, nil, r.cancelReason(ctx))
			}
			return r.awaitAction(ctx, cfg, WaitState{
				Phase: phaseDeleting, ConnectionID: id, Deadline: actionDeadline(ctx, r.order, cfg, false),
				NextPoll: Duration(cfg.PollInitial), OrderedAt: workflow.Now(ctx), StartedAt: r.startedAt,
			})
		case sendRefused:
			if r.interrupted(ctx) {
				return r.end(Result{Stage: StageCancelled, NothingOrdered: !doubted,
					Reason: fmt.Sprintf("cancelled: the API refused to delete %s (%s); connection %s was not deleted: %s", describe, s.reason, id, r.cancelReason(ctx))}), nil
			}
			return r.fail(ErrTypeOrderRejected, fmt.Sprintf("the API refused to delete %s: %s", describe, s.reason))
		case sendUnknown:
			what := fmt.Sprintf("the DELETE of %s was sent and its outcome stayed unknown (%s): it may or may not be deleted; check it", describe, s.reason)
			if r.interrupted(ctx) {
				return r.end(Result{Stage: StageCancelled, Reason: "cancelled: " + what + ": " + r.cancelReason(ctx)}), nil
			}
			return r.fail(ErrTypeAPIUnavailable, what)
		}
		// No effect within the settle window: it did not land.
		what := fmt.Sprintf("the DELETE of %s took no effect (%s)", describe, s.reason)
		switch {
		case r.interrupted(ctx):
			return r.end(Result{Stage: StageCancelled, Reason: fmt.Sprintf("cancelled: %s; connection %s was not deleted: %s", what, id, r.cancelReason(ctx))}), nil
		case workflow.Now(ctx).Sub(first) >= actionSendBudget:
			return r.fail(ErrTypeAPIUnavailable, fmt.Sprintf("deleting %s kept failing for %s: %s; connection %s was not deleted: order again to finish", describe, actionSendBudget, what, id))
		}
		r.logger.Info("The DELETE took no effect; sending it again", "connectionId", id)
	}
}
