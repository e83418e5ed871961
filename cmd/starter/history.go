package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"

	"github.com/cc-l2/provisioner/workflows"
)

// historyGetter is the part of client.Client that history needs.
type historyGetter interface {
	GetWorkflowHistory(ctx context.Context, workflowID, runID string, isLongPoll bool, filterType enumspb.HistoryEventFilterType) client.HistoryEventIterator
}

// writeHistory writes the whole history of a workflow run (the latest when
// runID is empty) as JSON: the proto JSON of a history.v1.History with
// plain (not shorthand) payloads, as `temporal workflow show --output json`
// prints it and as client.HistoryFromJSON and the workflow replayer read it.
func writeHistory(ctx context.Context, temporal historyGetter, workflowID, runID string, w io.Writer) error {
	iter := temporal.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	history := &historypb.History{}
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			return err
		}
		history.Events = append(history.Events, event)
	}
	body, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(history)
	if err != nil {
		return fmt.Errorf("encoding the history of %s: %w", workflowID, err)
	}
	if _, err := w.Write(append(body, '\n')); err != nil {
		return err
	}
	return nil
}

func (a *app) historyCommand() *cobra.Command {
	var runID string
	cmd := &cobra.Command{
		Use:   "history ORDER_ID [--run RUN_ID]",
		Short: "print an order's workflow history as JSON (as temporal workflow show --output json)",
		Long: `Prints the full event history of the order's workflow (the latest run unless
--run is given) as JSON, in the format of temporal workflow show --output json.
worker.NewWorkflowReplayer().ReplayWorkflowHistoryFromJSONFile reads it back.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.orderCommand(cmd, args, func(ctx context.Context, temporal client.Client, orderID string) int {
				workflowID := workflows.WorkflowID(orderID)
				if err := writeHistory(ctx, temporal, workflowID, runID, a.stdout); err != nil {
					var notFound *serviceerror.NotFound
					if errors.As(err, &notFound) {
						fmt.Fprintf(a.stderr, "starter: order %s: %v (no workflow %s)\n", orderID, errNoSuchOrder, workflowID)
						return exitFailure
					}
					fmt.Fprintf(a.stderr, "starter: history of order %s (workflow %s): %v\n", orderID, workflowID, err)
					return exitFailure
				}
				return exitOK
			})
		},
	}
	cmd.Flags().StringVar(&runID, "run", "", "the run to print (default: the latest)")
	return cmd
}
