package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/ccapi"
)

// What a wait reads a connection for (AwaitInput.For).
const (
	AwaitActivation = "activation" // a create order: ACTIVE, or any change of status
	AwaitDeleted    = "deleted"    // a decommission: DELETED, or unknown to the API
	AwaitApproval   = "approval"   // a modify: the other party's decision
	AwaitFollowing  = "following"  // an adopt: ACTIVE, or ended
)

// ErrTypeStillWaiting is how an attempt of AwaitConnection ends when the
// connection is in no state the workflow must act on: a retryable
// failure, so the server reads again after the retry interval, with no
// workflow task and no history event. Its message says what the read saw,
// and Temporal keeps it as the pending activity's last failure, which
// `starter status` and the webhook show (DescribeWorkflowExecution).
const ErrTypeStillWaiting = "StillWaiting"

// AwaitInput is one phase of a wait: the connection, what the workflow
// waits for, and what it already knows.
type AwaitInput struct {
	ConnectionRef
	For string `json:"for"`
	// Known is the status the workflow last saw (AwaitActivation): any
	// other one is news for the status query and the milestones.
	Known ccapi.Status `json:"known,omitempty"`
	// SpeedMbps and FromMbps are a modify's asked and former speeds.
	SpeedMbps int `json:"speedMbps,omitempty"`
	FromMbps  int `json:"fromMbps,omitempty"`
	// Delayed: the first attempt reads nothing, so that the first read
	// comes one retry interval after the read before it (a refresh reads
	// at once: not delayed).
	Delayed bool `json:"delayed,omitempty"`
	// AuthFailingSince is when reads began to be refused (401/403), as
	// the workflow knows it; AuthFailureLimit how long that may last. A
	// refusal is news when it starts and once it has lasted the limit.
	AuthFailingSince time.Time     `json:"authFailingSince,omitzero"`
	AuthFailureLimit time.Duration `json:"authFailureLimit,omitempty"`
	// SettleUntil is the end of the settle window after the PUT: a 404
	// before it is the API catching up, no news (the workflow judges the
	// same way a 404 that reaches it).
	SettleUntil time.Time `json:"settleUntil,omitzero"`
}

// Awaited is the read the workflow must act on: Status for a create
// order's wait, Facts for an action's. Reads is how many reads the
// activity made, this one included.
type Awaited struct {
	Status *ConnectionStatus `json:"status,omitempty"`
	Facts  *ConnectionFacts  `json:"facts,omitempty"`
	Reads  int               `json:"reads"`
}

// AwaitConnection reads the connection once per attempt and succeeds only
// on a state the workflow must act on; otherwise it fails retryable
// (ErrTypeStillWaiting) and the server tries again after the retry
// policy's interval. A failed read is not the connection failing: it is
// retried the same way (the order's deadline, not the read's errors,
// ends a wait).
func (a *Activities) AwaitConnection(ctx context.Context, in AwaitInput) (Awaited, error) {
	return AwaitAttempt(ctx, in, time.Now(), AwaitReads{Status: a.GetConnectionStatus, Facts: a.ReadConnection})
}

// AwaitReads are the reads an attempt of AwaitConnection makes: the
// activities' own, or a test's.
type AwaitReads struct {
	Status func(context.Context, ConnectionRef) (ConnectionStatus, error)
	Facts  func(context.Context, ConnectionRef) (ConnectionFacts, error)
}

// AwaitAttempt is one attempt of AwaitConnection at now, with these reads.
func AwaitAttempt(ctx context.Context, in AwaitInput, now time.Time, read AwaitReads) (Awaited, error) {
	reads := int(activity.GetInfo(ctx).Attempt)
	if in.Delayed {
		reads--
		if reads == 0 {
			return Awaited{}, stillWaitingError("the first read comes one interval after the last", nil)
		}
	}
	if in.For == AwaitActivation {
		st, err := read.Status(ctx, in.ConnectionRef)
		switch {
		case err != nil:
			return Awaited{}, stillWaiting(in.ConnectionID, "", reads, now, "read failed: "+err.Error())
		case activationNews(in, st, now):
			return Awaited{Status: &st, Reads: reads}, nil
		case st.AuthFailure != nil:
			return Awaited{}, stillWaiting(in.ConnectionID, "", reads, now,
				fmt.Sprintf("read refused (%d) since %s", st.AuthFailure.StatusCode, in.AuthFailingSince.UTC().Format(time.RFC3339)))
		}
		return Awaited{}, stillWaiting(in.ConnectionID, st.Status, reads, now, st.ErrorReason)
	}
	f, err := read.Facts(ctx, in.ConnectionRef)
	switch {
	case err != nil:
		return Awaited{}, stillWaiting(in.ConnectionID, "", reads, now, "read failed: "+err.Error())
	case actionNews(in, f):
		return Awaited{Facts: &f, Reads: reads}, nil
	}
	return Awaited{}, stillWaiting(in.ConnectionID, f.Status, reads, now, f.ErrorReason)
}

// activationNews reports whether a create order's wait must act on st:
// a status other than the one it knows (ACTIVE, failed, PENDING for the
// awaiting-acceptance milestone), a 404 after the settle window, or a
// refusal that starts, ends or has lasted the limit.
func activationNews(in AwaitInput, st ConnectionStatus, now time.Time) bool {
	refusing := !in.AuthFailingSince.IsZero()
	switch {
	case st.AuthFailure != nil:
		return !refusing || now.Sub(in.AuthFailingSince) >= in.AuthFailureLimit
	case refusing:
		return true
	case st.NotFound:
		return !now.Before(in.SettleUntil)
	}
	return st.Status != in.Known || st.Status.Phase() != ccapi.PhaseInProgress
}

// actionNews reports whether an action's wait must act on f: exactly
// when the workflow's judge ends the wait.
func actionNews(in AwaitInput, f ConnectionFacts) bool {
	failed := !f.Found || f.Status.Phase() == ccapi.PhaseFailed
	switch in.For {
	case AwaitDeleted:
		return !f.Found || f.Gone()
	case AwaitApproval:
		ch := f.Change
		decided := ch != nil && (ch.Status == ccapi.ChangeRequestApproved && f.SpeedMbps != in.FromMbps ||
			ch.Status == ccapi.ChangeRequestRejected || ch.Status == ccapi.ChangeRequestWithdrawn)
		return failed || f.SpeedMbps == in.SpeedMbps || decided
	}
	return failed || f.Status.Phase() == ccapi.PhaseActive
}

// ReadOutcome is what one attempt of AwaitConnection saw, as the details
// of its StillWaiting failure.
type ReadOutcome struct {
	Status ccapi.Status `json:"status,omitempty"`
	Reason string       `json:"reason,omitempty"`
	Read   int          `json:"read"`
	ReadAt time.Time    `json:"readAt"`
}

func stillWaiting(connectionID string, status ccapi.Status, read int, now time.Time, reason string) error {
	now = now.UTC().Truncate(time.Second)
	msg := fmt.Sprintf("connection %s: %s at %s (read %d)", connectionID, orUnread(status), now.Format(time.RFC3339), read)
	if reason != "" {
		msg += ": " + reason
	}
	return stillWaitingError(msg, &ReadOutcome{Status: status, Reason: reason, Read: read, ReadAt: now})
}

// stillWaitingError is a StillWaiting failure, benign: waiting is the
// normal run of a wait, so the SDK neither logs it as an error nor counts
// it in its failure metrics (a 14-day wait is some 900 attempts; before,
// each one logged "Activity error" at ERROR in the worker's log).
func stillWaitingError(msg string, seen *ReadOutcome) error {
	opts := temporal.ApplicationErrorOptions{Category: temporal.ApplicationErrorCategoryBenign}
	if seen != nil {
		opts.Details = []any{*seen}
	}
	return temporal.NewApplicationErrorWithOptions(msg, ErrTypeStillWaiting, opts)
}

func orUnread(s ccapi.Status) string {
	if s == "" {
		return "not read"
	}
	return string(s)
}
