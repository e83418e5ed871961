package activities

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/ccapi"
)

// FindOrderConnectionInput describes the connection an order's PUT would
// have created.
type FindOrderConnectionInput struct {
	OrderID string `json:"orderId"`
	Company string `json:"company"`
	PortID  string `json:"portId"` // the source port
	Name    string `json:"name"`
	// DestPortID and SpeedMbps, when set, must match too (a connection that
	// says otherwise is not the order's).
	DestPortID string `json:"destPortId,omitempty"`
	SpeedMbps  int    `json:"speed,omitempty"`
	// Exclude are connections that carried the name before the order's
	// first PUT: never the order's.
	Exclude []string `json:"exclude,omitempty"`
	// NotBefore, when set, is the earliest creation time a connection of
	// this order can have: its first PUT's sending, less a margin for the
	// API's clock (see workflows.createdAtMargin). A connection created
	// earlier is another order's, and one whose creation time the API does
	// not give cannot be proven this order's.
	NotBefore time.Time `json:"notBefore,omitzero"`
}

// OrderConnections is what the lookup found: only what the workflow needs,
// whatever the size of the port.
type OrderConnections struct {
	Matches []ExistingConnection `json:"matches,omitempty"` // oldest first
	Scanned int                  `json:"scanned"`           // connections on the port named like the order
}

// FindOrderConnection looks among the source port's own connections (not
// all of the company's) for the one the order's PUT would have created.
//
// Absence is proven, never inferred: the port is read once, with its
// connections inline, so the answer is one snapshot of the port, not
// pages read at different moments (an item removed from an earlier page
// while the list is read shifts every later one, and the item at the
// page boundary is never seen). Each connection named like the order is
// then read by id for what the inline list does not carry (ports,
// speed, creation time).
//
// It fails closed: anything it cannot fully interpret — a port answer
// without its connection list, an item without an id, a named connection
// the API will not show (a 404 for an id the port lists), one without a
// srcPortId, or without a creation time when NotBefore asks for one — is
// a retryable LookupInconclusive error, never an empty answer. An empty
// answer therefore means the port's whole list was read at once and
// nothing in it is the order's.
func (a *Activities) FindOrderConnection(ctx context.Context, in FindOrderConnectionInput) (OrderConnections, error) {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	logger := activity.GetLogger(ctx)
	port, err := a.API.GetPortWithConnectionsNamed(ctx, in.Company, in.PortID, in.Name)
	switch {
	case ccapi.IsNotFound(err):
		// The order read this port before ordering: a 404 now proves
		// nothing about what is on it.
		return OrderConnections{}, inconclusive("port %s answered 404", in.PortID)
	case err != nil:
		return OrderConnections{}, classify("reading port "+in.PortID, err)
	case port.ID != in.PortID:
		return OrderConnections{}, inconclusive("reading port %s, the API answered port %q", in.PortID, port.ID)
	case !port.HasConnections:
		return OrderConnections{}, inconclusive("the answer for port %s does not list its connections", in.PortID)
	}
	res := OrderConnections{Scanned: len(port.Connections)}
	var found []ccapi.Connection
	for _, pc := range port.Connections {
		switch {
		case pc.ID == "":
			return OrderConnections{}, inconclusive("port %s lists a connection named %q without an id", in.PortID, pc.Name)
		case slices.Contains(in.Exclude, pc.ID):
			continue
		}
		c, err := a.API.GetConnection(ctx, in.Company, pc.ID)
		switch {
		case ccapi.IsNotFound(err):
			return OrderConnections{}, inconclusive("port %s lists connection %s, which answers 404", in.PortID, pc.ID)
		case err != nil:
			return OrderConnections{}, classify("reading connection "+pc.ID, err)
		case c.ID != "" && c.ID != pc.ID:
			return OrderConnections{}, inconclusive("reading connection %s, the API answered connection %q", pc.ID, c.ID)
		case c.Name != in.Name:
			continue // renamed since the port was read
		case c.SrcPortID == "":
			return OrderConnections{}, inconclusive("connection %s named %q on port %s has no srcPortId", pc.ID, c.Name, in.PortID)
		case c.SrcPortID != in.PortID,
			in.DestPortID != "" && c.DestPortID != "" && c.DestPortID != in.DestPortID,
			in.SpeedMbps > 0 && c.Speed.Mbps > 0 && c.Speed.Mbps != in.SpeedMbps:
			continue // named alike, but another connection
		case !in.NotBefore.IsZero() && c.CreatedAt.IsZero():
			return OrderConnections{}, inconclusive("connection %s named %q on port %s has no createdAt: it cannot be shown to be this order's", pc.ID, c.Name, in.PortID)
		case !in.NotBefore.IsZero() && c.CreatedAt.Before(in.NotBefore):
			logger.Warn("A connection of the order's name predates its PUT: another order's, not this one's",
				"orderId", in.OrderID, "connectionId", pc.ID, "createdAt", c.CreatedAt, "notBefore", in.NotBefore)
			continue
		}
		c.ID = pc.ID
		found = append(found, *c)
	}
	slices.SortStableFunc(found, func(x, y ccapi.Connection) int { return x.CreatedAt.Compare(y.CreatedAt) })
	for _, c := range found {
		res.Matches = append(res.Matches, ExistingConnection{ID: c.ID, Status: c.Status, CreatedAt: c.CreatedAt})
	}
	logger.Info("Looked for the order's connection", "orderId", in.OrderID, "portId", in.PortID,
		"named", res.Scanned, "matches", len(res.Matches))
	return res, nil
}

// inconclusive is a retryable LookupInconclusive error.
func inconclusive(format string, args ...any) error {
	return temporal.NewApplicationError("lookup inconclusive: "+fmt.Sprintf(format, args...), ErrTypeLookupInconclusive)
}
