package explore

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/internal/dev/devserver"
	"github.com/cc-l2/provisioner/workflows"
)

// Worker restarts. The test environment keeps no history, so this class
// runs against a Temporal dev server, with a real worker whose workflow
// cache is off: every workflow task is then run by a worker that holds
// nothing but the history — a worker restarted at every boundary, each
// replaying the history so far — and a task that replays differently
// fails the order (WorkflowPanicPolicy FailWorkflow) instead of stalling.
// Each scenario runs as it is and with its waits continuing as new at
// every read; its outcome must be the one the test environment gave
// without restarts, and the ledger must reconcile.

// restartTimeout bounds one order against the dev server.
const restartTimeout = 3 * time.Minute

// exploreRestarts runs every scenario once per continue-as-new setting
// with a restart at every boundary. want is each scenario's outcome
// without restarts, by scenario name and setting.
func (x *explorer) exploreRestarts(ctx context.Context, scenarios []scenario, want map[string]string) error {
	// Every workflow task replays the history from the start.
	worker.SetStickyWorkflowCacheSize(0)
	srv, stop, err := devserver.StartMain()
	if err != nil {
		return err
	}
	defer stop()
	c, err := client.DialContext(ctx, client.Options{HostPort: srv.HostPort, Namespace: srv.Namespace, Logger: quiet{}})
	if err != nil {
		return fmt.Errorf("dialing the dev server: %w", err)
	}
	defer c.Close()
	for i, s := range scenarios {
		if s.NoRestart {
			continue
		}
		for _, can := range []bool{false, true} {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			began := time.Now()
			r, err := x.runRestarted(ctx, c, fmt.Sprintf("explore-restart-%d-%v", i, can), s, can)
			if err != nil {
				return err
			}
			x.rep.Runs++
			label := "worker restart at every boundary"
			if can {
				label += "+" + string(ContinueAsNew)
			}
			x.check(s, r, label, "every")
			if said := describe(r.chain); r.chain.Ended && said.Label != want[wantKey(s, can)] {
				x.violate(Violation{Type: s.Type, Scenario: s.Name, Boundary: "every", Interrupt: label,
					What: fmt.Sprintf("with a fresh worker at every task the order ended %s (%s); without restarts it ended %s",
						said.Label, said.Message, want[wantKey(s, can)])})
			}
			fmt.Fprintf(x.progress, "explore: %s, %s: %s: the workflow code started %d times, in %s\n",
				s.Type, s.Name, label, r.chain.Runs, time.Since(began).Round(time.Millisecond))
		}
	}
	return nil
}

func wantKey(s scenario, can bool) string { return fmt.Sprintf("%s/%s/%v", s.Type, s.Name, can) }

// runRestarted runs s on the dev server, on task queue tq, in real time.
func (x *explorer) runRestarted(ctx context.Context, c client.Client, tq string, s scenario, can bool) (*orderRun, error) {
	// The simulator's pace in real time: provisioning takes a second, a
	// partner decides in two.
	opts := simOptions()
	opts.ActivationDelay, opts.AutoApproveDelay = time.Second, 2*time.Second
	cfg := restartConfig(s, can)
	w, err := newWorldAt(x.srv, opts, cfg.PutSettleWindow, time.Now(), time.Now)
	if err != nil {
		return nil, err
	}
	w.sim.SetFaults(s.Faults)
	w.acts.Temporal = c // the real name locks
	replays := &replayCounter{}
	wk := worker.New(c, tq, worker.Options{WorkflowPanicPolicy: worker.FailWorkflow, Interceptors: []interceptor.WorkerInterceptor{replays}})
	workflows.Register(wk, cfg)
	wk.RegisterActivity(w.acts)
	if err := wk.Start(); err != nil {
		return nil, fmt.Errorf("starting a worker: %w", err)
	}
	defer wk.Stop()

	order := s.Order
	order.ActivationTimeout = 0 // the worker's, scaled to real time
	if order.IsCreate() {
		// Every run takes its name's lock on the one dev server, which
		// keeps a name reserved for the settle window after an order that
		// ordered: each run orders under a name of its own.
		name := cmp.Or(order.Name, order.OrderID)
		order.Name = name + "-" + strings.TrimPrefix(tq, "explore-restart-")
	}
	ch := &chain{Order: order, Type: workflows.WorkflowType(order)}
	r := &orderRun{chain: ch, trace: &trace{}, world: w}
	runCtx, cancel := context.WithTimeout(ctx, restartTimeout)
	defer cancel()
	run, err := c.ExecuteWorkflow(runCtx, client.StartWorkflowOptions{
		ID: workflows.WorkflowID(order.OrderID) + "-" + tq, TaskQueue: tq,
	}, ch.Type, workflows.Input{Order: order})
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", order.OrderID, err)
	}
	ch.Err = run.Get(runCtx, &ch.Result)
	if runCtx.Err() != nil {
		ch.Problem = fmt.Sprintf("not ended within %s", restartTimeout)
		_ = c.TerminateWorkflow(ctx, run.GetID(), "", "explore: did not end")
		return r, nil
	}
	ch.Ended, ch.EndAt = true, time.Now()
	ch.Runs = int(replays.n.Load())
	return r, nil
}

// replayCounter counts how often a workflow's code starts from the
// beginning: once per run, and once more for every task a fresh worker
// replays.
type replayCounter struct {
	interceptor.WorkerInterceptorBase
	n atomic.Int64
}

func (c *replayCounter) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	c.n.Add(1)
	return next
}

// restartConfig is config in real time: reads every second, deadlines in
// seconds.
func restartConfig(s scenario, can bool) workflows.Config {
	cfg := config(s, can)
	cfg.PollInitial, cfg.PollMax = time.Second, 2*time.Second
	cfg.PutSettleWindow = 20 * time.Second
	if s.Order.ActivationTimeout > 0 {
		cfg.ActivationTimeoutPortToPort, cfg.ActivationTimeoutB2B = 8*time.Second, 8*time.Second
	}
	return cfg
}
