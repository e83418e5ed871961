package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/ccapi/ccapisim"
	"github.com/cc-l2/provisioner/workflows"
)

// splitWorkers runs an order's workflow tasks and its activities in two
// workers of their own, each stopped and started at will, so that a test
// can make the server hand the workflow several events in one task.
type splitWorkers struct {
	t     *testing.T
	c     client.Client
	queue string
	cfg   workflows.Config
	// revision, when set, starts runs at that older revision (the paths
	// runs recorded before today's code still take).
	revision int
	wf       worker.Worker // workflow tasks and local activities
	acts     worker.Worker // activity tasks
}

func newSplitWorkers(t *testing.T, c client.Client, queue string, cfg workflows.Config) *splitWorkers {
	s := &splitWorkers{t: t, c: c, queue: queue, cfg: cfg}
	t.Cleanup(func() { s.stopWorkflows(); s.stopActivities() })
	return s
}

func (s *splitWorkers) activities() *activities.Activities {
	return &activities.Activities{API: env.api, Temporal: s.c}
}

func (s *splitWorkers) startWorkflows() {
	s.t.Helper()
	s.wf = worker.New(s.c, s.queue, worker.Options{LocalActivityWorkerOnly: true})
	if s.revision > 0 {
		workflows.RegisterAt(s.wf, s.cfg, s.revision)
	} else {
		workflows.Register(s.wf, s.cfg)
	}
	activities.Register(s.wf, s.activities())
	if err := s.wf.Start(); err != nil {
		s.t.Fatal(err)
	}
}

func (s *splitWorkers) startActivities() {
	s.t.Helper()
	s.acts = worker.New(s.c, s.queue, worker.Options{DisableWorkflowWorker: true})
	activities.Register(s.acts, s.activities())
	if err := s.acts.Start(); err != nil {
		s.t.Fatal(err)
	}
}

func (s *splitWorkers) stopWorkflows() {
	if s.wf != nil {
		s.wf.Stop()
		s.wf = nil
	}
}

func (s *splitWorkers) stopActivities() {
	if s.acts != nil {
		s.acts.Stop()
		s.acts = nil
	}
}

// pendingActivities waits until the order's pending activities are the
// ones named (none, for an empty list), in any order.
func pendingActivities(t *testing.T, c client.Client, orderID string, want ...string) {
	t.Helper()
	var got []string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		desc, err := c.DescribeWorkflowExecution(context.Background(), workflows.WorkflowID(orderID), "")
		if err != nil {
			t.Fatal(err)
		}
		got = got[:0]
		for _, a := range desc.GetPendingActivities() {
			got = append(got, a.GetActivityType().GetName())
		}
		if len(got) == len(want) && (len(want) == 0 || got[0] == want[0]) {
			return
		}
	}
	t.Fatalf("order %s: pending activities %v, want %v", orderID, got, want)
}

// Issue 22, scenario 2: a cancel signal that reaches the order in the
// same workflow task as the status read after which its wait continues as
// new was taken by the ending run and lost: the order went on waiting and
// its connection stayed. Here the server is made to hand the order both
// in one task: the read completes while no workflow worker runs, the
// cancel arrives, then the workflow worker starts. Runs since revision 4
// (revisionWaitAtFloor) no longer continue as new; runs before it, still
// in flight, do: this is theirs.
func TestCancelInTheTaskThatContinuesAsNew(t *testing.T) {
	need(t)
	c := env.temporal.Client(t)
	cfg := workflows.DefaultConfig()
	cfg.PollInitial, cfg.PollMax = 200*time.Millisecond, time.Second
	cfg.PollsPerRun = 1       // every read ends its run
	cfg.APIRateLimited = true // reads are activities, not local ones
	w := newSplitWorkers(t, c, "e2e-cancel-at-can", cfg)
	w.revision = 3 // revisionActionsOnce: the loops
	w.startWorkflows()
	w.startActivities()

	o := b2bOrder("E2E-CANCEL-AT-CAN", "initech") // initech answers nothing
	run := startOn(t, c, w.queue, o)
	waiting := waitForStage(t, c, o.OrderID, workflows.StageAwaitingActivation)

	w.stopActivities()
	pendingActivities(t, c, o.OrderID, "GetConnectionStatus") // scheduled, not run
	w.stopWorkflows()
	w.startActivities()
	pendingActivities(t, c, o.OrderID) // the read completed; its task waits for a worker
	if err := c.SignalWorkflow(context.Background(), workflows.WorkflowID(o.OrderID), "", workflows.SignalCancel,
		workflows.CancelRequest{Reason: "cancelled in the task that continues as new"}); err != nil {
		t.Fatal(err)
	}
	w.startWorkflows()

	res, err := result(t, run)
	if err != nil || res.Stage != workflows.StageCancelled || !res.Withdrawn {
		t.Fatalf("outcome %+v, %v: the cancel was lost", res, err)
	}
	conn, err := env.api.GetConnection(context.Background(), "acme", waiting.ConnectionID)
	if err != nil || conn.Status != ccapi.StatusCancelled {
		t.Errorf("connection after the cancel: %+v, %v", conn, err)
	}
	checkHistory(t, c, o.OrderID, "cancel-in-the-continue-as-new-task")
}

// Issue 26: since revision 4 a wait's reads are one activity the server
// retries, which reaches the workflow only with news. A cancel that
// arrives in the same task as that news is taken, whatever the news:
// here the partner accepts while no workflow worker runs, the read sees
// ACTIVE, the cancel arrives, and then the workflow worker starts.
func TestCancelInTheTaskOfARead(t *testing.T) {
	need(t)
	c := env.temporal.Client(t)
	cfg := workflows.DefaultConfig()
	cfg.PollInitial, cfg.PollMax = 200*time.Millisecond, time.Second
	w := newSplitWorkers(t, c, "e2e-cancel-at-read", cfg)
	w.startWorkflows()
	w.startActivities()

	o := b2bOrder("E2E-CANCEL-AT-READ", "initech")
	run := startOn(t, c, w.queue, o)
	waiting := waitForStage(t, c, o.OrderID, workflows.StageAwaitingActivation)
	pendingActivities(t, c, o.OrderID, "AwaitConnection")

	w.stopWorkflows()
	if _, err := env.api.ApproveConnection(context.Background(), "initech", waiting.ConnectionID); err != nil {
		t.Fatal(err)
	}
	pendingActivities(t, c, o.OrderID) // the read saw ACTIVE; its task waits for a worker
	if err := c.SignalWorkflow(context.Background(), workflows.WorkflowID(o.OrderID), "", workflows.SignalCancel,
		workflows.CancelRequest{Reason: "cancelled in the task of a read"}); err != nil {
		t.Fatal(err)
	}
	w.startWorkflows()

	withdrawnOnCancel(t, c, run, waiting.ConnectionID, "cancel-in-the-task-of-a-read")
}

// Issue 26: a refresh and a cancel that reach a waiting order in one task
// cancel the pending read; the cancel is taken and the order withdraws.
func TestRefreshAndCancelInOneTask(t *testing.T) {
	need(t)
	c := env.temporal.Client(t)
	cfg := workflows.DefaultConfig()
	cfg.PollInitial, cfg.PollMax = 200*time.Millisecond, time.Second
	w := newSplitWorkers(t, c, "e2e-refresh-cancel", cfg)
	w.startWorkflows()
	w.startActivities()

	o := b2bOrder("E2E-REFRESH-CANCEL", "initech") // initech answers nothing
	run := startOn(t, c, w.queue, o)
	waiting := waitForStage(t, c, o.OrderID, workflows.StageAwaitingActivation)
	pendingActivities(t, c, o.OrderID, "AwaitConnection")
	w.stopWorkflows()
	id := workflows.WorkflowID(o.OrderID)
	if err := c.SignalWorkflow(context.Background(), id, "", workflows.SignalRefresh, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.SignalWorkflow(context.Background(), id, "", workflows.SignalCancel, workflows.CancelRequest{Reason: "refreshed, then cancelled"}); err != nil {
		t.Fatal(err)
	}
	w.startWorkflows()
	withdrawnOnCancel(t, c, run, waiting.ConnectionID, "refresh-and-cancel-in-one-task")
}

// Issue 22, scenario 5: order A ends ACTIVE; order B, of the same name on
// the same port, starts at once. The port's reads lag behind (as the
// README allows within the settle window), so B's check finds no live
// connection of that name; B's PUT commits but its answer is lost. B
// must not take A's connection for its own (and delete its own as "a
// second connection"): the name stays reserved for the settle window
// after A, so B is refused before it sends anything, and says why.
func TestSecondOrderRightAfterTheFirstTakesNothingOfIt(t *testing.T) {
	need(t)
	c := env.temporal.Client(t)
	t.Cleanup(func() { env.sim.SetFaults(ccapisim.Faults{}) })
	first := p2pOrder("E2E-NAME-AFTER-A")
	first.Name = "E2E-SHARED-AFTER"
	res, err := result(t, start(t, c, first))
	if err != nil || res.Stage != workflows.StageActive {
		t.Fatalf("first order: %+v, %v", res, err)
	}
	env.sim.SetFaults(ccapisim.Faults{Endpoints: map[string]ccapisim.Faults{
		ccapisim.EndpointGetPort:      {ListLag: time.Hour},
		ccapisim.EndpointCreateLayer2: {CommitThenDrop: 1},
	}})
	second := p2pOrder("E2E-NAME-AFTER-B")
	second.Name = first.Name
	puts := env.sim.RequestCount(ccapisim.EndpointCreateLayer2)
	_, err = result(t, start(t, c, second))
	errType, msg := failureType(t, err)
	if errType != workflows.ErrTypePrecheckFailed || !strings.Contains(msg, "ended moments ago") || !strings.Contains(msg, first.OrderID) {
		t.Errorf("second order: %s: %s", errType, msg)
	}
	if n := env.sim.RequestCount(ccapisim.EndpointCreateLayer2) - puts; n != 0 {
		t.Errorf("the second order sent %d PUTs", n)
	}
	conn, err := env.api.GetConnection(context.Background(), "acme", res.ConnectionID)
	if err != nil || conn.Status != ccapi.StatusActive {
		t.Errorf("the first order's connection: %+v, %v", conn, err)
	}
	checkHistory(t, c, second.OrderID, "name-reserved-after-an-order")
}

// withdrawnOnCancel checks that a cancelled order ended cancelled with its
// connection withdrawn (gone from the API, or no longer able to come up),
// and records its history as recordAs.
func withdrawnOnCancel(t *testing.T, c client.Client, run client.WorkflowRun, connectionID, recordAs string) {
	t.Helper()
	res, err := result(t, run)
	if err != nil || res.Stage != workflows.StageCancelled || !res.Withdrawn {
		t.Fatalf("outcome %+v, %v: the cancel was lost", res, err)
	}
	conn, err := env.api.GetConnection(context.Background(), "acme", connectionID)
	if err == nil && conn.Status.Phase() != ccapi.PhaseFailed {
		t.Errorf("connection after the cancel: %+v", conn)
	}
	checkHistory(t, c, res.OrderID, recordAs)
}
