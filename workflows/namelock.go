package workflows

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
)

// The connection-name lock, workflow side; its activities are in
// activities/namelock.go.
//
// One live order per (company, source port, connection name): the name is
// what an order looks for when a PUT's outcome is unknown, so two orders
// of one name on one port could each take the other's connection for its
// own. An order holds its name from before its first lookup until it
// ends, in the shape of samples-go's mutex:
//
//	hold, err := r.nameLock.Hold(ctx, portID, name)
//	...
//	hold.Release(ctx) // or hold.ReleaseAfter(ctx, settle)
//
// The lock is a workflow (NameLock) whose id is the name's, so only one
// run holds it at a time. Holding is starting it (LockConnectionName, a
// local activity), delayed by NameLockCheck so that it runs no workflow
// task while its order runs; releasing is ending it by identity — the
// run held for this order, never another order's (ReleaseConnectionName)
// — or, after an order that sent a PUT, replacing it in one step by one
// that keeps the name for the settle window. An order that is terminated
// runs no code to release it: its lock wakes after the delay, finds the
// order ended, and ends.

const (
	// NameLockWorkflowName is the registered type of the lock workflow.
	NameLockWorkflowName = "L2ConnectionNameLock"
	// SignalReleaseName is the older release, a signal to the lock: see
	// nameHold.bySignal for the runs that still send it.
	SignalReleaseName = "release"
)

// NameLockInput is the lock workflow's input: the order that holds the
// name, and the name. It reads the inputs written since the lock was
// written (activities.LockConnectionNameInput, a superset of it, which
// LockConnectionName starts the lock with).
type NameLockInput struct {
	OrderID         string `json:"orderId"`
	OrderWorkflowID string `json:"orderWorkflowId"`
	Company         string `json:"company"`
	PortID          string `json:"portId"`
	Name            string `json:"name"`
	// Delay is how late the lock started: it checks its order first.
	Delay time.Duration `json:"delay,omitempty"`
}

// nameLockID is the lock's workflow id. The name is hashed: it may hold
// any character, a workflow id should not.
func nameLockID(company, portID, name string) string {
	sum := sha256.Sum256([]byte(name))
	return fmt.Sprintf("l2-name-%s-%s-%s", company, portID, hex.EncodeToString(sum[:12]))
}

// nameLock takes connection names for one order.
type nameLock struct {
	orderID, orderWorkflowID, company string
	// current: the run takes changeRoundTrips, so it takes the lock in a
	// local activity, started delayed by check and released by identity.
	current bool
	check   time.Duration
	// oneRelease: a take that failed is released by identity too
	// (revisionOneNameRelease); older runs signalled it.
	oneRelease bool
	logger     log.Logger
}

// nameHold is a name an order holds, or may hold: a take that failed or
// was cancelled may have started the lock all the same, and Release gives
// it back either way. A nil hold holds nothing.
type nameHold struct {
	lock  *nameLock
	take  activities.LockConnectionNameInput // the lock's id and holder
	runID string
	// bySignal: released by the older protocol, a signal the lock takes
	// as its release: a lock taken by a run before changeRoundTrips (it
	// has no run id), and a failed take in a run before
	// revisionOneNameRelease. Retire it (and the lock's signal channel)
	// with changeRoundTrips: once no order started before it is open (no
	// open order whose WaitState has a NameLockID without a NameLockRunID)
	// and the histories that send it (testdata/histories v2–v4) are
	// archived.
	bySignal bool
}

// newNameLock is the lock the order's run takes names with.
func (r *orderRun) newNameLock(ctx workflow.Context, cfg Config) *nameLock {
	return &nameLock{
		orderID: r.order.OrderID, orderWorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, company: r.order.Company,
		current: r.current, check: cfg.NameLockCheck, oneRelease: r.since(ctx, changeOneNameRelease),
		logger: r.logger,
	}
}

// nameTakenError: another order holds the name, or keeps it reserved
// after it ended (until is then set).
type nameTakenError struct {
	holder, portID, name string
	until                time.Time
}

func (e *nameTakenError) Error() string {
	if !e.until.IsZero() {
		return fmt.Sprintf("order %s ended moments ago, and the connection it made named %q on port %s "+
			"may not show in the API's reads yet; the name is free again at %s: give this order another name, or submit it again then",
			e.holder, e.name, e.portID, e.until.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("order %s is already ordering a connection named %q on port %s; "+
		"give this order another name, or submit it again once order %s has ended", e.holder, e.name, e.portID, e.holder)
}

// Hold takes the name on the port for the order. It fails with a
// *nameTakenError when another order holds it, and otherwise with the
// lock activity's error (Temporal could not be reached, or the order was
// cancelled meanwhile): the hold it returns then must still be released.
func (l *nameLock) Hold(ctx workflow.Context, portID, name string) (*nameHold, error) {
	h := &nameHold{lock: l, take: activities.LockConnectionNameInput{
		OrderID: l.orderID, OrderWorkflowID: l.orderWorkflowID, Company: l.company, PortID: portID, Name: name,
		LockWorkflowID: nameLockID(l.company, portID, name), LockWorkflowType: NameLockWorkflowName,
	}}
	take := h.take
	if l.current {
		take.Delay = l.check
	}
	var a *activities.Activities
	var got activities.NameLock
	err := execute(ctx, lockActivity(), l.current, a.LockConnectionName, take).Get(ctx, &got)
	switch {
	case err != nil:
		h.bySignal = !l.oneRelease
		return h, err
	case !got.Held:
		return nil, &nameTakenError{holder: got.HolderOrderID, portID: portID, name: name, until: got.ReservedUntil}
	}
	h.runID, h.bySignal = got.RunID, got.RunID == "" // a lock of a run before changeRoundTrips has none
	return h, nil
}

// resume is the hold a run continued as new carries over (WaitState's
// NameLockID and NameLockRunID; nil for none).
func (l *nameLock) resume(portID, name, id, runID string) *nameHold {
	if id == "" {
		return nil
	}
	return &nameHold{lock: l, runID: runID, bySignal: runID == "", take: activities.LockConnectionNameInput{
		OrderID: l.orderID, OrderWorkflowID: l.orderWorkflowID, Company: l.company, PortID: portID, Name: name,
		LockWorkflowID: id, LockWorkflowType: NameLockWorkflowName,
	}}
}

// carry writes the hold into the state a run continued as new resumes.
func (h *nameHold) carry(w *WaitState) {
	if h != nil {
		w.NameLockID, w.NameLockRunID = h.take.LockWorkflowID, h.runID
	}
}

// Release gives the name back.
func (h *nameHold) Release(ctx workflow.Context) { h.release(ctx, 0) }

// ReleaseAfter gives the name back once settle has passed: for an order
// that sent a PUT, whose connection may not show in the port's reads for
// that long, during which another order of the name could take it for
// its own. A lock released by signal is released at once.
func (h *nameHold) ReleaseAfter(ctx workflow.Context, settle time.Duration) { h.release(ctx, settle) }

// release ends the lock by identity (reserving the name for reserveFor
// first), or signals it. A lock that is gone already (it saw the order
// end) has nothing left to release.
func (h *nameHold) release(ctx workflow.Context, reserveFor time.Duration) {
	if h == nil {
		return
	}
	var err error
	if h.bySignal {
		err = workflow.SignalExternalWorkflow(ctx, h.take.LockWorkflowID, "", SignalReleaseName, h.take.OrderID).Get(ctx, nil)
	} else {
		var a *activities.Activities
		release := activities.NameLockRelease{OrderID: h.take.OrderID, LockWorkflowID: h.take.LockWorkflowID, RunID: h.runID}
		if reserveFor > 0 {
			reserve := h.take
			release.ReserveFor, release.Reserve = reserveFor, &reserve
		}
		err = execute(ctx, lockActivity(), true, a.ReleaseConnectionName, release).Get(ctx, nil)
	}
	if err != nil {
		h.lock.logger.Info("Connection name lock already gone", "lock", h.take.LockWorkflowID, "error", err)
	}
}

// nameNotHeld ends an order whose name could not be taken: another order
// holds it, or Temporal could not be reached (a failure of its own: the
// Console Connect API may be fine).
func (r *orderRun) nameNotHeld(ctx workflow.Context, err error) (Result, error) {
	var taken *nameTakenError
	switch {
	case ctx.Err() != nil:
		return Result{}, err // a Temporal cancel: finish says what happened
	case errors.As(err, &taken):
		return r.failNothingOrdered(ErrTypePrecheckFailed, "nothing was ordered: name: "+taken.Error())
	}
	return r.failNothingOrdered(ErrTypeTemporalUnavailable,
		"taking the connection name for this order, nothing was ordered: could not reach Temporal: "+rootMessage(err))
}

// nameLockChecksPerRun bounds the history of one lock run.
const nameLockChecksPerRun = 200

// NameLock is the lock workflow: it runs while its order holds the
// connection name, and ends when the order releases it, or when a check
// every NameLockCheck finds the order no longer running (an order that
// was terminated cannot release it).
func (p *Provisioner) NameLock(ctx workflow.Context, in NameLockInput) error {
	cfg := p.settings(ctx)
	logger := workflow.GetLogger(ctx)
	// The older release (nameHold.bySignal): new orders end the lock
	// instead, before it runs a task.
	releases := workflow.GetSignalChannel(ctx, SignalReleaseName)
	released := false
	receive := func(c workflow.ReceiveChannel, _ bool) {
		var by string
		c.Receive(ctx, &by)
		released = released || by == in.OrderID
	}
	// orderEnded reports whether the order no longer runs (a failed check
	// says nothing: the lock is kept).
	orderEnded := func() bool {
		var a *activities.Activities
		var open bool
		if err := workflow.ExecuteActivity(lockCheckOptions(ctx), a.OrderIsOpen, in.OrderWorkflowID).Get(ctx, &open); err == nil && !open {
			logger.Info("Order no longer runs; connection name released", "orderId", in.OrderID)
			return true
		}
		return false
	}
	if in.Delay > 0 {
		// Started late: its order may have ended long ago without
		// terminating it (a terminated order cannot).
		if orderEnded() {
			return nil
		}
		in.Delay = 0 // a run continued as new starts at once
	}
	for range nameLockChecksPerRun {
		timerCtx, cancelTimer := workflow.WithCancel(ctx)
		fired := false
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(releases, receive)
		sel.AddFuture(workflow.NewTimer(timerCtx, cfg.NameLockCheck), func(workflow.Future) { fired = true })
		sel.Select(ctx)
		cancelTimer()
		if released {
			logger.Info("Connection name released", "orderId", in.OrderID, "name", in.Name, "portId", in.PortID)
			return nil
		}
		if fired && orderEnded() {
			return nil
		}
	}
	var by string
	for releases.ReceiveAsync(&by) {
		if by == in.OrderID {
			return nil // released as the run ended: nothing to carry over
		}
	}
	return workflow.NewContinueAsNewError(ctx, NameLockWorkflowName, in)
}
