package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/ccapi"
)

// ConnectionFacts is what the decommission, modify and adopt actions need
// of an existing connection, and nothing more.
type ConnectionFacts struct {
	// Found: the API knows the connection for this company (a 404 says
	// nothing else: an unknown id, another company's, or long gone).
	Found       bool         `json:"found"`
	ID          string       `json:"id"`
	Name        string       `json:"name,omitempty"`
	Status      ccapi.Status `json:"status,omitempty"`
	ErrorReason string       `json:"errorReason,omitempty"`
	SpeedMbps   int          `json:"speedMbps,omitempty"`
	SrcPortID   string       `json:"srcPortId,omitempty"`
	DestPortID  string       `json:"destPortId,omitempty"`
	SrcCompany  string       `json:"srcCompany,omitempty"`
	DestCompany string       `json:"destCompany,omitempty"`
	// Change is the connection's change request, if it has one.
	Change *ChangeFacts `json:"change,omitempty"`
}

// ChangeFacts is a connection's change request.
type ChangeFacts struct {
	Status    string `json:"status"`
	SpeedMbps int    `json:"speedMbps"`
	// UpdatedAt tells this request from an earlier one of the same status
	// and speed: a change request whose answer was lost shows only as a
	// request the connection did not have before.
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
}

// BusinessToBusiness reports whether the connection joins two companies.
func (f ConnectionFacts) BusinessToBusiness() bool {
	return f.DestCompany != "" && f.DestCompany != f.SrcCompany
}

// Gone reports whether the connection no longer exists.
func (f ConnectionFacts) Gone() bool {
	return f.Found && (f.Status == ccapi.StatusDeleted || f.Status == ccapi.StatusCancelled)
}

func connectionFacts(c ccapi.Connection) ConnectionFacts {
	f := ConnectionFacts{Found: true, ID: c.ID, Name: c.Name, Status: c.Status, ErrorReason: c.ErrorReason, SpeedMbps: c.Speed.Mbps,
		SrcPortID: c.SrcPortID, DestPortID: c.DestPortID, SrcCompany: c.SrcCompany, DestCompany: c.DestCompany}
	if r := c.Request; r != nil && r.Status != "" {
		f.Change = &ChangeFacts{Status: r.Status, SpeedMbps: r.SpeedMbps, UpdatedAt: r.UpdatedAt}
	}
	return f
}

// ReadConnection reads one connection of the company. A 404 is a result
// (Found false), not an error, once the port (in.PortID, when given)
// agrees; while the port still lists the connection the 404 is not
// believed, and the read fails.
func (a *Activities) ReadConnection(ctx context.Context, in ConnectionRef) (ConnectionFacts, error) {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	c, err := a.API.GetConnection(ctx, in.Company, in.ConnectionID)
	switch {
	case ccapi.IsNotFound(err):
		switch listed, err := a.portLists(ctx, in); {
		case err != nil:
			return ConnectionFacts{}, err
		case listed != nil:
			// Retryable, like any read that proves nothing: the activities
			// that read before they send (a withdrawal of a change request,
			// retried for a day) must not give up on a stray 404.
			return ConnectionFacts{}, temporal.NewApplicationError(fmt.Sprintf("connection %s answered 404, but port %s still lists it %s: not believed",
				in.ConnectionID, in.PortID, listed.Status), ErrTypeLookupInconclusive)
		}
		return ConnectionFacts{ID: in.ConnectionID}, nil
	case err != nil:
		return ConnectionFacts{}, classify("reading connection "+in.ConnectionID, err)
	case c.ID != "" && c.ID != in.ConnectionID:
		return ConnectionFacts{}, temporal.NewApplicationError(fmt.Sprintf("reading connection %s: the API answered connection %q", in.ConnectionID, c.ID), ErrTypeAPIUnavailable)
	}
	f := connectionFacts(*c)
	f.ID = in.ConnectionID
	activity.GetLogger(ctx).Info("Connection read", "orderId", in.OrderID, "connectionId", in.ConnectionID, "status", f.Status, "speed", f.SpeedMbps)
	return f, nil
}

// PortRef names one port of a company.
type PortRef struct {
	OrderID string `json:"orderId"`
	Company string `json:"company"`
	PortID  string `json:"portId"`
}

// ReadPort reads one port (Found false when the API does not know it).
func (a *Activities) ReadPort(ctx context.Context, in PortRef) (PortInfo, error) {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	p, err := a.readPort(ctx, in.Company, in.PortID, "")
	if err != nil || p == nil {
		return PortInfo{ID: in.PortID}, err
	}
	return portInfo(*p), nil
}

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
