package bench

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"

	"github.com/cc-l2/provisioner/workflows"
)

// Histories is what the server stores per order, as the protobuf size of
// sampled histories, in bytes.
type Histories struct {
	Order    int // the order's workflow
	NameLock int // the connection-name lock each order takes
	Samples  int // histories read of each
}

// PerOrder is what one order costs in history, lock included.
func (h Histories) PerOrder() int { return h.Order + h.NameLock }

// sampleHistories reads the histories of up to samples of an ended
// batch's orders and of as many of its name locks.
func (r *run) sampleHistories(ctx context.Context, queue string, b Batch, samples int) (Histories, error) {
	locks, err := list(ctx, r.temporal, queries{queue: queue, workflowType: workflows.NameLockWorkflowName}.all())
	if err != nil {
		return Histories{}, err
	}
	var h Histories
	if h.Order, h.Samples, err = meanHistorySize(ctx, r.temporal, b.runs, samples); err != nil {
		return h, err
	}
	if h.NameLock, _, err = meanHistorySize(ctx, r.temporal, locks, samples); err != nil {
		return h, err
	}
	return h, nil
}

// meanHistorySize reads up to samples histories spread evenly over runs.
func meanHistorySize(ctx context.Context, c client.Client, runs []ended, samples int) (mean, read int, err error) {
	if len(runs) == 0 || samples <= 0 {
		return 0, 0, nil
	}
	n := min(samples, len(runs))
	total := 0
	for i := range n {
		e := runs[i*len(runs)/n]
		size, err := historySize(ctx, c, e.WorkflowID, e.RunID)
		if err != nil {
			return 0, 0, err
		}
		total += size
	}
	return total / n, n, nil
}

// historySize is the protobuf size of a run's whole history.
func historySize(ctx context.Context, c client.Client, workflowID, runID string) (int, error) {
	var history historypb.History
	events := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for events.HasNext() {
		event, err := events.Next()
		if err != nil {
			return 0, fmt.Errorf("reading the history of %s: %w", workflowID, err)
		}
		history.Events = append(history.Events, event)
	}
	return proto.Size(&history), nil
}
