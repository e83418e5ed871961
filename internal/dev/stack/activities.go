package stack

import (
	"context"
	"strconv"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// localActivityMarker is the marker the SDK records for a local activity.
const localActivityMarker = "LocalActivity"

// CompletedActivities counts the completed activities of workflow id's run
// (the latest when runID is empty) by the pid of the worker that ran them,
// from its history: activity tasks by the identity that started them,
// local activities by the identity of the workflow task that recorded
// them. The SDK's default identity is pid@host@; other identities are not
// counted.
func CompletedActivities(ctx context.Context, c client.Client, id, runID string) map[int]int {
	out, _ := CompletedActivitiesOfRun(ctx, c, id, runID)
	return out
}

// CompletedActivitiesOfRun is CompletedActivities, and also the run id of
// the run this one continued (empty for a first run).
func CompletedActivitiesOfRun(ctx context.Context, c client.Client, id, runID string) (out map[int]int, previous string) {
	startedBy := map[int64]string{}
	var taskBy string
	out = map[int]int{}
	count := func(identity string) {
		pid, _, _ := strings.Cut(identity, "@")
		if n, err := strconv.Atoi(pid); err == nil {
			out[n]++
		}
	}
	it := c.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return out, previous
		}
		switch {
		case e.GetWorkflowExecutionStartedEventAttributes() != nil:
			previous = e.GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
		case e.GetActivityTaskStartedEventAttributes() != nil:
			startedBy[e.GetEventId()] = e.GetActivityTaskStartedEventAttributes().GetIdentity()
		case e.GetActivityTaskCompletedEventAttributes() != nil:
			count(startedBy[e.GetActivityTaskCompletedEventAttributes().GetStartedEventId()])
		case e.GetWorkflowTaskCompletedEventAttributes() != nil:
			taskBy = e.GetWorkflowTaskCompletedEventAttributes().GetIdentity()
		case e.GetMarkerRecordedEventAttributes().GetMarkerName() == localActivityMarker:
			count(taskBy)
		}
	}
	return out, previous
}
