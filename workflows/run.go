package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
)

// orderRun is one run's view of an order: what the status query answers,
// whether a cancel has arrived, and what the order knows about what it
// ordered.
type orderRun struct {
	// ctx is the run's root context, for the search attribute upserts that
	// follow every change of stage.
	ctx    workflow.Context
	order  Order
	view   StatusView
	cancel *CancelRequest
	// refresh: a refresh signal asks a waiting order to read its status
	// now, not at its next scheduled read.
	refresh bool
	logger  log.Logger
	// searchable: the order publishes its search attributes (runs started
	// since changeSearchAttributes); published is what it last published.
	searchable bool
	orderedAt  time.Time // when the connection was ordered (WaitState.OrderedAt)
	lastPutAt  time.Time // when this run last sent a PUT
	published  struct {
		stage        Stage
		connectionID string
	}
	// nameLock takes the order's connection name; nameHold is the name it
	// holds (or is taking), released when the order ends (namelock.go).
	nameLock *nameLock
	nameHold *nameHold
	// revision is the code revision the run's settings recorded
	// (Config.Revision), which since reads (versions.go).
	revision int
	// current: this run took changeRoundTrips, and with it every earlier
	// change; localReads: its API reads run as local activities.
	current, localReads bool
	// doubt is the PUT whose outcome is unknown, while it is.
	doubt *putDoubt
	// everInDoubt: some PUT's outcome was unknown at some point, so the
	// order can never again say for certain that nothing was ordered.
	everInDoubt bool
	// lookFor describes the connection the order's PUT would create.
	lookFor activities.FindOrderConnectionInput
	// startedAt is when the order's first run started (zero in runs
	// continued before it was carried over).
	startedAt time.Time
	// callbackURL is where milestones go ("" for none, and for orders
	// started before changeCallbacks); callbacksStarted says the callbacks
	// workflow runs; notifiedAwaiting that awaiting-acceptance went out.
	callbackURL string
	// callbackTarget, instead, names the worker's target milestones go to
	// (revisionCallbackTargets).
	callbackTarget                     string
	callbacksStarted, notifiedAwaiting bool
	// srcPortID is an action order's connection's source port, once it is
	// shown to be the company's (its reads confirm a 404 against it).
	srcPortID string
	// cancels and refreshes are the run's signal channels, drained by
	// takeSignals as well as by their listeners.
	cancels, refreshes workflow.ReceiveChannel
}

// putDoubt is a PUT whose outcome is unknown: it may have created the
// connection, now or later.
type putDoubt struct {
	Since   time.Time // when its attempt ended, in workflow time
	Certain bool      // answered 2xx: the connection exists, its id is unread
	Reason  string
}

// startRun answers the status query and listens for the cancel and
// refresh signals for the rest of the run.
func startRun(ctx workflow.Context, order Order) (*orderRun, error) {
	r := &orderRun{
		ctx:    ctx,
		order:  order,
		view:   StatusView{OrderID: order.OrderID, Stage: StageValidating},
		logger: log.With(workflow.GetLogger(ctx), "orderId", order.OrderID),
	}
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (StatusView, error) { return r.view, nil }); err != nil {
		return nil, fmt.Errorf("registering the status query: %w", err)
	}
	r.cancels = workflow.GetSignalChannel(ctx, SignalCancel)
	workflow.Go(ctx, func(ctx workflow.Context) {
		var req CancelRequest
		r.cancels.Receive(ctx, &req)
		r.takeCancel(req)
	})
	r.refreshes = workflow.GetSignalChannel(ctx, SignalRefresh)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			r.refreshes.Receive(ctx, nil)
			r.logger.Info("Refresh requested", "stage", r.view.Stage)
			r.refresh = true
		}
	})
	return r, nil
}

// takeCancel records a cancel request; the first one counts.
func (r *orderRun) takeCancel(req CancelRequest) {
	if r.cancel != nil {
		return
	}
	if req.Reason == "" {
		req.Reason = "no reason given"
	}
	r.logger.Info("Cancel requested", "reason", req.Reason, "stage", r.view.Stage)
	r.cancel = &req
}

// takeSignals takes the signals delivered in this workflow task that the
// listeners have not run to take yet. The SDK hands a signal to its
// blocked listener as the task's events are applied, but the listener
// runs only once this coroutine blocks: so it blocks once (an Await that
// holds for one round, sending no command), then reads what is still
// buffered. Called before a decision that a signal must be able to stop:
// continuing as new (a signal not taken would end with the run; such a
// task ends its run, so histories from before replay as they were), and,
// since revisionActionsOnce, sending a PUT, DELETE, update or change
// request.
func (r *orderRun) takeSignals(ctx workflow.Context) {
	yielded := false
	_ = workflow.Await(ctx, func() bool {
		done := yielded
		yielded = true
		return done
	})
	var req CancelRequest
	for r.cancels.ReceiveAsync(&req) {
		r.takeCancel(req)
	}
	for r.refreshes.ReceiveAsync(nil) {
		r.refresh = true
	}
}

// carryOver passes the interrupts this run holds to the run that
// continues from it.
func (r *orderRun) carryOver(w *WaitState) {
	w.Cancel, w.Refresh = r.cancel, r.refresh
}

// resume takes up the interrupts the previous run carried over.
func (r *orderRun) resume(w *WaitState) {
	if w.Cancel != nil {
		r.takeCancel(*w.Cancel)
	}
	r.refresh = r.refresh || w.Refresh
}

func (r *orderRun) setStage(s Stage) {
	r.view.Stage = s
	r.logger.Info("Order stage", "stage", s)
	r.publish(r.ctx)
}

// end finishes the order without error (active, cancelled or dry run).
func (r *orderRun) end(res Result) Result {
	res.OrderID = r.order.OrderID
	if res.ConnectionID == "" {
		res.ConnectionID = r.view.ConnectionID
	}
	if res.APIStatus == "" {
		res.APIStatus = r.view.APIStatus
	}
	res.Withdrawn = res.Withdrawn || r.view.Withdrawn
	r.view.Stage, r.view.Reason, r.view.APIStatus = res.Stage, res.Reason, res.APIStatus
	r.view.NothingOrdered, r.view.Withdrawn = res.NothingOrdered, res.Withdrawn
	r.logger.Info("Order ended", "stage", res.Stage, "connectionId", res.ConnectionID, "reason", res.Reason)
	r.publish(r.ctx)
	switch res.Stage {
	case StageActive:
		r.notify(MilestoneActive)
	case StageCancelled:
		r.notify(MilestoneCancelled)
	case StageDecommissioned:
		r.notify(MilestoneDecommissioned)
	case StageModified:
		r.notify(MilestoneModified)
	}
	return res
}

// fail ends the order with a non-retryable error of the given type: a
// workflow retry could not change the outcome. The status view rides along
// as the error's details.
func (r *orderRun) fail(errType, msg string) (Result, error) {
	r.view.Stage, r.view.Reason = StageFailed, msg
	r.logger.Warn("Order failed", "type", errType, "reason", msg)
	r.publish(r.ctx)
	r.notify(MilestoneFailed)
	return Result{}, temporal.NewNonRetryableApplicationError(msg, errType, nil, r.view)
}

// failNothingOrdered is fail for an order that certainly ordered nothing;
// msg says so in words, the view as NothingOrdered.
func (r *orderRun) failNothingOrdered(errType, msg string) (Result, error) {
	r.view.NothingOrdered = true
	return r.fail(errType, msg)
}

// untilCancelled returns a context that is cancelled when the cancel
// signal arrives, so that work a cancel makes pointless (lookups, a PUT
// not yet sent) stops at once. Call stop when done with it.
func (r *orderRun) untilCancelled(ctx workflow.Context) (workflow.Context, func()) {
	child, cancel := workflow.WithCancel(ctx)
	done := false
	workflow.Go(ctx, func(ctx workflow.Context) {
		_ = workflow.Await(ctx, func() bool { return done || r.cancel != nil })
		if !done {
			cancel()
		}
	})
	return child, func() { done = true }
}

// read runs an activity that only reads the API: as a local activity
// (no round trip through the server) in runs that may — those since
// changeRoundTrips, unless the worker caps API calls (provision sets
// localReads) — or as an activity on the task queue, where the server's
// rate limit (CC_API_MAX_RPS) counts it.
func (r *orderRun) read(ctx workflow.Context, opts workflow.ActivityOptions, activity, arg any) workflow.Future {
	return execute(ctx, opts, r.localReads, activity, arg)
}

// execute runs an activity with opts: as a local activity, inside the
// workflow task, or on the task queue.
func execute(ctx workflow.Context, opts workflow.ActivityOptions, local bool, activity, arg any) workflow.Future {
	if local {
		return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, asLocal(opts)), activity, arg)
	}
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activity, arg)
}
