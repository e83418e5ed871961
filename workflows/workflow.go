package workflows

import (
	"errors"
	"fmt"
	"net/url"
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
//	validate → hold the connection's name on its port → look up ports (and,
//	business-to-business, the metro and a DCF) → check everything before
//	ordering → order once → wait until ACTIVE.
//
// Anything that rules the order out ends it before the PUT, with every
// reason at once. The PUT goes out once; when its outcome is unknown, the
// order looks for the connection it may have made and sends no other PUT
// until it is certain the first took no effect. After the PUT it waits,
// durably and cheaply, for the connection to come up, be refused, or the
// deadline to pass. Whatever ends the order early — a cancel signal, a
// Temporal cancel, the deadline, a failure — withdraws a connection that
// is not ACTIVE, and the outcome says what was ordered.
func (p *Provisioner) Run(ctx workflow.Context, in Input) (Result, error) {
	order := in.Order.WithDefaults()
	run, err := startRun(ctx, order)
	if err != nil {
		return Result{}, err
	}
	cfg := p.settings(ctx)
	run.revision = cfg.Revision
	res, err := run.provision(ctx, cfg, in)
	return run.finish(ctx, cfg, res, err)
}

// provision is the order's story, up to how it ends.
func (r *orderRun) provision(ctx workflow.Context, cfg Config, in Input) (Result, error) {
	r.current = r.since(ctx, changeRoundTrips)
	r.localReads = r.current && !cfg.APIRateLimited
	r.searchable = r.since(ctx, changeSearchAttributes)
	if r.current {
		r.markStartAttributesPublished(ctx)
	}
	r.publish(ctx)
	if r.since(ctx, changeCallbacks) {
		r.callbackURL = callbackURL(r.order, cfg)
	}
	r.nameLock = r.newNameLock(ctx, cfg)
	r.callbackTarget = callbackTarget(r.order, r.since(ctx, changeCallbackTargets))
	if in.Wait != nil {
		r.nameHold = r.nameLock.resume(r.order.PortID, r.order.Name, in.Wait.NameLockID, in.Wait.NameLockRunID)
		r.startedAt = in.Wait.StartedAt
		r.callbacksStarted, r.notifiedAwaiting = in.Wait.CallbacksStarted, in.Wait.NotifiedAwaiting
		r.resume(in.Wait)
		return r.await(ctx, cfg, *in.Wait)
	}
	r.startedAt = workflow.GetInfo(ctx).WorkflowStartTime
	r.countStarted(ctx)
	newOrder := r.since(ctx, changeOrderStart)
	if !newOrder && r.order.Duration != nil && *r.order.Duration == 0 {
		r.order.Duration = nil // before strict input, an explicit 0 meant the default
		r.order = r.order.WithDefaults()
	}
	order := r.order
	if err := validateOrder(order, newOrder); err != nil {
		return r.failNothingOrdered(ErrTypeInvalidOrder, err.Error())
	}
	if c := order.Callback; c != nil && r.callbackURL != "" && !activities.HostAllowed(c.URL, cfg.callbackHosts()) {
		r.callbackURL = "" // nowhere to report that
		return r.failNothingOrdered(ErrTypeInvalidOrder, fmt.Sprintf("invalid order %q: callback.url: host %s is not one the worker may call (its CALLBACK_ALLOWED_HOSTS)",
			order.OrderID, hostOf(c.URL)))
	}
	if msg := unknownTarget(order, cfg, r.since(ctx, changeCallbackTargets)); msg != "" {
		r.callbackTarget = "" // nowhere to report that
		return r.failNothingOrdered(ErrTypeInvalidOrder, msg)
	}

	lookupCtx, stopWatching := ctx, func() {}
	if newOrder {
		if !order.DryRun {
			var err error
			// Kept even when it fails: a take cancelled or failed may
			// have taken the name, and finish gives it back.
			if r.nameHold, err = r.nameLock.Hold(ctx, order.PortID, order.Name); err != nil {
				return r.nameNotHeld(ctx, err)
			}
		}
		lookupCtx, stopWatching = r.untilCancelled(ctx)
	}
	found, err := r.readPreorder(lookupCtx)
	// The watcher ends with the lookups rather than with the order: a
	// waiting order is cached with one coroutine fewer. Cancelling its
	// context once the lookups are done sends no command, so no recorded
	// history replays differently.
	stopWatching()
	switch {
	case err != nil && newOrder && r.cancel != nil:
		return r.cancelledBeforeOrdering(), nil
	case err != nil && newOrder && ctx.Err() != nil:
		return Result{}, err // a Temporal cancel: finish says what happened
	case isAPIRejection(err): // e.g. an unknown company: the order is wrong
		return r.failNothingOrdered(ErrTypePrecheckFailed, "nothing was ordered: "+rootMessage(err))
	case err != nil:
		return r.failNothingOrdered(ErrTypeAPIUnavailable, "looking up the order's ports, metro and DCF, nothing was ordered: "+rootMessage(err))
	}
	if problems := precheck(order, found); len(problems) > 0 {
		return r.failNothingOrdered(ErrTypePrecheckFailed, "nothing was ordered: "+strings.Join(problems, "; "))
	}
	req := layer2Request(order, found)
	if order.DryRun {
		return r.end(Result{Stage: StageDryRun, Reason: "dry run: nothing was ordered", NothingOrdered: true, Request: &req}), nil
	}
	if r.cancel != nil {
		return r.cancelledBeforeOrdering(), nil
	}

	r.setStage(StageOrdering)
	var placed *placement
	if !r.since(ctx, changeOrdering) {
		placed, err = r.submitLegacy(ctx, req, found)
	} else {
		placed, err = r.place(ctx, cfg, req, preexistingIDs(found.Ports))
	}
	if err != nil {
		return Result{}, err
	}
	if placed == nil { // cancelled while nothing was in doubt
		return r.cancelledBeforeOrdering(), nil
	}
	r.view.ConnectionID, r.view.APIStatus = placed.ConnectionID, placed.Status
	r.notify(MilestoneOrdered)
	w := WaitState{
		ConnectionID: placed.ConnectionID,
		APIStatus:    placed.Status,
		Deadline:     workflow.Now(ctx).Add(activationTimeout(order, cfg)),
		NextPoll:     Duration(cfg.PollInitial),
		OrderedAt:    workflow.Now(ctx),
		StartedAt:    r.startedAt,
	}
	r.nameHold.carry(&w)
	return r.await(ctx, cfg, w)
}

// hostOf is a URL's host, for messages.
func hostOf(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		return u.Host
	}
	return rawURL
}

// finish ends every run: after a Temporal cancel it withdraws what was
// ordered before the workflow ends cancelled; an order that is done gives
// its connection name back. A run that continues as new keeps both.
func (r *orderRun) finish(ctx workflow.Context, cfg Config, res Result, err error) (Result, error) {
	var continued *workflow.ContinueAsNewError
	if errors.As(err, &continued) {
		return res, err
	}
	done, _ := workflow.NewDisconnectedContext(ctx)
	if ctx.Err() != nil && r.since(done, changeTemporalCancel) {
		res, err = r.afterTemporalCancel(done, cfg)
	}
	if r.view.ConnectionID != "" || r.everInDoubt {
		r.nameHold.ReleaseAfter(done, cfg.PutSettleWindow) // a PUT of this order went out
	} else {
		r.nameHold.Release(done)
	}
	r.countEnded(done, res, err, r.startedAt)
	return res, err
}

// cancelledBeforeOrdering ends an order cancelled while no PUT was in
// doubt.
func (r *orderRun) cancelledBeforeOrdering() Result {
	if r.everInDoubt {
		return r.end(Result{Stage: StageCancelled, Reason: "cancelled while ordering: an earlier PUT's outcome was unknown, " +
			"and no connection appeared within the settle window: " + r.cancel.Reason})
	}
	return r.end(Result{Stage: StageCancelled, NothingOrdered: true,
		Reason: "cancelled before ordering, nothing was ordered: " + r.cancel.Reason})
}

// settings records the worker's Config in the history, so that a worker
// restarted with other settings still replays this run the same way.
// Settings a history recorded before they existed take their defaults.
func (p *Provisioner) settings(ctx workflow.Context) Config {
	var cfg Config
	err := workflow.SideEffect(ctx, func(workflow.Context) any { return p.cfg }).Get(&cfg)
	if err != nil {
		return p.cfg
	}
	return cfg.withDefaults()
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

// isAPIRejection reports whether an activity failed because the API
// refused the request (a 4xx), as opposed to being unreachable.
func isAPIRejection(err error) bool {
	return activities.IsType(err, activities.ErrTypeAPIRejected)
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
