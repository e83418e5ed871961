package workflows

import (
	"time"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// The names clients use to reach the workflow. They are part of the
// contract with workflows already running: never rename them.
const (
	// WorkflowName is the registered workflow type.
	WorkflowName = "ProvisionL2Connection"
	// DefaultTaskQueue is where the worker polls unless configured otherwise.
	DefaultTaskQueue = "l2-provisioning"
	// QueryStatus answers a StatusView.
	QueryStatus = "status"
	// SignalCancel takes a CancelRequest: before the PUT the order stops
	// without ordering; after it the pending connection is deleted.
	SignalCancel = "cancel"
	// SignalRefresh (no payload) makes a waiting order read its
	// connection's status at once instead of at its next scheduled read:
	// for when a partner says it accepted, or a ticket was updated.
	SignalRefresh = "refresh"
	// workflowIDPrefix + orderId is the workflow id: one workflow per order.
	workflowIDPrefix = "l2-order-"
)

// WorkflowID is the workflow id for an order id. Using the order id makes a
// second submit of the same order find the first workflow.
func WorkflowID(orderID string) string { return workflowIDPrefix + orderID }

// Input starts (or continues) a provisioning workflow.
type Input struct {
	Order Order `json:"order"`
	// Wait is set only when the workflow continues as new while waiting for
	// activation, to carry the wait over to the next run.
	Wait *WaitState `json:"wait,omitempty"`
}

// WaitState is what a continued run needs to keep waiting.
type WaitState struct {
	ConnectionID string       `json:"connectionId"`
	APIStatus    ccapi.Status `json:"apiStatus"`
	Deadline     time.Time    `json:"deadline"`
	NextPoll     Duration     `json:"nextPoll"`
	Polls        int          `json:"polls"` // across all runs
	// OrderedAt is when the connection was ordered: a 404 within the
	// settle window after it is the API catching up, not a deletion.
	OrderedAt time.Time `json:"orderedAt,omitzero"`
	// AuthFailingSince is when status reads began to be refused (401/403).
	AuthFailingSince time.Time `json:"authFailingSince,omitzero"`
	// NameLockID is the connection-name lock the order holds, to release
	// when it ends; NameLockRunID its run, "" for a lock released by
	// signal (nameHold, in namelock.go).
	NameLockID    string `json:"nameLockId,omitempty"`
	NameLockRunID string `json:"nameLockRunId,omitempty"`
	// StartedAt is when the order's first run started, for the time it
	// took to become ACTIVE.
	StartedAt time.Time `json:"startedAt,omitzero"`
	// CallbacksStarted: the order's callbacks workflow runs (later
	// milestones are signalled to it); NotifiedAwaiting: it was told of
	// awaiting-acceptance already.
	CallbacksStarted bool `json:"callbacksStarted,omitempty"`
	NotifiedAwaiting bool `json:"notifiedAwaiting,omitempty"`
	// Phase is what an action order waits for (decommission, modify,
	// adopt); empty for a create order. SpeedMbps and FromMbps are a
	// modify's asked and former speeds.
	Phase     string `json:"phase,omitempty"`
	SpeedMbps int    `json:"speedMbps,omitempty"`
	FromMbps  int    `json:"fromMbps,omitempty"`
	// Cancel and Refresh are the signals a run had received when it
	// continued as new: the next run acts on them. A signal delivered in
	// the workflow task that decides to continue as new is otherwise taken
	// by the ending run and lost (issue 22, scenario 2).
	Cancel  *CancelRequest `json:"cancel,omitempty"`
	Refresh bool           `json:"refresh,omitempty"`
	// PortID is an action order's connection's source port, shown to be
	// the company's: a 404 for the connection is believed only when this
	// port's read lacks it too.
	PortID string `json:"portId,omitempty"`
}

// Stage is where an order is.
type Stage string

const (
	StageValidating         Stage = "validating"
	StageOrdering           Stage = "ordering"
	StageAwaitingActivation Stage = "awaiting-activation"
	StageWithdrawing        Stage = "withdrawing"
	StageActive             Stage = "active"
	StageFailed             Stage = "failed"
	StageCancelled          Stage = "cancelled"
	StageDryRun             Stage = "dry-run"
)

// Stages of the actions, besides validating, active, failed, cancelled
// and dry-run.
const (
	StageChecking         Stage = "checking"          // reading the connection and checking the order against it
	StageDeleting         Stage = "deleting"          // the DELETE went out; waiting for DELETED
	StageDecommissioned   Stage = "decommissioned"    // it is gone
	StageModifying        Stage = "modifying"         // the update or change request is going out
	StageAwaitingApproval Stage = "awaiting-approval" // the other party must approve the change
	StageModified         Stage = "modified"          // the new speed applies
	StageFollowing        Stage = "following"         // an adopted connection, until it is ACTIVE
)

// StatusView answers the status query.
type StatusView struct {
	OrderID      string       `json:"orderId"`
	Stage        Stage        `json:"stage"`
	ConnectionID string       `json:"connectionId,omitempty"`
	APIStatus    ccapi.Status `json:"apiStatus,omitempty"`
	Reason       string       `json:"reason,omitempty"`
	Polls        int          `json:"polls,omitempty"`
	// NothingOrdered is set once it is certain that no PUT of the order
	// can have taken effect.
	NothingOrdered bool `json:"nothingOrdered,omitempty"`
	// Withdrawn: the order deleted its connection (a cancel, a timeout, a
	// failure after the PUT).
	Withdrawn bool `json:"withdrawn,omitempty"`
	// LastRead is what the wait's last read saw (status, time, read
	// number), since revisionWaitAtFloor: the reads the server retries
	// send the workflow nothing, so the status query cannot know it;
	// `starter status` and the webhook add it from the pending read
	// activity's last failure (DescribeWorkflowExecution).
	LastRead string `json:"lastRead,omitempty"`
	// Callbacks is what became of the order's milestones (its callbacks
	// workflow's CallbacksView), when it has a callbacks workflow: a
	// target that refused a milestone for good shows here. The workflow
	// never sets it; `starter status` and the webhook add it from the
	// callbacks workflow's query, as they add LastRead.
	Callbacks *CallbacksView `json:"callbacks,omitempty"`
}

// CancelRequest is the payload of the cancel signal.
type CancelRequest struct {
	Reason string `json:"reason,omitempty"`
}

// Result is how an order ended when it did not fail: active, cancelled, or
// a dry run with the PUT body it would have sent.
type Result struct {
	OrderID      string       `json:"orderId"`
	Stage        Stage        `json:"stage"`
	ConnectionID string       `json:"connectionId,omitempty"`
	APIStatus    ccapi.Status `json:"apiStatus,omitempty"`
	Reason       string       `json:"reason,omitempty"`
	// NothingOrdered is set when it is certain that no PUT of the order
	// can have taken effect (a dry run, a cancel before ordering).
	NothingOrdered bool `json:"nothingOrdered,omitempty"`
	// Withdrawn: the order deleted its connection (after a cancel).
	Withdrawn bool `json:"withdrawn,omitempty"`
	// Request is the exact Layer 2 PUT body (dry run only).
	Request *ccapi.CreateLayer2Request `json:"request,omitempty"`
}

// Error types of the workflow's non-retryable failures, for callers that
// branch on them (errors.As to *temporal.ApplicationError, then Type()).
const (
	ErrTypeInvalidOrder      = "InvalidOrder"      // the order itself is wrong
	ErrTypePrecheckFailed    = "PrecheckFailed"    // ports/metro/DCF rule out the order; nothing was ordered
	ErrTypeOrderRejected     = "OrderRejected"     // the API refused the PUT (4xx); nothing was ordered
	ErrTypeConnectionFailed  = "ConnectionFailed"  // the connection ended DENIED, ERROR, ...
	ErrTypeActivationTimeout = "ActivationTimeout" // not ACTIVE before the deadline
	// ErrTypeAPIUnavailable: the API kept failing past the retry budget; the
	// activities' type of the same name.
	ErrTypeAPIUnavailable = activities.ErrTypeAPIUnavailable
	// ErrTypeTemporalUnavailable: the order could not take its connection
	// name because the Temporal server could not be reached (the Console
	// Connect API may be fine); nothing was ordered. The same name as the
	// lock activities' failure (activities.ErrTypeTemporalUnavailable).
	ErrTypeTemporalUnavailable = activities.ErrTypeTemporalUnavailable
	// ErrTypeOutcomeUnknown: a PUT's outcome stayed unknown and the order then
	// failed; a connection may exist (the message names it if found). The
	// activities' type of the same name.
	ErrTypeOutcomeUnknown = activities.ErrTypeOutcomeUnknown
)
