package explore

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
	"github.com/cc-l2/provisioner/internal/dev/chaos"
	"github.com/cc-l2/provisioner/workflows"
)

// deadlineSlack is how long after its deadline an order may still be
// ending (a status read, a withdrawal) before the deadline counts as
// ignored.
const deadlineSlack = 10 * time.Minute

// refreshWithin is how soon after a refresh (or, before the wait, after
// the wait begins) a status read must come.
const refreshWithin = 2 * time.Second

// check reports every promise run r broke: the ledger reconciled as make
// chaos does, the accepted interrupt taking effect, and what an action
// order says against the changes the ledger holds.
func (x *explorer) check(s scenario, r *orderRun, interrupt, boundary string) {
	broke := func(format string, args ...any) {
		x.violate(Violation{Type: s.Type, Scenario: s.Name, Boundary: boundary, Interrupt: interrupt, What: fmt.Sprintf(format, args...)})
	}
	c := r.chain
	if t := r.trace; t.at > 0 && t.deliver != nil && !t.delivered {
		broke("the explorer never delivered its interrupt (boundary %d of %d reached): the run proves nothing", t.at, t.count())
	}
	if !c.Ended {
		broke("the order did not end: %s", c.Problem)
		return
	}
	ledger := r.world.sim.Ledger()
	rep := chaos.Reconcile([]chaos.Claim{{Order: c.Order, Kind: s.Type, Result: c.Result, Err: c.Err, Ended: true, Target: r.world.target(c.Order)}}, ledger)
	if rep.Failed() {
		broke("reconciled as make chaos does: duplicates=%d orphans=%d untruthful=%d: %s",
			rep.Duplicates, rep.Orphans, rep.Untruthful, strings.Join(rep.Problems, "; "))
	}
	said := describe(c)
	if !c.Order.IsCreate() {
		for _, p := range actionProblems(c.Order, said, ledger) {
			broke("%s", p)
		}
	}
	for _, p := range interruptProblems(r, said) {
		broke("%s", p)
	}
}

// saying is how an order ended, in the words checks need.
type saying struct {
	Label     string // the stage, "failed: <type>" or "canceled" (a Temporal cancel)
	Stage     workflows.Stage
	Message   string
	Nothing   bool // says nothing was ordered, deleted, changed or done
	Cancelled bool // ended cancelled, by either kind of cancel
}

func describe(c *chain) saying {
	var s saying
	var (
		appErr   *temporal.ApplicationError
		canceled *temporal.CanceledError
		view     workflows.StatusView
	)
	switch {
	case c.Err == nil:
		s.Label, s.Stage, s.Message, s.Nothing = string(c.Result.Stage), c.Result.Stage, c.Result.Reason, c.Result.NothingOrdered
	case errors.As(c.Err, &appErr):
		s.Label, s.Message = "failed: "+appErr.Type(), appErr.Message()
		if appErr.HasDetails() && appErr.Details(&view) == nil {
			s.Nothing = view.NothingOrdered
		}
		s.Stage = workflows.StageFailed
	case errors.As(c.Err, &canceled):
		s.Label, s.Stage, s.Message = "canceled", workflows.StageCancelled, canceled.Error()
		if canceled.HasDetails() && canceled.Details(&view) == nil {
			s.Message, s.Nothing = view.Reason, view.NothingOrdered
		}
	default:
		s.Label, s.Message = "failed: other", c.Err.Error()
	}
	s.Cancelled = s.Stage == workflows.StageCancelled
	lower := strings.ToLower(s.Message)
	for _, words := range []string{"nothing was ordered", "nothing was done", "nothing was deleted", "nothing was changed", "nothing was adopted"} {
		s.Nothing = s.Nothing || strings.Contains(lower, words)
	}
	return s
}

// interruptProblems: an interrupt the workflow accepted took effect.
func interruptProblems(r *orderRun, said saying) []string {
	t, c := r.trace, r.chain
	var out []string
	// A signal that came in the task in which the order ended (not one in
	// which it continued as new) could not change that task's decision.
	sameTask := t.delivered && c.EndCount == t.deliveredN && !t.runStartedDelivered
	switch t.kind {
	case CancelSignal:
		if !t.delivered || sameTask {
			break
		}
		// The workflow had the cancel in its buffer in the task of boundary
		// deliveredN: nothing it sends from that task on may be a new side
		// effect.
		var late []string
		for _, s := range t.sends {
			if s.After >= t.deliveredN {
				late = append(late, s.Name)
			}
		}
		if len(late) > 0 {
			out = append(out, fmt.Sprintf("a cancel signal accepted at %s (boundary %d) did not stop %s, sent after it (%d sends)",
				t.deliveredAt.Format(time.TimeOnly), t.deliveredN, late[0], len(late)))
		}
		if !said.Cancelled && !settledBy(r, said) {
			out = append(out, fmt.Sprintf("a cancel signal accepted at %s did not cancel the order: it ended %s at %s (%s)",
				t.deliveredAt.Format(time.TimeOnly), said.Label, c.EndAt.Format(time.TimeOnly), said.Message))
		}
	case TemporalCancel:
		if t.delivered && !said.Cancelled && !settledBy(r, said) {
			out = append(out, fmt.Sprintf("a Temporal cancel accepted at %s did not cancel the order: it ended %s (%s)",
				t.deliveredAt.Format(time.TimeOnly), said.Label, said.Message))
		}
	case Refresh:
		if !t.delivered || sameTask {
			break
		}
		from := t.deliveredAt
		if !r.waitAt.IsZero() && r.waitAt.After(from) {
			from = r.waitAt
		}
		if c.EndAt.After(from.Add(refreshWithin)) && r.world.readsAfter(t.readsBefore, from.Add(refreshWithin)) == 0 {
			out = append(out, fmt.Sprintf("a refresh accepted at %s was not acted on: no status read until %s; the order ended %s at %s",
				t.deliveredAt.Format(time.TimeOnly), from.Add(refreshWithin).Format(time.TimeOnly), said.Label, c.EndAt.Format(time.TimeOnly)))
		}
	case Deadline:
		if c.EndAt.After(r.deadline.Add(deadlineSlack)) {
			out = append(out, fmt.Sprintf("the deadline %s passed, but the order went on until %s and ended %s (%s)",
				r.deadline.Format(time.TimeOnly), c.EndAt.Format(time.TimeOnly), said.Label, said.Message))
		}
	}
	return out
}

// settledBy reports whether an action order that ended otherwise than
// cancelled after a cancel (the signal, or a Temporal cancel) was decided
// by what the API had already done when the cancel came: the answer the
// order was waiting for came at that very instant (a read, an update), or
// the change had been applied (approved, updated) or refused by then: one
// decision, one truth. A create order has no such excuse: after a cancel
// it withdraws what it ordered.
func settledBy(r *orderRun, said saying) bool {
	o, t := r.chain.Order, r.trace
	switch {
	case o.IsCreate():
		return false
	case r.chain.EndAt.Equal(t.deliveredAt):
		return true
	case o.Action != workflows.ActionModify:
		return false
	}
	// What the order ended with had happened already: the change applied
	// (approved, or updated directly), or the other party's refusal.
	decided := map[ccapisim.ChangeKind]bool{}
	for _, ch := range r.world.sim.Ledger().ChangesTo(o.ConnectionID) {
		if !ch.At.After(t.deliveredAt) {
			decided[ch.Kind] = true
		}
	}
	switch {
	case said.Stage == workflows.StageModified:
		return decided[ccapisim.ChangeKindApproved] || decided[ccapisim.ChangeKindUpdated]
	case said.Label == "failed: "+workflows.ErrTypeOrderRejected:
		return decided[ccapisim.ChangeKindRejected]
	}
	return false
}

// actionProblems compares what an action order says with the changes the
// ledger records on its connection (each run has a simulator of its own,
// so every API change there is this order's).
func actionProblems(o workflows.Order, said saying, l ccapisim.Ledger) []string {
	var out []string
	id := o.ConnectionID
	deletes := l.ChangeCalls(id, ccapisim.EndpointDeleteConnection)
	updates := l.ChangeCalls(id, ccapisim.EndpointUpdateConnection)
	requests := l.ChangeCalls(id, ccapisim.EndpointRequestChange)
	byAPI := l.ChangeCalls(id)
	if deletes > 1 {
		out = append(out, fmt.Sprintf("%d DELETEs of connection %s took effect; one was promised", deletes, id))
	}
	if updates+requests > 1 {
		out = append(out, fmt.Sprintf("%d updates and %d change requests of connection %s took effect; one was promised", updates, requests, id))
	}
	switch o.Action {
	case workflows.ActionDecommission:
		switch {
		case said.Nothing && deletes > 0:
			out = append(out, fmt.Sprintf("untruthful: the order ended %s saying %q, but its DELETE of %s took effect", said.Label, said.Message, id))
		case said.Stage == workflows.StageDecommissioned && deletes == 0 && l.ChangeCount(id, ccapisim.ChangeKindDeleted, ccapisim.ChangeKindCancelled) == 0:
			out = append(out, fmt.Sprintf("untruthful: the order says %s is decommissioned, but no DELETE took effect", id))
		}
	case workflows.ActionModify:
		applied, pending := speedChange(l, id, o.SpeedMbps)
		switch {
		case applied && said.Stage != workflows.StageModified:
			out = append(out, fmt.Sprintf("untruthful: connection %s went to %d Mbps, but the order ended %s (%s)", id, o.SpeedMbps, said.Label, said.Message))
		case !applied && said.Stage == workflows.StageModified && !said.Nothing:
			out = append(out, fmt.Sprintf("untruthful: the order says modified, but connection %s never went to %d Mbps", id, o.SpeedMbps))
		case said.Nothing && updates+requests > 0:
			out = append(out, fmt.Sprintf("untruthful: the order ended %s saying %q, but its update or change request of %s took effect", said.Label, said.Message, id))
		}
		if pending {
			out = append(out, fmt.Sprintf("orphan: the change request of connection %s is still pending after the order ended %s", id, said.Label))
		}
	case workflows.ActionAdopt:
		if byAPI > 0 {
			out = append(out, fmt.Sprintf("an adopt order changed connection %s (%d changes); adopting never touches it", id, byAPI))
		}
	}
	return out
}

// speedChange reads the ledger: did connection id go to speed, and is a
// change request of it still pending?
func speedChange(l ccapisim.Ledger, id string, speed int) (applied, pending bool) {
	for _, ch := range l.ChangesTo(id) {
		switch ch.Kind {
		case ccapisim.ChangeKindUpdated, ccapisim.ChangeKindApproved:
			applied = applied || ch.SpeedMbps == speed
			pending = false
		case ccapisim.ChangeKindRequested:
			pending = true
		case ccapisim.ChangeKindRejected, ccapisim.ChangeKindWithdrawn:
			pending = false
		}
	}
	return applied, pending
}
