package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
)

// Provisioner runs the provisioning workflow with a worker-wide Config.
type Provisioner struct {
	cfg Config
}

// Run takes one order from validation to an active connection:
//
//	validate → look up ports (and, business-to-business, the metro and a DCF)
//	→ check everything before ordering → order once → wait until ACTIVE.
//
// Anything that rules the order out ends it before the PUT, with every
// reason at once. After the PUT it waits, durably and cheaply, for the
// connection to come up, be refused, or the deadline to pass; a cancel
// before the PUT orders nothing, a cancel after it withdraws the order.
func (p *Provisioner) Run(ctx workflow.Context, in Input) (Result, error) {
	order := in.Order.WithDefaults()
	run, err := startRun(ctx, order)
	if err != nil {
		return Result{}, err
	}
	cfg := p.settings(ctx)
	if in.Wait != nil {
		return run.await(ctx, cfg, *in.Wait)
	}

	if err := order.Validate(); err != nil {
		return run.fail(ErrInvalidOrder, err.Error())
	}

	found, err := run.lookUp(ctx)
	if err != nil {
		if isAPIRejection(err) { // e.g. an unknown company: the order is wrong
			return run.fail(ErrPrecheckFailed, "nothing was ordered: "+rootMessage(err))
		}
		return run.fail(ErrAPIUnavailable, "looking up the order's ports, metro and DCF, nothing was ordered: "+rootMessage(err))
	}
	if problems := precheck(order, found); len(problems) > 0 {
		return run.fail(ErrPrecheckFailed, "nothing was ordered: "+strings.Join(problems, "; "))
	}
	req := layer2Request(order, found)
	if order.DryRun {
		return run.end(Result{Stage: StageDryRun, Reason: "dry run: nothing was ordered", Request: &req}), nil
	}
	if run.cancel != nil {
		return run.end(Result{Stage: StageCancelled, Reason: "cancelled before ordering, nothing was ordered: " + run.cancel.Reason}), nil
	}

	run.setStage(StageOrdering)
	var a *activities.Activities
	var sub activities.SubmitResult
	err = workflow.ExecuteActivity(submitOptions(ctx), a.SubmitLayer2, activities.SubmitInput{
		OrderID: order.OrderID, Company: order.Company, Request: req, PreexistingIDs: preexistingIDs(found.Ports),
	}).Get(ctx, &sub)
	if err != nil {
		if isAPIRejection(err) {
			return run.fail(ErrOrderRejected, "Console Connect refused the order, nothing was ordered: "+rootMessage(err))
		}
		return run.fail(ErrAPIUnavailable, "ordering the connection: "+rootMessage(err))
	}

	return run.await(ctx, cfg, WaitState{
		ConnectionID: sub.ConnectionID,
		APIStatus:    sub.Status,
		Deadline:     workflow.Now(ctx).Add(activationTimeout(order, cfg)),
		NextPoll:     Duration(cfg.PollInitial),
	})
}

// settings records the worker's Config in the history, so that a worker
// restarted with other settings still replays this run the same way.
func (p *Provisioner) settings(ctx workflow.Context) Config {
	var cfg Config
	err := workflow.SideEffect(ctx, func(workflow.Context) any { return p.cfg }).Get(&cfg)
	if err != nil {
		return p.cfg
	}
	return cfg
}

// activationTimeout is the order's own deadline, else the worker's default
// for its kind.
func activationTimeout(o Order, cfg Config) time.Duration {
	switch {
	case o.ActivationTimeout > 0:
		return time.Duration(o.ActivationTimeout)
	case o.Kind() == PortToPort:
		return cfg.ActivationTimeoutPortToPort
	default:
		return cfg.ActivationTimeoutB2B
	}
}

// lookUp gathers the ports and, for business-to-business, the destination
// metro and DCF. Ports and metro are independent and looked up together.
func (r *orderRun) lookUp(ctx workflow.Context) (lookups, error) {
	o := r.order
	ctx = lookupOptions(ctx)
	var a *activities.Activities
	portsF := workflow.ExecuteActivity(ctx, a.LookupPorts, activities.LookupPortsInput{
		OrderID: o.OrderID, Company: o.Company, PortID: o.PortID, DestPortID: o.DestPortID, ConnectionName: o.Name,
	})
	var metroF workflow.Future
	if o.Kind() == BusinessToBusiness {
		metroF = workflow.ExecuteActivity(ctx, a.ResolveMetro, activities.ResolveMetroInput{
			OrderID: o.OrderID, Company: o.DestCompany, Metro: o.DestMetro,
		})
	}

	var l lookups
	if err := portsF.Get(ctx, &l.Ports); err != nil {
		return l, err
	}
	if metroF == nil {
		return l, nil
	}
	l.Metro = new(activities.MetroInfo)
	if err := metroF.Get(ctx, l.Metro); err != nil {
		return l, err
	}
	if !l.Metro.Found {
		return l, nil
	}
	l.DCF = new(activities.DCFInfo)
	err := workflow.ExecuteActivity(ctx, a.FindDCF, activities.FindDCFInput{
		OrderID: o.OrderID, MetroID: l.Metro.ID, DCFID: o.DestDCF,
	}).Get(ctx, l.DCF)
	return l, err
}

// isAPIRejection reports whether an activity failed because the API
// refused the request (a 4xx), as opposed to being unreachable.
func isAPIRejection(err error) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.Type() == activities.ErrTypeAPIRejected
}

// rootMessage is the innermost failure message: the activity's own words
// rather than Temporal's "activity error (type: ..., scheduledEventID: ...)".
func rootMessage(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Error()
	}
	for errors.Unwrap(err) != nil {
		err = errors.Unwrap(err)
	}
	return fmt.Sprint(err)
}
