package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"go.temporal.io/sdk/activity"

	"github.com/cc-l2/provisioner/ccapi"
)

// ConnectionRef names one connection of a company.
type ConnectionRef struct {
	OrderID      string `json:"orderId"`
	Company      string `json:"company"`
	ConnectionID string `json:"connectionId"`
	// PortID is the connection's source port, when the order knows it: a
	// 404 for the connection is believed only when a read of this port
	// (one snapshot, with its connections inline) lacks it too.
	PortID string `json:"portId,omitempty"`
	// NotFoundUnknown: a 404 answering a DELETE of it proves nothing (a
	// gateway's stray 404, a replica that has not seen a new connection):
	// DeleteConnection fails retryably, and the workflow reads for the
	// DELETE's effect, as for any answer it cannot trust. Unset, as runs
	// before revision 9 sent it, a 404 is taken for "already gone".
	NotFoundUnknown bool `json:"notFoundUnknown,omitempty"`
}

// ConnectionStatus is the part of a connection the wait loop needs.
type ConnectionStatus struct {
	Status      ccapi.Status `json:"status"`
	ErrorReason string       `json:"errorReason,omitempty"`
	// NotFound: the API answered 404. Status then says DELETED, as it did
	// before this field existed; but right after the PUT a 404 may only
	// mean that the API has not caught up yet, and the workflow decides.
	NotFound bool `json:"notFound,omitempty"`
	// AuthFailure is the 401 or 403 the read got; Status is then empty.
	// It comes back as a result, not an error, so that the workflow sees
	// it at once and can tell for how long it has lasted.
	AuthFailure *APIErrorDetails `json:"authFailure,omitempty"`
}

// GetConnectionStatus reads the connection's status.
func (a *Activities) GetConnectionStatus(ctx context.Context, in ConnectionRef) (ConnectionStatus, error) {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	logger := activity.GetLogger(ctx)
	conn, err := a.API.GetConnection(ctx, in.Company, in.ConnectionID)
	var apiErr *ccapi.APIError
	switch {
	case ccapi.IsNotFound(err):
		switch listed, err := a.portLists(ctx, in); {
		case err != nil:
			return ConnectionStatus{}, err
		case listed != nil:
			logger.Warn("Connection answered 404 but its port lists it: not believed", "orderId", in.OrderID, "connectionId", in.ConnectionID, "status", listed.Status)
			return *listed, nil
		}
		logger.Warn("Connection not found", "orderId", in.OrderID, "connectionId", in.ConnectionID)
		return ConnectionStatus{Status: ccapi.StatusDeleted, NotFound: true, ErrorReason: "the API does not know connection " + in.ConnectionID}, nil
	case ccapi.IsAuthFailure(err) && errors.As(err, &apiErr):
		logger.Error("Status read refused: check CC_API_KEY", "orderId", in.OrderID, "connectionId", in.ConnectionID, "error", err)
		return ConnectionStatus{AuthFailure: &APIErrorDetails{StatusCode: apiErr.StatusCode, Message: apiErr.Message, RequestID: apiErr.RequestID}}, nil
	}
	if err != nil {
		return ConnectionStatus{}, classify("reading connection "+in.ConnectionID, err)
	}
	if !conn.Status.Known() {
		logger.Warn("Unknown connection status; treating it as in progress",
			"orderId", in.OrderID, "connectionId", in.ConnectionID, "status", conn.Status)
	}
	logger.Info("Connection status", "orderId", in.OrderID, "connectionId", in.ConnectionID, "status", conn.Status)
	return ConnectionStatus{Status: conn.Status, ErrorReason: conn.ErrorReason}, nil
}

// portLists checks a 404 for a connection against a read of its port (one
// snapshot, with its connections inline): a gateway during a deploy or a
// lagging replica answers 404 for a live connection, and an order that
// believed it would leave that connection in place. It returns the
// connection as the port lists it when the port still holds it, nil when
// the port agrees it is gone, and an error when the port cannot say.
func (a *Activities) portLists(ctx context.Context, in ConnectionRef) (*ConnectionStatus, error) {
	if in.PortID == "" {
		return nil, nil // histories from before the port was carried: as then
	}
	port, err := a.API.GetPort(ctx, in.Company, in.PortID)
	switch {
	case err != nil:
		return nil, classify(fmt.Sprintf("connection %s answered 404; reading port %s to confirm it", in.ConnectionID, in.PortID), err)
	case !port.HasConnections:
		return nil, temporal.NewApplicationError(fmt.Sprintf("connection %s answered 404, and port %s's answer does not list its connections to confirm it",
			in.ConnectionID, in.PortID), ErrTypeLookupInconclusive)
	}
	for _, c := range port.Connections {
		if c.ID == in.ConnectionID && !listedAsGone(ccapi.Status(c.Status)) {
			return &ConnectionStatus{Status: ccapi.Status(c.Status),
				ErrorReason: fmt.Sprintf("read from port %s: connection %s itself answered 404", in.PortID, in.ConnectionID)}, nil
		}
	}
	return nil, nil
}

// listedAsGone reports whether a port lists a connection in a status that
// agrees with a 404: it holds nothing any more.
func listedAsGone(s ccapi.Status) bool {
	return s == ccapi.StatusDeleted || s == ccapi.StatusCancelled || s == ccapi.StatusDenied
}

// DeleteConnection deletes the connection, which withdraws it while it is
// still pending. Already gone counts as done.
func (a *Activities) DeleteConnection(ctx context.Context, in ConnectionRef) error {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	logger := activity.GetLogger(ctx)
	logger.Info("Deleting connection", "orderId", in.OrderID, "connectionId", in.ConnectionID)
	err := a.API.DeleteConnection(ctx, in.Company, in.ConnectionID)
	switch {
	case ccapi.IsNotFound(err) && in.NotFoundUnknown:
		return temporal.NewApplicationError(fmt.Sprintf("deleting connection %s: the API answered 404, which proves nothing by itself: reading for the DELETE's effect",
			in.ConnectionID), ErrTypeAPIUnavailable)
	case ccapi.IsNotFound(err):
		logger.Info("Connection already gone", "orderId", in.OrderID, "connectionId", in.ConnectionID)
		return nil
	}
	return classify("deleting connection "+in.ConnectionID, err)
}
