package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/cc-l2/provisioner/workflows"
)

// flakyTemporal starts workflows in memory and fails as a busy server
// does, by order id: "DOWN" is never answered, "BUSY" is refused once
// (Unavailable), "LOST" starts but its answer is lost once, "BAD" is
// refused for good; "OLD" was started by an earlier submit.
type flakyTemporal struct {
	mu          sync.Mutex
	started     map[string]string // workflow id → submit id in its memo
	attempts    map[string]int
	inFlight    int
	maxInFlight int
}

func newFlakyTemporal() *flakyTemporal {
	return &flakyTemporal{started: map[string]string{workflows.WorkflowID("OLD"): "an earlier submit"}, attempts: map[string]int{}}
}

type fakeRun struct{ client.WorkflowRun }

func (fakeRun) GetRunID() string { return "run-1" }

// GetWorkflow is never called: no workflow here has ended.
func (f *flakyTemporal) GetWorkflow(context.Context, string, string) client.WorkflowRun { return nil }

func (f *flakyTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	f.mu.Lock()
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	f.attempts[o.ID]++
	attempt := f.attempts[o.ID]
	f.mu.Unlock()
	time.Sleep(2 * time.Millisecond) // long enough for starts to overlap
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inFlight--
	orderID := strings.TrimPrefix(o.ID, "l2-order-")
	switch {
	case strings.HasPrefix(orderID, "DOWN"):
		return nil, serviceerror.NewUnavailable("connection refused")
	case strings.HasPrefix(orderID, "BUSY") && attempt == 1:
		return nil, serviceerror.NewResourceExhausted(0, "busy")
	case strings.HasPrefix(orderID, "BAD"):
		return nil, serviceerror.NewInvalidArgument("no such task queue")
	}
	if _, ok := f.started[o.ID]; ok {
		return nil, serviceerror.NewWorkflowExecutionAlreadyStarted("started", "", "")
	}
	f.started[o.ID] = o.Memo[memoSubmitID].(string)
	if strings.HasPrefix(orderID, "LOST") && attempt == 1 {
		return nil, serviceerror.NewDeadlineExceeded("context deadline exceeded")
	}
	return fakeRun{}, nil
}

func (f *flakyTemporal) DescribeWorkflowExecution(_ context.Context, workflowID, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	by, ok := f.started[workflowID]
	if !ok {
		return nil, serviceerror.NewNotFound("no such workflow")
	}
	p, _ := converter.GetDefaultDataConverter().ToPayload(by)
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: workflowID, RunId: "run-1"},
		Memo:      &commonpb.Memo{Fields: map[string]*commonpb.Payload{memoSubmitID: p}},
	}}, nil
}

func TestStartAll(t *testing.T) {
	temporal := newFlakyTemporal()
	s := newStarter(temporal, "q")
	s.retryWait = func(int) time.Duration { return 0 }
	var orders []workflows.Order
	for i := range 40 {
		orders = append(orders, workflows.Order{OrderID: fmt.Sprintf("OK%02d", i)})
	}
	for _, id := range []string{"BUSY1", "LOST1", "OLD", "BAD1", "DOWN1"} {
		orders = append(orders, workflows.Order{OrderID: id})
	}
	var emitted []string
	results := s.startAll(context.Background(), orders, false, 4, func(r started) { emitted = append(emitted, r.OrderID) })

	outcomes := map[string]string{}
	for i, r := range results {
		if r.OrderID != orders[i].OrderID || emitted[i] != orders[i].OrderID {
			t.Fatalf("result %d is %s (emitted %s), want %s: out of order", i, r.OrderID, emitted[i], orders[i].OrderID)
		}
		outcomes[r.OrderID] = r.Outcome
	}
	want := map[string]string{
		"OK00":  outcomeStarted,
		"BUSY1": outcomeStarted, // refused once, then started
		"LOST1": outcomeStarted, // its answer lost: the retry finds our own workflow
		"OLD":   outcomeExists,  // another submit's
		"BAD1":  outcomeError,   // final
		"DOWN1": outcomeError,   // tried 5 times
	}
	for id, outcome := range want {
		if outcomes[id] != outcome {
			t.Errorf("%s: %s, want %s", id, outcomes[id], outcome)
		}
	}
	attempts := map[string]int{"BAD1": 1, "DOWN1": startAttempts, "BUSY1": 2, "LOST1": 2, "OK00": 1}
	for id, n := range attempts {
		if got := temporal.attempts[workflows.WorkflowID(id)]; got != n {
			t.Errorf("%s: %d attempts, want %d", id, got, n)
		}
	}
	if temporal.maxInFlight > 4 || temporal.maxInFlight < 2 {
		t.Errorf("%d starts in flight at most, want 2 to 4", temporal.maxInFlight)
	}
}

func TestStartProgress(t *testing.T) {
	results := []started{{OrderID: "A", Outcome: outcomeStarted}, {OrderID: "B", Outcome: outcomeError}, {OrderID: "C", Outcome: outcomeExists}, {OrderID: "D", Outcome: outcomeError}}
	for _, onTerminal := range []bool{false, true} {
		var out strings.Builder
		var w interface {
			Write([]byte) (int, error)
		} = &out
		if onTerminal {
			w = terminalWriter{&out}
		}
		p := newStartProgress(w, len(results))
		for _, r := range results {
			p.add(r)
		}
		p.finish()
		text := out.String()
		if !strings.HasSuffix(text, "starter: 2 of 4 orders did not start: B, D\n") {
			t.Errorf("terminal %v: summary missing in %q", onTerminal, text)
		}
		hasControl := strings.ContainsAny(text, "\r\033")
		if hasControl != onTerminal {
			t.Errorf("terminal %v: control characters %v in %q", onTerminal, hasControl, text)
		}
		if onTerminal && !strings.Contains(text, "4 of 4 orders: 1 started, 1 existed, 2 did not start\n") {
			t.Errorf("final progress line missing in %q", text)
		}
	}
}

type terminalWriter struct{ *strings.Builder }

func (terminalWriter) Terminal() bool { return true }
