package main

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"

	"github.com/cc-l2/provisioner/workflows"
)

// orderSignaller is the part of client.Client that signalling an order
// needs: the signal, and the status to explain a refusal.
type orderSignaller interface {
	statusReader
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
}

// maxReasonBytes bounds a cancel reason: it is kept in the order's
// history and status, which stay small.
const maxReasonBytes = 500

// checkReason says what is wrong with a cancel reason, if anything.
func checkReason(reason string) error {
	if len(reason) > maxReasonBytes {
		return fmt.Errorf("reason is %d bytes; at most %d", len(reason), maxReasonBytes)
	}
	return nil
}

// orderEndedError says an order cannot be cancelled because it has ended.
type orderEndedError struct {
	OrderID string
	Stage   workflows.Stage
}

func (e *orderEndedError) Error() string {
	return fmt.Sprintf("order %s has already ended (stage %s)", e.OrderID, e.Stage)
}

// cancelOrder asks the order's workflow to cancel, for reason. Before the
// PUT the order stops without ordering; after, its connection is
// withdrawn.
func cancelOrder(ctx context.Context, temporal orderSignaller, orderID, reason string) error {
	return signalOrder(ctx, temporal, orderID, workflows.SignalCancel, workflows.CancelRequest{Reason: reason})
}

// refreshOrder asks a waiting order to read its connection's status now.
func refreshOrder(ctx context.Context, temporal orderSignaller, orderID string) error {
	return signalOrder(ctx, temporal, orderID, workflows.SignalRefresh, nil)
}

// signalOrder sends a signal to the order's workflow. An order without a
// workflow gives an error wrapping errNoSuchOrder; one that has ended, an
// *orderEndedError.
func signalOrder(ctx context.Context, temporal orderSignaller, orderID, signal string, arg any) error {
	workflowID := workflows.WorkflowID(orderID)
	err := temporal.SignalWorkflow(ctx, workflowID, "", signal, arg)
	var notFound *serviceerror.NotFound
	if !errors.As(err, &notFound) {
		if err != nil {
			return fmt.Errorf("signalling %s to order %s (workflow %s): %w", signal, orderID, workflowID, err)
		}
		return nil
	}
	// The server says NotFound both for no workflow and for one that has
	// ended: the status tells them apart.
	view, statusErr := orderStatus(ctx, temporal, orderID)
	if statusErr != nil {
		return statusErr
	}
	return &orderEndedError{OrderID: orderID, Stage: view.Stage}
}
