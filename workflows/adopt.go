package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// Adopt is the workflow of an adopt order: bring a connection ordered
// elsewhere (the portal, another tool) under management. It checks that
// the connection is the company's, records what it is, and follows it to
// ACTIVE as a created one would be followed, but never withdraws it: it
// was not this order's to withdraw. After that it can be modified or
// decommissioned like any other.
func (p *Provisioner) Adopt(ctx workflow.Context, in Input) (Result, error) {
	return p.runAction(ctx, in, StageFollowing, (*orderRun).adoptExisting)
}

func (r *orderRun) adoptExisting(ctx workflow.Context, cfg Config, f activities.ConnectionFacts) (Result, error) {
	o := r.order
	kind := PortToPort
	if f.BusinessToBusiness() {
		kind = BusinessToBusiness
	}
	what := fmt.Sprintf("connection %s (%q, %d Mbps, %s from port %s", o.ConnectionID, f.Name, f.SpeedMbps, kind, f.SrcPortID)
	if f.BusinessToBusiness() {
		what += " to company " + f.DestCompany
	}
	what += fmt.Sprintf(", %s)", f.Status)
	r.logger.Info("Adopting", "connection", what)
	switch {
	case o.DryRun:
		return r.end(Result{Stage: StageDryRun, NothingOrdered: true, Reason: "dry run: would adopt " + what}), nil
	case f.Status.Phase() == ccapi.PhaseActive:
		return r.end(Result{Stage: StageActive, Reason: "adopted " + what}), nil
	case f.Status.Phase() == ccapi.PhaseFailed:
		return r.fail(ErrTypeConnectionFailed, fmt.Sprintf("adopted %s: it has ended (%s)", what, orNone(f.ErrorReason)))
	}
	r.setStage(StageFollowing)
	return r.awaitAction(ctx, cfg, WaitState{
		Phase: phaseFollowing, ConnectionID: o.ConnectionID, Deadline: actionDeadline(ctx, o, cfg, f.BusinessToBusiness()),
		NextPoll: Duration(cfg.PollInitial), OrderedAt: workflow.Now(ctx), StartedAt: r.startedAt,
	})
}
