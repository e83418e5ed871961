package workflows

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
)

// One live order per (company, source port, connection name): the name is
// what an order looks for when a PUT's outcome is unknown, so two orders
// of one name on one port could each take the other's connection for its
// own. An order holds its name with a lock — a small workflow whose id is
// the name's — from before its first lookup until it ends.

// nameLockID is the lock's workflow id. The name is hashed: it may hold
// any character, a workflow id should not.
func nameLockID(company, portID, name string) string {
	sum := sha256.Sum256([]byte(name))
	return fmt.Sprintf("l2-name-%s-%s-%s", company, portID, hex.EncodeToString(sum[:12]))
}

// holdName takes the order's name on its port. It reports false, with the
// error the order ends with, when another order holds the name or the
// lock cannot be taken. Runs since changeRoundTrips take it in a local
// activity, with a lock that starts delayed and is released by
// termination: no workflow task of the lock, none of the order's waits
// on it.
func (r *orderRun) holdName(ctx workflow.Context, cfg Config) (bool, error) {
	o := r.order
	in := r.nameLockInput(ctx)
	// Set first: should the order be cancelled while the lock is being
	// taken, finish still releases it.
	r.nameLock = in.LockWorkflowID
	var a *activities.Activities
	if r.current {
		in.Delay = cfg.NameLockCheck
	}
	var lock activities.NameLock
	err := execute(ctx, lockActivity(), r.current, a.LockConnectionName, in).Get(ctx, &lock)
	switch {
	case err != nil && ctx.Err() != nil:
		return false, err // a Temporal cancel: finish says what happened
	case err != nil:
		_, err = r.failNothingOrdered(ErrTypeAPIUnavailable, "taking the connection name for this order, nothing was ordered: "+rootMessage(err))
		return false, err
	case !lock.Held && !lock.ReservedUntil.IsZero():
		r.nameLock = ""
		_, err = r.failNothingOrdered(ErrTypePrecheckFailed, fmt.Sprintf("nothing was ordered: name: order %s ended moments ago, and the connection it made named %q on port %s "+
			"may not show in the API's reads yet; the name is free again at %s: give this order another name, or submit it again then",
			lock.HolderOrderID, o.Name, o.PortID, lock.ReservedUntil.UTC().Format(time.RFC3339)))
		return false, err
	case !lock.Held:
		r.nameLock = ""
		_, err = r.failNothingOrdered(ErrTypePrecheckFailed, fmt.Sprintf("nothing was ordered: name: order %s is already ordering a connection named %q on port %s; "+
			"give this order another name, or submit it again once order %s has ended", lock.HolderOrderID, o.Name, o.PortID, lock.HolderOrderID))
		return false, err
	}
	r.nameLockRun = lock.RunID
	return true, nil
}

// nameLockInput is the lock on the order's name, held for this order.
func (r *orderRun) nameLockInput(ctx workflow.Context) activities.NameLockInput {
	o := r.order
	return activities.NameLockInput{
		OrderID: o.OrderID, OrderWorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		Company: o.Company, PortID: o.PortID, Name: o.Name,
		LockWorkflowID: nameLockID(o.Company, o.PortID, o.Name), LockWorkflowType: NameLockWorkflowName,
	}
}

// releaseName gives the name back: a delayed lock (one with a run id) by
// identity (ReleaseConnectionName ends whatever run of it is current and
// held for this order), reserving the name for the settle window when a
// PUT went out; an older one by signal. A lock that is gone already (it
// saw the order end) has nothing left to release.
func (r *orderRun) releaseName(ctx workflow.Context, cfg Config) {
	if r.nameLock == "" {
		return
	}
	var err error
	if r.nameLockRun != "" {
		var a *activities.Activities
		release := activities.NameLockRelease{OrderID: r.order.OrderID, LockWorkflowID: r.nameLock, RunID: r.nameLockRun}
		if r.view.ConnectionID != "" || r.everInDoubt {
			// A PUT of this order went out: its connection may not show
			// in the port's reads for a settle window, during which
			// another order of the name could take it for its own.
			in := r.nameLockInput(ctx)
			release.ReserveFor, release.Reserve = cfg.PutSettleWindow, &in
		}
		err = execute(ctx, lockActivity(), true, a.ReleaseConnectionName, release).Get(ctx, nil)
	} else {
		err = workflow.SignalExternalWorkflow(ctx, r.nameLock, "", SignalReleaseName, r.order.OrderID).Get(ctx, nil)
	}
	if err != nil {
		r.logger.Info("Connection name lock already gone", "lock", r.nameLock, "error", err)
	}
}

// nameLockChecksPerRun bounds the history of one lock run.
const nameLockChecksPerRun = 200

// NameLock is the lock workflow: it runs while its order holds the
// connection name, and ends when the order releases it, or when a check
// every NameLockCheck finds the order no longer running (an order that
// was terminated cannot release it).
func (p *Provisioner) NameLock(ctx workflow.Context, in activities.NameLockInput) error {
	cfg := p.settings(ctx)
	logger := workflow.GetLogger(ctx)
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
