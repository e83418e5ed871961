package activities

import (
	"context"

	"go.temporal.io/sdk/activity"

	"github.com/cc-l2/provisioner/ccapi"
)

// ConnectionRef names one connection of a company.
type ConnectionRef struct {
	OrderID      string `json:"orderId"`
	Company      string `json:"company"`
	ConnectionID string `json:"connectionId"`
}

// ConnectionStatus is the part of a connection the wait loop needs.
type ConnectionStatus struct {
	Status      ccapi.Status `json:"status"`
	ErrorReason string       `json:"errorReason,omitempty"`
}

// GetConnectionStatus reads the connection's status. A connection the API
// no longer knows is reported DELETED rather than as an error: to the
// order it is the same thing.
func (a *Activities) GetConnectionStatus(ctx context.Context, in ConnectionRef) (ConnectionStatus, error) {
	logger := activity.GetLogger(ctx)
	conn, err := a.API.GetConnection(ctx, in.Company, in.ConnectionID)
	if ccapi.IsNotFound(err) {
		logger.Warn("Connection not found", "orderId", in.OrderID, "connectionId", in.ConnectionID)
		return ConnectionStatus{Status: ccapi.StatusDeleted, ErrorReason: "the API no longer knows connection " + in.ConnectionID}, nil
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

// DeleteConnection deletes the connection, which withdraws it while it is
// still pending. Already gone counts as done.
func (a *Activities) DeleteConnection(ctx context.Context, in ConnectionRef) error {
	logger := activity.GetLogger(ctx)
	logger.Info("Deleting connection", "orderId", in.OrderID, "connectionId", in.ConnectionID)
	err := a.API.DeleteConnection(ctx, in.Company, in.ConnectionID)
	if ccapi.IsNotFound(err) {
		logger.Info("Connection already gone", "orderId", in.OrderID, "connectionId", in.ConnectionID)
		return nil
	}
	return classify("deleting connection "+in.ConnectionID, err)
}
