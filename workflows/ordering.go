package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// placement is the connection an order's PUT created.
type placement struct {
	ConnectionID string
	Status       ccapi.Status
}

// place orders the connection. The PUT creates a billable resource and the
// API takes no idempotency key, so the workflow, which remembers every PUT
// in its history, is the one that decides whether a PUT may go out:
//
//   - a PUT answered with the connection: done;
//   - a PUT refused (a 4xx other than 408/429, or one that never left):
//     nothing was created; the order fails with the API's words, or, for
//     a refused key (401/403) or a connection that could not be made,
//     tries again later;
//   - a PUT whose outcome is unknown (no answer, a timeout, a 5xx, an
//     unreadable 2xx, a worker that died while sending it): the connection
//     may exist, now or later. Nothing else happens until resolveDoubt has
//     found it, or the settle window has passed and a lookup begun after
//     it still finds nothing.
//
// It returns nil, nil when a cancel arrived while no PUT was in doubt.
func (r *orderRun) place(ctx workflow.Context, cfg Config, req ccapi.CreateLayer2Request, preexisting []string) (*placement, error) {
	r.lookFor = activities.FindOrderConnectionInput{
		OrderID: r.order.OrderID, Company: r.order.Company, PortID: req.PortID, Name: req.Name,
		DestPortID: req.DestPortID, SpeedMbps: req.SpeedMbps, Exclude: preexisting,
	}
	deadline := workflow.Now(ctx).Add(cfg.OrderingTimeout)
	retryIn := 5 * time.Second
	var authRefusedSince time.Time
	for {
		if ctx.Err() != nil {
			return nil, ctx.Err() // a Temporal cancel: finish resolves and withdraws
		}
		if r.doubt != nil {
			found, err := r.resolveDoubt(ctx, cfg, r.lookFor)
			if found != nil || err != nil {
				return found, err
			}
			continue // it took no effect: free to order again, or to stop
		}
		if r.since(ctx, changeActionsOnce) {
			r.takeSignals(ctx) // a cancel that came with the last answer stops the PUT
		}
		if r.cancel != nil {
			return nil, nil
		}
		now := workflow.Now(ctx)
		if !now.Before(deadline) {
			_, err := r.failOrdering(ErrTypeAPIUnavailable, fmt.Sprintf("the API did not take the order within %s", cfg.OrderingTimeout), r.view.Reason)
			return nil, err
		}

		if r.lookFor.NotBefore.IsZero() {
			// A connection created before this order's first PUT left is
			// another order's: the lookup never recovers it.
			r.lookFor.NotBefore = now.Add(-createdAtMargin(cfg))
		}
		r.lastPutAt = now
		res, sent := r.putOnce(ctx, cfg, activities.PlaceInput{OrderID: r.order.OrderID, Company: r.order.Company, Request: req})
		if sent {
			r.countPut(ctx, putSent)
		}
		if res.Effect == activities.PutRefused {
			r.countPut(ctx, putRefused)
		}
		switch {
		case !sent:
			continue // cancelled before it left
		case res.Effect == activities.PutCreated:
			r.view.ConnectionID, r.view.APIStatus = res.ConnectionID, res.Status
			return &placement{ConnectionID: res.ConnectionID, Status: res.Status}, nil
		case res.Effect == activities.PutCreatedUnread, res.Effect == activities.PutUnknown:
			r.doubt = &putDoubt{Since: workflow.Now(ctx), Certain: res.Effect == activities.PutCreatedUnread, Reason: res.Reason}
			r.everInDoubt = true
			r.view.Reason = "the PUT's outcome is unknown (" + res.Reason + "); looking for the connection before anything else"
			r.logger.Warn("PUT outcome unknown; no other PUT until the connection is found or the settle window has passed",
				"effect", res.Effect, "reason", res.Reason, "settleWindow", cfg.PutSettleWindow)
			continue
		case res.AuthFailure:
			if authRefusedSince.IsZero() {
				authRefusedSince = now
			}
			if now.Sub(authRefusedSince) >= cfg.AuthFailureLimit {
				_, err := r.failOrdering(ErrTypeOrderRejected, fmt.Sprintf("Console Connect refused the API key for %s; check that CC_API_KEY is valid and may order for company %s",
					cfg.AuthFailureLimit, r.order.Company), res.Reason)
				return nil, err
			}
		case res.NotSent, res.Throttled:
		default:
			_, err := r.failOrdering(ErrTypeOrderRejected, "Console Connect refused the order", res.Reason)
			return nil, err
		}
		// Refused for now (the key, the rate limit, or no connection):
		// nothing was created. A rate limit says when to come back.
		wait := max(retryIn, res.RetryAfter)
		r.view.Reason = fmt.Sprintf("the PUT was refused (%s); trying again in %s", res.Reason, wait)
		if err := r.pause(ctx, wait); err != nil {
			return nil, err
		}
		retryIn = min(retryIn*2, 5*time.Minute)
	}
}

// failOrdering ends an order whose PUTs created nothing that was found:
// what happened, then the detail. It says nothing was ordered only when
// no PUT's outcome was ever unknown; otherwise the order ends
// OutcomeUnknown and says where to look.
func (r *orderRun) failOrdering(errType, what, detail string) (Result, error) {
	if r.everInDoubt {
		return r.fail(ErrTypeOutcomeUnknown, fmt.Sprintf("an earlier PUT's outcome was unknown and no connection named %q appeared on port %s within the settle window; "+
			"then %s: %s. If a connection of that name shows on the port later, it is this order's", r.order.Name, r.order.PortID, what, detail))
	}
	return r.failNothingOrdered(errType, what+", nothing was ordered: "+detail)
}

// createdAtMargin is how much earlier than the workflow's clock the API's
// may stamp a connection's createdAt: a connection of this order can be
// created no earlier than its first PUT left, less this. Five minutes is
// far beyond the skew of NTP-kept clocks, so the order never disowns its
// own connection; and it is at most half the settle window, for which a
// name stays reserved after the order that last used it ended
// (nameHold.ReleaseAfter), so a connection of an earlier order of the same name and
// port always predates it.
func createdAtMargin(cfg Config) time.Duration {
	return min(5*time.Minute, cfg.PutSettleWindow/2)
}

// putOnce sends one PUT. A cancel that arrives before the PUT has left
// stops it (sent is false: certainly nothing was sent); one that arrives
// later waits for its real outcome. Any failure of the activity itself (a
// worker that died, a timeout) is an unknown outcome.
func (r *orderRun) putOnce(ctx workflow.Context, cfg Config, in activities.PlaceInput) (res activities.PlaceResult, sent bool) {
	putCtx, stop := r.untilCancelled(ctx)
	defer stop()
	var a *activities.Activities
	err := workflow.ExecuteActivity(placeOptions(putCtx, cfg), a.PlaceLayer2Order, in).Get(putCtx, &res)
	switch {
	case err == nil:
		return res, true
	case temporal.IsCanceledError(err):
		return res, false
	}
	return activities.PlaceResult{Effect: activities.PutUnknown, Reason: rootMessage(err)}, true
}

// resolveDoubt looks for the connection a PUT in doubt may have created,
// until it is found (and recovered), or the settle window has passed and a
// lookup begun after it found nothing (it returns nil, nil and the doubt
// is gone). A lookup that cannot conclude proves nothing: it is tried
// again, and never leads to a PUT. A cancel does not cut this short: an
// order cannot say what it ordered before it knows.
func (r *orderRun) resolveDoubt(ctx workflow.Context, cfg Config, lookFor activities.FindOrderConnectionInput) (*placement, error) {
	settled := r.doubt.Since.Add(cfg.PutSettleWindow)
	giveUp := settled.Add(cfg.OrderingTimeout)
	interval := 5 * time.Second
	var a *activities.Activities
	for {
		begun := workflow.Now(ctx)
		var found activities.OrderConnections
		err := workflow.ExecuteActivity(findOptions(ctx, cfg), a.FindOrderConnection, lookFor).Get(ctx, &found)
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case err != nil:
			r.view.Reason = "looking for the connection a PUT may have created: " + rootMessage(err)
			r.logger.Warn("Lookup inconclusive; looking again, not ordering", "error", err)
		case len(found.Matches) > 0:
			return r.recoverConnection(ctx, cfg, found.Matches), nil
		case !r.doubt.Certain && !begun.Before(settled):
			r.logger.Info("No connection appeared within the settle window: the PUT took no effect", "doubtSince", r.doubt.Since)
			r.doubt = nil
			return nil, nil
		}
		now := workflow.Now(ctx)
		if now.After(giveUp) {
			_, err := r.fail(ErrTypeOutcomeUnknown, fmt.Sprintf("a PUT's outcome was unknown (%s) and the order could not find out for %s whether it created a connection; "+
				"check port %s of company %s for a connection named %q", r.doubt.Reason, cfg.PutSettleWindow+cfg.OrderingTimeout,
				r.order.PortID, r.order.Company, r.order.Name))
			return nil, err
		}
		wait := interval
		if now.Before(settled) {
			wait = min(wait, settled.Sub(now))
		}
		if err := workflow.Sleep(ctx, max(wait, time.Second)); err != nil {
			return nil, err
		}
		interval = min(interval*2, time.Minute)
	}
}

// recoverConnection takes the oldest connection a PUT of this order made
// as the order's own. Should
// there be more than one (the API took longer than the settle window to
// show the first), the others are withdrawn: one order, one connection.
func (r *orderRun) recoverConnection(ctx workflow.Context, cfg Config, matches []activities.ExistingConnection) *placement {
	c := matches[0]
	r.logger.Warn("Found the connection a PUT of this order created; not ordering again", "connectionId", c.ID, "status", c.Status)
	r.countPut(ctx, putRecovered)
	r.doubt = nil
	r.view.ConnectionID, r.view.APIStatus = c.ID, c.Status
	for _, extra := range matches[1:] {
		r.logger.Error("A second connection of this order appeared; withdrawing it", "connectionId", extra.ID)
		if err := r.deleteConnection(ctx, cfg, extra.ID); err != nil {
			r.view.Reason = fmt.Sprintf("connection %s is a second connection of this order and could not be withdrawn: %s; delete it by hand", extra.ID, rootMessage(err))
		}
	}
	return &placement{ConnectionID: c.ID, Status: c.Status}
}

// pause waits for d, or until a cancel arrives.
func (r *orderRun) pause(ctx workflow.Context, d time.Duration) error {
	_, err := workflow.AwaitWithTimeout(ctx, d, func() bool { return r.cancel != nil })
	return err
}

// submitLegacy is how orders started before changeOrdering place their
// PUT: one activity that Temporal retries (activities.SubmitLayer2).
func (r *orderRun) submitLegacy(ctx workflow.Context, req ccapi.CreateLayer2Request, found preorder) (*placement, error) {
	var a *activities.Activities
	var sub activities.SubmitResult
	err := workflow.ExecuteActivity(submitOptions(ctx), a.SubmitLayer2, activities.SubmitInput{
		OrderID: r.order.OrderID, Company: r.order.Company, Request: req, PreexistingIDs: preexistingIDs(found.Ports),
	}).Get(ctx, &sub)
	if err != nil {
		if isAPIRejection(err) {
			_, err = r.failNothingOrdered(ErrTypeOrderRejected, "Console Connect refused the order, nothing was ordered: "+rootMessage(err))
			return nil, err
		}
		_, err = r.fail(ErrTypeAPIUnavailable, "ordering the connection: "+rootMessage(err))
		return nil, err
	}
	return &placement{ConnectionID: sub.ConnectionID, Status: sub.Status}, nil
}
