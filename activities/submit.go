package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/ccapi"
)

// SubmitInput is one Layer 2 order, ready to send.
type SubmitInput struct {
	OrderID string                    `json:"orderId"`
	Company string                    `json:"company"`
	Request ccapi.CreateLayer2Request `json:"request"`
	// PreexistingIDs are connections on the source port that carried the
	// order's name before the order was placed (from LookupPorts): they are
	// not this order's and must never be recovered.
	PreexistingIDs []string `json:"preexistingIds,omitempty"`
}

// SubmitResult is the connection the order created (or had created).
type SubmitResult struct {
	ConnectionID string       `json:"connectionId"`
	Status       ccapi.Status `json:"status"`
	// Recovered means an earlier attempt's PUT had created the connection
	// and this attempt found it instead of creating a second one. Its JSON
	// key keeps the former name: histories record it.
	Recovered bool `json:"adopted"`
}

// submitProgress is what an attempt leaves, as heartbeat details, for the
// next one. Every attempt writes back what it read, so the doubt it
// carries is never lost between attempts that do not PUT.
type submitProgress struct {
	// DoubtSince is when the first PUT whose outcome is unknown ended; zero
	// while every PUT was answered with a refusal, or none was sent.
	DoubtSince time.Time `json:"doubtSince,omitzero"`
	// Certain: a PUT was answered 2xx, so the connection exists; only its
	// id is missing.
	Certain bool `json:"certain,omitempty"`
	// Legacy fields of the first version of this activity.
	PutSentAt time.Time `json:"putSentAt,omitzero"`
	Answered  bool      `json:"answered,omitempty"`
}

// SubmitLayer2 sends the Layer 2 PUT inside one activity retried by
// Temporal. Workflows started since the PUT became its own activity
// (PlaceLayer2Order, driven by the workflow) no longer use it; it stays
// for orders that were already running it when the worker was upgraded,
// and keeps their promise of one connection.
//
// Every attempt first looks among the source port's connections for the
// one an earlier attempt created. While a PUT's outcome is unknown (no
// answer, a timeout, a 5xx, an unreadable 2xx), no other PUT goes out
// until SettleWindow has passed since and a lookup after it still finds
// nothing. An attempt after the first that finds no readable progress
// cannot know what its predecessor sent, so it starts the window then,
// and records it for the attempts after it.
func (a *Activities) SubmitLayer2(ctx context.Context, in SubmitInput) (SubmitResult, error) {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	logger := activity.GetLogger(ctx)
	info := activity.GetInfo(ctx)
	var prev submitProgress
	readable := activity.HasHeartbeatDetails(ctx) && activity.GetHeartbeatDetails(ctx, &prev) == nil
	switch {
	case readable && prev.DoubtSince.IsZero() && !prev.PutSentAt.IsZero() && !prev.Answered:
		prev.DoubtSince = prev.PutSentAt // the first version's unanswered PUT
	case !readable && info.Attempt > 1:
		logger.Warn("No readable progress from the previous attempt; its PUT may have been sent", "orderId", in.OrderID)
		prev = submitProgress{DoubtSince: info.ScheduledTime}
	}
	activity.RecordHeartbeat(ctx, prev)

	found, err := a.FindOrderConnection(ctx, FindOrderConnectionInput{
		OrderID: in.OrderID, Company: in.Company, PortID: in.Request.PortID, Name: in.Request.Name,
		DestPortID: in.Request.DestPortID, SpeedMbps: in.Request.SpeedMbps, Exclude: in.PreexistingIDs,
	})
	if err != nil {
		return SubmitResult{}, err
	}
	if len(found.Matches) > 0 {
		c := found.Matches[0]
		logger.Warn("Connection already created by an earlier attempt; not ordering again",
			"orderId", in.OrderID, "connectionId", c.ID, "status", c.Status, "attempt", info.Attempt)
		return SubmitResult{ConnectionID: c.ID, Status: c.Status, Recovered: true}, nil
	}
	if !prev.DoubtSince.IsZero() {
		wait := time.Until(prev.DoubtSince.Add(a.settleWindow()))
		if prev.Certain || wait > 0 {
			wait = max(wait, 10*time.Second)
			logger.Warn("An earlier PUT may yet take effect; looking again before ordering", "orderId", in.OrderID, "retryIn", wait)
			return SubmitResult{}, temporal.NewApplicationErrorWithOptions(
				fmt.Sprintf("an earlier PUT for %q may have created the connection; looking again in %s", in.Request.Name, wait.Round(time.Second)),
				ErrTypeAPIUnavailable, temporal.ApplicationErrorOptions{NextRetryDelay: wait})
		}
	}

	res, err := a.PlaceLayer2Order(ctx, PlaceInput{OrderID: in.OrderID, Company: in.Company, Request: in.Request})
	if err != nil {
		return SubmitResult{}, err
	}
	switch res.Effect {
	case PutCreated:
		return SubmitResult{ConnectionID: res.ConnectionID, Status: res.Status}, nil
	case PutRefused:
		if !prev.DoubtSince.IsZero() {
			// The refusal may be caused by the earlier PUT's connection
			// (capacity used up): it proves nothing about that one.
			return SubmitResult{}, temporal.NewNonRetryableApplicationError(
				"an earlier PUT's outcome stayed unknown, then the API refused the order: "+res.Reason, ErrTypeOutcomeUnknown, nil)
		}
		if res.NotSent || res.AuthFailure {
			return SubmitResult{}, temporal.NewApplicationError(res.Reason, ErrTypeAPIUnavailable)
		}
		return SubmitResult{}, temporal.NewNonRetryableApplicationError(res.Reason, ErrTypeAPIRejected, nil, *res.Refusal)
	default:
		progress := submitProgress{DoubtSince: prev.DoubtSince, Certain: prev.Certain || res.Effect == PutCreatedUnread}
		if progress.DoubtSince.IsZero() {
			progress.DoubtSince = time.Now()
		}
		activity.RecordHeartbeat(ctx, progress)
		return SubmitResult{}, temporal.NewApplicationErrorWithOptions(res.Reason, ErrTypeAPIUnavailable,
			temporal.ApplicationErrorOptions{NextRetryDelay: max(10*time.Second, a.settleWindow()/10)})
	}
}
