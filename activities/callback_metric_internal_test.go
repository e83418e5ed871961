package activities

import (
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// A failed attempt counts as failed, not retried, when the day of retries
// leaves no room for the next.
func TestLastAttempt(t *testing.T) {
	scheduled := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	policy := &temporal.RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute}
	info := func(attempt int32) activity.Info {
		return activity.Info{ScheduledTime: scheduled, ScheduleToCloseTimeout: 24 * time.Hour, Attempt: attempt, RetryPolicy: policy}
	}
	tests := []struct {
		name string
		info activity.Info
		now  time.Time
		want bool
	}{
		{"first attempt", info(1), scheduled.Add(time.Second), false},
		{"an hour in", info(10), scheduled.Add(time.Hour), false},
		{"5 minutes before the day ends, at the 10-minute cap", info(150), scheduled.Add(24*time.Hour - 5*time.Minute), true},
		{"15 minutes before", info(150), scheduled.Add(24*time.Hour - 15*time.Minute), false},
		{"no policy", activity.Info{Attempt: 3}, scheduled, false},
	}
	for _, tt := range tests {
		if got := lastAttempt(tt.info, tt.now); got != tt.want {
			t.Errorf("%s: lastAttempt = %v, want %v", tt.name, got, tt.want)
		}
	}
}
