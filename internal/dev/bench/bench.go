// Package bench measures the project's performance and API economy
// (`make bench`, cmd/bench), side by side in one run on one in-memory
// Temporal dev server and the API simulator (no latency; connections
// activate, and the approving partner approves, at once):
//
//   - the bare engine ceiling: a five-activity workflow, one API call per
//     activity, run by an in-process worker;
//   - the project: the worker and starter binaries for port-to-port, then
//     business-to-business orders, from the submit to each order's end;
//   - API calls per order by endpoint, with the ordering company holding
//     many connections on the source port;
//   - history bytes per order;
//   - the worker's memory with many orders waiting for a partner, and
//     how long they took to all get to wait;
//   - what one 14-day wait costs Temporal in history events and billable
//     actions (in the SDK's test environment, which skips time);
//   - the API request rate a rate limit lets through, and failed orders.
//
// Every figure is measured in the same run as the ones it is compared
// with; nothing in it fails because a machine is slow. Run returns an
// error only when the harness itself could not do its work.
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/dev/devserver"
	"github.com/cc-l2/provisioner/internal/logging"
	"github.com/cc-l2/provisioner/workflows"
)

// Config is the size of one run.
type Config struct {
	// Orders is the size of each measured batch: bare workflows,
	// port-to-port, business-to-business and rate-limited orders.
	Orders int
	// Waiting orders wait for an acceptance that never comes while the
	// worker's memory is read, for Hold. They have PlaceWithin to get to
	// wait; those that have not by then are reported, not waited for.
	Waiting     int
	Hold        time.Duration
	PlaceWithin time.Duration
	// Rate is the simulator's rate limit (requests a second) and the
	// worker's CC_API_MAX_RPS in the rate-limited batch. Its orders have
	// the time the limit needs for their fewest calls, plus RatePatience,
	// to end; those that have not by then count as failed.
	Rate         float64
	RatePatience time.Duration
	// Connections the ordering company already has on the source port.
	Connections int
	// HistorySamples is how many histories of each kind are read.
	HistorySamples int
	// Timeout bounds how long any batch may take to end: past it the
	// harness is broken.
	Timeout time.Duration
	// Stack also runs the port-to-port and business-to-business batches
	// on the production stack (internal/dev/stack: PostgreSQL-backed Temporal
	// server), with one worker and with two, kept in Dir/stack.
	Stack bool
	// Dir holds the binaries, order files and logs.
	Dir      string
	Binaries Binaries
	// Progress receives a line now and then; nil for none.
	Progress io.Writer
}

// Task queues: one per batch, so that each is counted on its own and the
// rate-limited batch's server-side rate stays its own.
const (
	queueBare        = "bench-bare"
	queuePortToPort  = "bench-p2p"
	queueB2B         = "bench-b2b"
	queueWaiting     = "bench-waiting"
	queueRateLimited = "bench-rate"
)

// run is one benchmark in progress.
type run struct {
	cfg      Config
	sim      *simulator
	temporal client.Client
	hostPort string
	progress io.Writer
	// serverPID is the dev server's process, whose processor time each
	// batch reports; 0, with serverPIDErr, when it was not found.
	serverPID    int
	serverPIDErr error
}

// Run measures everything, one batch after another, and reports.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	began := time.Now()
	r := &run{cfg: cfg, progress: cfg.Progress}
	if r.progress == nil {
		r.progress = io.Discard
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", cfg.Dir, err)
	}
	var err error
	if r.sim, err = startSimulator(cfg.Connections); err != nil {
		return nil, err
	}
	defer r.sim.stop()
	server, stopServer, err := devserver.StartMain()
	if err != nil {
		return nil, err
	}
	defer stopServer()
	r.hostPort = server.HostPort
	r.serverPID, r.serverPIDErr = childPID("temporal")
	r.temporal, err = client.DialContext(ctx, client.Options{
		HostPort: server.HostPort, Namespace: namespace, Logger: logging.Temporal(zap.NewNop()),
	})
	if err != nil {
		return nil, fmt.Errorf("dialing the dev server: %w", err)
	}
	defer r.temporal.Close()

	rep := &Report{
		Orders: cfg.Orders, WaitingOrders: cfg.Waiting, Rate: cfg.Rate, Connections: cfg.Connections,
		CPUs: runtime.NumCPU(), ReadsOver14d: workflows.ReadsOver(14*24*time.Hour, workflows.DefaultConfig()),
	}
	fmt.Fprintf(r.progress, "bench: %d orders a batch, %d waiting, rate limit %g/s, %d connections on the source port\n",
		cfg.Orders, cfg.Waiting, cfg.Rate, cfg.Connections)
	if rep.WaitCost, err = r.waitCost(); err != nil {
		return nil, fmt.Errorf("the cost of a 14-day wait: %w", err)
	}
	if rep.Bare, err = r.bareBatch(ctx, queueBare, cfg.Orders); err != nil {
		return nil, err
	}
	if rep.BareHistory, rep.BareHistorySamples, err = meanHistorySize(ctx, r.temporal, rep.Bare.runs, cfg.HistorySamples); err != nil {
		return nil, err
	}
	if rep.PortToPort, err = r.projectBatch(ctx, "port-to-port", queuePortToPort, portToPort, cfg.Orders, batchOptions{}); err != nil {
		return nil, err
	}
	if rep.PortToPortHistory, err = r.sampleHistories(ctx, queuePortToPort, rep.PortToPort, cfg.HistorySamples); err != nil {
		return nil, err
	}
	if rep.B2B, err = r.projectBatch(ctx, "business-to-business", queueB2B, b2bAccepted, cfg.Orders, batchOptions{}); err != nil {
		return nil, err
	}
	if rep.B2BHistory, err = r.sampleHistories(ctx, queueB2B, rep.B2B, cfg.HistorySamples); err != nil {
		return nil, err
	}
	if rep.Waiting, err = r.waitingBatch(ctx, queueWaiting, cfg.Waiting); err != nil {
		return nil, err
	}
	if rep.RateLimited, err = r.rateLimitedBatch(ctx, queueRateLimited, cfg.Orders, cfg.Rate, cfg.RatePatience); err != nil {
		return nil, err
	}
	if cfg.Stack {
		if rep.Stack, err = r.stackBatches(ctx); err != nil {
			return nil, err
		}
	}
	rep.Took = time.Since(began)
	return rep, nil
}
