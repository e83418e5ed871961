package explore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/workflows"
)

// lockCheck is the name lock's check interval in these runs.
const lockCheck = time.Hour

// lockScenario is a name lock and its order: the order ends after Checks
// of the lock's checks (and a half), releasing the lock by terminating the
// run it took, as orders do, or not at all (a terminated order).
type lockScenario struct {
	Name     string
	Checks   int
	Releases bool
}

func lockScenarios(short bool) []lockScenario {
	all := []lockScenario{
		{Name: "its order ends and releases it", Checks: 2, Releases: true},
		{Name: "its order is terminated", Checks: 2},
		// The lock continues as new after 200 checks.
		{Name: "its order outlives the lock's continue-as-new, then releases it", Checks: 201, Releases: true},
	}
	if short {
		return all[:2]
	}
	return all
}

// exploreLock runs the real lock workflow with each interrupt at each of
// its boundaries and checks that it holds the name while its order runs
// and lets it go when the order ends: at once when the order releases
// it, within one check when the order cannot.
func (x *explorer) exploreLock(s lockScenario) error {
	x.types[TypeNameLock] = true
	x.rep.Scenarios++
	began := time.Now()
	base := x.runLock(s, None, 0)
	x.checkLock(s, base, string(None), "-")
	n := len(base.trace.events)
	x.rep.Boundaries += n
	runs := 1
	for k := 1; k <= n; k++ {
		for _, intr := range []Interrupt{CancelSignal, TemporalCancel, Refresh} {
			r := x.runLock(s, intr, k)
			runs++
			x.checkLock(s, r, string(intr), fmt.Sprintf("%d (%s)", k, base.trace.events[k-1].Name))
		}
	}
	x.rep.Runs += runs
	fmt.Fprintf(x.progress, "explore: %s, %s: %d runs in %s\n", TypeNameLock, s.Name, runs, time.Since(began).Round(time.Millisecond))
	return nil
}

type lockRunResult struct {
	trace     *trace
	orderEnd  time.Time
	heldUntil time.Time // when the name was free again
	runs      int       // runs of the lock workflow
	problem   string
}

func (x *explorer) runLock(s lockScenario, intr Interrupt, k int) *lockRunResult {
	const id = "l2-name-explore"
	orderEnd := start.Add(time.Duration(s.Checks)*lockCheck + lockCheck/2)
	t := &trace{target: id, kind: intr}
	if intr != None {
		t.at, t.deliver = k, t.deliverer(intr)
	}
	r := &lockRunResult{trace: t, orderEnd: orderEnd}
	cfg := workflows.DefaultConfig()
	cfg.NameLockCheck = lockCheck
	in := workflows.NameLockInput{OrderID: "EXP-LOCKED", OrderWorkflowID: workflows.WorkflowID("EXP-LOCKED"), Company: company, PortID: portA,
		Name: "EXP-LOCKED", Delay: lockCheck}
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(quiet{})
	at := start.Add(in.Delay) // the lock starts delayed
	var firstRunEnd time.Time
	for r.runs < 5 {
		r.runs++
		env := suite.NewTestWorkflowEnvironment()
		env.SetStartTime(at)
		env.SetTestTimeout(time.Minute)
		env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id})
		env.SetWorkerOptions(t.workerOptions())
		workflows.Register(env, cfg)
		env.RegisterActivityWithOptions(func(context.Context, string) (bool, error) {
			t.mu.Lock()
			defer t.mu.Unlock()
			return t.askedAt.Before(orderEnd), nil
		}, activity.RegisterOptions{Name: "OrderIsOpen"})
		t.mu.Lock()
		t.env = env
		t.mu.Unlock()
		if err := execute(env, workflows.NameLockWorkflowName, in); err != nil {
			r.problem = err.Error()
			return r
		}
		at = env.Now()
		if r.runs == 1 {
			firstRunEnd = at
		}
		var can *workflow.ContinueAsNewError
		switch err := env.GetWorkflowError(); {
		case errors.As(err, &can):
			if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &in); err != nil {
				r.problem = err.Error()
				return r
			}
			continue
		case err != nil && !(intr == TemporalCancel && t.delivered):
			r.problem = "the lock failed: " + err.Error()
			return r
		}
		break
	}
	// The order releases the lock by identity
	// (activities.ReleaseConnectionName): it ends whatever run of the lock
	// is current and held for it, the one the order took or one that run
	// continued as new into, so a lock still running when its order ends
	// ends then. (Before, it terminated the run it took, which ended the
	// lock only if that run still ran: firstRunEnd.)
	r.heldUntil = at
	if s.Releases && orderEnd.Before(at) {
		r.heldUntil = orderEnd
	}
	_ = firstRunEnd
	return r
}

func (x *explorer) checkLock(s lockScenario, r *lockRunResult, interrupt, at string) {
	broke := func(format string, args ...any) {
		x.violate(Violation{Type: TypeNameLock, Scenario: s.Name, Boundary: at, Interrupt: interrupt, What: fmt.Sprintf(format, args...)})
	}
	if t := r.trace; t.at > 0 && t.deliver != nil && !t.delivered {
		broke("the explorer never delivered its interrupt (boundary %d of %d reached): the run proves nothing", t.at, t.count())
	}
	if r.problem != "" {
		broke("the lock did not end: %s", r.problem)
		return
	}
	if interrupt == string(TemporalCancel) && r.trace.delivered {
		return // cancelled by hand: the name is free, as asked
	}
	limit := r.orderEnd
	if !s.Releases {
		limit = r.orderEnd.Add(lockCheck) // the next check sees the order gone
	}
	switch {
	case r.heldUntil.After(limit):
		broke("the name stayed held until %s, after its order ended at %s (lock runs: %d)",
			r.heldUntil.Format(time.DateTime), r.orderEnd.Format(time.DateTime), r.runs)
	case r.heldUntil.Before(r.orderEnd):
		broke("the lock let the name go at %s while its order ran until %s", r.heldUntil.Format(time.DateTime), r.orderEnd.Format(time.DateTime))
	}
}
