package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/ccapi/ccapisim"
	"github.com/cc-l2/provisioner/workflows"
)

// WaitCost is what one business-to-business order costs Temporal when it
// waits 14 days for an acceptance that never comes, from its start to its
// end at the deadline (the connection withdrawn): history events over all
// its runs, and Temporal Cloud billable actions as Temporal documents
// them (a workflow start, each activity attempt including every retry,
// each timer, marker, search-attribute upsert and signal).
//
// The order runs in the SDK's test environment, which skips time (no
// server can wait 14 days in a benchmark), against the simulator with
// the real activities; only the name lock, a call to Temporal, is
// answered in place. The environment keeps no history, so the figures
// are counted from what the workflow asked of Temporal, by Temporal's
// rules for what each request records: a workflow task is 3 events
// (scheduled, started, completed), counted once at the start and once
// for each thing that wakes the workflow (an activity's end, a timer, a
// signal) — an upper bound, as the server may hand several in one task.
type WaitCost struct {
	Events, Actions int
	Runs            int // the order's runs: 1 with no continue-as-new
	Activities      int // activities scheduled
	Attempts        int // their attempts, every retry included
	Reads           int // status reads of the API
}

// waitCost runs one 14-day wait with no acceptance and counts its cost.
func (r *run) waitCost() (WaitCost, error) { return r.waitCostAt(0) }

// waitCostAt is waitCost for an order started at an older revision of
// the workflow (0 for today's), for the figures before a change.
func (r *run) waitCostAt(revision int) (WaitCost, error) {
	api, err := ccapi.NewClient(r.sim.url, simKey, &http.Client{Timeout: 30 * time.Second})
	if err != nil {
		return WaitCost{}, err
	}
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	c := &costCounter{}
	before := r.sim.requests()[ccapisim.EndpointGetConnection]
	o := b2bWaiting.orders(1)[0]
	o.OrderID = "COST-14D"
	in := workflows.Input{Order: o}
	var now time.Time // where the last run's clock stopped
	for {
		env := suite.NewTestWorkflowEnvironment()
		if !now.IsZero() {
			env.SetStartTime(now)
		}
		env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{c}})
		if revision > 0 {
			workflows.RegisterAt(env, workflows.DefaultConfig(), revision)
		} else {
			workflows.Register(env, workflows.DefaultConfig())
		}
		env.RegisterActivity(&activities.Activities{API: api})
		var a *activities.Activities
		env.OnActivity(a.LockConnectionName, mock.Anything, mock.Anything).Return(activities.NameLock{Held: true, RunID: "cost-lock"}, nil)
		env.OnActivity(a.ReleaseConnectionName, mock.Anything, mock.Anything).Return(nil)
		c.run()
		env.ExecuteWorkflow(workflows.WorkflowName, in)
		err := env.GetWorkflowError()
		now = env.Now()
		var next *workflow.ContinueAsNewError
		if !errors.As(err, &next) {
			break
		}
		// The run's end is the continue-as-new, and the next run starts.
		if err := converter.GetDefaultDataConverter().FromPayloads(next.Input, &in); err != nil {
			return WaitCost{}, fmt.Errorf("decoding the next run's input: %w", err)
		}
	}
	cost := c.cost()
	cost.Reads = r.sim.requests()[ccapisim.EndpointGetConnection] - before
	return cost, nil
}

// costCounter counts what a workflow asks of Temporal, and the attempts
// of its activities, by the rules WaitCost describes.
type costCounter struct {
	interceptor.WorkerInterceptorBase
	mu                                    sync.Mutex
	events, actions, runs, acts, attempts int
}

func (c *costCounter) add(events, actions int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events += events
	c.actions += actions
}

// run counts a run's start (the started and the closing event, its first
// workflow task, the start's action).
func (c *costCounter) run() {
	c.add(2+3, 1)
	c.mu.Lock()
	c.runs++
	c.mu.Unlock()
}

// wake counts a workflow task.
func (c *costCounter) wake() { c.add(3, 0) }

func (c *costCounter) cost() WaitCost {
	c.mu.Lock()
	defer c.mu.Unlock()
	return WaitCost{Events: c.events, Actions: c.actions, Runs: c.runs, Activities: c.acts, Attempts: c.attempts}
}

func (c *costCounter) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &costActivity{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, c: c}
}

func (c *costCounter) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &costInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, c: c}
}

// costActivity counts each attempt of an activity on the task queue, one
// action each (a local activity is its marker, counted when asked for).
type costActivity struct {
	interceptor.ActivityInboundInterceptorBase
	c *costCounter
}

func (a *costActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	if !activity.GetInfo(ctx).IsLocalActivity {
		a.c.mu.Lock()
		a.c.attempts++
		a.c.actions++
		a.c.mu.Unlock()
	}
	return a.Next.ExecuteActivity(ctx, in)
}

type costInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	c *costCounter
}

func (i *costInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&costOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound}, c: i.c})
}

// HandleSignal: the signal's event and action, and the task it wakes.
func (i *costInbound) HandleSignal(ctx workflow.Context, in *interceptor.HandleSignalInput) error {
	i.c.add(1+3, 1)
	return i.Next.HandleSignal(ctx, in)
}

type costOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	c *costCounter
}

// ExecuteActivity: scheduled, started, closed; the task its end wakes.
// Its attempts are counted as they run.
func (o *costOutbound) ExecuteActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	o.c.add(3+3, 0)
	o.c.mu.Lock()
	o.c.acts++
	o.c.mu.Unlock()
	return o.Next.ExecuteActivity(ctx, activityType, args...)
}

// ExecuteLocalActivity: its marker, one action.
func (o *costOutbound) ExecuteLocalActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	o.c.add(1, 1)
	return o.Next.ExecuteLocalActivity(ctx, activityType, args...)
}

// NewTimer: started, fired (or cancelled); the task it wakes. The
// timers of AwaitWithTimeout come this way too.
func (o *costOutbound) NewTimer(ctx workflow.Context, d time.Duration) workflow.Future {
	o.c.add(2+3, 1)
	return o.Next.NewTimer(ctx, d)
}

func (o *costOutbound) NewTimerWithOptions(ctx workflow.Context, d time.Duration, opts workflow.TimerOptions) workflow.Future {
	o.c.add(2+3, 1)
	return o.Next.NewTimerWithOptions(ctx, d, opts)
}

// SideEffect and MutableSideEffect: a marker each.
func (o *costOutbound) SideEffect(ctx workflow.Context, f func(ctx workflow.Context) any) converter.EncodedValue {
	o.c.add(1, 1)
	return o.Next.SideEffect(ctx, f)
}

func (o *costOutbound) MutableSideEffect(ctx workflow.Context, id string, f func(ctx workflow.Context) any, equals func(a, b any) bool) converter.EncodedValue {
	o.c.add(1, 1)
	return o.Next.MutableSideEffect(ctx, id, f, equals)
}

// UpsertSearchAttributes: one event and one action each.
func (o *costOutbound) UpsertSearchAttributes(ctx workflow.Context, attrs map[string]any) error {
	o.c.add(1, 1)
	return o.Next.UpsertSearchAttributes(ctx, attrs)
}

func (o *costOutbound) UpsertTypedSearchAttributes(ctx workflow.Context, updates ...temporal.SearchAttributeUpdate) error {
	o.c.add(1, 1)
	return o.Next.UpsertTypedSearchAttributes(ctx, updates...)
}

// SignalExternalWorkflow: initiated, signalled; the task it wakes.
func (o *costOutbound) SignalExternalWorkflow(ctx workflow.Context, workflowID, runID, signalName string, arg any) workflow.Future {
	o.c.add(2+3, 1)
	return o.Next.SignalExternalWorkflow(ctx, workflowID, runID, signalName, arg)
}

// ExecuteChildWorkflow: initiated, started, closed; two tasks; the
// child's start. The child's own history is not counted.
func (o *costOutbound) ExecuteChildWorkflow(ctx workflow.Context, childWorkflowType string, args ...any) workflow.ChildWorkflowFuture {
	o.c.add(3+6, 1)
	return o.Next.ExecuteChildWorkflow(ctx, childWorkflowType, args...)
}
