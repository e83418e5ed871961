package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/ccapi/ccapisim"
	"github.com/cc-l2/provisioner/workflows"
)

// acmeFaulty is the fixture port whose connections end in ERROR.
const acmeFaulty = "601000000000000000000006"

// putsFor counts, for the test's own orders, the PUTs and connections.
type putsFor struct {
	name string
	puts int
}

func countPUTs(name string) putsFor {
	return putsFor{name: name, puts: env.sim.RequestCount(ccapisim.EndpointCreateLayer2)}
}

// check fails unless exactly one PUT went out and one connection was made
// since countPUTs.
func (p putsFor) check(t *testing.T) {
	t.Helper()
	puts := env.sim.RequestCount(ccapisim.EndpointCreateLayer2) - p.puts
	if made := env.sim.ConnectionsCreated("acme", p.name); puts != 1 || made != 1 {
		t.Errorf("%s: %d PUTs, %d connections; want one of each", p.name, puts, made)
	}
}

// Two orders for one name on one port, started together: exactly one
// orders; the other is refused before any PUT, naming the first.
func TestSameNameOrdersStartedTogether(t *testing.T) {
	need(t)
	c := env.temporal.Client(t)
	first, second := p2pOrder("E2E-TWIN-A"), p2pOrder("E2E-TWIN-B")
	first.Name, second.Name = "E2E-TWIN", "E2E-TWIN"
	count := countPUTs("E2E-TWIN")
	var wg sync.WaitGroup
	runs := make([]client.WorkflowRun, 2)
	for i, o := range []workflows.Order{first, second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i] = start(t, c, o)
		}()
	}
	wg.Wait()
	var refused, active []string
	for i, run := range runs {
		res, err := result(t, run)
		if err == nil && res.Stage == workflows.StageActive {
			active = append(active, []string{first.OrderID, second.OrderID}[i])
			continue
		}
		typ, msg := failureType(t, err)
		if typ != workflows.ErrTypePrecheckFailed || !strings.Contains(msg, "nothing was ordered") || !strings.Contains(msg, "is already ordering a connection named") {
			t.Errorf("order %d: %s: %s", i, typ, msg)
			continue
		}
		refused = append(refused, msg)
		checkHistory(t, c, []string{first.OrderID, second.OrderID}[i], "name-held-by-another-order")
	}
	if len(active) != 1 || len(refused) != 1 || !strings.Contains(refused[0], "order "+active[0]+" ") {
		t.Fatalf("active %v, refused %v", active, refused)
	}
	count.check(t)
	// The name was given back when the order ended: its lock, started
	// delayed, was terminated by the order before it ever ran.
	locks, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
		Query: "WorkflowType = '" + workflows.NameLockWorkflowName + "' AND ExecutionStatus = 'Terminated'",
	})
	if err != nil || len(locks.Executions) == 0 {
		t.Fatalf("no released name lock: %v", err)
	}
	// Such a lock never ran a workflow task: it has no history to replay
	// (v4/name-lock-released is one released by signal).
}

// A Temporal cancel, as from the UI or `temporal workflow cancel`, while
// an order waits for a partner withdraws the pending request.
func TestTemporalCancelWithdrawsTheConnection(t *testing.T) {
	need(t)
	c := env.temporal.Client(t)
	o := b2bOrder("E2E-TCANCEL", "initech") // initech answers nothing
	run := start(t, c, o)
	waiting := waitForStage(t, c, o.OrderID, workflows.StageAwaitingActivation)
	if err := c.CancelWorkflow(context.Background(), workflows.WorkflowID(o.OrderID), ""); err != nil {
		t.Fatal(err)
	}
	_, err := result(t, run)
	var canceled *temporal.CanceledError
	var view workflows.StatusView
	if !errors.As(err, &canceled) || canceled.Details(&view) != nil || !view.Withdrawn || !strings.Contains(view.Reason, "withdrawn") {
		t.Fatalf("outcome %v, view %+v", err, view)
	}
	conn, err := env.api.GetConnection(context.Background(), "acme", waiting.ConnectionID)
	if err != nil || conn.Status != ccapi.StatusCancelled {
		t.Errorf("connection after the cancel: %+v, %v", conn, err)
	}
	checkHistory(t, c, o.OrderID, "temporal-cancel-withdrawn")
}

// A PUT answered 5xx after the API made the connection, and one that the
// API makes only after it answered (a late commit): each order ends with
// the connection, one PUT and one connection.
func TestUnknownOutcomesOrderOnce(t *testing.T) {
	need(t)
	c := env.temporal.Client(t)
	t.Cleanup(func() { env.sim.SetFaults(ccapisim.Faults{}) })
	tests := []struct {
		orderID string
		faults  ccapisim.Faults
		record  string
	}{
		{"E2E-5XX-AFTER-COMMIT", ccapisim.Faults{CommitThenErrorRate: 1}, "put-outcome-unknown-adopted"},
		{"E2E-LATE-COMMIT", ccapisim.Faults{LateCommitRate: 1, LateCommitMax: 2 * time.Second}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.orderID, func(t *testing.T) {
			env.sim.SetFaults(ccapisim.Faults{Endpoints: map[string]ccapisim.Faults{ccapisim.EndpointCreateLayer2: tt.faults}})
			count := countPUTs(tt.orderID)
			res, err := result(t, start(t, c, p2pOrder(tt.orderID)))
			env.sim.SetFaults(ccapisim.Faults{})
			if err != nil || res.Stage != workflows.StageActive {
				t.Fatalf("result %+v, %v", res, err)
			}
			count.check(t)
			checkHistory(t, c, tt.orderID, tt.record)
		})
	}
}

// A connection that ends in ERROR still holds the port's capacity and may
// be billed: the order withdraws it.
func TestConnectionInErrorIsWithdrawn(t *testing.T) {
	need(t)
	c := env.temporal.Client(t)
	o := p2pOrder("E2E-ERROR")
	o.PortID = acmeFaulty
	_, err := result(t, start(t, c, o))
	if typ, msg := failureType(t, err); typ != workflows.ErrTypeConnectionFailed || !strings.Contains(msg, "ended ERROR") || !strings.Contains(msg, "withdrawn (DELETED)") {
		t.Fatalf("outcome %s: %s", typ, msg)
	}
	checkHistory(t, c, o.OrderID, "connection-error-withdrawn")
}

// At the activation deadline the pending request is withdrawn, unless the
// order says onTimeout keep. The shortest deadline an order may set is a
// minute, so this test runs beside the others.
func TestActivationTimeoutWithdraws(t *testing.T) {
	t.Parallel()
	need(t)
	c := env.temporal.Client(t)
	withdraw, keep := b2bOrder("E2E-TIMEOUT", "initech"), b2bOrder("E2E-TIMEOUT-KEEP", "initech")
	withdraw.ActivationTimeout, keep.ActivationTimeout = workflows.Duration(time.Minute), workflows.Duration(time.Minute)
	keep.OnTimeout = workflows.OnTimeoutKeep
	runs := []client.WorkflowRun{start(t, c, withdraw), start(t, c, keep)}
	wants := []struct {
		order  workflows.Order
		msg    string
		status ccapi.Status
	}{
		{withdraw, "it was withdrawn (CANCELLED)", ccapi.StatusCancelled},
		{keep, "left in place, as the order asks", ccapi.StatusPending},
	}
	for i, want := range wants {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		err := runs[i].Get(ctx, nil)
		cancel()
		typ, msg := failureType(t, err)
		if typ != workflows.ErrTypeActivationTimeout || !strings.Contains(msg, want.msg) {
			t.Errorf("%s: %s: %s", want.order.OrderID, typ, msg)
		}
		var appErr *temporal.ApplicationError
		var view workflows.StatusView
		if errors.As(err, &appErr) && appErr.Details(&view) == nil {
			conn, err := env.api.GetConnection(context.Background(), "acme", view.ConnectionID)
			if err != nil || conn.Status != want.status {
				t.Errorf("%s: connection %+v, %v", want.order.OrderID, conn, err)
			}
			if want.status == ccapi.StatusPending { // leave nothing behind
				_ = env.api.DeleteConnection(context.Background(), "acme", view.ConnectionID)
			}
		}
	}
	checkHistory(t, c, withdraw.OrderID, "activation-timeout-withdrawn")
}

// An order an operator terminates runs no more code, so it cannot give
// its connection name back. Its lock, started delayed by NAME_LOCK_CHECK,
// wakes, finds the order gone and ends, and the name can be ordered again.
func TestTerminatedOrdersNameIsFreedByItsLock(t *testing.T) {
	need(t)
	const queue = "e2e-lock-wake"
	workerFor(t, queue, "NAME_LOCK_CHECK=2s")
	c := env.temporal.Client(t)
	named := func(o workflows.Order) workflows.Order {
		o.Name = "E2E-LOCK-WAKE"
		return o
	}
	refusedForTheName := func(run client.WorkflowRun) bool {
		t.Helper()
		res, err := result(t, run)
		if err == nil {
			if res.Stage != workflows.StageActive {
				t.Fatalf("result %+v", res)
			}
			return false
		}
		typ, msg := failureType(t, err)
		if typ != workflows.ErrTypePrecheckFailed || !strings.Contains(msg, "is already ordering a connection named") {
			t.Fatalf("%s: %s", typ, msg)
		}
		return true
	}

	held := b2bOrder("E2E-LOCK-WAKE-1", "initech") // initech answers nothing: it waits
	startOn(t, c, queue, named(held))
	waiting := waitForStage(t, c, held.OrderID, workflows.StageAwaitingActivation)
	// Past NAME_LOCK_CHECK the lock runs, checking on its order: the name
	// is still held.
	time.Sleep(3 * time.Second)
	if !refusedForTheName(startOn(t, c, queue, named(p2pOrder("E2E-LOCK-WAKE-2")))) {
		t.Fatal("a second order took the name of an order that still runs")
	}
	if err := c.TerminateWorkflow(context.Background(), workflows.WorkflowID(held.OrderID), "", "e2e: an operator's hard stop"); err != nil {
		t.Fatal(err)
	}
	// Terminated, the order withdrew nothing: the test does.
	if err := env.api.DeleteConnection(context.Background(), "acme", waiting.ConnectionID); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		o := p2pOrder(fmt.Sprintf("E2E-LOCK-WAKE-3-%d", attempt))
		if !refusedForTheName(startOn(t, c, queue, named(o))) {
			break
		}
		if attempt == 30 {
			t.Fatal("the name was still held 30 attempts after its order was terminated")
		}
		time.Sleep(time.Second)
	}
}
