package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	// not this order's and must never be adopted.
	PreexistingIDs []string `json:"preexistingIds,omitempty"`
}

// SubmitResult is the connection the order created (or had created).
type SubmitResult struct {
	ConnectionID string       `json:"connectionId"`
	Status       ccapi.Status `json:"status"`
	// Adopted means an earlier attempt's PUT had created the connection
	// and this attempt found it instead of creating a second one.
	Adopted bool `json:"adopted"`
}

// putSettleTime is how long a PUT whose fate is unknown (no answer came:
// a timeout or a cut connection) may still be running at the API. Until
// it has passed, a retry that finds no connection does not send another
// PUT: the first may yet commit. Well above the API client's timeout.
const putSettleTime = 2 * time.Minute

// submitProgress is what an attempt leaves, as heartbeat details, for the
// next one.
type submitProgress struct {
	PutSentAt time.Time `json:"putSentAt"`
	// Answered: the API replied to the PUT (with an error), so it is not
	// running any more and a lookup now sees its effect, if any.
	Answered bool `json:"answered"`
}

// listPageSize and maxListPages bound the search for an earlier attempt's
// connection: 100 per page, 5,000 connections in all.
const (
	listPageSize = 100
	maxListPages = 50
)

// SubmitLayer2 sends the Layer 2 PUT, exactly once per order.
//
// The PUT creates a billable connection and the API takes no idempotency
// key, so a retry after a timeout, a cut connection or a 5xx cannot know
// whether the earlier PUT took effect. Every attempt therefore first looks
// for a connection this order already created — same name, same source
// port, not among the ones that existed before the order — and returns it
// instead of sending another PUT. The workflow refuses orders whose name is
// already live on the port, which is what makes the name a safe mark.
// When an earlier attempt's PUT got no answer at all, it may still be
// running at the API; the attempt then waits out putSettleTime before it
// may order again.
func (a *Activities) SubmitLayer2(ctx context.Context, in SubmitInput) (SubmitResult, error) {
	logger := activity.GetLogger(ctx)
	attempt := activity.GetInfo(ctx).Attempt
	var prev submitProgress
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &prev); err != nil {
			logger.Warn("Unreadable progress of the previous attempt; treating its PUT as unanswered", "orderId", in.OrderID, "error", err)
			prev = submitProgress{PutSentAt: time.Now()}
		}
	}

	existing, err := a.findOrderConnection(ctx, in)
	if err != nil {
		return SubmitResult{}, classify("looking for a connection an earlier attempt created", err)
	}
	if existing != nil {
		logger.Warn("Connection already created by an earlier attempt; not ordering again",
			"orderId", in.OrderID, "connectionId", existing.ID, "status", existing.Status, "attempt", attempt)
		return SubmitResult{ConnectionID: existing.ID, Status: existing.Status, Adopted: true}, nil
	}

	if !prev.PutSentAt.IsZero() && !prev.Answered {
		if wait := time.Until(prev.PutSentAt.Add(putSettleTime)); wait > 0 {
			logger.Warn("The previous PUT got no answer and may still be running; not ordering again yet",
				"orderId", in.OrderID, "putSentAt", prev.PutSentAt, "retryIn", wait)
			return SubmitResult{}, temporal.NewApplicationErrorWithOptions(
				fmt.Sprintf("the previous PUT for %q got no answer; waiting %s for it to settle before ordering again", in.Request.Name, wait.Round(time.Second)),
				ErrTypeAPIUnavailable, temporal.ApplicationErrorOptions{NextRetryDelay: wait})
		}
	}

	logger.Info("Ordering Layer 2 connection", "orderId", in.OrderID, "name", in.Request.Name,
		"portId", in.Request.PortID, "speed", in.Request.Speed, "attempt", attempt)
	progress := submitProgress{PutSentAt: time.Now()}
	activity.RecordHeartbeat(ctx, progress)
	conn, err := a.API.CreateLayer2(ctx, in.Company, in.Request)
	if err != nil {
		var apiErr *ccapi.APIError
		if errors.As(err, &apiErr) {
			progress.Answered = true
			activity.RecordHeartbeat(ctx, progress)
		}
		return SubmitResult{}, classify(fmt.Sprintf("ordering Layer 2 connection %q", in.Request.Name), err)
	}
	logger.Info("Layer 2 connection ordered", "orderId", in.OrderID, "connectionId", conn.ID, "status", conn.Status)
	return SubmitResult{ConnectionID: conn.ID, Status: conn.Status}, nil
}

// findOrderConnection returns the connection an earlier attempt of this
// order created, or nil.
func (a *Activities) findOrderConnection(ctx context.Context, in SubmitInput) (*ccapi.Connection, error) {
	for page := 1; page <= maxListPages; page++ {
		res, err := a.API.ListConnections(ctx, in.Company, ccapi.ListConnectionsOptions{Page: page, Count: listPageSize})
		if err != nil {
			return nil, err
		}
		for _, c := range res.Results {
			if c.Name == in.Request.Name && c.SrcPortID == in.Request.PortID &&
				c.Status != ccapi.StatusDeleted && !slices.Contains(in.PreexistingIDs, c.ID) {
				return &c, nil
			}
		}
		if len(res.Results) < listPageSize || (res.Count > 0 && page*listPageSize >= res.Count) {
			return nil, nil
		}
	}
	return nil, fmt.Errorf("company %s has more than %d connections; cannot rule out an earlier order", in.Company, maxListPages*listPageSize)
}
