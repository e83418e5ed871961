package explore

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
	"github.com/cc-l2/provisioner/internal/dev/chaos"
	"github.com/cc-l2/provisioner/workflows"
)

// pairScenario is two orders for the same (port, name): the second starts
// at a boundary of the first, or just after it has ended.
type pairScenario struct {
	Type, Name    string
	First, Second workflows.Order
	// Faults are the simulator's from the start; SecondFaults replace them
	// when the second order starts.
	Faults, SecondFaults ccapisim.Faults
}

// pairScenarios are few runs each, so the short exploration keeps them all.
func pairScenarios() []pairScenario {
	pair := func(name string) (workflows.Order, workflows.Order) {
		a, b := p2p(name+"-1"), p2p(name+"-2")
		a.Name, b.Name = name, name
		return a, b
	}
	a1, b1 := pair("EXP-PAIR")
	a2, b2 := pair("EXP-PAIR-LAG")
	lag := ccapisim.Faults{ListLag: time.Minute}
	return []pairScenario{
		{Type: TypeCreateP2P, Name: "pair for one name", First: a1, Second: b1},
		// The API's lists lag (a minute, within the 2-minute settle window), and
		// the second order's PUT answer is lost after the commit.
		{Type: TypeCreateP2P, Name: "pair for one name, lists lag, second PUT answer lost", First: a2, Second: b2,
			Faults: lag, SecondFaults: ccapisim.Faults{ListLag: time.Minute, CommitThenDrop: 1, DropMode: ccapisim.DropWith502}},
	}
}

// pairWorkflow starts the first order, then the second when told to (a
// signal at a boundary of the first) or once the first has ended.
const (
	pairWorkflow = "ExplorePair"
	signalSecond = "start-second"
)

func pairDriver(ctx workflow.Context, first, second workflows.Input) error {
	start := func(in workflows.Input) workflow.ChildWorkflowFuture {
		return workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: workflows.WorkflowID(in.Order.OrderID),
		}), workflows.WorkflowName, in)
	}
	a := start(first)
	var b workflow.ChildWorkflowFuture
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(a, func(workflow.Future) {})
	sel.AddReceive(workflow.GetSignalChannel(ctx, signalSecond), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		b = start(second)
	})
	sel.Select(ctx)
	if b == nil {
		b = start(second)
	}
	_ = a.Get(ctx, nil)
	_ = b.Get(ctx, nil)
	return nil
}

// explorePair starts the second order at each boundary of the first, then
// once the first has ended.
func (x *explorer) explorePair(s pairScenario) error {
	x.types[s.Type] = true
	x.rep.Scenarios++
	began := time.Now()
	base, err := x.runPair(s, -1)
	if err != nil {
		return err
	}
	n := len(base.trace.events)
	x.rep.Boundaries += n
	runs := 1
	for k := 0; k <= n; k++ { // 0: just after the first has ended
		r, err := x.runPair(s, k)
		if err != nil {
			return err
		}
		runs++
		at := "after the first ended"
		if k > 0 {
			at = fmt.Sprintf("%d (%s)", k, base.trace.events[k-1].Name)
		}
		x.checkPair(s, r, at)
	}
	x.rep.Runs += runs
	fmt.Fprintf(x.progress, "explore: %s, %s: %d runs in %s\n", s.Type, s.Name, runs, time.Since(began).Round(time.Millisecond))
	return nil
}

type pairRun struct {
	trace *trace
	world *world
	err   string // the driver did not end
}

// runPair runs the pair with the second order started at boundary k of
// the first (0: once it has ended; -1: the first alone, to count them).
func (x *explorer) runPair(s pairScenario, k int) (*pairRun, error) {
	cfg := config(scenario{}, false)
	// Provisioning takes a second: the first order ends at its first
	// read, while its connection may still be missing from lagging lists.
	opts := simOptions()
	opts.ActivationDelay = time.Second
	w, err := newWorld(x.srv, opts, cfg.PutSettleWindow)
	if err != nil {
		return nil, err
	}
	w.sim.SetFaults(s.Faults)
	t := &trace{target: workflows.WorkflowID(s.First.OrderID), at: k, kind: "second order"}
	r := &pairRun{trace: t, world: w}
	startSecond := func(env *testsuite.TestWorkflowEnvironment) {
		w.sim.SetFaults(s.SecondFaults)
		env.SignalWorkflow(signalSecond, nil)
	}
	if k > 0 {
		t.deliver = startSecond
	}
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(quiet{})
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetTestTimeout(time.Minute)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "explore-pair"})
	env.SetWorkerOptions(t.workerOptions())
	env.SetOnActivityCanceledListener(t.cancelledActivity)
	env.SetOnActivityCompletedListener(func(info *activity.Info, _ converter.EncodedValue, _ error) { t.answered(info.ActivityType.Name) })
	workflows.Register(env, cfg)
	env.RegisterWorkflowWithOptions(pairDriver, workflow.RegisterOptions{Name: pairWorkflow})
	env.RegisterActivity(w.acts)
	t.env = env
	w.clock.follow(env.Now)
	second := workflows.Input{Order: s.Second}
	if k < 0 {
		second.Order.DryRun = true // the first alone: the second only looks
	} else if k == 0 {
		w.sim.SetFaults(s.Faults) // set again when it starts, below
	}
	if k == 0 {
		// Once the first has ended the driver starts the second; its faults
		// apply from then.
		env.SetOnChildWorkflowCompletedListener(func(info *workflow.Info, _ converter.EncodedValue, _ error) {
			if info.WorkflowExecution.ID == t.target {
				w.sim.SetFaults(s.SecondFaults)
			}
		})
	}
	if err := execute(env, pairWorkflow, workflows.Input{Order: s.First}, second); err != nil {
		r.err = err.Error()
	} else if !env.IsWorkflowCompleted() {
		r.err = "the pair did not complete"
	}
	w.clock.stop()
	return r, nil
}

// checkPair: the ledger holds at most one connection for the pair's name,
// owned by the order that says it owns it, and nothing is left behind.
func (x *explorer) checkPair(s pairScenario, r *pairRun, at string) {
	broke := func(format string, args ...any) {
		x.violate(Violation{Type: s.Type, Scenario: s.Name, Boundary: at, Interrupt: "second order", What: fmt.Sprintf(format, args...)})
	}
	if t := r.trace; t.at > 0 && t.deliver != nil && !t.delivered {
		broke("the explorer never delivered its interrupt (boundary %d of %d reached): the run proves nothing", t.at, t.count())
	}
	if r.err != "" {
		broke("the pair did not end: %s", r.err)
		return
	}
	var claims []chaos.Claim
	for _, o := range []workflows.Order{s.First, s.Second} {
		e, ok := r.trace.endings[workflows.WorkflowID(o.OrderID)]
		if !ok {
			broke("order %s did not end", o.OrderID)
			return
		}
		c := chaos.Claim{Order: o, Kind: "pair", Err: e.Err, Ended: true}
		if res, ok := e.Result.(workflows.Result); ok {
			c.Result = res
		}
		var can *workflow.ContinueAsNewError
		if errors.As(e.Err, &can) {
			broke("order %s continued as new, which pairs do not follow", o.OrderID)
			return
		}
		claims = append(claims, c)
	}
	rep := chaos.Reconcile(claims, r.world.sim.Ledger())
	if rep.Failed() || rep.Shared > 0 {
		broke("reconciled as make chaos does: duplicates=%d orphans=%d untruthful=%d, both orders naming one connection=%d: %s",
			rep.Duplicates, rep.Orphans, rep.Untruthful, rep.Shared, strings.Join(append(rep.Problems, outcomes(claims)...), "; "))
	}
}

func outcomes(claims []chaos.Claim) []string {
	var out []string
	for _, c := range claims {
		said := describe(&chain{Result: c.Result, Err: c.Err})
		id := c.Result.ConnectionID
		out = append(out, fmt.Sprintf("%s ended %s %s %s", c.Order.OrderID, said.Label, id, said.Message))
	}
	return out
}
