package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
)

// gap is the longest quiet stretch of one workflow's history: where its
// time went when it ended last.
type gap struct {
	WorkflowID  string
	Took        time.Duration // from its first event to its last
	Gap         time.Duration
	After, Next string // the events around the gap, with their attempt when retried
}

// slowestGap reads the history of the run that ended last and finds its
// longest gap between two events. A batch's rate is its last end's, so a
// straggler is worth a name: the gap says whether it waited on a timer,
// a retry, a task timeout or the task queue.
func slowestGap(ctx context.Context, c client.Client, runs []ended) (gap, error) {
	if len(runs) == 0 {
		return gap{}, nil
	}
	last := slices.MaxFunc(runs, func(a, b ended) int { return a.CloseTime.Compare(b.CloseTime) })
	var events []*historypb.HistoryEvent
	it := c.GetWorkflowHistory(ctx, last.WorkflowID, last.RunID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return gap{}, fmt.Errorf("reading the history of %s: %w", last.WorkflowID, err)
		}
		events = append(events, e)
	}
	g := gap{WorkflowID: last.WorkflowID}
	if len(events) == 0 {
		return g, nil
	}
	g.Took = events[len(events)-1].GetEventTime().AsTime().Sub(events[0].GetEventTime().AsTime())
	for i := 1; i < len(events); i++ {
		d := events[i].GetEventTime().AsTime().Sub(events[i-1].GetEventTime().AsTime())
		if d > g.Gap {
			g.Gap, g.After, g.Next = d, eventName(events[i-1]), eventName(events[i])
		}
	}
	return g, nil
}

// eventName is an event's type, with its attempt when it is a retried
// activity's start.
func eventName(e *historypb.HistoryEvent) string {
	name := e.GetEventType().String()
	if a := e.GetActivityTaskStartedEventAttributes(); a != nil && a.GetAttempt() > 1 {
		name += fmt.Sprintf(" (attempt %d)", a.GetAttempt())
	}
	return name
}

// writeSlowest prints where the batch's last order spent its time.
func writeSlowest(w io.Writer, name string, g gap) {
	if g.WorkflowID == "" {
		return
	}
	fmt.Fprintf(w, "bench: %s: slowest %s took %s; longest gap %s, between %s and %s\n",
		name, g.WorkflowID, g.Took.Round(100*time.Millisecond), g.Gap.Round(100*time.Millisecond), g.After, g.Next)
}
