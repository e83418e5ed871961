package main

import (
	"context"
	"io"
	"os"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/cc-l2/provisioner/workflows"
)

// orderFollower is the part of client.Client that following orders needs:
// each order's published stage, and its end.
type orderFollower interface {
	workflowGetter
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
}

// stageChange is an order seen at a new stage, or with a new connection.
type stageChange struct {
	OrderID      string          `json:"orderId"`
	Stage        workflows.Stage `json:"stage"`
	ConnectionID string          `json:"connectionId,omitempty"`
	Time         time.Time       `json:"time"`
}

// followEvery is how often the stages of n waiting orders are read: every
// second for a few, slower for many, so that following thousands of
// orders costs the server a steady trickle of reads.
func followEvery(n int) time.Duration {
	return max(time.Second, time.Duration(n)*20*time.Millisecond)
}

// follow waits for every order to end. While they run it reads the stage
// and connection each order publishes in its search attributes (which
// needs no worker and runs no workflow code) and reports each change;
// each order's end is reported as it happens. It returns how the orders
// ended, in the order given.
func follow(ctx context.Context, temporal orderFollower, orders []started, every time.Duration, changed func(stageChange), ended func(finished)) []finished {
	type end struct {
		index int
		f     finished
	}
	ends := make(chan end, len(orders))
	for i, st := range orders {
		go func() { ends <- end{i, wait(ctx, temporal, st)} }()
	}

	results := make([]finished, len(orders))
	done := make([]bool, len(orders))
	last := make([]stageChange, len(orders))
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for remaining := len(orders); remaining > 0; {
		select {
		case e := <-ends:
			results[e.index], done[e.index] = e.f, true
			remaining--
			ended(e.f)
		case <-ticker.C:
			for i, st := range orders {
				if done[i] || ctx.Err() != nil {
					continue
				}
				desc, err := temporal.DescribeWorkflowExecution(ctx, st.WorkflowID, "")
				if err != nil {
					continue // the wait reports what matters
				}
				view := publishedView(st.OrderID, desc.GetWorkflowExecutionInfo().GetSearchAttributes())
				if view.Stage == "" || (view.Stage == last[i].Stage && view.ConnectionID == last[i].ConnectionID) {
					continue
				}
				last[i] = stageChange{OrderID: st.OrderID, Stage: view.Stage, ConnectionID: view.ConnectionID, Time: time.Now()}
				changed(last[i])
			}
		}
	}
	return results
}

// terminal is a writer that says whether it is a terminal (tests use it).
type terminal interface{ Terminal() bool }

// isTerminal reports whether w is a terminal: a person reads it, so times
// can be short.
func isTerminal(w io.Writer) bool {
	switch w := w.(type) {
	case terminal:
		return w.Terminal()
	case *os.File:
		info, err := w.Stat()
		return err == nil && info.Mode()&os.ModeCharDevice != 0
	}
	return false
}
