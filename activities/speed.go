package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/cc-l2/provisioner/ccapi"
)

// SpeedChange asks for a connection's new speed.
type SpeedChange struct {
	ConnectionRef
	SpeedMbps int `json:"speedMbps"`
}

// UpdateSpeed sets the connection's speed directly (a self-connection, or
// any decrease). It reads the connection first and sends nothing when the
// speed is already set. Like DecommissionConnection, one attempt for
// orders since revisionActionsOnce (the workflow reads for the effect of
// a lost answer), retried for orders from before.
func (a *Activities) UpdateSpeed(ctx context.Context, in SpeedChange) (ConnectionFacts, error) {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	facts, err := a.ReadConnection(ctx, in.ConnectionRef)
	if err != nil {
		return ConnectionFacts{}, err
	}
	if facts.Found && facts.SpeedMbps == in.SpeedMbps {
		return facts, nil
	}
	activity.GetLogger(ctx).Info("Updating connection speed", "orderId", in.OrderID, "connectionId", in.ConnectionID, "from", facts.SpeedMbps, "to", in.SpeedMbps)
	c, err := a.API.UpdateConnection(ctx, in.Company, in.ConnectionID, ccapi.UpdateConnectionRequest{SpeedMbps: in.SpeedMbps})
	if err != nil {
		return ConnectionFacts{}, classify(fmt.Sprintf("updating connection %s to %d Mbps", in.ConnectionID, in.SpeedMbps), err)
	}
	return connectionFacts(*c), nil
}

// RequestSpeedChange asks the other party of a business-to-business
// connection to approve a higher speed. It reads the connection first and
// sends nothing when the request is pending at this speed (or applied).
// One attempt for orders since revisionActionsOnce: a retry could not
// tell a request the other party decided meanwhile from none, and would
// send a second; the workflow reads for the effect instead.
func (a *Activities) RequestSpeedChange(ctx context.Context, in SpeedChange) (ConnectionFacts, error) {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	facts, err := a.ReadConnection(ctx, in.ConnectionRef)
	if err != nil {
		return ConnectionFacts{}, err
	}
	if ch := facts.Change; ch != nil && ch.Status == ccapi.ChangeRequestPending && ch.SpeedMbps == in.SpeedMbps || facts.SpeedMbps == in.SpeedMbps {
		return facts, nil
	}
	activity.GetLogger(ctx).Info("Requesting a speed change", "orderId", in.OrderID, "connectionId", in.ConnectionID, "from", facts.SpeedMbps, "to", in.SpeedMbps)
	c, err := a.API.RequestChange(ctx, in.Company, in.ConnectionID, in.SpeedMbps)
	if err != nil {
		return ConnectionFacts{}, classify(fmt.Sprintf("requesting connection %s at %d Mbps", in.ConnectionID, in.SpeedMbps), err)
	}
	return connectionFacts(*c), nil
}

// WithdrawSpeedChange withdraws the connection's pending change request;
// one no longer pending needs nothing.
func (a *Activities) WithdrawSpeedChange(ctx context.Context, in ConnectionRef) (ConnectionFacts, error) {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	facts, err := a.ReadConnection(ctx, in)
	if err != nil {
		return ConnectionFacts{}, err
	}
	if facts.Change == nil || facts.Change.Status != ccapi.ChangeRequestPending {
		return facts, nil
	}
	activity.GetLogger(ctx).Info("Withdrawing the change request", "orderId", in.OrderID, "connectionId", in.ConnectionID)
	c, err := a.API.CancelChange(ctx, in.Company, in.ConnectionID)
	if err != nil {
		return ConnectionFacts{}, classify("withdrawing the change request of connection "+in.ConnectionID, err)
	}
	return connectionFacts(*c), nil
}
