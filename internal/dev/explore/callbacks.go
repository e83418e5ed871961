package explore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/workflows"
)

// callbackScenario is the milestones an order reports, in order: the
// first starts the callbacks workflow, the ones before the last come by
// signal at once, and the last one comes at each boundary of the
// callbacks workflow in turn, or just after it has ended.
type callbackScenario struct {
	Name       string
	Milestones []string
}

func callbackScenarios(short bool) []callbackScenario {
	all := []callbackScenario{
		{Name: "ordered, awaiting, active", Milestones: []string{workflows.MilestoneOrdered, workflows.MilestoneAwaitingAcceptance, workflows.MilestoneActive}},
		// A Temporal cancel of a decommission whose DELETE kept failing
		// reports failed, then cancelled.
		{Name: "failed, then cancelled", Milestones: []string{workflows.MilestoneOrdered, workflows.MilestoneFailed, workflows.MilestoneCancelled}},
	}
	if short {
		return all[1:]
	}
	return all
}

// exploreCallbacks delivers the last milestone, and each interrupt, at
// every boundary of the callbacks workflow: every milestone the order
// sent must reach the receiver, in order.
func (x *explorer) exploreCallbacks(s callbackScenario) error {
	x.types[TypeCallbacks] = true
	x.rep.Scenarios++
	began := time.Now()
	base := x.runCallbacks(s, None, -1)
	n := len(base.trace.events)
	x.rep.Boundaries += n
	runs := 1
	// After its end only when a final milestone ended it: one that heard
	// nothing for callbacksIdleLimit (31 days) ends by design.
	first := 1
	if slices.ContainsFunc(s.Milestones[:len(s.Milestones)-1], final) {
		first = 0
	}
	for k := first; k <= n; k++ { // 0: just after it ended
		r := x.runCallbacks(s, None, k)
		runs++
		x.checkCallbacks(s, r, "last milestone", boundaryLabel(base, k))
		if k == 0 {
			continue
		}
		for _, intr := range []Interrupt{CancelSignal, TemporalCancel, Refresh} {
			r := x.runCallbacks(s, intr, k)
			runs++
			x.checkCallbacks(s, r, string(intr), boundaryLabel(base, k))
		}
	}
	x.rep.Runs += runs
	fmt.Fprintf(x.progress, "explore: %s, %s: %d runs in %s\n", TypeCallbacks, s.Name, runs, time.Since(began).Round(time.Millisecond))
	return nil
}

// final reports whether no milestone follows m (workflows.finalMilestone).
func final(m string) bool {
	switch m {
	case workflows.MilestoneActive, workflows.MilestoneFailed, workflows.MilestoneCancelled, workflows.MilestoneDecommissioned, workflows.MilestoneModified:
		return true
	}
	return false
}

func boundaryLabel(base *callbacksRun, k int) string {
	if k == 0 {
		return "after it ended"
	}
	return fmt.Sprintf("%d (%s)", k, base.trace.events[k-1].Name)
}

type callbacksRun struct {
	trace     *trace
	mu        sync.Mutex
	delivered []string
	sent      []string
	lost      []string // sent once the workflow had ended: the server refuses them
	problem   string
	intr      Interrupt
}

// runCallbacks runs the callbacks workflow; with intr None the last
// milestone comes at boundary k (0: after the end; -1: with the others),
// else it comes with the others and intr at boundary k.
func (x *explorer) runCallbacks(s callbackScenario, intr Interrupt, k int) *callbacksRun {
	id := workflows.CallbacksWorkflowID("EXP-CALLBACKS")
	t := &trace{target: id, kind: intr}
	r := &callbacksRun{trace: t, intr: intr}
	event := func(m string) activities.CallbackEvent {
		return activities.CallbackEvent{URL: "https://tickets.example/hook", OrderID: "EXP-CALLBACKS", Milestone: m, Time: start}
	}
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(quiet{})
	// newEnv is a test environment running the callbacks workflow from
	// at, whose deliveries are recorded.
	newEnv := func(at time.Time) *testsuite.TestWorkflowEnvironment {
		env := suite.NewTestWorkflowEnvironment()
		env.SetStartTime(at)
		env.SetTestTimeout(time.Minute)
		env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id})
		workflows.Register(env, workflows.DefaultConfig())
		env.RegisterActivityWithOptions(func(ctx context.Context, e activities.CallbackEvent) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.delivered = append(r.delivered, e.Milestone)
			return nil
		}, activity.RegisterOptions{Name: "DeliverCallback"})
		return env
	}
	env := newEnv(start)
	env.SetWorkerOptions(t.workerOptions())
	t.env = env
	ms := s.Milestones
	send := func(env *testsuite.TestWorkflowEnvironment, m string) {
		r.mu.Lock()
		r.sent = append(r.sent, m)
		r.mu.Unlock()
		if env.IsWorkflowCompleted() {
			r.mu.Lock()
			r.lost = append(r.lost, m)
			r.mu.Unlock()
			return
		}
		env.SignalWorkflowSkippingWorkflowTask(workflows.SignalCallbackEvent, event(m))
	}
	r.sent = []string{ms[0]}
	middle := ms[1 : len(ms)-1]
	last := ms[len(ms)-1]
	if intr == None && k >= 0 {
		env.RegisterDelayedCallback(func() {
			for _, m := range middle {
				send(env, m)
			}
		}, 0)
		if k > 0 {
			t.at, t.deliver = k, func(env *testsuite.TestWorkflowEnvironment) { send(env, last) }
		}
	} else {
		env.RegisterDelayedCallback(func() {
			for _, m := range ms[1:] {
				send(env, m)
			}
		}, 0)
		if intr != None {
			t.at, t.deliver = k, t.deliverer(intr)
		}
	}
	if err := execute(env, workflows.CallbacksWorkflowName, event(ms[0])); err != nil {
		r.problem = err.Error()
	}
	if intr == None && (k == 0 || !t.delivered) {
		// It ended before the boundary came (or k is after its end): the
		// order's last milestone comes now, and the server refuses it.
		t.delivered = true
		send(env, last)
	}
	// An order whose signal the server refused (the workflow had ended)
	// starts the callbacks workflow again with that milestone
	// (workflows.notify, since changeCallbacksRestart): each such restart
	// is run here as the order would start it.
	refused := r.lost
	r.lost = nil
	for _, m := range refused {
		again := newEnv(env.Now())
		if err := execute(again, workflows.CallbacksWorkflowName, event(m)); err != nil || !again.IsWorkflowCompleted() {
			r.lost = append(r.lost, m) // not restarted: lost after all
		}
	}
	return r
}

// checkCallbacks: every milestone sent was delivered, in the order sent.
func (x *explorer) checkCallbacks(s callbackScenario, r *callbacksRun, interrupt, at string) {
	broke := func(format string, args ...any) {
		x.violate(Violation{Type: TypeCallbacks, Scenario: s.Name, Boundary: at, Interrupt: interrupt, What: fmt.Sprintf(format, args...)})
	}
	if t := r.trace; t.at > 0 && t.deliver != nil && !t.delivered {
		broke("the explorer never delivered its interrupt (boundary %d of %d reached): the run proves nothing", t.at, t.count())
	}
	if r.problem != "" {
		broke("the callbacks workflow did not end: %s", r.problem)
		return
	}
	if r.intr == TemporalCancel && r.trace.delivered {
		return // cancelled by hand: what it still delivers is not promised
	}
	if len(r.lost) > 0 {
		broke("milestone %s was sent after the callbacks workflow had ended (%s delivered): it is lost",
			strings.Join(r.lost, ", "), strings.Join(r.delivered, ", "))
		return
	}
	if !slices.Equal(r.sent, r.delivered) {
		broke("milestones sent %s, delivered %s", strings.Join(r.sent, ", "), strings.Join(r.delivered, ", "))
	}
}
