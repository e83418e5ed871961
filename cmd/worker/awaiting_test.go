package main

import (
	"context"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/cc-l2/provisioner/workflows"
)

// pagedLister answers ListWorkflow from pages, remembering the queries.
type pagedLister struct {
	pages   [][]*workflowpb.WorkflowExecutionInfo
	queries []string
}

func (l *pagedLister) ListWorkflow(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	l.queries = append(l.queries, req.GetQuery())
	page := 0
	if len(req.GetNextPageToken()) > 0 {
		page = int(req.GetNextPageToken()[0])
	}
	res := &workflowservice.ListWorkflowExecutionsResponse{Executions: l.pages[page]}
	if page+1 < len(l.pages) {
		res.NextPageToken = []byte{byte(page + 1)}
	}
	return res, nil
}

func orderedAt(t *testing.T, at time.Time) *workflowpb.WorkflowExecutionInfo {
	t.Helper()
	info := &workflowpb.WorkflowExecutionInfo{}
	if at.IsZero() {
		return info // an order from before OrderedAt was published
	}
	p, err := converter.GetDefaultDataConverter().ToPayload(at)
	if err != nil {
		t.Fatal(err)
	}
	info.SearchAttributes = &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{workflows.SearchOrderedAt.GetName(): p}}
	return info
}

func TestAwaitingOrders(t *testing.T) {
	day := 24 * time.Hour
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		pages      [][]*workflowpb.WorkflowExecutionInfo
		wantCount  int
		wantOldest time.Time
	}{
		{"none", [][]*workflowpb.WorkflowExecutionInfo{nil}, 0, time.Time{}},
		{"oldest on the second page", [][]*workflowpb.WorkflowExecutionInfo{
			{orderedAt(t, now.Add(-2*day)), orderedAt(t, time.Time{})},
			{orderedAt(t, now.Add(-9*day)), orderedAt(t, now.Add(-time.Hour))},
		}, 4, now.Add(-9 * day)},
		{"none says when", [][]*workflowpb.WorkflowExecutionInfo{{orderedAt(t, time.Time{})}}, 1, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lister := &pagedLister{pages: tt.pages}
			count, oldest, err := awaitingOrders(context.Background(), lister, workflows.BusinessToBusiness)
			if err != nil {
				t.Fatal(err)
			}
			if count != tt.wantCount || !oldest.Equal(tt.wantOldest) {
				t.Fatalf("awaitingOrders = %d, %v; want %d, %v", count, oldest, tt.wantCount, tt.wantOldest)
			}
			if len(lister.queries) != len(tt.pages) {
				t.Fatalf("%d pages read, want %d", len(lister.queries), len(tt.pages))
			}
			for _, q := range lister.queries {
				if !strings.Contains(q, "OrderStage = 'awaiting-activation'") || !strings.Contains(q, "OrderKind = 'business-to-business'") {
					t.Fatalf("query %q", q)
				}
			}
		})
	}
}
