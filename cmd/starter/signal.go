package main

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"

	"github.com/cc-l2/provisioner/workflows"
	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
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

func (a *app) cancelCommand() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "cancel ORDER_ID [--reason TEXT]",
		Short: "stop an order: before ordering it ends; after, its connection is withdrawn",
		Long: `Signals the order's workflow to cancel. Before the connection is ordered the
order ends without ordering (a PUT not yet sent is stopped); after, the
connection is withdrawn.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkReason(reason); err != nil {
				return a.usageError(cmd, "--reason: "+err.Error())
			}
			return a.orderCommand(cmd, args, func(ctx context.Context, temporal client.Client, orderID string) int {
				ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
				defer cancel()
				workflowID := workflows.WorkflowID(orderID)
				if err := cancelOrder(ctx, temporal, orderID, reason); err != nil {
					fmt.Fprintf(a.stderr, "starter: cannot cancel: %v\n", err)
					return exitFailure
				}
				if _, err := fmt.Fprintf(a.stdout, "%s\t%s\tcancel requested\n", orderID, workflowID); err != nil {
					return exitFailure
				}
				return exitOK
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the order is cancelled, kept in the workflow's history and status")
	return cmd
}

func (a *app) refreshCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "refresh ORDER_ID",
		Short: "make a waiting order read its connection's status now",
		Long: `Signals the order's workflow to read its connection's status at once instead
of at its next scheduled read (which, a day into a wait, may be 30 minutes
away): for when the partner says it has accepted, or a ticket was updated.
An order not yet waiting reads it as soon as it starts to wait.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.orderCommand(cmd, args, func(ctx context.Context, temporal client.Client, orderID string) int {
				ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
				defer cancel()
				if err := refreshOrder(ctx, temporal, orderID); err != nil {
					fmt.Fprintf(a.stderr, "starter: cannot refresh: %v\n", err)
					return exitFailure
				}
				if _, err := fmt.Fprintf(a.stdout, "%s\t%s\trefresh requested\n", orderID, workflows.WorkflowID(orderID)); err != nil {
					return exitFailure
				}
				return exitOK
			})
		},
	}
}
