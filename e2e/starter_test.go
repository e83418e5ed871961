package e2e_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/workflows"
)

// jsonLines decodes the starter's --json output, one object per line.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("starter printed a line that is not JSON: %q", sc.Text())
		}
		lines = append(lines, m)
	}
	return lines
}

func orderFile(t *testing.T, o workflows.Order) string {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "order.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Submitting the same order twice (a ticketing system retrying, say) finds
// the first workflow and starts no second one.
func TestDuplicateSubmitStartsNoSecondWorkflow(t *testing.T) {
	need(t)
	c := env.temporal.Client(t)
	o := p2pOrder("E2E-DUP")
	file := orderFile(t, o)

	out, code := starter(t, "", "submit", "--json", file)
	first := jsonLines(t, out)
	if code != 0 || len(first) != 1 || first[0]["outcome"] != "started" {
		t.Fatalf("first submit (exit %d): %s", code, out)
	}
	out, code = starter(t, "", "submit", "--json", "--wait", file)
	second := jsonLines(t, out)
	if code != 0 || len(second) < 1 || second[0]["outcome"] != "exists" || second[0]["runId"] != first[0]["runId"] {
		t.Fatalf("second submit (exit %d): %s", code, out)
	}
	// Also from standard input, as a pipe from a ticketing export would.
	b, _ := json.Marshal(o)
	out, code = starter(t, string(b), "submit", "--json", "-")
	if third := jsonLines(t, out); code != 0 || third[0]["outcome"] != "exists" {
		t.Fatalf("submit from stdin (exit %d): %s", code, out)
	}

	desc, err := c.DescribeWorkflowExecution(context.Background(), workflows.WorkflowID(o.OrderID), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := desc.WorkflowExecutionInfo.Execution.RunId; got != first[0]["runId"] {
		t.Errorf("latest run %s, want the first submit's %v", got, first[0]["runId"])
	}
	if n := env.sim.ConnectionsCreated("acme", o.OrderID); n != 1 {
		t.Errorf("simulator created %d connections, want 1", n)
	}
	// Visibility is eventually consistent: wait until it has seen the run.
	query := fmt.Sprintf("WorkflowId = '%s'", workflows.WorkflowID(o.OrderID))
	var count int64
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		res, err := c.CountWorkflow(context.Background(), &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		if err == nil {
			count = res.Count
			if count > 0 {
				break
			}
		}
	}
	if count != 1 {
		t.Errorf("%d workflows with the order's id, want 1", count)
	}
}

// An order that failed its pre-checks ordered nothing for certain: the
// same order id, corrected, runs again (a new run of its workflow) and
// orders once; submitted after that, it exists.
func TestResubmitAfterFailedPrecheck(t *testing.T) {
	need(t)
	o := p2pOrder("E2E-RESUB")
	bad := o
	bad.SpeedMbps = 100_000 // beyond the source port's remaining capacity
	out, code := starter(t, "", "submit", "--json", "--wait", orderFile(t, bad))
	first := jsonLines(t, out)
	if code != 1 || len(first) < 1 || first[0]["outcome"] != "started" {
		t.Fatalf("first submit (exit %d): %s", code, out)
	}
	out, code = starter(t, "", "submit", "--json", "--wait", orderFile(t, o))
	second := jsonLines(t, out)
	if code != 0 || len(second) < 1 || second[0]["outcome"] != "started" || second[0]["runId"] == first[0]["runId"] {
		t.Fatalf("corrected submit (exit %d): %s", code, out)
	}
	if n := env.sim.ConnectionsCreated("acme", o.OrderID); n != 1 {
		t.Errorf("simulator created %d connections, want 1", n)
	}
	out, code = starter(t, "", "submit", "--json", orderFile(t, o))
	if third := jsonLines(t, out); code != 0 || third[0]["outcome"] != "exists" || third[0]["runId"] != second[0]["runId"] {
		t.Errorf("submit after it ended active (exit %d): %s", code, out)
	}
}

// Cancelling after the PUT deletes (withdraws) the pending connection.
func TestCancelAfterOrderDeletesTheConnection(t *testing.T) {
	need(t)
	c := env.temporal.Client(t)
	o := b2bOrder("E2E-CANCEL", "initech")
	run := start(t, c, o)
	waiting := waitForStage(t, c, o.OrderID, workflows.StageAwaitingActivation)
	// The worker keeps a waiting order cached for as long as it waits, so
	// its coroutines are its memory: its own and its two signal
	// listeners, not the watcher that cancelled its lookups.
	if stacks := stackTrace(t, c, o.OrderID); strings.Count(stacks, "coroutine ") != 3 {
		t.Errorf("a waiting order keeps %d coroutines, want 3:\n%s", strings.Count(stacks, "coroutine "), stacks)
	}

	out, code := starter(t, "", "status", "--json", o.OrderID)
	if code != 0 || !strings.Contains(out, string(workflows.StageAwaitingActivation)) || !strings.Contains(out, waiting.ConnectionID) {
		t.Errorf("starter status (exit %d): %s", code, out)
	}
	// A waiting order says since when, for l2_orders_awaiting_oldest_seconds.
	desc, err := c.DescribeWorkflowExecution(context.Background(), workflows.WorkflowID(o.OrderID), "")
	if err != nil {
		t.Fatal(err)
	}
	var orderedAt time.Time
	if p := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[workflows.SearchOrderedAt.GetName()]; p == nil ||
		converter.GetDefaultDataConverter().FromPayload(p, &orderedAt) != nil || time.Since(orderedAt) > time.Minute || time.Since(orderedAt) < 0 {
		t.Errorf("OrderedAt of a waiting order: %v (payload %v)", orderedAt, p)
	}
	// A refresh reads at once; the partner has not answered, so it waits on.
	if out, code := starter(t, "", "refresh", o.OrderID); code != 0 || !strings.Contains(out, "refresh requested") {
		t.Fatalf("starter refresh exited %d: %s", code, out)
	}
	if out, code := starter(t, "", "cancel", o.OrderID, "--reason", "ticket withdrawn"); code != 0 {
		t.Fatalf("starter cancel exited %d: %s", code, out)
	}
	res, err := result(t, run)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stage != workflows.StageCancelled || !strings.Contains(res.Reason, "ticket withdrawn") {
		t.Errorf("result %+v", res)
	}
	// A request nobody accepted yet is withdrawn: CANCELLED, as the API's
	// state table says.
	conn, err := env.api.GetConnection(context.Background(), "acme", waiting.ConnectionID)
	if err != nil || conn.Status != ccapi.StatusCancelled {
		t.Errorf("connection after cancel: %+v, %v", conn, err)
	}
	checkHistory(t, c, o.OrderID, "cancelled-after-order")
}

// A worker that dies while an order waits for acceptance is replaced, and
// the new worker finishes the order without ordering again.
func TestWorkerRestartedMidWait(t *testing.T) {
	need(t)
	const queue = "e2e-restart"
	first, err := startWorkerProcess(queue)
	if err != nil {
		t.Fatal(err)
	}
	c := env.temporal.Client(t)
	o := b2bOrder("E2E-RESTART", "initech")
	run := startOn(t, c, queue, o)
	waiting := waitForStage(t, c, o.OrderID, workflows.StageAwaitingActivation)
	first.kill()

	if _, err := env.api.ApproveConnection(context.Background(), "initech", waiting.ConnectionID); err != nil {
		t.Fatal(err)
	}
	second := workerFor(t, queue)
	res, err := result(t, run)
	if err != nil {
		t.Fatalf("%v\nsecond worker output:\n%s", err, second.out.String())
	}
	if res.Stage != workflows.StageActive || res.ConnectionID != waiting.ConnectionID {
		t.Errorf("result %+v", res)
	}
	if n := env.sim.ConnectionsCreated("acme", o.OrderID); n != 1 {
		t.Errorf("simulator created %d connections, want 1", n)
	}
	checkHistory(t, c, o.OrderID, "worker-restarted-mid-wait")

	// The second worker replayed the order's start and PUT to get to the
	// wait: its metrics count only what happened on it, the end.
	base := "http://" + monitoringAddr(t, second)
	var body string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, body = scrape(t, base+"/metrics")
		if metric(body, "l2_orders_ended_total") > 0 || time.Now().After(deadline) {
			break
		}
	}
	if ended, started, puts := metric(body, "l2_orders_ended_total", `outcome="active"`), metric(body, "l2_orders_started_total"), metric(body, "l2_puts_total"); ended != 1 || started != 0 || puts != 0 {
		t.Errorf("second worker counted %v ended (want 1), %v started and %v PUTs (want 0: replayed, not done again)", ended, started, puts)
	}
}

// Issue 26: a wait of many reads stays in one run (POLLS_PER_RUN no
// longer applies since revision 4): its reads are one activity the server
// retries, and what the last one saw shows in `starter status` without a
// workflow task per read.
func TestLongWaitStaysInOneRun(t *testing.T) {
	need(t)
	const queue = "e2e-long-wait"
	workerFor(t, queue, "POLLS_PER_RUN=3")
	c := env.temporal.Client(t)
	o := b2bOrder("E2E-LONG-WAIT", "initech")
	first := startOn(t, c, queue, o)
	waiting := waitForStage(t, c, o.OrderID, workflows.StageAwaitingActivation)

	// Wait until the read has been retried well past POLLS_PER_RUN.
	var attempts int32
	for deadline := time.Now().Add(time.Minute); attempts < 6 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		desc, err := c.DescribeWorkflowExecution(context.Background(), workflows.WorkflowID(o.OrderID), "")
		if err != nil {
			t.Fatal(err)
		}
		if run := desc.WorkflowExecutionInfo.Execution.RunId; run != first.GetRunID() {
			t.Fatalf("the order continued as new (run %s)", run)
		}
		for _, a := range desc.GetPendingActivities() {
			if a.GetActivityType().GetName() == "AwaitConnection" {
				attempts = a.GetAttempt()
			}
		}
	}
	if attempts < 6 {
		t.Fatalf("the read was tried %d times in a minute, want 6", attempts)
	}
	out, code := starter(t, "", "status", o.OrderID)
	if code != 0 || !strings.Contains(out, "lastRead") || !strings.Contains(out, string(ccapi.StatusPending)) {
		t.Errorf("starter status (%d) does not show the last read:\n%s", code, out)
	}
	if _, err := env.api.ApproveConnection(context.Background(), "initech", waiting.ConnectionID); err != nil {
		t.Fatal(err)
	}
	var res workflows.Result
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.GetWorkflow(ctx, workflows.WorkflowID(o.OrderID), first.GetRunID()).Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if res.Stage != workflows.StageActive || res.ConnectionID != waiting.ConnectionID {
		t.Errorf("result %+v", res)
	}
	if n := env.sim.ConnectionsCreated("acme", o.OrderID); n != 1 {
		t.Errorf("simulator created %d connections, want 1", n)
	}
	checkRunHistory(t, c, o.OrderID, first.GetRunID(), "long-wait-one-run")
}
