package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// waiter is the one wait of every order kind since revisionWaitAtFloor:
// it reads a connection until a read shows a state the workflow must act
// on, the deadline passes, a cancel arrives, or a refresh asks for a read
// now.
//
// Each phase of the polling budget (poll.go) is one AwaitConnection
// activity whose retry policy is the phase's interval: the server reads
// again and again with no workflow task, no timer and no history event
// per read, and the activity succeeds only on news. A refresh cancels the
// pending read and starts the next at once; a cancel (the signal or
// Temporal's) cancels it; the phase's ScheduleToCloseTimeout ends it at
// the phase's end or the deadline. A wait of any length is a handful of
// activities: no continue-as-new.
type waiter struct {
	r        *orderRun
	cfg      Config
	deadline time.Time
	// age is how long the wait has lasted at a given time (waitAge).
	age func(now time.Time) time.Duration
	// polls counts the reads (WaitState.Polls): those of a read that
	// brought news, and those of a phase that ended without (its last
	// attempt's failure says how many); a read a refresh or a cancel
	// interrupted is not counted.
	polls *int
}

// read returns the next read the workflow must act on, or nil when the
// wait was interrupted (a cancel, a Temporal cancel) or its deadline
// passed: the caller checks those, as before every read.
func (wt waiter) read(ctx workflow.Context, in activities.AwaitInput) *activities.Awaited {
	r := wt.r
	for {
		now := workflow.Now(ctx)
		if ctx.Err() != nil || r.cancel != nil || !now.Before(wt.deadline) {
			return nil
		}
		interval, end := readPhase(wt.age(now), now, wt.deadline, wt.cfg)
		in.Delayed = !r.refresh
		r.refresh = false
		if in.Delayed && end.Sub(now) < interval {
			// The deadline comes before the next read would: wait for it
			// (a refresh still reads at once).
			if _, err := workflow.AwaitWithTimeout(ctx, end.Sub(now), func() bool { return r.cancel != nil || r.refresh }); err != nil {
				return nil
			}
			continue
		}
		if in.Delayed && *wt.polls == 0 && r.since(ctx, changeFirstReadTimer) {
			// The wait's first read: a timer, then a read at once. A
			// deferred first attempt would be retried through the task
			// queue, never eagerly, behind every other order's activities,
			// and would count against CC_API_MAX_RPS with no API call.
			if !wt.sleep(ctx, interval) {
				return nil
			}
			in.Delayed = false
			now = workflow.Now(ctx)
			if !now.Before(wt.deadline) {
				return nil
			}
			interval, end = readPhase(wt.age(now), now, wt.deadline, wt.cfg)
		}
		readCtx, stop := workflow.WithCancel(ctx)
		var a *activities.Activities
		pending := workflow.ExecuteActivity(readOptions(readCtx, wt.cfg, interval, end.Sub(now)), a.AwaitConnection, in)
		if err := workflow.Await(ctx, func() bool { return pending.IsReady() || r.cancel != nil || r.refresh }); err != nil {
			stop()
			return nil // a Temporal cancel
		}
		stop() // a refresh or a cancel: the pending read is cancelled
		var got activities.Awaited
		var still *temporal.ApplicationError
		err := pending.Get(ctx, &got)
		switch {
		case err == nil:
			wt.count(got.Reads)
			return &got
		case errors.As(err, &still) && activities.IsType(still, activities.ErrTypeStillWaiting):
			// The phase is over: the server ends it on the last attempt
			// that fits, with that attempt's failure. The next reads on.
			var seen activities.ReadOutcome
			if still.Details(&seen) == nil {
				wt.count(seen.Read)
			}
		case temporal.IsCanceledError(err), temporal.IsTimeoutError(err):
			// Interrupted (checked above), or the phase timed out.
		default:
			r.view.Reason = "last status read failed: " + rootMessage(err)
			r.logger.Warn("Status read failed", "error", err)
		}
	}
}

// sleep waits d, or less if a refresh (which then reads at once) or a
// cancel comes; it reports false when the wait is over (a cancel, a
// Temporal cancel).
func (wt waiter) sleep(ctx workflow.Context, d time.Duration) bool {
	r := wt.r
	if _, err := workflow.AwaitWithTimeout(ctx, d, func() bool { return r.cancel != nil || r.refresh }); err != nil {
		return false
	}
	r.refresh = false
	return r.cancel == nil
}

func (wt waiter) count(reads int) {
	*wt.polls += reads
	wt.r.view.Polls = *wt.polls
}

// readPhase is the phase of the polling budget a wait of age is in at
// now: its interval and its end (the tier's end, or the deadline). A wait
// starts with a short phase at PollInitial (three reads, as the loops'
// first reads came), so that a connection that comes up at once is seen
// at once; then the tiers of poll.go, each at its cap within PollMax. A
// tier that ends within one interval gives way to the next: its reads
// would fall after its end.
func readPhase(age time.Duration, now, deadline time.Time, cfg Config) (interval time.Duration, end time.Time) {
	first := max(min(cfg.PollInitial, pollCap(0), cfg.PollMax), time.Second)
	tiers := pollTiers
	if first < min(pollCap(0), cfg.PollMax) {
		tiers = append([]pollTier{{3 * first, first}}, pollTiers...)
	}
	for {
		interval = max(min(pollTierMax, cfg.PollMax), time.Second)
		end = deadline
		for _, t := range tiers {
			if age < t.until {
				interval = max(min(t.max, cfg.PollMax), time.Second)
				end = now.Add(t.until - age)
				break
			}
		}
		if !end.Before(deadline) {
			return interval, deadline
		}
		if end.Sub(now) >= interval {
			return interval, end
		}
		age += end.Sub(now)
		now = end
	}
}

// awaitAtFloor is await since revisionWaitAtFloor: the same decisions on
// each read (settle window, refusals, milestones), the reads themselves
// through waiter.
func (r *orderRun) awaitAtFloor(ctx workflow.Context, cfg Config, w WaitState) (Result, error) {
	ref := activities.ConnectionRef{OrderID: r.order.OrderID, Company: r.order.Company, ConnectionID: w.ConnectionID, PortID: r.order.PortID}
	wt := waiter{r: r, cfg: cfg, deadline: w.Deadline, age: func(now time.Time) time.Duration { return waitAge(now, w) }, polls: &w.Polls}
	for {
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
		in := activities.AwaitInput{ConnectionRef: ref, For: activities.AwaitActivation, Known: w.APIStatus,
			AuthFailingSince: w.AuthFailingSince, AuthFailureLimit: cfg.AuthFailureLimit}
		if !w.OrderedAt.IsZero() {
			in.SettleUntil = w.OrderedAt.Add(cfg.PutSettleWindow)
		}
		got := wt.read(ctx, in)
		if got == nil || got.Status == nil {
			continue
		}
		st := *got.Status
		if st.AuthFailure != nil {
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

// awaitActionAtFloor is awaitAction since revisionWaitAtFloor: judge
// decides on each read the activity found news, as before.
func (r *orderRun) awaitActionAtFloor(ctx workflow.Context, cfg Config, w WaitState) (Result, error) {
	in := activities.AwaitInput{ConnectionRef: r.connectionRef(), For: awaitFor[w.Phase], SpeedMbps: w.SpeedMbps, FromMbps: w.FromMbps}
	wt := waiter{r: r, cfg: cfg, deadline: w.Deadline, age: func(now time.Time) time.Duration { return waitAge(now, w) }, polls: &w.Polls}
	r.view.Polls = w.Polls
	for {
		if ctx.Err() != nil {
			done, _ := workflow.NewDisconnectedContext(ctx)
			return r.actionCancelled(done, cfg, &w, "a Temporal cancel")
		}
		if r.cancel != nil {
			return r.actionCancelled(ctx, cfg, &w, r.cancel.Reason)
		}
		if !workflow.Now(ctx).Before(w.Deadline) {
			return r.actionTimedOut(ctx, cfg, w)
		}
		got := wt.read(ctx, in)
		if got == nil || got.Facts == nil {
			continue
		}
		f := *got.Facts
		r.view.APIStatus, r.view.Reason = f.Status, f.ErrorReason
		if res, err, over := r.judge(ctx, w, f); over {
			return res, err
		}
	}
}

// awaitFor is what AwaitConnection reads for in each phase of an action.
var awaitFor = map[string]string{
	phaseDeleting:  activities.AwaitDeleted,
	phaseApproval:  activities.AwaitApproval,
	phaseFollowing: activities.AwaitFollowing,
}
