package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
)

// An action order's side effects (a DELETE, a speed update, a change
// request) are sent once, as the create order's PUT is: the workflow,
// which remembers every send in its history, alone decides whether
// another may go out (since revisionActionsOnce).
//
//   - answered: the API took it;
//   - refused (a 4xx): nothing was done;
//   - outcome unknown (no answer, a timeout, a 5xx, a worker that died
//     while sending it): it may land now or later. Nothing else is sent
//     until a read of the connection shows its effect, or the settle
//     window (PUT_SETTLE_WINDOW) has passed and a read begun after it
//     still does not: then it took no effect, and the order may send it
//     again.
//
// A cancel neither stops a send already decided on nor cuts the reading
// short: the order cannot say what it did before it knows.

// sideEffect is one call that changes a connection.
type sideEffect struct {
	what     string                   // "the DELETE of connection c1", for messages
	ref      activities.ConnectionRef // the connection it changes, to read
	activity any
	input    any
	result   any // where the activity's answer goes
	// shows reports whether a read of the connection shows that the call
	// took effect.
	shows func(activities.ConnectionFacts) bool
	// mustHappen, for a withdrawal: a cancel does not stop it (it is what
	// a cancel asks for), and a refused key (401/403) is tried again until
	// retryUntil, not only for AuthFailureLimit.
	mustHappen bool
	retryUntil time.Time
}

// sendOutcome is what became of a side effect.
type sendOutcome int

const (
	sendTaken    sendOutcome = iota + 1 // answered, or a read showed its effect
	sendRefused                         // the API refused it (4xx): nothing was done
	sendNoEffect                        // its answer was lost, and no effect showed within the settle window
	sendUnknown                         // its answer was lost, and the reads could not tell for an hour more
)

// sent is how one send went.
type sent struct {
	outcome sendOutcome
	// doubted: its answer was lost; facts is then the read that showed
	// its effect (sendTaken).
	doubted bool
	facts   activities.ConnectionFacts
	reason  string // the refusal, or what lost the answer
}

// actionSendBudget is how long an action keeps sending a side effect
// that took no effect (an answer lost, then nothing showed) before it
// gives up and says so.
const actionSendBudget = time.Hour

// sendOnce sends e once and, when its outcome is unknown, reads the
// connection until its effect shows or the settle window has passed. It
// runs in a disconnected context: a Temporal cancel waits for it.
func (r *orderRun) sendOnce(ctx workflow.Context, cfg Config, e sideEffect) sent {
	done, _ := workflow.NewDisconnectedContext(ctx)
	var err error
	// A refused key (401/403, a key being rotated) did nothing: it is sent
	// again after a pause (sendAgainAfterRefusal).
	for pause, since := 5*time.Second, workflow.Now(ctx); ; pause = min(2*pause, 5*time.Minute) {
		err = workflow.ExecuteActivity(sendOptions(done, cfg), e.activity, e.input).Get(done, e.result)
		if !isAuthRefusal(err) || !r.sendAgainAfterRefusal(ctx, cfg, e, since) {
			break
		}
		r.view.Reason = e.what + " was refused (" + rootMessage(err) + "); sending it again in " + pause.String()
		_ = workflow.Sleep(done, pause)
	}
	switch {
	case err == nil:
		return sent{outcome: sendTaken}
	case isAPIRejection(err), isAuthRefusal(err):
		return sent{outcome: sendRefused, reason: rootMessage(err)}
	}
	reason := rootMessage(err)
	r.view.Reason = e.what + ": its outcome is unknown (" + reason + "); reading the connection until it shows, before sending anything else"
	r.logger.Warn("Side effect's outcome unknown; nothing else is sent until it shows or the settle window has passed",
		"what", e.what, "reason", reason, "settleWindow", cfg.PutSettleWindow)
	return r.awaitEffect(done, cfg, e, reason)
}

// sendAgainAfterRefusal reports whether a send the API refused for its
// key (401/403: nothing was done) goes out again: a withdrawal until its
// budget ends, whatever cancel came (it is what a cancel asks for);
// anything else for AuthFailureLimit, unless a cancel came.
func (r *orderRun) sendAgainAfterRefusal(ctx workflow.Context, cfg Config, e sideEffect, since time.Time) bool {
	now := workflow.Now(ctx)
	if e.mustHappen {
		return now.Before(e.retryUntil)
	}
	return !r.interrupted(ctx) && now.Sub(since) < cfg.AuthFailureLimit
}

// awaitEffect reads the connection until e's effect shows, or a read
// begun after the settle window does not show it.
func (r *orderRun) awaitEffect(ctx workflow.Context, cfg Config, e sideEffect, reason string) sent {
	settled := workflow.Now(ctx).Add(cfg.PutSettleWindow)
	giveUp := settled.Add(actionSendBudget)
	interval := 5 * time.Second
	var a *activities.Activities
	for {
		begun := workflow.Now(ctx)
		var f activities.ConnectionFacts
		err := workflow.ExecuteActivity(pollOptions(ctx, cfg), a.ReadConnection, e.ref).Get(ctx, &f)
		switch {
		case err == nil && e.shows(f):
			r.view.APIStatus = f.Status
			return sent{outcome: sendTaken, doubted: true, facts: f, reason: reason}
		case err == nil && !begun.Before(settled):
			r.logger.Info("No effect showed within the settle window: the call took no effect", "what", e.what)
			return sent{outcome: sendNoEffect, doubted: true, reason: reason}
		case err != nil:
			r.view.Reason = e.what + ": its outcome is unknown, and reading the connection failed: " + rootMessage(err)
		}
		now := workflow.Now(ctx)
		if now.After(giveUp) {
			return sent{outcome: sendUnknown, doubted: true, reason: reason}
		}
		wait := interval
		if now.Before(settled) {
			wait = min(wait, settled.Sub(now))
		}
		_ = workflow.Sleep(ctx, max(wait, time.Second)) // a disconnected context: never cancelled
		interval = min(interval*2, time.Minute)
	}
}

// interrupted reports whether a cancel (the signal, or a Temporal cancel)
// asks the order to stop.
func (r *orderRun) interrupted(ctx workflow.Context) bool {
	return r.cancel != nil || ctx.Err() != nil
}

// isAuthRefusal reports whether an activity failed because the API
// refused the key (401/403): nothing was done.
func isAuthRefusal(err error) bool {
	return activities.IsType(err, activities.ErrTypeAPIAuth)
}
