package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/cc-l2/provisioner/workflows"
)

// batchOptions are what sets a batch apart.
type batchOptions struct {
	workerEnv []string // added to the worker's environment
	// workers polling the batch's task queue (0: one); the processor time
	// reported is the first one's.
	workers int
	// endWithin, when set, is how long after the submit the orders may
	// take to end: those that have not by then count as failed and are
	// terminated. Unset, an order that does not end within Config.Timeout
	// means the harness is broken.
	endWithin time.Duration
}

// projectBatch runs n orders of a kind through the project as a user
// would: a fresh worker binary on the batch's task queue, then
// `starter submit --json` of a file of the orders. It is timed from the
// submit to each order's end; the worker stops once every order ended.
func (r *run) projectBatch(ctx context.Context, name, queue string, kind orderKind, n int, opts batchOptions) (Batch, error) {
	w, err := startWorker(ctx, r.temporal, r.cfg.Binaries.Worker, r.cfg.Dir, queue,
		append(workerEnv(r.hostPort, queue, r.sim.url), opts.workerEnv...))
	if err != nil {
		return Batch{}, err
	}
	defer w.stop()
	for i := 2; i <= opts.workers; i++ {
		more, err := startWorkerLogging(ctx, r.temporal, r.cfg.Binaries.Worker,
			filepath.Join(r.cfg.Dir, fmt.Sprintf("worker-%s-%d.log", queue, i)), queue,
			append(workerEnv(r.hostPort, queue, r.sim.url), opts.workerEnv...))
		if err != nil {
			return Batch{}, err
		}
		defer more.stop()
	}
	b := Batch{Name: name, Orders: n}
	before := r.sim.requests()
	cpu := r.meterCPU(w.pid())
	submitted := time.Now()
	var starterCPU time.Duration
	if b.Started, starterCPU, err = r.submit(ctx, queue, kind.orders(n)); err != nil {
		return b, err
	}
	orders := queries{queue: queue, workflowType: workflows.WorkflowName}
	timeout := r.cfg.Timeout
	if opts.endWithin > 0 {
		timeout = max(0, opts.endWithin-time.Since(submitted))
	}
	err = awaitCount(ctx, r.temporal, b.Started, timeout, w.alive, func(done int) {
		fmt.Fprintf(r.progress, "bench: %s: %d of %d orders ended\n", name, done, b.Started)
	}, orders.closed())
	b.takeCPU(cpu, starterCPU)
	outOfTime := opts.endWithin > 0 && errors.Is(err, errTimedOut)
	if err != nil && !outOfTime {
		return b, fmt.Errorf("%s: %w", name, err)
	}
	runs, err := list(ctx, r.temporal, orders.closed())
	if err != nil {
		return b, err
	}
	b.timeEnds(submitted, runs, func(e ended) bool {
		return e.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED && e.Stage == string(workflows.StageActive)
	})
	b.Calls = r.sim.callsSince(before)
	fmt.Fprintf(r.progress, "bench: %s: %d orders ended in %s, %d failed\n", name, b.Ended, b.Took.Round(100*time.Millisecond), b.Failed)
	if g, err := slowestGap(ctx, r.temporal, runs); err == nil {
		writeSlowest(r.progress, name, g)
	}
	if outOfTime {
		fmt.Fprintf(r.progress, "bench: %s: %d orders had not ended %s after the submit\n", name, b.Started-b.Ended, opts.endWithin.Round(time.Second))
		return b, terminateRunning(ctx, r.temporal, queue, r.progress)
	}
	return b, nil
}

// submit writes the orders to a file and starts them with the starter
// binary, `starter submit --json FILE`, as a user would. It returns how
// many started, and the starter's processor time; the starter's exit
// status 1 (some did not start) is for the count to say, any other
// failure is the harness's.
func (r *run) submit(ctx context.Context, queue string, orders []workflows.Order) (int, time.Duration, error) {
	ordersPath := filepath.Join(r.cfg.Dir, "orders-"+queue+".json")
	data, err := json.Marshal(orders)
	if err != nil {
		return 0, 0, fmt.Errorf("writing the orders: %w", err)
	}
	if err := os.WriteFile(ordersPath, data, 0o644); err != nil {
		return 0, 0, fmt.Errorf("writing the orders: %w", err)
	}
	outPath := filepath.Join(r.cfg.Dir, "starter-"+queue+".jsonl")
	out, err := os.Create(outPath)
	if err != nil {
		return 0, 0, fmt.Errorf("creating the starter's output: %w", err)
	}
	defer out.Close()
	logPath := filepath.Join(r.cfg.Dir, "starter-"+queue+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return 0, 0, fmt.Errorf("creating the starter's log: %w", err)
	}
	defer logFile.Close()

	cmd := exec.CommandContext(ctx, r.cfg.Binaries.Starter, "submit", "--json", ordersPath)
	cmd.Env = append(os.Environ(),
		"TEMPORAL_CONFIG_FILE="+os.DevNull,
		"TEMPORAL_ADDRESS="+r.hostPort,
		"TEMPORAL_NAMESPACE="+namespace,
		"TEMPORAL_TASK_QUEUE="+queue,
		"LOG_LEVEL=warn",
	)
	cmd.Stdout, cmd.Stderr = out, logFile
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return 0, 0, fmt.Errorf("starter submit (log: %s): %w", logPath, err)
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	started, err := countStarted(outPath)
	if err == nil && started == 0 && len(orders) > 0 {
		return 0, 0, fmt.Errorf("starter submit started no order (log: %s)", logPath)
	}
	return started, cpu, err
}

// countStarted reads the starter's JSON lines: one "started" event per
// order, whose outcome is started, exists or error.
func countStarted(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("reading the starter's output: %w", err)
	}
	defer f.Close()
	started := 0
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		var line struct {
			Event   string `json:"event"`
			Outcome string `json:"outcome"`
		}
		if err := json.Unmarshal(scanner.Bytes(), &line); err != nil {
			return 0, fmt.Errorf("reading the starter's output %s: %w", path, err)
		}
		if line.Event == "started" && (line.Outcome == "started" || line.Outcome == "exists") {
			started++
		}
	}
	if err := scanner.Err(); err != nil {
		return 0, fmt.Errorf("reading the starter's output %s: %w", path, err)
	}
	return started, nil
}
