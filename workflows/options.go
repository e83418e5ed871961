package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Every activity option the workflow uses, in one place. All retries back
// off exponentially; API answers that no retry can change (4xx) come back
// non-retryable from the activities and stop retries at once.

// callMargin is added to the API client's timeout for an activity that
// makes one call: the call ends with the client's own error, not a
// Temporal timeout, in the normal case.
const callMargin = 15 * time.Second

// patientRetry is for calls that must eventually happen (the withdrawal):
// start at 5 s, back off to one try every 5 minutes.
func patientRetry() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute}
}

// lookupActivity: reading ports, metros and DCFs. Read-only and cheap,
// so retried freely, but an order should not sit silently before ordering
// anything: after an hour of API trouble it fails and says so.
func lookupActivity() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	}
}

func lookupOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, lookupActivity())
}

// lockActivity: taking or releasing the connection-name lock, a call to
// Temporal.
func lockActivity() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	}
}

// asLocal is a read's options as a local activity (the same timeouts and
// retries), run by the worker inside the workflow task that asks for it:
// no round trip through the server, one marker in the history.
func asLocal(o workflow.ActivityOptions) workflow.LocalActivityOptions {
	return workflow.LocalActivityOptions{
		StartToCloseTimeout:    o.StartToCloseTimeout,
		ScheduleToCloseTimeout: o.ScheduleToCloseTimeout,
		RetryPolicy:            o.RetryPolicy,
	}
}

// placeOptions: the Layer 2 PUT. Never retried by Temporal: the workflow
// alone decides whether another PUT may go out. WaitForCancellation makes
// a cancel of a PUT already running wait for its real outcome; a
// CanceledError therefore means the PUT was never sent.
func placeOptions(ctx workflow.Context, cfg Config) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: cfg.APITimeout + callMargin,
		WaitForCancellation: true,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1}, // the PUT: one attempt
	})
}

// sendOptions: a DELETE, a speed update or a change request of an action
// order (since revisionActionsOnce). Like the PUT, never retried by
// Temporal: a retry after a lost answer whose effect had not shown yet
// would send it again. The workflow alone decides (sendOnce), and runs it
// in a disconnected context, so that a cancel waits for its real outcome.
// Each attempt reads the connection, then sends: two calls.
func sendOptions(ctx workflow.Context, cfg Config) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2*cfg.APITimeout + callMargin,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1}, // a send: one attempt
	})
}

// findOptions: looking for the connection a PUT may have created (one read
// of the port, then one of each connection named like the order). Retried for ten minutes at a time: a
// lookup that cannot conclude never leads to a PUT, the workflow just
// looks again later.
func findOptions(ctx workflow.Context, cfg Config) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    10 * time.Minute,
		HeartbeatTimeout:       cfg.APITimeout + callMargin,
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second},
	})
}

// submitOptions: the Layer 2 PUT of orders started before changeOrdering,
// inside one activity retried for a day (see activities.SubmitLayer2).
func submitOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    2 * time.Minute,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            patientRetry(),
	})
}

// pollActivity: one status read. A read that keeps failing for ten
// minutes is skipped (the wait loop notes it and polls again later); the
// order's own deadline is what ends a wait.
func pollActivity(cfg Config) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    cfg.APITimeout + callMargin,
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    2 * time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	}
}

func pollOptions(ctx workflow.Context, cfg Config) workflow.Context {
	return workflow.WithActivityOptions(ctx, pollActivity(cfg))
}

// withdrawOptions: deleting a connection the order does not keep. It must
// happen, so it is retried for a day.
func withdrawOptions(ctx workflow.Context, cfg Config) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    cfg.APITimeout + callMargin,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            patientRetry(),
	})
}

// callbackOptions: one milestone POSTed to a ticketing system. Retried
// with backoff for up to a day: a receiver down for a while still gets it.
func callbackOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute},
	})
}

// lockCheckOptions: a connection-name lock asking whether its order still
// runs, a call to Temporal like taking the lock.
func lockCheckOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, lockActivity())
}

// actionOptions: an update, change request or DELETE of an order from
// before revisionActionsOnce (since, sendOptions). Each attempt reads the
// connection first and sends nothing when the change is already there;
// a change that lands after that read, or that the other party decided
// meanwhile, is sent twice, which is why it was replaced.
func actionOptions(ctx workflow.Context, cfg Config) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    2*cfg.APITimeout + callMargin,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
}

// readOptions: one phase of a wait. The server retries the read at the
// phase's interval, for as long as the phase lasts (its attempts are
// bounded too, one more than fit, as the server needs no bound but the
// SDK's test environment assumes 10 without one).
func readOptions(ctx workflow.Context, cfg Config, interval, phase time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ScheduleToCloseTimeout: phase,
		StartToCloseTimeout:    2*cfg.APITimeout + callMargin, // a 404 reads the port too
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: interval, BackoffCoefficient: 1, MaximumInterval: interval,
			MaximumAttempts: int32(phase/interval) + 2},
	})
}
