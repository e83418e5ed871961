package workflows

import (
	"cmp"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// withdraw deletes the order's connection, which cancels a request not
// yet accepted and takes down anything else. It must happen, so it is
// retried for a day (withdrawOptions); after a Temporal cancel, ctx is a
// disconnected context so that it still runs.
func (r *orderRun) withdraw(ctx workflow.Context, cfg Config, connectionID string) error {
	r.setStage(StageWithdrawing)
	if err := r.deleteConnection(ctx, cfg, connectionID); err != nil {
		return err
	}
	r.view.Withdrawn = true
	// As the API's state table has it: a request nobody accepted yet is
	// CANCELLED by its requester; anything else is DELETED.
	if r.view.APIStatus == ccapi.StatusPending {
		r.view.APIStatus = ccapi.StatusCancelled
	} else {
		r.view.APIStatus = ccapi.StatusDeleted
	}
	r.notify(MilestoneWithdrawn)
	return nil
}

// deleteConnection deletes one connection. Since revisionActionsOnce the
// DELETE is sent once (sendOnce): one whose answer was lost is sent again
// only when no read has shown it (DELETING, CANCELLED, DELETED, or gone)
// by the end of the settle window; that is tried for a day. Before, it
// was an activity that Temporal retried, each retry a DELETE.
func (r *orderRun) deleteConnection(ctx workflow.Context, cfg Config, connectionID string) error {
	var a *activities.Activities
	// The port rides along: a read for the DELETE's effect believes a 404
	// only when the port agrees (a stray 404 is no withdrawal).
	ref := activities.ConnectionRef{OrderID: r.order.OrderID, Company: r.order.Company, ConnectionID: connectionID,
		PortID: cmp.Or(r.srcPortID, r.order.PortID)}
	if !r.since(ctx, changeActionsOnce) {
		return workflow.ExecuteActivity(withdrawOptions(ctx, cfg), a.DeleteConnection, ref).Get(ctx, nil)
	}
	until := workflow.Now(ctx).Add(withdrawBudget)
	// A 404 the port agrees with is the connection gone, but only once
	// the lists must show it: within the settle window after the PUT that
	// made it, a read can miss a new connection and its port's list not
	// list it yet (a chaos run on the stack: a DELETE refused 429, then
	// a 404 in that window, taken for the withdrawal of an ERROR
	// connection that stayed).
	// listedFrom is when that is over (zero: at once).
	var listedFrom time.Time
	made := r.orderedAt
	if r.lastPutAt.After(made) {
		made = r.lastPutAt
	}
	if !made.IsZero() && r.since(ctx, changeWithdrawAfterSettle) {
		listedFrom = made.Add(cfg.PutSettleWindow)
	}
	del := ref
	// A DELETE answered 404 is an outcome to read for, not a withdrawal.
	del.NotFoundUnknown = r.since(ctx, changeDeleteNotFoundUnknown)
	e := sideEffect{
		what: "the DELETE of connection " + connectionID, ref: ref, activity: a.DeleteConnection, input: del,
		shows: func(f activities.ConnectionFacts) bool {
			return gone(f.Status) || !f.Found && !workflow.Now(ctx).Before(listedFrom)
		},
		mustHappen: true, retryUntil: until,
	}
	for {
		s := r.sendOnce(ctx, cfg, e)
		switch s.outcome {
		case sendTaken:
			return nil
		case sendRefused:
			return temporal.NewNonRetryableApplicationError(e.what+" was refused: "+s.reason, activities.ErrTypeAPIRejected, nil)
		case sendUnknown:
			return temporal.NewNonRetryableApplicationError(e.what+" was sent and its outcome stayed unknown: "+s.reason, activities.ErrTypeAPIUnavailable, nil)
		}
		if !workflow.Now(ctx).Before(until) {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s took no effect for %s: %s", e.what, withdrawBudget, s.reason), activities.ErrTypeAPIUnavailable, nil)
		}
		r.logger.Warn("The DELETE took no effect; sending it again", "connectionId", connectionID)
	}
}

// withdrawBudget is how long a withdrawal keeps sending a DELETE that
// takes no effect: a day, as withdrawOptions retried it.
const withdrawBudget = 24 * time.Hour

// withdrawAfter withdraws the connection of an order that is failing and
// says, for the failure's message, how that went.
func (r *orderRun) withdrawAfter(ctx workflow.Context, cfg Config, connectionID string) string {
	if err := r.withdraw(ctx, cfg, connectionID); err != nil {
		return fmt.Sprintf("withdrawing it failed (%s): delete connection %s by hand", rootMessage(err), connectionID)
	}
	return fmt.Sprintf("it was withdrawn (%s)", r.view.APIStatus)
}

// withdrawOnCancel deletes the ordered connection after a cancel signal.
func (r *orderRun) withdrawOnCancel(ctx workflow.Context, cfg Config, ref activities.ConnectionRef) (Result, error) {
	if err := r.withdraw(ctx, cfg, ref.ConnectionID); err != nil {
		return r.fail(ErrTypeAPIUnavailable, fmt.Sprintf("cancel: deleting connection %s: %s", ref.ConnectionID, rootMessage(err)))
	}
	return r.end(Result{
		Stage:     StageCancelled,
		APIStatus: r.view.APIStatus,
		Reason:    fmt.Sprintf("cancelled after ordering, connection %s withdrawn: %s", ref.ConnectionID, r.cancel.Reason),
	}), nil
}

// afterTemporalCancel runs, in a disconnected context, once a Temporal
// cancel (the UI, temporal workflow cancel) has stopped the order: it
// finds out what a PUT in doubt did, withdraws what was ordered, and ends
// the workflow cancelled, saying which.
func (r *orderRun) afterTemporalCancel(ctx workflow.Context, cfg Config) (Result, error) {
	r.logger.Info("Temporal cancel: withdrawing what was ordered")
	if r.doubt != nil {
		found, err := r.resolveDoubt(ctx, cfg, r.lookFor)
		if err != nil {
			return Result{}, err
		}
		if found != nil {
			r.view.ConnectionID, r.view.APIStatus = found.ConnectionID, found.Status
		}
	}
	var what string
	switch id := r.view.ConnectionID; {
	case id != "" && !r.view.Withdrawn && !gone(r.view.APIStatus):
		if err := r.withdraw(ctx, cfg, id); err != nil {
			what = fmt.Sprintf("withdrawing connection %s failed (%s): delete it by hand", id, rootMessage(err))
		} else {
			what = fmt.Sprintf("connection %s withdrawn (%s)", id, r.view.APIStatus)
		}
	case id != "":
		what = fmt.Sprintf("connection %s is %s", id, r.view.APIStatus)
	case r.everInDoubt:
		what = "a PUT's outcome was unknown, and no connection appeared within the settle window"
	default:
		what = "nothing was ordered"
		r.view.NothingOrdered = true
	}
	r.view.Stage, r.view.Reason = StageCancelled, "cancelled (Temporal cancel request): "+what
	r.logger.Info("Order ended", "stage", r.view.Stage, "reason", r.view.Reason)
	r.publish(ctx)
	r.notify(MilestoneCancelled)
	return Result{}, temporal.NewCanceledError(r.view)
}

// gone reports whether a connection in this status exists no more (or
// never will).
func gone(s ccapi.Status) bool {
	switch s {
	case ccapi.StatusDeleted, ccapi.StatusDeleting, ccapi.StatusCancelled, ccapi.StatusDenied:
		return true
	}
	return false
}
