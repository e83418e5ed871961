package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
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
