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
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/activities"
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

// statusReader is the part of client.Client that reading an order's
// status needs, with or without a worker running.
type statusReader interface {
	statusQuerier
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
	GetWorkflow(ctx context.Context, workflowID, runID string) client.WorkflowRun
}

// taskQueueDescriber is the part of client.Client that tells whether any
// worker polls a task queue; a statusReader that has it answers at once
// for a running order no worker serves.
type taskQueueDescriber interface {
	DescribeTaskQueue(ctx context.Context, taskQueue string, taskQueueType enumspb.TaskQueueType) (*workflowservice.DescribeTaskQueueResponse, error)
}

// pollerFresh is how recently a worker must have polled to count: a poll
// lasts about a minute, and the server remembers a poller for minutes
// after it stopped.
const pollerFresh = 2 * time.Minute

// pollers counts the workers that polled the task queue for workflow tasks
// within pollerFresh; -1 when the server would not say.
func pollers(ctx context.Context, temporal statusReader, taskQueue string) int {
	describer, ok := temporal.(taskQueueDescriber)
	if !ok {
		return -1
	}
	res, err := describer.DescribeTaskQueue(ctx, taskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err != nil {
		return -1
	}
	n := 0
	for _, p := range res.GetPollers() {
		if at := p.GetLastAccessTime(); at == nil || time.Since(at.AsTime()) < pollerFresh {
			n++
		}
	}
	return n
}

// queryTimeout bounds the status query of a running order: without a
// worker to answer it, the visibility store answers instead.
const queryTimeout = 10 * time.Second

// orderStatus says where an order is. A running order answers the status
// query; when no worker answers it, its search attributes say its stage
// and connection. An order that has ended says so through its result or
// failure, with no worker needed. An order without a workflow gives an
// error wrapping errNoSuchOrder.
func orderStatus(ctx context.Context, temporal statusReader, orderID string) (workflows.StatusView, error) {
	workflowID := workflows.WorkflowID(orderID)
	desc, err := temporal.DescribeWorkflowExecution(ctx, workflowID, "")
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		return workflows.StatusView{}, fmt.Errorf("order %s: %w (no workflow %s)", orderID, errNoSuchOrder, workflowID)
	case err != nil:
		return workflows.StatusView{}, fmt.Errorf("describing workflow %s: %w", workflowID, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		// Without a worker the query would wait queryTimeout for nothing.
		if queue := info.GetTaskQueue(); pollers(ctx, temporal, queue) == 0 {
			view := publishedView(orderID, info.GetSearchAttributes())
			view.Reason = fmt.Sprintf("no worker polls task queue %s: stage and connection as the order last published them; it goes on when a worker runs", queue)
			return view, nil
		}
		qctx, cancel := context.WithTimeout(ctx, queryTimeout)
		defer cancel()
		if view, err := queryStatus(qctx, temporal, orderID); err == nil {
			view.LastRead = lastRead(desc)
			return view, nil
		}
		view := publishedView(orderID, info.GetSearchAttributes())
		view.Reason = "no worker answered the status query: stage and connection as the order last published them"
		view.LastRead = lastRead(desc)
		return view, nil
	}
	return endedView(ctx, temporal, orderID, info.GetExecution().GetRunId())
}

// lastRead is what a waiting order's last status read saw: the reads
// the server retries reach the workflow only with news, and each one
// that saw none is the pending read activity's last failure, which
// names the status, the time and the read's number.
func lastRead(desc *workflowservice.DescribeWorkflowExecutionResponse) string {
	for _, a := range desc.GetPendingActivities() {
		failure := a.GetLastFailure()
		if a.GetActivityType().GetName() != "AwaitConnection" || failure.GetApplicationFailureInfo().GetType() != activities.ErrTypeStillWaiting {
			continue
		}
		var seen activities.ReadOutcome
		if err := converter.GetDefaultDataConverter().FromPayloads(failure.GetApplicationFailureInfo().GetDetails(), &seen); err != nil || seen.Read == 0 {
			continue // the first attempt of a phase waits an interval and reads nothing
		}
		return failure.GetMessage()
	}
	return ""
}

// publishedView is what an order's search attributes say of it.
func publishedView(orderID string, attrs *commonpb.SearchAttributes) workflows.StatusView {
	view := workflows.StatusView{OrderID: orderID}
	fields := attrs.GetIndexedFields()
	decode := func(name string) string {
		var s string
		if p := fields[name]; p != nil {
			_ = decodePayload(p, &s)
		}
		return s
	}
	view.Stage = workflows.Stage(decode(workflows.SearchOrderStage.GetName()))
	view.ConnectionID = decode(workflows.SearchConnectionID.GetName())
	return view
}

// decodePayload reads a search attribute's value.
func decodePayload(p *commonpb.Payload, v any) error {
	return converter.GetDefaultDataConverter().FromPayload(p, v)
}

// endedView is what an order that has ended says of itself: its result,
// or the status view its failure or cancellation carries.
func endedView(ctx context.Context, tc statusReader, orderID, runID string) (workflows.StatusView, error) {
	var res workflows.Result
	err := tc.GetWorkflow(ctx, workflows.WorkflowID(orderID), runID).Get(ctx, &res)
	if err == nil {
		return workflows.StatusView{OrderID: orderID, Stage: res.Stage, ConnectionID: res.ConnectionID, APIStatus: res.APIStatus,
			Reason: res.Reason, NothingOrdered: res.NothingOrdered, Withdrawn: res.Withdrawn}, nil
	}
	view := workflows.StatusView{OrderID: orderID, Stage: workflows.StageFailed}
	var (
		appErr   *temporal.ApplicationError
		canceled *temporal.CanceledError
	)
	switch {
	case errors.As(err, &appErr) && appErr.HasDetails() && appErr.Details(&view) == nil:
	case errors.As(err, &canceled) && canceled.HasDetails() && canceled.Details(&view) == nil:
	default:
		_, view.Reason = failureReason(err)
		if errors.As(err, &canceled) {
			view.Stage = workflows.StageCancelled
		}
	}
	view.OrderID = orderID
	return view, nil
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
		Long: `Asks the order's workflow for its status. An order that has ended answers
through its result, with no worker running; a running order that no worker
polls for (or answers for) shows its stage and connection as it last
published them, and says so. An order with callbacks (a URL, CALLBACK_URL or a
CALLBACK_TARGETS target) also shows what became of its milestones: the target,
those delivered, failed for good, or pending, and the last failure's reason.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.orderCommand(cmd, args, func(ctx context.Context, temporal client.Client, orderID string) int {
				ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
				defer cancel()
				view, err := orderStatusWithCallbacks(ctx, temporal, orderID)
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
		{"lastRead", view.LastRead},
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
	if err := writeCallbacks(tw, view.Callbacks); err != nil {
		return err
	}
	return tw.Flush()
}
