package activities

import (
	"context"
	"errors"

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

// DeleteConnection deletes the connection, which withdraws it while it is
// still pending. Already gone counts as done.
func (a *Activities) DeleteConnection(ctx context.Context, in ConnectionRef) error {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	logger := activity.GetLogger(ctx)
	logger.Info("Deleting connection", "orderId", in.OrderID, "connectionId", in.ConnectionID)
	err := a.API.DeleteConnection(ctx, in.Company, in.ConnectionID)
	if ccapi.IsNotFound(err) {
		logger.Info("Connection already gone", "orderId", in.OrderID, "connectionId", in.ConnectionID)
		return nil
	}
	return classify("deleting connection "+in.ConnectionID, err)
}
