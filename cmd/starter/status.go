package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/cc-l2/provisioner/workflows"
)

// rpcTimeout bounds one query or signal: a query waits for a worker to
// answer, and an operator should not wait forever when none runs.
const rpcTimeout = 30 * time.Second

// errNoSuchOrder says an order has no workflow.
var errNoSuchOrder = errors.New("no such order")

// statusQuerier is the part of client.Client that the status query needs.
type statusQuerier interface {
	QueryWorkflow(ctx context.Context, workflowID, runID, queryType string, args ...any) (converter.EncodedValue, error)
}

// queryStatus asks the order's workflow where it is. An order without a
// workflow gives an error wrapping errNoSuchOrder.
func queryStatus(ctx context.Context, temporal statusQuerier, orderID string) (workflows.StatusView, error) {
	workflowID := workflows.WorkflowID(orderID)
	value, err := temporal.QueryWorkflow(ctx, workflowID, "", workflows.QueryStatus)
	if err != nil {
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return workflows.StatusView{}, fmt.Errorf("order %s: %w (no workflow %s)", orderID, errNoSuchOrder, workflowID)
		}
		if ctx.Err() != nil {
			// The server waits for a worker to answer; without one the
			// error is an opaque stream reset.
			return workflows.StatusView{}, fmt.Errorf("querying workflow %s: no answer (is a worker running?): %w", workflowID, ctx.Err())
		}
		return workflows.StatusView{}, fmt.Errorf("querying workflow %s: %w", workflowID, err)
	}
	var view workflows.StatusView
	if err := value.Get(&view); err != nil {
		return workflows.StatusView{}, fmt.Errorf("decoding the status of workflow %s: %w", workflowID, err)
	}
	return view, nil
}

func (a *app) statusCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status ORDER_ID [--json]",
		Short: "show where an order is (stage, connection id, API status)",
		Long:  `Asks the order's workflow for its status.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.orderCommand(cmd, args, func(ctx context.Context, temporal client.Client, orderID string) int {
				ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
				defer cancel()
				view, err := queryStatus(ctx, temporal, orderID)
				if err != nil {
					fmt.Fprintf(a.stderr, "starter: %v\n", err)
					return exitFailure
				}
				if err := writeStatus(a, view, asJSON); err != nil {
					fmt.Fprintf(a.stderr, "starter: writing the status: %v\n", err)
					return exitFailure
				}
				return exitOK
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as one JSON object")
	return cmd
}

// writeStatus prints the status as "key  value" lines, or as JSON.
func writeStatus(a *app, view workflows.StatusView, asJSON bool) error {
	if asJSON {
		line, err := json.Marshal(view)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(a.stdout, "%s\n", line)
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	rows := [][2]string{
		{"orderId", view.OrderID},
		{"workflowId", workflows.WorkflowID(view.OrderID)},
		{"stage", string(view.Stage)},
		{"connectionId", view.ConnectionID},
		{"apiStatus", string(view.APIStatus)},
		{"reason", view.Reason},
		{"polls", strconv.Itoa(view.Polls)},
	}
	for _, row := range rows {
		if row[1] == "" || (row[0] == "polls" && view.Polls == 0) {
			continue
		}
		if _, err := fmt.Fprintf(tw, "%s\t%s\n", row[0], strings.ReplaceAll(row[1], "\n", " ")); err != nil {
			return err
		}
	}
	return tw.Flush()
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
			return a.orderCommand(cmd, args, func(ctx context.Context, temporal client.Client, orderID string) int {
				ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
				defer cancel()
				workflowID := workflows.WorkflowID(orderID)
				err := temporal.SignalWorkflow(ctx, workflowID, "", workflows.SignalCancel, workflows.CancelRequest{Reason: reason})
				if err != nil {
					var notFound *serviceerror.NotFound
					if errors.As(err, &notFound) {
						// Also what the server says once the workflow has ended.
						fmt.Fprintf(a.stderr, "starter: cannot cancel order %s: %s (workflow %s)\n", orderID, notFound.Message, workflowID)
						return exitFailure
					}
					fmt.Fprintf(a.stderr, "starter: cancelling order %s (workflow %s): %v\n", orderID, workflowID, err)
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
