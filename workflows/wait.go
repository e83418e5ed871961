package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// await polls the connection until it is ACTIVE, has failed, the deadline
// passes or a cancel arrives. Polls back off from PollInitial on durable
// timers, within the polling budget of poll.go and PollMax (a refresh
// signal reads at once); after PollsPerRun polls the run continues as new with
// its WaitState, so a wait of weeks never grows one history without bound.
//
// A status read that fails is not the connection failing: a 404 within the
// settle window after the PUT is the API catching up, other errors are
// tried again later, and reads refused with 401/403 show in the status
// query and fail the order once they have lasted AuthFailureLimit.
func (r *orderRun) await(ctx workflow.Context, cfg Config, w WaitState) (Result, error) {
	r.view.ConnectionID, r.view.APIStatus, r.view.Polls = w.ConnectionID, w.APIStatus, w.Polls
	r.orderedAt = w.OrderedAt
	r.setStage(StageAwaitingActivation)
	if w.APIStatus == ccapi.StatusPending {
		r.notify(MilestoneAwaitingAcceptance)
	}
	if r.since(ctx, changeWaitAtFloor) {
		return r.awaitAtFloor(ctx, cfg, w)
	}
	interval := time.Duration(w.NextPoll)
	budgeted := r.since(ctx, changePollBudget)
	if budgeted {
		interval = max(min(interval, pollCap(waitAge(workflow.Now(ctx), w))), time.Second)
	}
	var a *activities.Activities
	ref := activities.ConnectionRef{OrderID: r.order.OrderID, Company: r.order.Company, ConnectionID: w.ConnectionID, PortID: r.order.PortID}
	sizeBudget := r.since(ctx, changeHistoryBudget)

	for pollsThisRun := 0; ; {
		if ctx.Err() != nil {
			return Result{}, ctx.Err() // a Temporal cancel: finish withdraws
		}
		if r.cancel != nil {
			return r.withdrawOnCancel(ctx, cfg, ref)
		}
		switch w.APIStatus.Phase() {
		case ccapi.PhaseActive:
			return r.end(Result{Stage: StageActive}), nil
		case ccapi.PhaseFailed:
			return r.connectionFailed(ctx, cfg, w)
		}
		now := workflow.Now(ctx)
		if !now.Before(w.Deadline) {
			return r.timedOut(ctx, cfg, w)
		}
		if !w.AuthFailingSince.IsZero() && now.Sub(w.AuthFailingSince) >= cfg.AuthFailureLimit {
			return r.refusedTooLong(ctx, cfg, w)
		}
		if pollsThisRun >= cfg.PollsPerRun || sizeBudget && workflow.GetInfo(ctx).GetCurrentHistorySize() >= historyBudget {
			if r.takeSignals(ctx); r.cancel != nil {
				continue // act on it here rather than hand it over
			}
			r.carryOver(&w)
			w.NextPoll = Duration(interval)
			r.nameHold.carry(&w)
			w.StartedAt = r.startedAt
			w.CallbacksStarted, w.NotifiedAwaiting = r.callbacksStarted, r.notifiedAwaiting
			r.logger.Info("Continuing as new to keep the history small", "polls", w.Polls)
			return Result{}, workflow.NewContinueAsNewError(ctx, WorkflowName, Input{Order: r.order, Wait: &w})
		}

		sleep := min(interval, w.Deadline.Sub(now))
		if _, err := workflow.AwaitWithTimeout(ctx, sleep, func() bool { return r.cancel != nil || r.refresh }); err != nil {
			return Result{}, err
		}
		if r.cancel != nil {
			continue
		}
		switch {
		case r.refresh:
			r.refresh = false // read now; the schedule goes on as it was
		case budgeted:
			interval = nextPoll(interval, waitAge(workflow.Now(ctx), w), cfg)
		default:
			interval = min(interval*2, cfg.PollMax)
		}

		var st activities.ConnectionStatus
		err := r.read(ctx, pollActivity(cfg), a.GetConnectionStatus, ref).Get(ctx, &st)
		pollsThisRun++
		w.Polls++
		r.view.Polls = w.Polls
		switch {
		case err != nil:
			// One failed read is not the connection failing: try again later.
			r.view.Reason = "last status read failed: " + rootMessage(err)
			r.logger.Warn("Status read failed", "error", err)
			continue
		case st.AuthFailure != nil:
			if w.AuthFailingSince.IsZero() {
				w.AuthFailingSince = workflow.Now(ctx)
			}
			r.view.Reason = fmt.Sprintf("status reads of connection %s are refused (%d: %s) since %s: check that CC_API_KEY is valid and may read company %s's connections",
				w.ConnectionID, st.AuthFailure.StatusCode, st.AuthFailure.Message, w.AuthFailingSince.UTC().Format(time.RFC3339), r.order.Company)
			r.logger.Error("Status reads refused", "connectionId", w.ConnectionID, "since", w.AuthFailingSince, "status", st.AuthFailure.StatusCode)
			continue
		}
		w.AuthFailingSince = time.Time{}
		if st.NotFound && !w.OrderedAt.IsZero() && workflow.Now(ctx).Before(w.OrderedAt.Add(cfg.PutSettleWindow)) {
			r.view.Reason = "the API does not show connection " + w.ConnectionID + " yet (404 right after ordering); waiting"
			continue
		}
		w.APIStatus, r.view.APIStatus, r.view.Reason = st.Status, st.Status, st.ErrorReason
		if st.Status == ccapi.StatusPending {
			r.notify(MilestoneAwaitingAcceptance)
		}
	}
}

// waitAge is how long the order has waited since its connection was
// ordered; a wait state from before OrderedAt was kept counts from the
// order's start, or, without that either, as old.
func waitAge(now time.Time, w WaitState) time.Duration {
	switch {
	case !w.OrderedAt.IsZero():
		return now.Sub(w.OrderedAt)
	case !w.StartedAt.IsZero():
		return now.Sub(w.StartedAt)
	}
	return 24 * time.Hour
}

// historyBudget is the size at which a waiting run continues as new,
// leaving room under the 64 KiB a history may take for the events that end
// it (a withdrawal, the failure's details).
const historyBudget = 40 << 10

// connectionFailed ends an order whose connection will not come up. One
// that still holds resources (ERROR, DISABLED) is withdrawn.
func (r *orderRun) connectionFailed(ctx workflow.Context, cfg Config, w WaitState) (Result, error) {
	msg := fmt.Sprintf("connection %s ended %s: %s", w.ConnectionID, w.APIStatus, orNone(r.view.Reason))
	if holdsResources(w.APIStatus) && r.since(ctx, changeWithdrawOnEnd) {
		msg += "; " + r.withdrawAfter(ctx, cfg, w.ConnectionID)
	}
	return r.fail(ErrTypeConnectionFailed, msg)
}

// timedOut ends an order whose connection is not ACTIVE by its deadline:
// the connection is withdrawn, unless the order says onTimeout keep (a
// partner's acceptance may yet come, and be billed).
func (r *orderRun) timedOut(ctx workflow.Context, cfg Config, w WaitState) (Result, error) {
	msg := fmt.Sprintf("connection %s still %s at the deadline %s", w.ConnectionID, w.APIStatus, w.Deadline.UTC().Format(time.RFC3339))
	switch {
	case !r.since(ctx, changeWithdrawOnEnd):
		return r.fail(ErrTypeActivationTimeout, msg+"; it was left in place")
	case r.order.OnTimeout == OnTimeoutKeep:
		return r.fail(ErrTypeActivationTimeout, msg+"; it was left in place, as the order asks (onTimeout keep)")
	}
	// It may have come up since the last read.
	var a *activities.Activities
	var st activities.ConnectionStatus
	ref := activities.ConnectionRef{OrderID: r.order.OrderID, Company: r.order.Company, ConnectionID: w.ConnectionID, PortID: r.order.PortID}
	if err := r.read(ctx, pollActivity(cfg), a.GetConnectionStatus, ref).Get(ctx, &st); err == nil && st.Status == ccapi.StatusActive {
		r.view.APIStatus = st.Status
		return r.end(Result{Stage: StageActive, Reason: "ACTIVE at the deadline"}), nil
	}
	return r.fail(ErrTypeActivationTimeout, msg+"; "+r.withdrawAfter(ctx, cfg, w.ConnectionID))
}

// refusedTooLong ends an order whose status reads were refused for
// AuthFailureLimit: it cannot follow its connection, so it withdraws it.
func (r *orderRun) refusedTooLong(ctx workflow.Context, cfg Config, w WaitState) (Result, error) {
	msg := fmt.Sprintf("status reads of connection %s were refused (401/403) for %s: check that CC_API_KEY is valid and may read company %s's connections",
		w.ConnectionID, cfg.AuthFailureLimit, r.order.Company)
	return r.fail(ErrTypeAPIUnavailable, msg+"; "+r.withdrawAfter(ctx, cfg, w.ConnectionID))
}

// holdsResources reports whether a failed connection still exists in a
// form that may be billed or hold the port's capacity.
func holdsResources(s ccapi.Status) bool {
	return s == ccapi.StatusError || s == ccapi.StatusDisabled
}

func orNone(s string) string {
	if s == "" {
		return "no reason given"
	}
	return s
}
