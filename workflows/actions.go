package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
)

// Workflow types of the actions on an existing connection. Each is an
// order of its own, with the workflow id l2-order-<orderId> like a create
// order's, so the once-only rule, the status query, cancel, refresh,
// search attributes, metrics and callbacks work the same for all.
const (
	DecommissionWorkflowName = "L2Decommission"
	ModifyWorkflowName       = "L2Modify"
	AdoptWorkflowName        = "L2Adopt"
)

// WorkflowType is the workflow type that runs the order.
func WorkflowType(o Order) string {
	switch o.Action {
	case ActionDecommission:
		return DecommissionWorkflowName
	case ActionModify:
		return ModifyWorkflowName
	case ActionAdopt:
		return AdoptWorkflowName
	}
	return WorkflowName
}

// actionStep is the body of one action's workflow: what it does with the
// connection, once the order is valid and the connection checked.
type actionStep func(r *orderRun, ctx workflow.Context, cfg Config, f activities.ConnectionFacts) (Result, error)

// runAction runs an action order: the same status query, signals, search
// attributes, callbacks and metrics as a create order, around its step. A
// run continued from another resumes the wait at waitStage.
func (p *Provisioner) runAction(ctx workflow.Context, in Input, waitStage Stage, step actionStep) (Result, error) {
	r, err := startRun(ctx, in.Order)
	if err != nil {
		return Result{}, err
	}
	cfg := p.settings(ctx)
	r.revision = cfg.Revision
	r.searchable = true
	r.view.ConnectionID = in.Order.ConnectionID
	r.callbackURL = callbackURL(r.order, cfg)
	r.callbackTarget = callbackTarget(r.order, r.since(ctx, changeCallbackTargets))
	if in.Wait != nil {
		r.startedAt, r.callbacksStarted = in.Wait.StartedAt, in.Wait.CallbacksStarted
		r.resume(in.Wait)
		r.srcPortID = in.Wait.PortID
	} else {
		r.startedAt = workflow.GetInfo(ctx).WorkflowStartTime
		r.countStarted(ctx)
	}
	r.publish(ctx)
	res, err := r.action(ctx, cfg, in, waitStage, step)
	var continued *workflow.ContinueAsNewError
	if errors.As(err, &continued) {
		return res, err
	}
	done, _ := workflow.NewDisconnectedContext(ctx)
	// Since revisionActionsOnce, a step that a Temporal cancel interrupted
	// says so with the cancel's error; one that decided how the order ends
	// (a change applied as the cancel came, say) keeps its decision.
	if ctx.Err() != nil && (!r.since(ctx, changeActionsOnce) || temporal.IsCanceledError(err)) {
		res, err = r.actionCancelled(done, cfg, nil, "a Temporal cancel")
	}
	r.countEnded(done, res, err, r.startedAt)
	return res, err
}

// action validates the order, checks its connection and runs its step;
// or, in a continued run, resumes the wait.
func (r *orderRun) action(ctx workflow.Context, cfg Config, in Input, waitStage Stage, step actionStep) (Result, error) {
	if in.Wait != nil {
		r.setStage(waitStage)
		return r.awaitAction(ctx, cfg, *in.Wait)
	}
	if err := r.order.Validate(); err != nil {
		return r.failNothingOrdered(ErrTypeInvalidOrder, err.Error())
	}
	if msg := unknownTarget(r.order, cfg, r.since(ctx, changeCallbackTargets)); msg != "" {
		r.callbackTarget = "" // nowhere to report that
		return r.failNothingOrdered(ErrTypeInvalidOrder, msg)
	}
	f, ok, err := r.check(ctx, cfg)
	if !ok {
		return ended(err)
	}
	return step(r, ctx, cfg, f)
}

func (r *orderRun) connectionRef() activities.ConnectionRef {
	return activities.ConnectionRef{OrderID: r.order.OrderID, Company: r.order.Company, ConnectionID: r.order.ConnectionID, PortID: r.srcPortID}
}
