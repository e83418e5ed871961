// Package chaos proves the project's promise — one order, one connection,
// nothing billable left behind, and outcomes that tell the truth — with
// figures. It runs many orders through a real Temporal dev server (state
// in a SQLite file), the API simulator and the worker binary, under a
// seeded random schedule of every fault the simulator models, kill -9s of
// the worker (some between a PUT sent and its answer) and restarts of the
// dev server. Then it lets every order end and reconciles the simulator's
// ledger of connections against the orders' outcomes.
//
// `make chaos` runs the full suite (cmd/chaos); `make test` runs a short
// one with a fixed seed. With Config.Stack the same suite runs on the
// production stack (internal/dev/stack: PostgreSQL-backed Temporal server)
// with several workers, and PostgreSQL crashes too.
package chaos

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
	"github.com/cc-l2/provisioner/internal/dev/devserver"
	"github.com/cc-l2/provisioner/internal/dev/stack"
	"github.com/cc-l2/provisioner/workflows"
)

// Config is the size and violence of one run.
type Config struct {
	Orders int
	Seed   uint64
	// Kills of the worker (kill -9); every third waits for the next PUT
	// and lands between the PUT being sent and its answer.
	Kills int
	// Restarts of the Temporal server, on the same state: of the dev
	// server (its SQLite file), or, with Stack, of the stack's server
	// (always SIGKILL).
	Restarts int
	// Stack runs the orders on the production stack (internal/dev/stack:
	// PostgreSQL, the pinned Temporal server from compose's configuration)
	// instead of the dev server, kept in Dir/stack; DBRestarts crash
	// PostgreSQL (pg_ctl stop -m immediate) and start it again.
	Stack      bool
	DBRestarts int
	// Workers poll the task queue side by side (default 1), each kept
	// running by its own supervisor; a kill picks one.
	Workers int
	// Orders start spread over Arrival; faults, kills and restarts go on
	// for ChaosTail after it. Then faults stop and every order has
	// EndTimeout to end.
	Arrival    time.Duration
	ChaosTail  time.Duration
	EndTimeout time.Duration
	// The worker's CC_API_TIMEOUT and PUT_SETTLE_WINDOW. The window must
	// cover a late commit (up to the timeout plus a minute) plus the list
	// lag (up to maxListLag).
	ClientTimeout time.Duration
	SettleWindow  time.Duration
	// Once every order ended, the ledger is read when the simulator has
	// had nothing pending for Settle (default DefaultSettle), or at worst
	// SettleTimeout later (default DefaultSettleTimeout), which fails the
	// run.
	Settle        time.Duration
	SettleTimeout time.Duration
	// Adversary is the share of orders, in [0, 1], placed on ports where
	// the simulator is an adversary within what the API may do (its
	// consistency mode, adversary.go); 0 for none.
	Adversary float64
	// Dir holds the dev server's database and every log.
	Dir string
	// CLI is the Temporal CLI; WorkerBinary the worker (see BuildWorker).
	CLI          string
	WorkerBinary string
	// Progress receives a line every few seconds; nil for none.
	Progress io.Writer
}

const (
	simKey    = "chaos-sim-key"
	taskQueue = "chaos"
)

// run is one chaos run in progress.
type run struct {
	cfg      Config
	orders   []plannedOrder
	states   []orderState
	sim      *ccapisim.Server
	server   temporalServer
	stack    *stack.Stack // with Config.Stack
	workers  []*workerSupervisor
	temporal client.Client
	simURLs  []string // one listener per worker, so a kill at a PUT hits its sender
	pick     *rand.Rand

	armed      atomic.Int64 // kills to land at the next PUTs
	killsAtPUT atomic.Int64
	restarts   atomic.Int64
	dbRestarts atomic.Int64
	started    atomic.Int64
	progress   io.Writer
}

// orderState is what the driver knows of one order.
type orderState struct {
	startedAt time.Time
	startErr  error
	cancelled bool // the cancel was delivered
}

// Run runs the suite and returns its report. An error means the run
// itself could not be carried out; a broken promise is in the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xc4a05))
	cfg.Workers = max(cfg.Workers, 1)
	// Which worker each kill hits draws from its own stream, so that a
	// seed's orders, faults and times stay those of a one-worker run.
	r := &run{cfg: cfg, progress: cfg.Progress, pick: rand.New(rand.NewPCG(cfg.Seed, 0x3012e5))}
	if r.progress == nil {
		r.progress = io.Discard
	}
	r.orders = plan(rng, cfg.Orders, cfg.Arrival)
	markAdversary(r.orders, cfg.Adversary, cfg.Seed)
	r.states = make([]orderState, len(r.orders))
	window := cfg.Arrival + cfg.ChaosTail
	phases := schedule(rng, window, cfg.ClientTimeout)
	events := disruptions(rng, cfg, window)

	stopSim, err := r.startSimulator()
	if err != nil {
		return nil, err
	}
	defer stopSim()
	if err := r.startServer(ctx); err != nil {
		return nil, err
	}
	defer r.stopServer()
	if err := r.startWorkers(rng); err != nil {
		return nil, err
	}
	defer r.stopWorkers()
	if r.temporal, err = client.DialContext(ctx, client.Options{HostPort: r.server.HostPort(), Logger: quietLogger{}}); err != nil {
		return nil, fmt.Errorf("dialing the Temporal server: %w", err)
	}
	defer r.temporal.Close()

	fmt.Fprintf(r.progress, "chaos: seed %d: %d orders over %s, %d workers, %d kills, %d restarts, %d database restarts, faults: %s\n",
		cfg.Seed, len(r.orders), cfg.Arrival, cfg.Workers, cfg.Kills, cfg.Restarts, cfg.DBRestarts, kindsCovered(phases))
	begin := time.Now()
	var wg sync.WaitGroup
	for i := range r.orders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.placeOrder(ctx, begin, i)
		}()
	}
	r.shake(ctx, begin, phases, events)
	wg.Wait()

	fmt.Fprintf(r.progress, "chaos: faults off after %s; waiting for every order to end\n", time.Since(begin).Round(time.Second))
	outcomes := r.awaitOutcomes(ctx, time.Now().Add(cfg.EndTimeout))
	fmt.Fprintf(r.progress, "chaos: waiting until nothing can still land in the ledger\n")
	settling := time.Now()
	ledger, unsettled := settledLedger(ctx, r.sim, cmp.Or(cfg.Settle, DefaultSettle), time.Now().Add(cmp.Or(cfg.SettleTimeout, DefaultSettleTimeout)))
	rep := reconcile(r.orders, outcomes, ledger)
	rep.SettledAfter = time.Since(settling)
	if rep.Unsettled = unsettled; unsettled.Total() > 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("the simulator never settled: %+v still pending when the ledger was read", unsettled))
	}
	rep.Seed, rep.Kills, rep.KillsAtPUT, rep.Restarts = cfg.Seed, r.kills(), int(r.killsAtPUT.Load()), int(r.restarts.Load())
	if cfg.Stack {
		rep.Stack, rep.DBRestarts = "postgres", int(r.dbRestarts.Load())
	}
	rep.Workers = r.workerReports(ctx)
	rep.Faults = kindsCovered(phases) + adversaryNote(r.orders, r.sim.CurrentConsistency())
	rep.Duration = time.Since(begin)
	return rep, nil
}

// startSimulator serves the simulator on a free local port per worker.
// A kill armed for the next PUT fires as that PUT arrives, before the
// simulator decides anything about it, and hits the worker that sent it
// (the one on that port): it dies between sending the PUT and reading the
// answer.
func (r *run) startSimulator() (stop func(), err error) {
	var consistency ccapisim.Consistency
	if slices.ContainsFunc(r.orders, func(p plannedOrder) bool { return p.Adversary }) {
		consistency = adversary(r.cfg)
	}
	r.sim = ccapisim.New(fixture(r.orders), ccapisim.Options{
		APIKey:          simKey,
		Consistency:     consistency,
		ActivationDelay: time.Second, ActivationJitter: 3 * time.Second,
		AutoApproveDelay: time.Second, AutoApproveJitter: 5 * time.Second,
		Seed: int64(r.cfg.Seed),
	})
	var servers []*http.Server
	stop = func() {
		for _, srv := range servers {
			_ = srv.Close()
		}
	}
	for i := range r.cfg.Workers {
		listener, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			stop()
			return nil, err
		}
		srv := &http.Server{Handler: r.killAtPUT(i, r.sim), ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		go func() { _ = srv.Serve(listener) }()
		r.simURLs = append(r.simURLs, "http://"+listener.Addr().String())
	}
	return stop, nil
}

// createLayer2 is the path of the simulator's PUT that orders a connection
// (ccapisim.EndpointCreateLayer2).
var createLayer2 = regexp.MustCompile(`^/api/v2/company/[^/]+/connections/layer2$`)

// killAtPUT fires an armed kill of worker i as its PUT arrives.
func (r *run) killAtPUT(i int, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPut && createLayer2.MatchString(req.URL.Path) {
			if n := r.armed.Load(); n > 0 && r.armed.CompareAndSwap(n, n-1) {
				if r.workers[i].kill() {
					r.killsAtPUT.Add(1)
				} else {
					// Its sender is already gone (the request outlived
					// it): the kill waits for the next PUT.
					r.armed.Add(1)
				}
			}
		}
		next.ServeHTTP(w, req)
	})
}

// temporalServer is the Temporal server the orders run on.
type temporalServer interface {
	HostPort() string
	Start(ctx context.Context) error
	Stop(kill bool)
}

// devServer is the dev server as a temporalServer.
type devServer struct{ *devserver.Process }

func (d devServer) Stop(kill bool) { _ = d.Process.Stop(kill) }

func (r *run) startServer(ctx context.Context) error {
	if r.cfg.Stack {
		s, err := stack.Start(ctx, stack.Options{Dir: filepath.Join(r.cfg.Dir, "stack"), Progress: r.progress})
		r.stack = s
		if err != nil {
			return err
		}
		r.server = s.Server
		return nil
	}
	db := filepath.Join(r.cfg.Dir, "temporal.db")
	for _, f := range []string{db, db + "-wal", db + "-shm"} {
		_ = os.Remove(f)
	}
	logFile, err := os.Create(filepath.Join(r.cfg.Dir, "temporal.log"))
	if err != nil {
		return err
	}
	r.server = devServer{&devserver.Process{CLI: r.cfg.CLI, DBFile: db, Output: logFile, ExtraArgs: devserver.SearchAttributeArgs()}}
	return r.server.Start(ctx)
}

func (r *run) stopServer() {
	if r.stack != nil {
		r.stack.Stop() // the server, then PostgreSQL
		return
	}
	if r.server != nil {
		r.server.Stop(false)
	}
}

// startWorkers starts cfg.Workers supervised workers: worker.log for one,
// worker-1.log, worker-2.log ... for more.
func (r *run) startWorkers(rng *rand.Rand) error {
	seed := rng.Uint64()
	for i := range r.cfg.Workers {
		name := "worker.log"
		if r.cfg.Workers > 1 {
			name = fmt.Sprintf("worker-%d.log", i+1)
		}
		logFile, err := os.Create(filepath.Join(r.cfg.Dir, name))
		if err != nil {
			return err
		}
		w := &workerSupervisor{
			binary: r.cfg.WorkerBinary,
			log:    logFile,
			rng:    rand.New(rand.NewPCG(seed, uint64(1+i))),
			env: append(os.Environ(),
				// No profile of the developer's own Temporal configuration
				// (for workers that read one; main's temporalclient does).
				"TEMPORAL_CONFIG_FILE="+os.DevNull,
				"TEMPORAL_ADDRESS="+r.server.HostPort(),
				"TEMPORAL_TASK_QUEUE="+taskQueue,
				"CC_API_BASE_URL="+r.simURLs[i],
				"CC_API_KEY="+simKey,
				"CC_API_TIMEOUT="+r.cfg.ClientTimeout.String(),
				"PUT_SETTLE_WINDOW="+r.cfg.SettleWindow.String(),
				"POLL_INITIAL=500ms",
				"POLL_MAX=3s",
				"WORKER_MAX_CONCURRENT_ACTIVITIES=100",
				"WORKER_MAX_CONCURRENT_WORKFLOW_TASKS=20",
				"LOG_LEVEL=warn",
				"WORKER_HTTP_ADDR=",
				"LOG_FORMAT=console",
			),
		}
		r.workers = append(r.workers, w)
		if err := w.start(); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) stopWorkers() {
	for _, w := range r.workers {
		w.stop()
	}
}

// killOne kills worker first, or if it is down the next one that is up.
func (r *run) killOne(first int) bool {
	for i := range r.workers {
		if r.workers[(first+i)%len(r.workers)].kill() {
			return true
		}
	}
	return false
}

// kills counts the kills of every worker.
func (r *run) kills() int {
	n := 0
	for _, w := range r.workers {
		n += w.killCount()
	}
	return n
}

// placeOrder starts one order at its time, then cancels it if planned.
func (r *run) placeOrder(ctx context.Context, begin time.Time, i int) {
	p := r.orders[i]
	sleepUntil(ctx, begin.Add(p.StartAt))
	st := &r.states[i]
	st.startErr = retry(ctx, 3*time.Minute, func(ctx context.Context) error {
		_, err := r.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID:                                       workflows.WorkflowID(p.Order.OrderID),
			TaskQueue:                                taskQueue,
			WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			WorkflowExecutionErrorWhenAlreadyStarted: true,
		}, workflows.WorkflowType(p.Order), workflows.Input{Order: p.Order})
		var exists *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &exists) {
			return nil // an earlier attempt started it
		}
		return err
	})
	st.startedAt = time.Now()
	if st.startErr != nil {
		return
	}
	r.started.Add(1)
	if p.Cancel == cancelNone {
		return
	}
	sleepUntil(ctx, st.startedAt.Add(p.CancelAfter))
	id := workflows.WorkflowID(p.Order.OrderID)
	err := retry(ctx, time.Minute, func(ctx context.Context) error {
		var err error
		if p.Cancel == cancelSignal {
			err = r.temporal.SignalWorkflow(ctx, id, "", workflows.SignalCancel, workflows.CancelRequest{Reason: "chaos: cancelled mid-way"})
		} else {
			err = r.temporal.CancelWorkflow(ctx, id, "")
		}
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return errGone // it ended first
		}
		return err
	})
	st.cancelled = err == nil
}

var errGone = errors.New("order already ended")

// shake runs the fault schedule, the kills and the restarts until the
// window is over, then turns the faults off.
func (r *run) shake(ctx context.Context, begin time.Time, phases []phase, events []disruption) {
	type step struct {
		at time.Duration
		do func()
	}
	var steps []step
	for _, p := range phases {
		steps = append(steps, step{p.At, func() { r.sim.SetFaults(p.Faults) }})
	}
	for _, e := range events {
		steps = append(steps, step{e.At, func() { r.disrupt(ctx, e) }})
	}
	slices.SortStableFunc(steps, func(a, b step) int { return int(a.at - b.at) })
	end := r.cfg.Arrival + r.cfg.ChaosTail
	lastReport := time.Now()
	for _, s := range steps {
		if s.at > end {
			break
		}
		sleepUntil(ctx, begin.Add(s.at))
		s.do()
		if time.Since(lastReport) > 10*time.Second {
			lastReport = time.Now()
			fmt.Fprintf(r.progress, "chaos: %s: %d orders started, %d kills (%d at a PUT), %d restarts, %d database restarts\n",
				time.Since(begin).Round(time.Second), r.started.Load(), r.kills(), r.killsAtPUT.Load(), r.restarts.Load(), r.dbRestarts.Load())
		}
	}
	sleepUntil(ctx, begin.Add(end))
	// A kill armed for a PUT that never came lands all the same, so that
	// every planned kill does, however fast the orders went.
	for range r.armed.Swap(0) {
		r.disrupt(ctx, disruption{})
	}
	r.sim.SetFaults(ccapisim.Faults{})
}

// disruption is one kill or restart.
type disruption struct {
	At        time.Duration
	Restart   bool
	DBRestart bool // crash-restart PostgreSQL (the stack only)
	AtPUT     bool // kill at the next PUT's arrival
}

// disruptions draws when the kills and restarts happen within the window.
func disruptions(rng *rand.Rand, cfg Config, window time.Duration) []disruption {
	var out []disruption
	for i := range cfg.Kills {
		// Armed kills come while orders still arrive, so that a PUT does.
		span, atPUT := window, i%3 == 0
		if atPUT {
			span = min(window, cfg.Arrival)
		}
		out = append(out, disruption{At: time.Duration(rng.Float64() * 0.9 * float64(span)), AtPUT: atPUT})
	}
	for range cfg.Restarts {
		out = append(out, disruption{At: time.Duration((0.1 + 0.8*rng.Float64()) * float64(window)), Restart: true})
	}
	// From a stream of their own, so that a seed's other disruptions stay
	// where they were without them.
	db := rand.New(rand.NewPCG(cfg.Seed, 0xdb))
	for range cfg.DBRestarts {
		out = append(out, disruption{At: time.Duration((0.1 + 0.8*db.Float64()) * float64(window)), DBRestart: true})
	}
	return out
}

func (r *run) disrupt(ctx context.Context, d disruption) {
	switch {
	case d.DBRestart:
		if r.stack == nil {
			return
		}
		r.dbRestarts.Add(1)
		for r.stack.CrashRestartDB(ctx) != nil && ctx.Err() == nil {
			time.Sleep(time.Second)
		}
	case d.Restart:
		// Odd restarts of the dev server are crashes (SIGKILL), even ones
		// graceful; the stack's are all crashes.
		n := r.restarts.Add(1)
		r.server.Stop(n%2 == 1 || r.stack != nil)
		time.Sleep(time.Second)
		for r.server.Start(ctx) != nil && ctx.Err() == nil {
			time.Sleep(time.Second)
		}
	case d.AtPUT:
		r.armed.Add(1)
	default:
		// A worker between a crash and its restart cannot crash again:
		// another one can, or the replacement, so every planned kill lands.
		first := r.pick.IntN(len(r.workers))
		for deadline := time.Now().Add(10 * time.Second); !r.killOne(first) && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// awaitOutcomes waits until every started order has ended, or the
// deadline, and reads how each ended.
func (r *run) awaitOutcomes(ctx context.Context, deadline time.Time) []outcome {
	outcomes := make([]outcome, len(r.orders))
	pending := map[int]bool{}
	for i, st := range r.states {
		if st.startErr == nil {
			pending[i] = true
		} else {
			outcomes[i].Label = "not started: " + st.startErr.Error()
		}
	}
	for len(pending) > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		var mu sync.Mutex
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for _, i := range slices.Collect(maps.Keys(pending)) {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				o, ended := r.outcome(ctx, i)
				if ended {
					mu.Lock()
					outcomes[i] = o
					delete(pending, i)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		fmt.Fprintf(r.progress, "chaos: %d orders still running\n", len(pending))
		if len(pending) > 0 {
			sleepUntil(ctx, time.Now().Add(3*time.Second))
		}
	}
	return outcomes
}

// outcome reads how order i ended, if it has.
func (r *run) outcome(ctx context.Context, i int) (outcome, bool) {
	id := workflows.WorkflowID(r.orders[i].Order.OrderID)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	desc, err := r.temporal.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return outcome{}, false
	}
	info := desc.GetWorkflowExecutionInfo()
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		return outcome{}, false
	}
	var res workflows.Result
	err = r.temporal.GetWorkflow(ctx, id, info.GetExecution().GetRunId()).Get(ctx, &res)
	o := describeOutcome(res, err)
	o.Took = info.GetCloseTime().AsTime().Sub(r.states[i].startedAt)
	return o, true
}

// retry calls fn until it succeeds, returns errGone, or the time is up:
// the dev server may be restarting.
func retry(ctx context.Context, within time.Duration, fn func(ctx context.Context) error) error {
	deadline := time.Now().Add(within)
	for {
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := fn(callCtx)
		cancel()
		if err == nil || errors.Is(err, errGone) || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		sleepUntil(ctx, time.Now().Add(500*time.Millisecond))
	}
}

func sleepUntil(ctx context.Context, t time.Time) {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// quietLogger drops the SDK's own lines: connection errors while the dev
// server restarts are expected.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}

// The worker settings every run uses: a short client timeout keeps runs
// short, and the settle window covers what the schedule can throw at a
// PUT: a commit up to the timeout plus a minute late (late-commit), then
// up to maxListLag before lists show it, plus a margin.
const (
	ClientTimeout = 2 * time.Second
	SettleWindow  = ClientTimeout + time.Minute + maxListLag + 8*time.Second
)

// How the ledger is read once every order ended: after DefaultSettle with
// nothing pending in the simulator (for a request already on its way to
// arrive), and at worst after DefaultSettleTimeout, longer than the latest
// a late commit can land (the client's timeout plus a minute) and an
// activation after it.
const (
	DefaultSettle        = 5 * time.Second
	DefaultSettleTimeout = 3 * time.Minute
)
