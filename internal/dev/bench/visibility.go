package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/cc-l2/provisioner/workflows"
)

// Orders are followed through Temporal's visibility store, by task queue
// (each batch has its own), rather than by waiting on each workflow: a
// count every second costs the server next to nothing while it is being
// measured, and the close times it reports are the server's own.

const namespace = "default"

// ended is one workflow run that closed.
type ended struct {
	WorkflowID, RunID string
	Status            enumspb.WorkflowExecutionStatus
	CloseTime         time.Time
	// Stage is the order's OrderStage search attribute ("active", ...);
	// empty for workflows that are not orders.
	Stage string
}

// queries builds the visibility queries of one task queue and workflow
// type.
type queries struct {
	queue, workflowType string
}

func (q queries) all() string {
	return fmt.Sprintf("TaskQueue = '%s' AND WorkflowType = '%s'", q.queue, q.workflowType)
}

// closed leaves out runs that continued as new: their order goes on.
func (q queries) closed() string {
	return q.all() + " AND ExecutionStatus != 'Running' AND ExecutionStatus != 'ContinuedAsNew'"
}

func (q queries) running() string { return q.all() + " AND ExecutionStatus = 'Running'" }

func (q queries) inStage(stage workflows.Stage) string {
	return fmt.Sprintf("%s AND %s = '%s'", q.running(), workflows.SearchOrderStage.GetName(), stage)
}

func count(ctx context.Context, c client.Client, query string) (int, error) {
	resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: query})
	if err != nil {
		return 0, fmt.Errorf("counting workflows (%s): %w", query, err)
	}
	return int(resp.GetCount()), nil
}

// errTimedOut is awaitCount's error when the count fell short in time.
var errTimedOut = errors.New("timed out")

// awaitCount waits until the queries together count want workflows.
// alive says whether whatever must make progress (a worker) still can;
// progress hears of the count every 10 seconds.
func awaitCount(ctx context.Context, c client.Client, want int, timeout time.Duration,
	alive func() error, progress func(n int), queries ...string) error {
	deadline := time.Now().Add(timeout)
	lastReport := time.Now()
	for {
		n := 0
		for _, q := range queries {
			m, err := count(ctx, c, q)
			if err != nil {
				return err
			}
			n += m
		}
		if n >= want {
			return nil
		}
		if err := alive(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d workflows got there within %s (%s): %w", n, want, timeout, strings.Join(queries, "; "), errTimedOut)
		}
		if time.Since(lastReport) >= 10*time.Second {
			lastReport = time.Now()
			progress(n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// list returns every workflow the query matches, with its stage.
func list(ctx context.Context, c client.Client, query string) ([]ended, error) {
	var out []ended
	var token []byte
	dc := converter.GetDefaultDataConverter()
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: namespace, PageSize: 1000, Query: query, NextPageToken: token,
		})
		if err != nil {
			return nil, fmt.Errorf("listing workflows (%s): %w", query, err)
		}
		for _, info := range resp.GetExecutions() {
			e := ended{
				WorkflowID: info.GetExecution().GetWorkflowId(), RunID: info.GetExecution().GetRunId(),
				Status: info.GetStatus(), CloseTime: info.GetCloseTime().AsTime(),
			}
			if p := info.GetSearchAttributes().GetIndexedFields()[workflows.SearchOrderStage.GetName()]; p != nil {
				_ = dc.FromPayload(p, &e.Stage) // not an order's: no stage
			}
			out = append(out, e)
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return out, nil
		}
	}
}

// terminateRunning terminates every workflow running on the queue
// (orders and their name locks alike), until none is left.
func terminateRunning(ctx context.Context, c client.Client, queue string, progress io.Writer) error {
	query := fmt.Sprintf("TaskQueue = '%s' AND ExecutionStatus = 'Running'", queue)
	for round := 0; ; round++ {
		running, err := list(ctx, c, query)
		if err != nil {
			return err
		}
		if len(running) == 0 {
			return nil
		}
		if round == 10 {
			return fmt.Errorf("%d workflows still run on task queue %s after %d rounds of terminations", len(running), queue, round)
		}
		fmt.Fprintf(progress, "bench: terminating %d workflows on task queue %s\n", len(running), queue)
		err = forEach(ctx, len(running), terminateParallel, func(ctx context.Context, i int) error {
			err := c.TerminateWorkflow(ctx, running[i].WorkflowID, running[i].RunID, "bench: measurement over")
			var gone *serviceerror.NotFound
			if errors.As(err, &gone) {
				return nil // it ended by itself since it was listed
			}
			return err
		})
		if err != nil {
			return err
		}
		// Give visibility a moment to see the terminations before it is
		// asked again what still runs.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// terminateParallel is how many terminations are in flight at once.
const terminateParallel = 32
