package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/ccapi"
)

// The bare engine ceiling: a workflow of the order's shape and nothing
// else — five activities one after the other, each one API call — run by
// an in-process worker with the worker binary's default concurrency. What
// the project adds on top of it is what the ratio measures.
const (
	bareWorkflowName = "BenchBareOrder"
	bareActivityName = "BenchReadPort"
	bareSteps        = 5
	// The worker binary's defaults (WORKER_MAX_CONCURRENT_ACTIVITIES and
	// WORKER_MAX_CONCURRENT_WORKFLOW_TASKS).
	bareMaxActivities    = 20
	bareMaxWorkflowTasks = 10
	// startParallel is how many bare starts are in flight at once: the
	// ceiling starts its workflows as fast as the server takes them.
	startParallel = 64
	startAttempts = 5
)

// bareOrder reads a port bareSteps times, one activity after another.
func bareOrder(ctx workflow.Context, portID string) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	for range bareSteps {
		if err := workflow.ExecuteActivity(ctx, bareActivityName, portID).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// bareActivities make the bare workflow's API calls.
type bareActivities struct {
	api *ccapi.Client
}

// ReadPort is one GET of a port of the ordering company.
func (a *bareActivities) ReadPort(ctx context.Context, portID string) error {
	_, err := a.api.GetPort(ctx, companyOrdering, portID)
	return err
}

// bareBatch runs n bare workflows, started together, on their own task
// queue, and times them from the first start to each end.
func (r *run) bareBatch(ctx context.Context, queue string, n int) (Batch, error) {
	api, err := ccapi.NewClient(r.sim.url, simKey, &http.Client{Timeout: 30 * time.Second})
	if err != nil {
		return Batch{}, fmt.Errorf("the bare workflow's API client: %w", err)
	}
	w := worker.New(r.temporal, queue, worker.Options{
		MaxConcurrentActivityExecutionSize:     bareMaxActivities,
		MaxConcurrentWorkflowTaskExecutionSize: bareMaxWorkflowTasks,
	})
	w.RegisterWorkflowWithOptions(bareOrder, workflow.RegisterOptions{Name: bareWorkflowName})
	w.RegisterActivityWithOptions((&bareActivities{api: api}).ReadPort, activity.RegisterOptions{Name: bareActivityName})
	if err := w.Start(); err != nil {
		return Batch{}, fmt.Errorf("starting the bare worker: %w", err)
	}
	defer w.Stop()

	b := Batch{Name: "bare engine (5 activities)", Orders: n}
	before := r.sim.requests()
	cpu := r.meterCPU(0)
	submitted := time.Now()
	started := make([]bool, n)
	_ = forEach(ctx, n, startParallel, func(ctx context.Context, i int) error {
		started[i] = r.startBare(ctx, queue, fmt.Sprintf("bare-%05d", i)) == nil
		return nil // a start that failed counts as a failure of the batch
	})
	for _, ok := range started {
		if ok {
			b.Started++
		}
	}
	bare := queries{queue: queue, workflowType: bareWorkflowName}
	alive := func() error { return nil } // in process: it runs as long as we do
	err = awaitCount(ctx, r.temporal, b.Started, r.cfg.Timeout, alive, func(done int) {
		fmt.Fprintf(r.progress, "bench: %s: %d of %d workflows ended\n", b.Name, done, b.Started)
	}, bare.closed())
	b.takeCPU(cpu, 0)
	if err != nil {
		return b, fmt.Errorf("%s: %w", b.Name, err)
	}
	runs, err := list(ctx, r.temporal, bare.closed())
	if err != nil {
		return b, err
	}
	b.timeEnds(submitted, runs, func(e ended) bool { return e.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED })
	b.Calls = r.sim.callsSince(before)
	fmt.Fprintf(r.progress, "bench: %s: %d workflows in %s, %d failed\n", b.Name, b.Ended, b.Took.Round(100*time.Millisecond), b.Failed)
	return b, nil
}

// startBare starts one bare workflow, trying again while the server does
// not answer; a start whose lost answer had started it counts.
func (r *run) startBare(ctx context.Context, queue, id string) error {
	var err error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		attemptCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		_, err = r.temporal.ExecuteWorkflow(attemptCtx, client.StartWorkflowOptions{
			ID: id, TaskQueue: queue,
			WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			WorkflowExecutionErrorWhenAlreadyStarted: true,
		}, bareWorkflowName, destPort)
		cancel()
		var exists *serviceerror.WorkflowExecutionAlreadyStarted
		if err == nil || errors.As(err, &exists) {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt) * time.Second)
	}
	return fmt.Errorf("starting bare workflow %s: %w", id, err)
}
