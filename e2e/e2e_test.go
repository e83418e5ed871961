package e2e_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"

	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/ccapi/ccapisim"
	"github.com/cc-l2/provisioner/workflows"
)

// Fixture ids (ccapi/ccapisim/testdata/fixture.json).
const (
	acmeHKG   = "601000000000000000000001"
	acmeSIN   = "601000000000000000000002"
	acmeSmall = "601000000000000000000003"
)

// maxHistoryBytes is the budget for one order's history (issue: small
// histories even for a company with hundreds of ports).
const maxHistoryBytes = 64 << 10

func p2pOrder(id string) workflows.Order {
	return workflows.Order{OrderID: id, Company: "acme", PortID: acmeHKG, DestPortID: acmeSIN, SpeedMbps: 10}
}

func b2bOrder(id, company string) workflows.Order {
	return workflows.Order{OrderID: id, Company: "acme", PortID: acmeHKG, DestCompany: company, DestMetro: "HKG", SpeedMbps: 10}
}

// start starts an order on the shared worker's task queue.
func start(t *testing.T, c client.Client, o workflows.Order) client.WorkflowRun {
	t.Helper()
	return startOn(t, c, taskQueue, o)
}

// startOn starts an order on queue, under the workflow type that runs it
// (the create order's, or its action's).
func startOn(t *testing.T, c client.Client, queue string, o workflows.Order) client.WorkflowRun {
	t.Helper()
	run, err := c.ExecuteWorkflow(context.Background(), startOptions(o, queue), workflows.WorkflowType(o), workflows.Input{Order: o})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func result(t *testing.T, run client.WorkflowRun) (workflows.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var res workflows.Result
	err := run.Get(ctx, &res)
	return res, err
}

// waitForStage queries the order until it reaches stage.
func waitForStage(t *testing.T, c client.Client, orderID string, stage workflows.Stage) workflows.StatusView {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	var last workflows.StatusView
	for time.Now().Before(deadline) {
		v, err := c.QueryWorkflow(context.Background(), workflows.WorkflowID(orderID), "", workflows.QueryStatus)
		if err == nil && v.Get(&last) == nil && last.Stage == stage && last.ConnectionID != "" {
			return last
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("order %s never reached %s; last status %+v", orderID, stage, last)
	return last
}

// stackTrace is the order's coroutines, as the SDK's built-in query
// shows them.
func stackTrace(t *testing.T, c client.Client, orderID string) string {
	t.Helper()
	v, err := c.QueryWorkflow(context.Background(), workflows.WorkflowID(orderID), "", client.QueryTypeStackTrace)
	if err != nil {
		t.Fatalf("stack trace of %s: %v", orderID, err)
	}
	var stacks string
	if err := v.Get(&stacks); err != nil {
		t.Fatal(err)
	}
	return stacks
}

func failureType(t *testing.T, err error) (string, string) {
	t.Helper()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		t.Fatalf("error %v is not an application error", err)
	}
	return appErr.Type(), appErr.Error()
}

// checkHistory measures the order's history, checks it against the size
// budget and that the API key appears nowhere in it, and records it for
// the replay tests when -record is given.
func checkHistory(t *testing.T, c client.Client, orderID, recordAs string) {
	t.Helper()
	checkRunHistory(t, c, orderID, "", recordAs)
}

// checkRunHistory is checkHistory for one run ("" for the latest).
func checkRunHistory(t *testing.T, c client.Client, orderID, runID, recordAs string) {
	t.Helper()
	var hist historypb.History
	iter := c.GetWorkflowHistory(context.Background(), workflows.WorkflowID(orderID), runID, false, 0)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		hist.Events = append(hist.Events, ev)
	}
	size := proto.Size(&hist)
	figure(fmt.Sprintf("history of %-16s %3d events %6d bytes (%d ports in the company)", orderID, len(hist.Events), size, 6+extraPorts))
	if size > maxHistoryBytes {
		t.Errorf("history of %s is %d bytes, over the %d budget", orderID, size, maxHistoryBytes)
	}
	raw, err := json.Marshal(&hist)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), simKey) {
		t.Errorf("the API key appears in the history of %s", orderID)
	}
	if *record && recordAs != "" {
		args := []string{"history", orderID}
		if runID != "" {
			args = append(args, "--run", runID)
		}
		out, code := starter(t, "", args...)
		if code != 0 {
			t.Fatalf("starter history exited %d", code)
		}
		path := filepath.Join(env.root, "workflows", "testdata", "histories", recordAs+".json")
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// recordHistory writes a workflow's history for the replay tests when
// -record is given, in the format of `starter history` (and `temporal
// workflow show --output json`).
func recordHistory(t *testing.T, c client.Client, workflowID, runID, recordAs string) {
	t.Helper()
	if !*record {
		return
	}
	hist := &historypb.History{}
	iter := c.GetWorkflowHistory(context.Background(), workflowID, runID, false, 0)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		hist.Events = append(hist.Events, ev)
	}
	body, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(env.root, "workflows", "testdata", "histories", recordAs+".json")
	if err := os.WriteFile(path, append(body, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// figure records a measurement. go test hides a passing package's output,
// so figures also go to .data/e2e-figures.txt, which `make test` prints.
func figure(line string) {
	fmt.Fprintln(os.Stderr, "e2e figure:", line)
	if env.figures != nil {
		fmt.Fprintln(env.figures, line)
	}
}

func TestPortToPortBecomesActive(t *testing.T) {
	need(t)
	c := env.temporal.Client(t)
	o := p2pOrder("E2E-P2P")
	res, err := result(t, start(t, c, o))
	if err != nil {
		t.Fatal(err)
	}
	if res.Stage != workflows.StageActive || res.APIStatus != ccapi.StatusActive || res.ConnectionID == "" {
		t.Errorf("result %+v", res)
	}
	if n := env.sim.ConnectionsCreated("acme", o.OrderID); n != 1 {
		t.Errorf("simulator created %d connections, want 1", n)
	}
	checkHistory(t, c, o.OrderID, "port-to-port-active")
}

func TestBusinessToBusinessApproved(t *testing.T) {
	need(t)
	c := env.temporal.Client(t)
	o := b2bOrder("E2E-B2B-OK", "initech") // initech decides by hand
	run := start(t, c, o)
	waiting := waitForStage(t, c, o.OrderID, workflows.StageAwaitingActivation)
	if waiting.APIStatus != ccapi.StatusPending {
		t.Errorf("while waiting: %+v", waiting)
	}
	time.Sleep(3 * time.Second) // let it poll a few times: the recorded history shows a long wait
	if _, err := env.api.ApproveConnection(context.Background(), "initech", waiting.ConnectionID); err != nil {
		t.Fatal(err)
	}
	res, err := result(t, run)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stage != workflows.StageActive || res.ConnectionID != waiting.ConnectionID {
		t.Errorf("result %+v", res)
	}
	checkHistory(t, c, o.OrderID, "business-to-business-accepted")
}

func TestBusinessToBusinessDenied(t *testing.T) {
	need(t)
	c := env.temporal.Client(t)
	o := b2bOrder("E2E-B2B-DENY", "initech")
	run := start(t, c, o)
	waiting := waitForStage(t, c, o.OrderID, workflows.StageAwaitingActivation)
	if _, err := env.api.RejectConnection(context.Background(), "initech", waiting.ConnectionID); err != nil {
		t.Fatal(err)
	}
	_, err := result(t, run)
	typ, msg := failureType(t, err)
	if typ != workflows.ErrTypeConnectionFailed || !strings.Contains(msg, "DENIED") || !strings.Contains(msg, "Rejected by initech") {
		t.Errorf("failure %s: %s", typ, msg)
	}
	checkHistory(t, c, o.OrderID, "business-to-business-denied")
}

func TestFailedPrecheckOrdersNothing(t *testing.T) {
	need(t)
	c := env.temporal.Client(t)
	o := workflows.Order{OrderID: "E2E-PRECHECK", Company: "acme", PortID: acmeSmall, DestCompany: "globex", DestMetro: "SYD", SpeedMbps: 500}
	_, err := result(t, start(t, c, o))
	typ, msg := failureType(t, err)
	for _, want := range []string{"nothing was ordered", "500 Mbps exceeds the 10 Mbps remaining", "SYD", "does not support Layer 2"} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure %q lacks %q", msg, want)
		}
	}
	if typ != workflows.ErrTypePrecheckFailed {
		t.Errorf("failure type %s", typ)
	}
	if n := env.sim.ConnectionsCreated("acme", o.OrderID); n != 0 {
		t.Errorf("%d connections created by a failed pre-check", n)
	}
	checkHistory(t, c, o.OrderID, "failed-precheck")
}

// The PUT's answer is lost after the API created the connection, and the
// API answers 5xx now and then: the order still ends with one connection.
func TestLostAnswersAndRetryableErrorsOrderOnce(t *testing.T) {
	need(t)
	c := env.temporal.Client(t)
	// The PUT always commits and loses its answer (a 5xx before its commit
	// would only hold the order for the settle window); every other call
	// fails 30% of the time.
	env.sim.SetFaults(ccapisim.Faults{ErrorRate: 0.3, Endpoints: map[string]ccapisim.Faults{
		ccapisim.EndpointCreateLayer2: {CommitThenDrop: 1, DropMode: ccapisim.DropCut},
	}})
	t.Cleanup(func() { env.sim.SetFaults(ccapisim.Faults{}) })
	puts := env.sim.RequestCount(ccapisim.EndpointCreateLayer2)
	o := p2pOrder("E2E-FAULTS")
	res, err := result(t, start(t, c, o))
	if err != nil {
		t.Fatal(err)
	}
	if res.Stage != workflows.StageActive {
		t.Errorf("result %+v", res)
	}
	if n := env.sim.ConnectionsCreated("acme", o.OrderID); n != 1 {
		t.Errorf("simulator created %d connections for one order, want 1", n)
	}
	figure(fmt.Sprintf("order under faults (lost PUT answer, 30%% 5xx): PUTs that reached the API: %d, connections created: 1",
		env.sim.RequestCount(ccapisim.EndpointCreateLayer2)-puts))
	checkHistory(t, c, o.OrderID, "survived-retryable-errors")
}

func startOptions(o workflows.Order, queue string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{ID: workflows.WorkflowID(o.OrderID), TaskQueue: queue}
}
