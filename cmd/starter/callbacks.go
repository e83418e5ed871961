package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cc-l2/provisioner/workflows"
)

// callbacksQueryTimeout bounds the callbacks query: the order's status
// must not wait long for a part that only adds to it.
const callbacksQueryTimeout = 5 * time.Second

// orderStatusWithCallbacks is orderStatus with what became of the
// order's milestones: a permanent callback failure (a target answering
// 404, say) shows in the order's status, not only in its callbacks
// workflow.
func orderStatusWithCallbacks(ctx context.Context, temporal statusReader, orderID string) (workflows.StatusView, error) {
	view, err := orderStatus(ctx, temporal, orderID)
	if err != nil {
		return view, err
	}
	view.Callbacks = orderCallbacks(ctx, temporal, orderID)
	return view, nil
}

// orderCallbacks asks the order's callbacks workflow, running or ended
// (Temporal answers queries on closed workflows by replaying them on a
// worker), what became of the order's milestones. Nil when the order has
// no callbacks workflow (no callback, or none reported yet), or when no
// worker answers: the order's status stands on its own.
func orderCallbacks(ctx context.Context, temporal statusReader, orderID string) *workflows.CallbacksView {
	id := workflows.CallbacksWorkflowID(orderID)
	desc, err := temporal.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return nil // not found, or the server would not say
	}
	// Without a worker the query would wait callbacksQueryTimeout for
	// nothing.
	if pollers(ctx, temporal, desc.GetWorkflowExecutionInfo().GetTaskQueue()) == 0 {
		return nil
	}
	qctx, cancel := context.WithTimeout(ctx, callbacksQueryTimeout)
	defer cancel()
	value, err := temporal.QueryWorkflow(qctx, id, "", workflows.QueryCallbacks)
	if err != nil {
		return nil
	}
	var view workflows.CallbacksView
	if err := value.Get(&view); err != nil {
		return nil
	}
	return &view
}

// writeCallbacks prints the callbacks' rows of `starter status`: the
// target, the milestones delivered, failed and pending, and the last
// failure's reason.
func writeCallbacks(w io.Writer, cb *workflows.CallbacksView) error {
	if cb == nil {
		return nil
	}
	failed := make([]string, 0, len(cb.Failed))
	for _, f := range cb.Failed {
		failed = append(failed, f.Milestone)
	}
	rows := [][2]string{
		{"callbackTarget", cb.Target},
		{"callbacksDelivered", strings.Join(cb.Delivered, ", ")},
		{"callbacksFailed", strings.Join(failed, ", ")},
		{"callbacksPending", strings.Join(cb.Pending, ", ")},
	}
	if n := len(cb.Failed); n > 0 {
		last := cb.Failed[n-1]
		rows = append(rows, [2]string{"callbackError", last.Milestone + ": " + last.Error})
	}
	for _, row := range rows {
		if row[1] == "" {
			continue
		}
		if _, err := fmt.Fprintf(w, "%s\t%s\n", row[0], strings.ReplaceAll(row[1], "\n", " ")); err != nil {
			return err
		}
	}
	return nil
}
