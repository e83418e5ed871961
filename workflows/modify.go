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
	from, to := f.SpeedMbps, o.Speed
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
			return r.failNothingOrdered(ErrTypeAPIUnavailable, fmt.Sprintf("reading source port %s, nothing was changed: %s", f.SrcPortID, rootMessage(err)))
		}
		if port.RemainingMbps < to-from {
			return r.failNothingOrdered(ErrTypePrecheckFailed, fmt.Sprintf("nothing was changed: speed: %d Mbps needs %d Mbps more on source port %s (%s), which has %d Mbps remaining",
				to, to-from, f.SrcPortID, port.Name, port.RemainingMbps))
		}
	}
	direct := !f.BusinessToBusiness() || to < from
	how := map[bool]string{true: "update", false: "change request to the other party"}[direct]
	switch {
	case o.DryRun:
		return r.end(Result{Stage: StageDryRun, NothingOrdered: true, Reason: fmt.Sprintf("dry run: would change connection %s from %d to %d Mbps by %s", o.ConnectionID, from, to, how)}), nil
	case r.cancel != nil:
		return r.end(Result{Stage: StageCancelled, NothingOrdered: true, Reason: "cancelled before anything was changed: " + r.cancel.Reason}), nil
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
