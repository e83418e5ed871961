package explore

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/workflows"
)

// Interrupt is what the explorer delivers at a boundary.
type Interrupt string

const (
	None           Interrupt = "none"
	CancelSignal   Interrupt = "cancel"
	TemporalCancel Interrupt = "temporal-cancel"
	Refresh        Interrupt = "refresh"
	Deadline       Interrupt = "deadline"
	// ContinueAsNew is not delivered: a run with it sets PollsPerRun to 1,
	// so that every wait continues as new after each read, and any other
	// interrupt at a read's boundary lands in the task that continues.
	ContinueAsNew Interrupt = "continue-as-new"
)

// Interrupts are delivered at each boundary, in this order.
var Interrupts = []Interrupt{CancelSignal, TemporalCancel, Refresh, Deadline}

// chain is one order's workflow, run after run until it no longer
// continues as new, in the test environment.
type chain struct {
	Order    workflows.Order
	Type     string
	Result   workflows.Result
	Err      error
	Ended    bool
	Problem  string // why it did not end
	Runs     int
	EndAt    time.Time
	EndCount int // boundaries reached when the last run returned
}

// runChain runs one order's workflow in w with cfg, delivering t's
// interrupt. Each run continued as new gets a fresh environment whose
// clock starts where the last run's stopped.
func runChain(w *world, t *trace, cfg workflows.Config, order workflows.Order) *chain {
	c := &chain{Order: order, Type: workflows.WorkflowType(order)}
	in := workflows.Input{Order: order}
	at := w.clock.Now()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(quiet{})
	for c.Runs < 200 {
		c.Runs++
		env := suite.NewTestWorkflowEnvironment()
		env.SetStartTime(at)
		env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflows.WorkflowID(order.OrderID)})
		env.SetTestTimeout(time.Minute)
		env.SetWorkerOptions(t.workerOptions())
		env.SetOnActivityCanceledListener(t.cancelledActivity)
		env.SetOnActivityCompletedListener(func(info *activity.Info, _ converter.EncodedValue, _ error) {
			t.answered(info.ActivityType.Name)
		})
		workflows.Register(env, cfg)
		env.RegisterActivity(w.acts)
		t.mu.Lock()
		t.env, t.runStartedDelivered = env, t.delivered
		t.mu.Unlock()
		w.clock.follow(env.Now)
		err := execute(env, c.Type, in)
		w.clock.stop()
		at = w.clock.Now()
		c.EndAt, c.EndCount = at, t.count()
		if err != nil {
			c.Problem = err.Error()
			return c
		}
		if !env.IsWorkflowCompleted() {
			c.Problem = "the workflow did not complete"
			return c
		}
		werr := env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if errors.As(werr, &can) {
			var next workflows.Input
			if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
				c.Problem = "decoding the continued run's input: " + err.Error()
				return c
			}
			in, c.Type = next, can.WorkflowType.Name
			continue
		}
		var panicked *temporal.PanicError
		if errors.As(werr, &panicked) {
			c.Problem = "the workflow panicked: " + werr.Error()
			return c
		}
		c.Ended, c.Err = true, werr
		if werr == nil {
			if err := env.GetWorkflowResult(&c.Result); err != nil {
				c.Problem = "reading the result: " + err.Error()
				c.Ended = false
			}
		}
		return c
	}
	c.Problem = fmt.Sprintf("still continuing as new after %d runs", c.Runs)
	return c
}

// execute runs the workflow; the test environment panics when a workflow
// is stuck past its test timeout.
func execute(env *testsuite.TestWorkflowEnvironment, wfType string, args ...any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the test environment gave up: %v", p)
		}
	}()
	env.ExecuteWorkflow(wfType, args...)
	return nil
}

// quiet drops the SDK's and the workflows' log lines.
type quiet struct{}

func (quiet) Debug(string, ...any) {}
func (quiet) Info(string, ...any)  {}
func (quiet) Warn(string, ...any)  {}
func (quiet) Error(string, ...any) {}
