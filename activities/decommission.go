package activities

import (
	"context"

	"go.temporal.io/sdk/activity"

	"github.com/cc-l2/provisioner/ccapi"
)

// Decommissioned is how a decommission's DELETE went.
type Decommissioned struct {
	// AlreadyGone: the connection was deleted before the order's first
	// attempt to delete it, by someone else; nothing was sent.
	AlreadyGone bool `json:"alreadyGone,omitempty"`
}

// DecommissionConnection deletes the connection, once. It reads it first
// and sends nothing when it is gone or going. Orders since the workflow's
// revisionActionsOnce make one attempt and, when its answer is lost, read
// until the DELETE shows before sending another; for orders from before,
// Temporal retries it, and the read is what keeps a retry after a lost
// answer from deleting twice (unless the DELETE lands after that read).
// The caller has checked that it is the company's and named as the order
// says.
func (a *Activities) DecommissionConnection(ctx context.Context, in ConnectionRef) (Decommissioned, error) {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	logger := activity.GetLogger(ctx)
	facts, err := a.ReadConnection(ctx, in)
	if err != nil {
		return Decommissioned{}, err
	}
	if !facts.Found || facts.Gone() || facts.Status == ccapi.StatusDeleting {
		// After a first attempt, gone is most likely that attempt's DELETE,
		// whose answer was lost: not "already gone".
		first := activity.GetInfo(ctx).Attempt <= 1
		logger.Info("Connection gone or going; no DELETE sent", "orderId", in.OrderID, "connectionId", in.ConnectionID, "status", facts.Status, "firstAttempt", first)
		return Decommissioned{AlreadyGone: first && (!facts.Found || facts.Gone())}, nil
	}
	logger.Info("Deleting connection", "orderId", in.OrderID, "connectionId", in.ConnectionID)
	err = a.API.DeleteConnection(ctx, in.Company, in.ConnectionID)
	if ccapi.IsNotFound(err) {
		return Decommissioned{}, nil // gone between the read and the DELETE
	}
	return Decommissioned{}, classify("deleting connection "+in.ConnectionID, err)
}
