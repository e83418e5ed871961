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
