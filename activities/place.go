package activities

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/cc-l2/provisioner/ccapi"
)

// PlaceInput is one Layer 2 PUT, ready to send.
type PlaceInput struct {
	OrderID string                    `json:"orderId"`
	Company string                    `json:"company"`
	Request ccapi.CreateLayer2Request `json:"request"`
}

// Effects of a PUT, as PlaceResult reports them.
const (
	// PutCreated: the API answered 2xx with the connection.
	PutCreated = "created"
	// PutCreatedUnread: the API answered 2xx, so the connection exists,
	// but the answer could not be read: its id must be looked up.
	PutCreatedUnread = "created-unread"
	// PutRefused: a 4xx other than 408 and 429, or a request that never
	// left: certainly nothing was created.
	PutRefused = "refused"
	// PutUnknown: no answer, a timeout, a 5xx, 408 or 429: the connection
	// may exist now, or later.
	PutUnknown = "unknown"
)

// PlaceResult is what one PUT did, as far as its answer tells.
type PlaceResult struct {
	Effect       string       `json:"effect"`
	ConnectionID string       `json:"connectionId,omitempty"`
	Status       ccapi.Status `json:"status,omitempty"`
	// Reason is the error, when there was one, in a line.
	Reason string `json:"reason,omitempty"`
	// Refusal carries the API's own words for PutRefused answers.
	Refusal *APIErrorDetails `json:"refusal,omitempty"`
	// AuthFailure: the refusal was a 401 or 403.
	AuthFailure bool `json:"authFailure,omitempty"`
	// NotSent: the refusal is that the request never left (no connection
	// could be made).
	NotSent bool `json:"notSent,omitempty"`
	// Throttled: the API's rate limit refused it (429), before anything
	// was created; RetryAfter is the server's Retry-After.
	Throttled  bool          `json:"throttled,omitempty"`
	RetryAfter time.Duration `json:"retryAfter,omitempty"`
}

// PlaceLayer2Order sends the Layer 2 PUT once and reports what it did. It
// is never retried by Temporal: only the workflow, which remembers every
// PUT whose outcome is unknown, decides whether another may go out.
//
// Its results are values, not errors, so that the workflow sees exactly
// what happened. It fails only when its context ended before the PUT was
// sent (a cancel): then, certainly, nothing was sent.
func (a *Activities) PlaceLayer2Order(ctx context.Context, in PlaceInput) (PlaceResult, error) {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	logger := activity.GetLogger(ctx)
	if err := ctx.Err(); err != nil {
		return PlaceResult{}, err // cancelled before anything was sent
	}
	logger.Info("Ordering Layer 2 connection", "orderId", in.OrderID, "name", in.Request.Name,
		"portId", in.Request.PortID, "speed", in.Request.SpeedMbps)
	conn, err := a.API.CreateLayer2(ctx, in.Company, in.Request)
	if err == nil {
		logger.Info("Layer 2 connection ordered", "orderId", in.OrderID, "connectionId", conn.ID, "status", conn.Status)
		if conn.ID == "" {
			return PlaceResult{Effect: PutCreatedUnread, Reason: "the API answered 2xx without a connection id"}, nil
		}
		return PlaceResult{Effect: PutCreated, ConnectionID: conn.ID, Status: conn.Status}, nil
	}

	reason := fmt.Sprintf("ordering Layer 2 connection %q: %v", in.Request.Name, err)
	res := PlaceResult{Reason: reason}
	switch ccapi.EffectOf(err) {
	case ccapi.EffectDone:
		res.Effect = PutCreatedUnread
	case ccapi.EffectNone:
		res.Effect = PutRefused
		var apiErr *ccapi.APIError
		if errors.As(err, &apiErr) {
			res.Refusal = &APIErrorDetails{StatusCode: apiErr.StatusCode, Message: apiErr.Message, RequestID: apiErr.RequestID}
			res.AuthFailure = ccapi.IsAuthFailure(err)
			if apiErr.StatusCode == http.StatusTooManyRequests {
				res.Throttled, res.RetryAfter = true, apiErr.RetryAfter
			}
		} else {
			res.NotSent = true
		}
	default:
		res.Effect = PutUnknown
	}
	logger.Warn("Layer 2 PUT failed", "orderId", in.OrderID, "effect", res.Effect, "error", err)
	return res, nil
}
