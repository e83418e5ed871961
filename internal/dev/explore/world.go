package explore

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/ccapi/ccapisim"
	"github.com/cc-l2/provisioner/workflows"
)

// simKey is the simulator's API key in every run.
const simKey = "explore-sim-key"

// server is one HTTP server for every run: each run swaps in a fresh
// simulator, so runs never see each other's connections, and the
// explorer binds one port, chosen by the system, for its whole life.
type server struct {
	http *httptest.Server
	sim  atomic.Pointer[ccapisim.Server]
}

func newServer() *server {
	s := &server{}
	s.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sim := s.sim.Load(); sim != nil {
			sim.ServeHTTP(w, r)
			return
		}
		http.Error(w, "no simulator", http.StatusServiceUnavailable)
	}))
	return s
}

func (s *server) close() { s.http.Close() }

// clock is the workflow test environment's mock clock, for the simulator:
// a connection activates, and a partner decides, in the order's time.
type clock struct {
	mu  sync.Mutex
	now func() time.Time
	at  time.Time // when no environment runs
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now != nil {
		return c.now()
	}
	return c.at
}

func (c *clock) follow(now func() time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now != nil {
		c.at = c.now()
	}
	c.now = now
}

func (c *clock) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now != nil {
		c.at = c.now()
	}
	c.now = nil
}

// world is what one run's orders act on: a fresh simulator whose clock is
// the orders' own, the real activities calling it over HTTP, and the
// connection-name locks.
type world struct {
	fx    *ccapisim.Fixture // as the run began
	sim   *ccapisim.Server
	clock *clock
	acts  *activities.Activities
	locks *lockRegistry
	// reads are the times (in the orders' clock) of every status read of a
	// connection, for the refresh check.
	mu    sync.Mutex
	reads []time.Time
}

// start is the instant every run begins at: a fixed time keeps runs
// reproducible.
var start = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func newWorld(srv *server, opts ccapisim.Options, settle time.Duration) (*world, error) {
	return newWorldAt(srv, opts, settle, start, nil)
}

// newWorldAt is a world whose fixture is as of at, on the clock now (nil:
// the test environments' clocks, as runs follow them).
func newWorldAt(srv *server, opts ccapisim.Options, settle time.Duration, at time.Time, now func() time.Time) (*world, error) {
	w := &world{clock: &clock{at: at, now: now}}
	w.locks = newLockRegistry(w.clock.Now)
	opts.APIKey, opts.Now, opts.Seed = simKey, w.clock.Now, 1
	opts.Observe = func(endpoint string) {
		if endpoint == ccapisim.EndpointGetConnection {
			w.mu.Lock()
			w.reads = append(w.reads, w.clock.Now())
			w.mu.Unlock()
		}
	}
	w.fx = fixture(at)
	w.sim = ccapisim.New(w.fx, opts)
	srv.sim.Store(w.sim)
	api, err := ccapi.NewClient(srv.http.URL, simKey, srv.http.Client())
	if err != nil {
		return nil, err
	}
	w.acts = &activities.Activities{API: api, Temporal: w.locks, SettleWindow: settle}
	return w, nil
}

// readCount is how many status reads there were so far.
func (w *world) readCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.reads)
}

// readsAfter counts the status reads after the first skip ones, up to
// time to.
func (w *world) readsAfter(skip int, to time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, t := range w.reads[min(skip, len(w.reads)):] {
		if !t.After(to) {
			n++
		}
	}
	return n
}

// target is the fixture connection an action order acts on, as the run
// began with it; nil for an order that creates one.
func (w *world) target(o workflows.Order) *ccapisim.Connection {
	if o.IsCreate() {
		return nil
	}
	for _, c := range w.fx.Connections {
		if c.ID == o.ConnectionID {
			return &c
		}
	}
	return nil
}

// lockRegistry stands in for the Temporal server in the name lock
// activities: a lock is held while its run is live; the server refuses a
// second start of a live lock and tells who holds it (a start with
// conflict policy TERMINATE_EXISTING replaces it instead); a release ends
// the run it names, only that one. A run started with a StartDelay
// and memo reservedUntil is a reservation after its order ended: it is
// live until then, when the real lock would start, see its order ended,
// and end. The lock workflow itself (its checks, its continue-as-new) is
// explored on its own (locks.go).
type lockRegistry struct {
	mu   sync.Mutex
	now  func() time.Time
	runs map[string]*lockRun // by lock workflow id: the latest run
	seq  int
}

type lockRun struct {
	id, holder    string
	live          bool
	reservedUntil string // memo, RFC 3339
	until         time.Time
}

func newLockRegistry(now func() time.Time) *lockRegistry {
	return &lockRegistry{now: now, runs: map[string]*lockRun{}}
}

// liveLocked reports whether r still holds its name.
func (l *lockRegistry) liveLocked(r *lockRun) bool {
	if r != nil && r.live && !r.until.IsZero() && !l.now().Before(r.until) {
		r.live = false // the reservation's run started, saw its order ended, and ended
	}
	return r != nil && r.live
}

func (l *lockRegistry) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r := l.runs[o.ID]; l.liveLocked(r) && o.WorkflowIDConflictPolicy != enumspb.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING {
		return nil, serviceerror.NewWorkflowExecutionAlreadyStarted("lock held", "", r.id)
	}
	holder, _ := o.Memo["orderId"].(string)
	l.seq++
	r := &lockRun{id: fmt.Sprintf("lock-run-%d", l.seq), holder: holder, live: true}
	if until, _ := o.Memo["reservedUntil"].(string); until != "" {
		r.reservedUntil, r.until = until, l.now().Add(o.StartDelay)
	}
	l.runs[o.ID] = r
	return lockHandle{id: o.ID, run: r.id}, nil
}

func (l *lockRegistry) DescribeWorkflowExecution(_ context.Context, id, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.runs[id]
	if r == nil {
		return nil, serviceerror.NewNotFound("no workflow " + id)
	}
	status := enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED
	if l.liveLocked(r) {
		status = enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	}
	dc := converter.GetDefaultDataConverter()
	holder, err := dc.ToPayload(r.holder)
	if err != nil {
		return nil, err
	}
	memo := map[string]*commonpb.Payload{"orderId": holder}
	if r.reservedUntil != "" {
		if memo["reservedUntil"], err = dc.ToPayload(r.reservedUntil); err != nil {
			return nil, err
		}
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: r.id},
		Status:    status,
		Memo:      &commonpb.Memo{Fields: memo},
	}}, nil
}

func (l *lockRegistry) TerminateWorkflow(_ context.Context, id, runID, _ string, _ ...any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.runs[id]
	if !l.liveLocked(r) || runID != "" && runID != r.id {
		return serviceerror.NewNotFound("no such run of " + id)
	}
	r.live = false
	return nil
}

// lockHandle is a started lock run.
type lockHandle struct{ id, run string }

func (h lockHandle) GetID() string    { return h.id }
func (h lockHandle) GetRunID() string { return h.run }
func (h lockHandle) Get(context.Context, any) error {
	return nil
}
func (h lockHandle) GetWithOptions(context.Context, any, client.WorkflowRunGetOptions) error {
	return nil
}
func (h lockHandle) GetFirstExecutionRunID() string { return h.run }
