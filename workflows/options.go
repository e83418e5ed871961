package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Every activity option the workflow uses, in one place. All retries back
// off exponentially; API answers that no retry can change (4xx) come back
// non-retryable from the activities and stop retries at once.

// patientRetry is for calls that must eventually happen (the PUT, the
// withdrawal): start at 5 s, back off to one try every 5 minutes.
func patientRetry() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute}
}

// lookupOptions: listing ports, metros and DCFs. Read-only and cheap, so
// retried freely, but an order should not sit silently before ordering
// anything: after an hour of API trouble it fails and says so.
func lookupOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}

// submitOptions: the Layer 2 PUT. Safe to retry because every attempt first
// looks for the connection an earlier attempt created (see SubmitLayer2).
// StartToClose is well above the API client's timeout so an attempt ends
// with the client's own error, not a Temporal timeout, in the normal case.
// Retried for a day: ordering late beats not ordering after an API outage.
func submitOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    2 * time.Minute,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            patientRetry(),
	})
}

// pollOptions: one status read. A read that keeps failing for ten minutes
// is skipped (the wait loop logs it and polls again later); the order's
// own deadline is what ends a wait.
func pollOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    2 * time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}

// withdrawOptions: deleting a connection on cancel. It must happen, so it
// is retried for a day.
func withdrawOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            patientRetry(),
	})
}
