package activities

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cc-l2/provisioner/ccapi"
)

// Issue 26: a wait's read succeeds (reaches the workflow) only on what
// the workflow must act on; anything else is retried by the server.
func TestActivationNews(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	refused := &APIErrorDetails{StatusCode: 401}
	tests := []struct {
		name string
		in   AwaitInput
		st   ConnectionStatus
		want bool
	}{
		{"the same status", AwaitInput{Known: ccapi.StatusPending}, ConnectionStatus{Status: ccapi.StatusPending}, false},
		{"PENDING, new: the milestone", AwaitInput{Known: ccapi.StatusCreating}, ConnectionStatus{Status: ccapi.StatusPending}, true},
		{"ACTIVE", AwaitInput{Known: ccapi.StatusPending}, ConnectionStatus{Status: ccapi.StatusActive}, true},
		{"DENIED", AwaitInput{Known: ccapi.StatusPending}, ConnectionStatus{Status: ccapi.StatusDenied}, true},
		{"404 within the settle window", AwaitInput{Known: ccapi.StatusCreating, SettleUntil: now.Add(time.Minute)}, ConnectionStatus{Status: ccapi.StatusDeleted, NotFound: true}, false},
		{"404 after it", AwaitInput{Known: ccapi.StatusCreating, SettleUntil: now.Add(-time.Minute)}, ConnectionStatus{Status: ccapi.StatusDeleted, NotFound: true}, true},
		{"a refusal starts", AwaitInput{Known: ccapi.StatusPending, AuthFailureLimit: time.Hour}, ConnectionStatus{AuthFailure: refused}, true},
		{"a refusal goes on", AwaitInput{Known: ccapi.StatusPending, AuthFailureLimit: time.Hour, AuthFailingSince: now.Add(-time.Minute)}, ConnectionStatus{AuthFailure: refused}, false},
		{"a refusal has lasted the limit", AwaitInput{Known: ccapi.StatusPending, AuthFailureLimit: time.Hour, AuthFailingSince: now.Add(-time.Hour)}, ConnectionStatus{AuthFailure: refused}, true},
		{"a refusal ends", AwaitInput{Known: ccapi.StatusPending, AuthFailureLimit: time.Hour, AuthFailingSince: now.Add(-time.Minute)}, ConnectionStatus{Status: ccapi.StatusPending}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := activationNews(tt.in, tt.st, now); got != tt.want {
				t.Errorf("activationNews = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestActionNews(t *testing.T) {
	c := func(status ccapi.Status, speed int, change *ChangeFacts) ConnectionFacts {
		return ConnectionFacts{Found: true, Status: status, SpeedMbps: speed, Change: change}
	}
	pending := &ChangeFacts{Status: ccapi.ChangeRequestPending, SpeedMbps: 200}
	tests := []struct {
		name string
		in   AwaitInput
		f    ConnectionFacts
		want bool
	}{
		{"deleting", AwaitInput{For: AwaitDeleted}, c(ccapi.StatusDeleting, 100, nil), false},
		{"deleted", AwaitInput{For: AwaitDeleted}, c(ccapi.StatusDeleted, 100, nil), true},
		{"unknown to the API", AwaitInput{For: AwaitDeleted}, ConnectionFacts{}, true},
		{"approval pending", AwaitInput{For: AwaitApproval, SpeedMbps: 200, FromMbps: 100}, c(ccapi.StatusActive, 100, pending), false},
		{"approved, not applied yet", AwaitInput{For: AwaitApproval, SpeedMbps: 200, FromMbps: 100}, c(ccapi.StatusActive, 100, &ChangeFacts{Status: ccapi.ChangeRequestApproved}), false},
		{"applied", AwaitInput{For: AwaitApproval, SpeedMbps: 200, FromMbps: 100}, c(ccapi.StatusActive, 200, nil), true},
		{"approved lower", AwaitInput{For: AwaitApproval, SpeedMbps: 200, FromMbps: 100}, c(ccapi.StatusActive, 150, &ChangeFacts{Status: ccapi.ChangeRequestApproved}), true},
		{"rejected", AwaitInput{For: AwaitApproval, SpeedMbps: 200, FromMbps: 100}, c(ccapi.StatusActive, 100, &ChangeFacts{Status: ccapi.ChangeRequestRejected}), true},
		{"withdrawn elsewhere", AwaitInput{For: AwaitApproval, SpeedMbps: 200, FromMbps: 100}, c(ccapi.StatusActive, 100, &ChangeFacts{Status: ccapi.ChangeRequestWithdrawn}), true},
		{"failed while waiting", AwaitInput{For: AwaitApproval, SpeedMbps: 200, FromMbps: 100}, c(ccapi.StatusError, 100, pending), true},
		{"followed, pending", AwaitInput{For: AwaitFollowing}, c(ccapi.StatusPending, 100, nil), false},
		{"followed, ACTIVE", AwaitInput{For: AwaitFollowing}, c(ccapi.StatusActive, 100, nil), true},
		{"followed, DENIED", AwaitInput{For: AwaitFollowing}, c(ccapi.StatusDenied, 100, nil), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := actionNews(tt.in, tt.f); got != tt.want {
				t.Errorf("actionNews = %v, want %v", got, tt.want)
			}
		})
	}
}

// Every way an attempt keeps waiting is a benign StillWaiting failure:
// the SDK logs a benign failure at debug, not as an "Activity error".
func TestStillWaitingIsBenign(t *testing.T) {
	env := (&testsuite.WorkflowTestSuite{}).NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(func(ctx context.Context, in AwaitInput) (Awaited, error) {
		return AwaitAttempt(ctx, in, time.Now(), AwaitReads{Status: func(context.Context, ConnectionRef) (ConnectionStatus, error) {
			return ConnectionStatus{Status: ccapi.StatusCreating}, nil
		}})
	}, activity.RegisterOptions{Name: "await"})
	for _, delayed := range []bool{true, false} {
		_, err := env.ExecuteActivity("await", AwaitInput{For: AwaitActivation, Known: ccapi.StatusCreating, Delayed: delayed})
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != ErrTypeStillWaiting || appErr.Category() != temporal.ApplicationErrorCategoryBenign {
			t.Errorf("delayed %v: %v, want a benign %s", delayed, err, ErrTypeStillWaiting)
		}
	}
}
