package explore

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/workflows"
)

// A boundary is a moment the workflow under test resumes after blocking,
// in a workflow task of its own: an activity's answer, or a timer firing.
// (Local activities run inside the task that asks for them, so their
// answers are no boundary.) The trace counts the target workflow's
// boundaries as the test environment reaches them and delivers the run's
// interrupt just before the k-th one is handled:
//
//   - a signal (cancel, refresh) is put in the workflow's buffer without a
//     task of its own, so the workflow sees it in the same task as the
//     boundary's event, as the server delivers a signal that arrived
//     while the task was being scheduled;
//   - a Temporal cancel comes in a task of its own, just before the
//     event; in the task right after the answer of an activity that waits
//     for its cancellation (the PUT), since the test environment does not
//     model WaitForCancellation and the server would record the answer.
//
// Runs are deterministic, so boundary k of a run with an interrupt is the
// same moment as boundary k of the run without.
type trace struct {
	mu     sync.Mutex
	target string // workflow id whose boundaries count
	env    *testsuite.TestWorkflowEnvironment

	n      int     // boundaries so far
	events []event // each boundary, in order
	sends  []send  // each side effect sent
	// askedAt is when the workflow last asked for an activity.
	askedAt time.Time
	// cancelled are the activities the workflow cancelled (run/activity id).
	cancelled map[string]bool
	// endings are how the run's workflows ended, by workflow id.
	endings map[string]ending

	at      int // deliver at this boundary (0: never)
	kind    Interrupt
	deliver func(*testsuite.TestWorkflowEnvironment) // the interrupt
	// quiet: the boundary is an attempt of a read the server retries,
	// which wakes no workflow task: a signal there gets a task of its own.
	quiet bool
	// afterAnswer: the interrupt goes right after the answer of the
	// activity that is boundary at, not before it (see above).
	afterAnswer bool

	// delivered: the interrupt went, at boundary deliveredN, at
	// deliveredAt in the workflow's clock.
	delivered   bool
	deliveredN  int
	deliveredAt time.Time
	// mark counts the status reads so far; readsBefore is its count when
	// the interrupt was delivered.
	mark        func() int
	readsBefore int
	// runStartedDelivered: the run now running started after the
	// delivery (a continued run), so it cannot have ended in the
	// delivery's task.
	runStartedDelivered bool
}

// send is a side effect sent after After boundaries.
type send struct {
	Name  string
	After int
}

// event is one boundary: what woke the workflow, and when.
type event struct {
	Name string
	At   time.Time
}

// waitsForCancellation are the activities whose options set
// WaitForCancellation.
var waitsForCancellation = map[string]bool{"PlaceLayer2Order": true}

// boundary is reached: count it, and deliver the interrupt if it is the
// one. name is what wakes the workflow (an activity type, or "timer"), now
// when, in the workflow's clock.
func (t *trace) boundary(name string, now time.Time) {
	t.mu.Lock()
	t.n++
	n := t.n
	t.events = append(t.events, event{Name: name, At: now})
	deliver := t.at == n && !t.delivered && t.deliver != nil
	if deliver && t.kind == TemporalCancel && waitsForCancellation[name] {
		t.afterAnswer, deliver = true, false // see above: the answer first
	}
	if deliver {
		t.delivered, t.deliveredN, t.deliveredAt = true, n, now
		if t.mark != nil {
			t.readsBefore = t.mark()
		}
	}
	env := t.env
	t.mu.Unlock()
	if deliver {
		t.deliver(env)
	}
}

// sideEffects are the activities that change something the order did
// not make itself: a cancel that arrived before one of them is sent must
// stop it.
var sideEffects = map[string]bool{"PlaceLayer2Order": true, "DecommissionConnection": true, "UpdateSpeed": true, "RequestSpeedChange": true}

// settle waits until the environment's main loop has handled everything
// posted so far, twice: the workflow task that scheduled an activity is
// then over, and so is whatever that task asked for.
func (t *trace) settle() {
	for range 2 {
		done := make(chan struct{})
		t.mu.Lock()
		env := t.env
		t.mu.Unlock()
		env.RegisterDelayedCallback(func() { close(done) }, 0)
		select {
		case <-done:
		case <-time.After(10 * time.Second): // the run ended meanwhile
			return
		}
	}
}

// cancelledActivity is the environment's listener for cancelled
// activities.
func (t *trace) cancelledActivity(info *activity.Info) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cancelled == nil {
		t.cancelled = map[string]bool{}
	}
	t.cancelled[info.WorkflowExecution.RunID+"/"+info.ActivityID] = true
}

func (t *trace) wasCancelled(info *activity.Info) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cancelled[info.WorkflowExecution.RunID+"/"+info.ActivityID]
}

// sent records a side effect's start, with the boundaries reached by then.
func (t *trace) sent(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sends = append(t.sends, send{Name: name, After: t.n})
}

func (t *trace) now() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.env.Now()
}

func (t *trace) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// workerOptions are the test environments' worker options: the
// interceptors, and no deadlock detection, which a machine busy with
// other work would otherwise trip at random (a workflow task that took a
// second of wall time) and make a run's outcome depend on the load.
func (t *trace) workerOptions() worker.Options {
	return worker.Options{Interceptors: t.interceptors(), DeadlockDetectionTimeout: 24 * time.Hour}
}

// interceptors count the target's boundaries.
func (t *trace) interceptors() []interceptor.WorkerInterceptor {
	return []interceptor.WorkerInterceptor{&workerHook{t: t}}
}

type workerHook struct {
	interceptor.WorkerInterceptorBase
	t *trace
}

func (h *workerHook) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &activityHook{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, t: h.t}
}

func (h *workerHook) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &workflowHook{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, t: h.t}
}

// activityHook: an activity's answer is a boundary of the workflow that
// asked for it. The interrupt is posted before the answer, so the test
// environment handles the two in that order.
type activityHook struct {
	interceptor.ActivityInboundInterceptorBase
	t *trace
}

func (a *activityHook) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	info := activity.GetInfo(ctx)
	mine := !info.IsLocalActivity && info.WorkflowExecution.ID == a.t.target
	if mine && sideEffects[info.ActivityType.Name] {
		// The test environment starts an activity as soon as it is
		// scheduled, even when the workflow cancels it in that same task;
		// the server would never dispatch it. So a side effect waits for
		// its task to be over, and is not sent if it was cancelled there.
		a.t.settle()
		if a.t.wasCancelled(&info) {
			return nil, temporal.NewCanceledError()
		}
		a.t.sent(info.ActivityType.Name)
	}
	res, err := a.Next.ExecuteActivity(ctx, in)
	if mine {
		a.t.mu.Lock()
		a.t.quiet = isStillWaiting(err)
		a.t.mu.Unlock()
		a.t.boundary(info.ActivityType.Name, a.t.now())
	}
	return res, err
}

// isStillWaiting reports whether an attempt of a wait at the engine's
// floor read nothing to act on: the server tries it again later, and the
// workflow hears nothing of it (but of the last attempt of a phase).
func isStillWaiting(err error) bool {
	return activities.IsType(err, activities.ErrTypeStillWaiting)
}

type workflowHook struct {
	interceptor.WorkflowInboundInterceptorBase
	t *trace
}

// ExecuteWorkflow keeps how each workflow of the run ended, by id: a
// pair's orders run as children of a driver.
func (w *workflowHook) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	res, err := w.Next.ExecuteWorkflow(ctx, in)
	w.t.ended(workflow.GetInfo(ctx).WorkflowExecution.ID, res, err, workflow.Now(ctx))
	return res, err
}

func (w *workflowHook) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return w.Next.Init(&timerHook{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound}, t: w.t})
}

// timerHook: a timer that fires is a boundary. Just before it fires (a
// millisecond before, in the environment's clock) the hook checks that it
// is still pending — not cancelled by a condition met or a cancel — and
// counts it then, so that the interrupt is buffered before the timer's
// task.
type timerHook struct {
	interceptor.WorkflowOutboundInterceptorBase
	t *trace
}

// ExecuteActivity notes when the workflow asked for an activity, in its
// own clock: the lock's OrderIsOpen answers as of then, whatever the
// environment's clock has moved to by the time it runs.
func (h *timerHook) ExecuteActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	h.t.mu.Lock()
	h.t.askedAt = workflow.Now(ctx)
	h.t.mu.Unlock()
	return h.Next.ExecuteActivity(ctx, activityType, args...)
}

func (h *timerHook) NewTimer(ctx workflow.Context, d time.Duration) workflow.Future {
	return h.watch(ctx, d, h.Next.NewTimer(ctx, d))
}

func (h *timerHook) NewTimerWithOptions(ctx workflow.Context, d time.Duration, o workflow.TimerOptions) workflow.Future {
	return h.watch(ctx, d, h.Next.NewTimerWithOptions(ctx, d, o))
}

func (h *timerHook) watch(ctx workflow.Context, d time.Duration, f workflow.Future) workflow.Future {
	if d <= 0 || workflow.GetInfo(ctx).WorkflowExecution.ID != h.t.target {
		return f
	}
	early := min(time.Millisecond, d/2)
	h.t.env.RegisterDelayedCallback(func() {
		if !f.IsReady() {
			h.t.mu.Lock()
			h.t.quiet = false
			h.t.mu.Unlock()
			h.t.boundary("timer", h.t.now().Add(early))
		}
	}, d-early)
	return f
}

// ending is how one workflow of the run ended.
type ending struct {
	Result any
	Err    error
	At     time.Time
}

func (t *trace) ended(id string, res any, err error, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.endings == nil {
		t.endings = map[string]ending{}
	}
	t.endings[id] = ending{Result: res, Err: err, At: at}
}

// answered is called by the environment once it has handled an
// activity's answer: a Temporal cancel held back for it goes now.
func (t *trace) answered(activityType string) {
	t.mu.Lock()
	now := t.afterAnswer && !t.delivered && waitsForCancellation[activityType]
	if now {
		t.delivered, t.deliveredN, t.deliveredAt = true, t.n, t.env.Now()
		if t.mark != nil {
			t.readsBefore = t.mark()
		}
	}
	env := t.env
	t.mu.Unlock()
	if now {
		t.deliver(env)
	}
}

// deliverer is how an interrupt reaches the workflow.
func (t *trace) deliverer(kind Interrupt) func(*testsuite.TestWorkflowEnvironment) {
	switch kind {
	case CancelSignal:
		return func(env *testsuite.TestWorkflowEnvironment) {
			t.signal(env, workflows.SignalCancel, workflows.CancelRequest{Reason: "explore: cancelled at a boundary"})
		}
	case Refresh:
		return func(env *testsuite.TestWorkflowEnvironment) { t.signal(env, workflows.SignalRefresh, nil) }
	case TemporalCancel:
		return func(env *testsuite.TestWorkflowEnvironment) { env.CancelWorkflow() }
	}
	return nil // the deadline is set before the run; none is delivered
}

// signal sends a signal in the workflow task of the boundary it comes at
// or, at a boundary that wakes no task (quiet), in a task of its own, as
// the server would.
func (t *trace) signal(env *testsuite.TestWorkflowEnvironment, name string, arg any) {
	t.mu.Lock()
	quiet := t.quiet
	t.mu.Unlock()
	if quiet {
		env.SignalWorkflow(name, arg)
		return
	}
	env.SignalWorkflowSkippingWorkflowTask(name, arg)
}
