package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
)

// Milestones an order reports to its callback URL.
const (
	MilestoneOrdered            = "ordered"             // the connection exists (created or found)
	MilestoneAwaitingAcceptance = "awaiting-acceptance" // a business-to-business request waits for the partner
	MilestoneActive             = "active"
	MilestoneFailed             = "failed"
	MilestoneCancelled          = "cancelled"
	MilestoneWithdrawn          = "withdrawn" // the order deleted its connection
	MilestoneDecommissioned     = "decommissioned"
	MilestoneModified           = "modified"
)

// Milestones are every milestone, in the order an order may report them.
func Milestones() []string {
	return []string{MilestoneOrdered, MilestoneAwaitingAcceptance, MilestoneActive, MilestoneFailed, MilestoneCancelled,
		MilestoneWithdrawn, MilestoneDecommissioned, MilestoneModified}
}

// finalMilestone reports whether no milestone follows m.
func finalMilestone(m string) bool {
	return m == MilestoneActive || m == MilestoneFailed || m == MilestoneCancelled || m == MilestoneDecommissioned || m == MilestoneModified
}

const (
	// CallbacksWorkflowName delivers one order's milestones, in order.
	CallbacksWorkflowName = "L2OrderCallbacks"
	// SignalCallbackEvent gives the callbacks workflow its next event.
	SignalCallbackEvent = "callback-event"
	// QueryCallbacks answers the callbacks workflow's CallbacksView.
	QueryCallbacks = "callbacks"
	// callbacksIdleLimit ends a callbacks workflow that heard nothing for
	// this long (its order was terminated, say).
	callbacksIdleLimit = 31 * 24 * time.Hour
)

// CallbacksWorkflowID is the id of the workflow that delivers an order's
// milestones.
func CallbacksWorkflowID(orderID string) string { return "l2-callbacks-" + orderID }

// notify reports a milestone to the order's callback URL, if it has one.
// Delivery never holds the order up: a workflow of its own per order,
// started at the first milestone and told of the next ones by signal,
// delivers them in order, each retried for up to a day, and outlives the
// order (ParentClosePolicy ABANDON). It runs in a disconnected context, so
// that the milestones of a cancelled order still go out.
func (r *orderRun) notify(milestone string) {
	if r.callbackURL == "" && r.callbackTarget == "" || milestone == MilestoneAwaitingAcceptance && r.notifiedAwaiting {
		return
	}
	ctx, _ := workflow.NewDisconnectedContext(r.ctx)
	event := activities.CallbackEvent{
		OrderID: r.order.OrderID, Milestone: milestone,
		ConnectionID: r.view.ConnectionID, APIStatus: string(r.view.APIStatus), Reason: r.view.Reason, Time: workflow.Now(ctx),
	}
	switch {
	case r.callbackTarget != "":
		event.Target = r.callbackTarget // its URL and credentials stay in the worker
	case r.callbackURL == activities.DefaultCallback:
		event.Target = activities.DefaultCallback // the URL stays in the worker's environment
	default:
		event.URL = r.callbackURL
	}
	if r.order.Callback != nil {
		event.Ticket = r.order.Callback.Ticket
	}
	id := CallbacksWorkflowID(r.order.OrderID)
	if !r.callbacksStarted {
		if !r.startCallbacks(ctx, id, event) {
			return
		}
		r.callbacksStarted = true
	} else if err := workflow.SignalExternalWorkflow(ctx, id, "", SignalCallbackEvent, event).Get(ctx, nil); err != nil {
		// The callbacks workflow ends once it has delivered a final
		// milestone; one the order sends after it (a cancel that came as it
		// failed) would be lost. Start it again for this one. The marker is
		// recorded only here, so a history without it replays as it was.
		if !r.since(ctx, changeCallbacksRestart) {
			r.logger.Error("Milestone not reported", "milestone", milestone, "error", err)
			return
		}
		r.logger.Info("Callbacks workflow ended; starting it again", "milestone", milestone, "signalError", err)
		if !r.startCallbacks(ctx, id, event) {
			return
		}
	}
	r.notifiedAwaiting = r.notifiedAwaiting || milestone == MilestoneAwaitingAcceptance
}

// startCallbacks starts the order's callbacks workflow with its first
// event, and reports whether it started.
func (r *orderRun) startCallbacks(ctx workflow.Context, id string, event activities.CallbackEvent) bool {
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        id,
		ParentClosePolicy: enums.PARENT_CLOSE_POLICY_ABANDON,
	}), CallbacksWorkflowName, event)
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		r.logger.Error("Callbacks not started; milestone not reported", "milestone", event.Milestone, "error", err)
		return false
	}
	return true
}

// callbackURL is where the order's milestones go: its own callback's
// URL, else the worker's CALLBACK_URL by name (activities.DefaultCallback,
// never the URL, which may carry credentials); "" for none, and for a
// dry run. A run begun by a worker that recorded the whole URL
// (Config.CallbackURL) reports there, as it began.
func callbackURL(o Order, cfg Config) string {
	switch {
	case o.DryRun:
		return ""
	case o.Callback != nil:
		return o.Callback.URL
	case cfg.CallbackURL != "":
		return cfg.CallbackURL
	case cfg.DefaultCallbackHost != "":
		return activities.DefaultCallback
	}
	return ""
}

// callbackTarget is the worker's target the order's milestones go to:
// the one its callback names, in a run that takes changeCallbackTargets
// (since); "" for none, and for a dry run.
func callbackTarget(o Order, since bool) string {
	if o.DryRun || o.Callback == nil || !since {
		return ""
	}
	return o.Callback.Target
}

// unknownTarget is why an order whose callback names a target the worker
// does not have is refused ("" if it is not): before anything is ordered,
// and for good, since no retry makes the name known. The workflow knows
// the names from its recorded settings (Config.CallbackTargets). Runs
// that do not take changeCallbackTargets (since) refuse nothing.
func unknownTarget(o Order, cfg Config, since bool) string {
	if o.Callback == nil || o.Callback.Target == "" || !since || slices.Contains(cfg.CallbackTargets, o.Callback.Target) {
		return ""
	}
	known := "it has none"
	if len(cfg.CallbackTargets) > 0 {
		known = strings.Join(cfg.CallbackTargets, ", ")
	}
	return fmt.Sprintf("invalid order %q: callback.target: %q is not one of the worker's CALLBACK_TARGETS (%s)", o.OrderID, o.Callback.Target, known)
}

// CallbacksView is what became of an order's milestones so far: the
// callbacks workflow's answer to QueryCallbacks. The order's own status
// cannot say it: delivery runs here, and often after the order ended.
type CallbacksView struct {
	// Target names where they go: a target's name, CALLBACK_URL, or "url"
	// for the order's own callback URL.
	Target    string            `json:"target"`
	Delivered []string          `json:"delivered,omitempty"`
	Failed    []CallbackFailure `json:"failed,omitempty"`
	Pending   []string          `json:"pending,omitempty"`
}

// CallbackFailure is a milestone that was not delivered, and why: a 4xx
// other than 408 and 429 (final at once), or a day of retries.
type CallbackFailure struct {
	Milestone string `json:"milestone"`
	Error     string `json:"error"`
}

// OrderCallbacks is the callbacks workflow: it delivers one order's
// milestones, one after the other, each retried for up to a day
// (callbackOptions), and ends once the final one is delivered.
func (p *Provisioner) OrderCallbacks(ctx workflow.Context, first activities.CallbackEvent) error {
	logger := workflow.GetLogger(ctx)
	events := workflow.GetSignalChannel(ctx, SignalCallbackEvent)
	queue := []activities.CallbackEvent{first}
	view := CallbacksView{Target: first.Target}
	var inFlight []string // the milestone being delivered
	if view.Target == "" {
		view.Target = "url"
	}
	// A query handler sends no command: histories replay as they were.
	if err := workflow.SetQueryHandler(ctx, QueryCallbacks, func() (CallbacksView, error) {
		v := view
		v.Pending = append([]string(nil), inFlight...)
		for _, e := range queue {
			v.Pending = append(v.Pending, e.Milestone)
		}
		return v, nil
	}); err != nil {
		return err
	}
	var a *activities.Activities
	for final := false; ; {
		var next activities.CallbackEvent
		for events.ReceiveAsync(&next) {
			queue = append(queue, next)
		}
		if len(queue) == 0 {
			if final {
				return nil
			}
			if ok, _ := events.ReceiveWithTimeout(ctx, callbacksIdleLimit, &next); !ok {
				return nil
			}
			queue = append(queue, next)
		}
		e := queue[0]
		queue, inFlight = queue[1:], []string{e.Milestone}
		if err := workflow.ExecuteActivity(callbackOptions(ctx), a.DeliverCallback, e).Get(ctx, nil); err != nil {
			logger.Error("Milestone not delivered; the next ones go on", "orderId", e.OrderID, "milestone", e.Milestone, "error", err)
			view.Failed = append(view.Failed, CallbackFailure{Milestone: e.Milestone, Error: rootMessage(err)})
		} else {
			view.Delivered = append(view.Delivered, e.Milestone)
		}
		inFlight = nil
		final = final || finalMilestone(e.Milestone)
	}
}
