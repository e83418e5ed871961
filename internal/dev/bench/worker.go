package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/cc-l2/provisioner/workflows"
)

// workerProcess is one run of the worker binary, on a task queue of its
// own: every batch gets a fresh worker, so that one batch's cache and
// memory peak do not carry into the next.
type workerProcess struct {
	cmd    *exec.Cmd
	queue  string
	exited chan struct{}
	err    error // why it exited; read after exited is closed
	log    string
}

// workerEnv is the worker's environment, the same for every batch but
// for the task queue (and the rate limit of the rate-limited batch).
// Polls start at 500 ms so that an activation is seen at once, as in the
// e2e and chaos suites; beyond that the waiting orders are read on the
// production schedule (the default POLL_MAX, set here so that the shell's
// cannot change it, within the polling budget's caps: every 30 s in a
// wait's first 10 minutes, every 5 minutes after), so that they cost what
// they would in production at every age of the wait.
func workerEnv(temporalAddr, queue, simURL string) []string {
	return append(os.Environ(),
		// No profile of the developer's own Temporal configuration.
		"TEMPORAL_CONFIG_FILE="+os.DevNull,
		"TEMPORAL_ADDRESS="+temporalAddr,
		"TEMPORAL_NAMESPACE="+namespace,
		"TEMPORAL_TASK_QUEUE="+queue,
		"CC_API_BASE_URL="+simURL,
		"CC_API_KEY="+simKey,
		"CC_API_MAX_RPS=0",
		"POLL_INITIAL=500ms",
		"POLL_MAX="+workflows.DefaultConfig().PollMax.String(),
		"LOG_LEVEL=warn",
		"LOG_FORMAT=console",
		// Metrics and health stay on, as in production, on a free port.
		"WORKER_HTTP_ADDR=127.0.0.1:0",
	)
}

// startWorker starts the binary with env, logging into dir, and waits
// until it polls its task queue for workflow and activity tasks.
func startWorker(ctx context.Context, c client.Client, binary, dir, queue string, env []string) (*workerProcess, error) {
	return startWorkerLogging(ctx, c, binary, filepath.Join(dir, "worker-"+queue+".log"), queue, env)
}

// startWorkerLogging is startWorker with the log at logPath.
func startWorkerLogging(ctx context.Context, c client.Client, binary, logPath, queue string, env []string) (*workerProcess, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("creating the worker's log: %w", err)
	}
	w := &workerProcess{cmd: exec.Command(binary), queue: queue, exited: make(chan struct{}), log: logPath}
	w.cmd.Env = env
	w.cmd.Stdout, w.cmd.Stderr = logFile, logFile
	if err := w.cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting the worker: %w", err)
	}
	go func() {
		w.err = w.cmd.Wait()
		_ = logFile.Close()
		close(w.exited)
	}()
	if err := w.awaitPolling(ctx, c); err != nil {
		w.stop()
		return nil, err
	}
	return w, nil
}

// awaitPolling waits until the server sees the worker poll both kinds of
// task on its queue.
func (w *workerProcess) awaitPolling(ctx context.Context, c client.Client) error {
	deadline := time.Now().Add(time.Minute)
	for _, kind := range []enumspb.TaskQueueType{enumspb.TASK_QUEUE_TYPE_WORKFLOW, enumspb.TASK_QUEUE_TYPE_ACTIVITY} {
		for {
			resp, err := c.DescribeTaskQueue(ctx, w.queue, kind)
			if err == nil && len(resp.GetPollers()) > 0 {
				break
			}
			if err := w.alive(); err != nil {
				return err
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the worker did not poll task queue %s within a minute (log: %s)", w.queue, w.log)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return nil
}

// alive is nil while the worker runs, else why it is gone.
func (w *workerProcess) alive() error {
	select {
	case <-w.exited:
		return fmt.Errorf("the worker exited (%v); its log: %s", w.err, w.log)
	default:
		return nil
	}
}

func (w *workerProcess) pid() int { return w.cmd.Process.Pid }

// stop asks the worker to shut down as an operator would (SIGTERM), and
// kills it if it has not within a minute.
func (w *workerProcess) stop() {
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.exited:
	case <-time.After(time.Minute):
		_ = w.cmd.Process.Kill()
		<-w.exited
	}
}
