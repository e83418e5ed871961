// Package order is what a user orders, as files, the webhook and the
// workflows' inputs write it: create orders (a new connection) and action
// orders (decommission, modify, adopt an existing one), their strict
// decoding, their rules and their defaults. It imports no Temporal: intake
// and the starter read orders without the workflows that run them.
//
// An order is written as one flat JSON object, Order; intake (Check, Read)
// returns it as the type of what it does, a Create or an Action, with its
// defaults applied: the only place they are.
package order

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Order is an order as it is written: one flat JSON object for every
// action, and so the workflows' input (the recorded histories hold it in
// this shape). It holds no secrets. Check turns it into a Create or an
// Action, the order's fields its action uses.
//
// destPortId means port-to-port (both ports are the ordering company's);
// destCompany + destMetro means business-to-business (the other company
// must accept).
type Order struct {
	OrderID string `json:"orderId"`
	// Action is what the order does: ActionCreate (the default) orders a
	// new connection; the others act on the existing ConnectionID.
	Action       string `json:"action,omitempty"`
	ConnectionID string `json:"connectionId,omitempty"`
	// Company, DryRun, ActivationTimeout and Callback are every order's
	// (Identity); the rest is a create order's, but Name and SpeedMbps
	// also serve decommission (the name guards against a mistyped id) and
	// modify (the new speed): see Create and Action.
	Company        string `json:"company"`
	Name           string `json:"name,omitempty"`
	PortID         string `json:"portId"`
	DestPortID     string `json:"destPortId,omitempty"`
	DestCompany    string `json:"destCompany,omitempty"`
	DestMetro      string `json:"destMetro,omitempty"` // metro id or code, e.g. HKG
	DestDCF        string `json:"destDcf,omitempty"`
	SpeedMbps      int    `json:"speed"`
	ClassOfService string `json:"classOfService,omitempty"`
	PaymentType    string `json:"paymentType,omitempty"`
	// Duration is a pointer so that an explicit 0 is an error, not the
	// default.
	Duration     *int   `json:"duration,omitempty"`
	DurationUnit string `json:"durationUnit,omitempty"`
	Evergreen    *bool  `json:"evergreen,omitempty"`
	// DryRun runs every lookup and check and ends with the PUT body it
	// would have sent, without sending it.
	DryRun bool `json:"dryRun,omitempty"`
	// ActivationTimeout overrides how long to wait for ACTIVE (e.g. "72h").
	ActivationTimeout Duration `json:"activationTimeout,omitempty"`
	// OnTimeout says what becomes of a connection still not ACTIVE at the
	// activation deadline: OnTimeoutWithdraw (the default) or OnTimeoutKeep.
	OnTimeout string `json:"onTimeout,omitempty"`
	// Callback, when set, is where the worker POSTs the order's milestones
	// (see CallbackEvent); else the worker's CALLBACK_URL, if any.
	Callback *Callback `json:"callback,omitempty"`
}

// Actions an order can take.
const (
	ActionCreate       = "create"       // order a new connection (the default)
	ActionDecommission = "decommission" // delete an existing connection
	ActionModify       = "modify"       // change an existing connection's speed
	ActionAdopt        = "adopt"        // bring a connection ordered elsewhere under management
)

var actions = []string{ActionCreate, ActionDecommission, ActionModify, ActionAdopt}

// IsCreate reports whether the order creates a connection.
func (o Order) IsCreate() bool { return o.Action == "" || o.Action == ActionCreate }

// Callback is where a ticketing system wants to hear of an order.
type Callback struct {
	// URL is where the milestones are POSTed, signed; or, instead,
	URL string `json:"url,omitempty"`
	// Target names one of the worker's operator-defined callback targets
	// (CALLBACK_TARGETS), which says the URL, method, body and
	// credentials: a ticketing system's own API.
	Target string `json:"target,omitempty"`
	Ticket string `json:"ticket,omitempty"` // echoed in every event
}

// What an order does with its connection at the activation deadline.
const (
	OnTimeoutWithdraw = "withdraw"
	OnTimeoutKeep     = "keep"
)

// Kind is the shape of an order.
type Kind string

const (
	PortToPort         Kind = "port-to-port"
	BusinessToBusiness Kind = "business-to-business"
)

// Kind says which kind of order this is; only meaningful on a valid order.
func (o Order) Kind() Kind { return o.create().Kind() }

// FieldError is one problem with one field of an order.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) String() string { return e.Field + " " + e.Message }

// ValidationError lists every problem found in one order.
type ValidationError struct {
	OrderID  string       `json:"orderId,omitempty"`
	Problems []FieldError `json:"problems"`
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	subject := "invalid order"
	if e.OrderID != "" {
		subject = fmt.Sprintf("invalid order %q", e.OrderID)
	}
	return subject + ": " + strings.Join(msgs, "; ")
}

// Duration is a time.Duration written as "90m" or "72h" in JSON.
type Duration time.Duration

// MarshalJSON writes the Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalJSON reads a Go duration string such as "72h".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"72h\": %w", err)
	}
	if s == "" {
		*d = 0
		return nil
	}
	parsed, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(parsed)
	return nil
}
