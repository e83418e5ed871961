package order

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cc-l2/provisioner/internal/outbound"
)

// Order is one Layer 2 connection to provision, as the starter reads it from
// a file, standard input or the webhook. It holds no secrets.
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
	// The rest is a create order's; Name and Speed also serve decommission
	// (the name guards against a mistyped id) and modify (the new speed).
	Company        string `json:"company"`
	Name           string `json:"name,omitempty"`
	PortID         string `json:"portId"`
	DestPortID     string `json:"destPortId,omitempty"`
	DestCompany    string `json:"destCompany,omitempty"`
	DestMetro      string `json:"destMetro,omitempty"` // metro id or code, e.g. HKG
	DestDCF        string `json:"destDcf,omitempty"`
	Speed          int    `json:"speed"` // Mbps
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
func (o Order) Kind() Kind {
	if o.DestPortID != "" {
		return PortToPort
	}
	return BusinessToBusiness
}

// WithDefaults returns the order with the documented defaults filled in
// for the fields it leaves out.
func (o Order) WithDefaults() Order {
	if o.Name == "" {
		o.Name = o.OrderID
	}
	if o.ClassOfService == "" {
		o.ClassOfService = "SILVER"
	}
	if o.PaymentType == "" {
		o.PaymentType = "invoice"
	}
	if o.Duration == nil {
		one := 1
		o.Duration = &one
	}
	if o.DurationUnit == "" {
		o.DurationUnit = "m"
	}
	if o.Evergreen == nil {
		evergreen := true
		o.Evergreen = &evergreen
	}
	if o.OnTimeout == "" {
		o.OnTimeout = OnTimeoutWithdraw
	}
	return o
}

// Limits of an order's values.
const (
	// maxNameLength: the API documents no limit on a connection's name;
	// this is the cautious one (README, "Assumptions about the API").
	maxNameLength        = 100
	minActivationTimeout = time.Minute
	maxActivationTimeout = 30 * 24 * time.Hour
)

var (
	orderIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	// Console Connect usernames and ids: letters, digits, dot, dash, underscore.
	identPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
	// targetPattern is a callback target's name, as CALLBACK_TARGETS
	// defines it.
	targetPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)
	classes       = []string{"GOLD", "SILVERPLUS", "SILVER", "BRONZE"}
	units         = []string{"d", "w", "m", "y"}
	// The Layer 2 PUT takes "invoice" or "plan"; "creditcard" is only
	// possible through the web application (OpenAPI, create-layer2-...).
	payments = []string{"invoice", "plan"}
)

// Validate checks the order as given plus defaults and returns every problem
// at once as a *ValidationError, or nil.
func (o Order) Validate() error { return o.validate(true) }

// ValidateLegacy checks the order with the rules of orders started before
// strict input (see validate); only the workflow replaying such an order
// uses it.
func (o Order) ValidateLegacy() error { return o.validate(false) }

// validate checks the order; strict adds the rules of changeOrderStart
// (names without control characters or surrounding spaces, an activation
// timeout between a minute and 30 days, paymentType as the OpenAPI says,
// onTimeout), which orders started before it did not have to follow.
func (o Order) validate(strict bool) error {
	if !o.IsCreate() {
		return o.validateAction()
	}
	if !strict && o.Duration != nil && *o.Duration == 0 {
		o.Duration = nil // an explicit 0 used to mean the default
	}
	o = o.WithDefaults()
	var v ValidationError
	v.OrderID = o.OrderID
	check := func(ok bool, field, format string, args ...any) {
		if !ok {
			v.Problems = append(v.Problems, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
		}
	}
	v.checkIdentity(o)
	if strict {
		check(o.ConnectionID == "", "connectionId", "applies to the decommission, modify and adopt actions only; a create order makes a new connection")
	}
	check(strings.TrimSpace(o.Name) != "" || o.OrderID == "", "name", "must not be blank")
	if strict {
		check(utf8.RuneCountInString(o.Name) <= maxNameLength, "name", "must be at most %d characters (got %d)", maxNameLength, utf8.RuneCountInString(o.Name))
		check(!strings.ContainsFunc(o.Name, unicode.IsControl), "name", "must not contain control characters such as newlines or NUL (got %q)", o.Name)
		check(strings.TrimSpace(o.Name) == o.Name, "name", "must not begin or end with spaces (got %q)", o.Name)
	} else {
		check(len(o.Name) <= maxNameLength, "name", "must be at most %d characters (got %d)", maxNameLength, len(o.Name))
	}
	check(o.PortID != "", "portId", "is required")
	check(o.PortID == "" || identPattern.MatchString(o.PortID), "portId", "is not a valid port id (got %q)", o.PortID)

	switch p2p, b2b := o.DestPortID != "", o.DestCompany != ""; {
	case p2p && b2b:
		check(false, "destPortId", "and destCompany are exclusive: give destPortId for port-to-port, or destCompany and destMetro for business-to-business")
	case !p2p && !b2b:
		check(false, "destPortId", "or destCompany is required: give destPortId for port-to-port, or destCompany and destMetro for business-to-business")
	case p2p:
		check(identPattern.MatchString(o.DestPortID), "destPortId", "is not a valid port id (got %q)", o.DestPortID)
		check(o.DestPortID != o.PortID, "destPortId", "must differ from portId")
		check(o.DestMetro == "", "destMetro", "applies to business-to-business only; a port-to-port order uses the destination port's metro")
		check(o.DestDCF == "", "destDcf", "applies to business-to-business only")
	case b2b:
		check(identPattern.MatchString(o.DestCompany), "destCompany", "is not a valid company username (got %q)", o.DestCompany)
		check(o.DestCompany != o.Company, "destCompany", "must be another company; for your own ports give destPortId")
		check(o.DestMetro != "", "destMetro", "is required for business-to-business (metro id or code, e.g. HKG)")
		check(o.DestMetro == "" || identPattern.MatchString(o.DestMetro), "destMetro", "is not a valid metro id or code (got %q)", o.DestMetro)
		check(o.DestDCF == "" || identPattern.MatchString(o.DestDCF), "destDcf", "is not a valid DCF id (got %q)", o.DestDCF)
	}

	check(o.Speed > 0, "speed", "must be greater than 0 Mbps (got %d)", o.Speed)
	check(o.Speed <= 100000, "speed", "must be at most 100000 Mbps (got %d)", o.Speed)
	check(slices.Contains(classes, o.ClassOfService), "classOfService", "must be one of %s (got %q)", strings.Join(classes, ", "), o.ClassOfService)
	if strict {
		switch {
		case o.PaymentType == "creditcard":
			check(false, "paymentType", "creditcard can only be used through the Console Connect web application; use invoice or plan")
		default:
			check(slices.Contains(payments, o.PaymentType), "paymentType", "must be one of %s (got %q)", strings.Join(payments, ", "), o.PaymentType)
		}
	} else {
		check(slices.Contains([]string{"invoice", "creditcard"}, o.PaymentType), "paymentType", "must be one of invoice, creditcard (got %q)", o.PaymentType)
	}
	check(*o.Duration > 0, "duration", "must be greater than 0 (got %d)", *o.Duration)
	check(slices.Contains(units, o.DurationUnit), "durationUnit", "must be one of %s (got %q)", strings.Join(units, ", "), o.DurationUnit)
	if strict {
		t := time.Duration(o.ActivationTimeout)
		check(t == 0 || t >= minActivationTimeout && t <= maxActivationTimeout, "activationTimeout",
			"must be between %s and %s (got %s)", minActivationTimeout, "720h (30 days)", t)
		check(o.OnTimeout == OnTimeoutWithdraw || o.OnTimeout == OnTimeoutKeep, "onTimeout",
			"must be %q (the default) or %q (got %q)", OnTimeoutWithdraw, OnTimeoutKeep, o.OnTimeout)
	} else {
		check(o.ActivationTimeout >= 0, "activationTimeout", "must not be negative")
	}

	v.checkCallback(o)
	return v.orNil()
}

// check records a problem with field unless ok.
func (v *ValidationError) check(ok bool, field, format string, args ...any) {
	if !ok {
		v.Problems = append(v.Problems, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
}

func (v *ValidationError) orNil() error {
	if len(v.Problems) == 0 {
		return nil
	}
	return v
}

// checkIdentity checks what every order has: its id and company.
func (v *ValidationError) checkIdentity(o Order) {
	v.check(o.OrderID != "", "orderId", "is required")
	v.check(o.OrderID == "" || orderIDPattern.MatchString(o.OrderID), "orderId",
		"must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (got %q)", o.OrderID)
	v.check(o.Company != "", "company", "is required")
	v.check(o.Company == "" || identPattern.MatchString(o.Company), "company", "is not a valid company username (got %q)", o.Company)
}

func (v *ValidationError) checkCallback(o Order) {
	if c := o.Callback; c != nil {
		v.check((c.URL == "") != (c.Target == ""), "callback", "must name either a url or a target, not both and not neither")
		v.check(c.Target == "" || targetPattern.MatchString(c.Target), "callback.target",
			"must be 1-64 letters, digits, '_' or '-', starting with a letter (got %q)", c.Target)
		u, err := url.Parse(c.URL)
		// The URL is not repeated: it may carry credentials.
		v.check(c.URL == "" || err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil, "callback.url",
			"must be an http or https URL without credentials (got %q)", outbound.Redacted(c.URL))
		v.check(len(c.Ticket) <= 100 && !strings.ContainsFunc(c.Ticket, unicode.IsControl), "callback.ticket",
			"must be at most 100 characters, without control characters")
	}
}

// validateAction checks a decommission, modify or adopt order: it names
// an existing connection and says only what its action uses.
func (o Order) validateAction() error {
	var v ValidationError
	v.OrderID = o.OrderID
	v.checkIdentity(o)
	if !slices.Contains(actions, o.Action) {
		v.check(false, "action", "must be one of %s (got %q)", strings.Join(actions, ", "), o.Action)
		return v.orNil()
	}
	v.check(o.ConnectionID != "", "connectionId", "is required: the connection to %s", o.Action)
	v.check(o.ConnectionID == "" || identPattern.MatchString(o.ConnectionID), "connectionId", "is not a valid connection id (got %q)", o.ConnectionID)
	switch o.Action {
	case ActionDecommission:
		v.check(o.Name != "", "name", "is required: the connection's current name, which must match before anything is deleted (a guard against a mistyped id)")
	case ActionModify:
		v.check(o.Speed > 0, "speed", "must be greater than 0 Mbps (got %d): the connection's new speed", o.Speed)
		v.check(o.Speed <= 100000, "speed", "must be at most 100000 Mbps (got %d)", o.Speed)
	}
	unused := []struct {
		field string
		set   bool
	}{
		{"name", o.Name != "" && o.Action != ActionDecommission},
		{"speed", o.Speed != 0 && o.Action != ActionModify},
		{"portId", o.PortID != ""}, {"destPortId", o.DestPortID != ""}, {"destCompany", o.DestCompany != ""},
		{"destMetro", o.DestMetro != ""}, {"destDcf", o.DestDCF != ""}, {"classOfService", o.ClassOfService != ""},
		{"paymentType", o.PaymentType != ""}, {"duration", o.Duration != nil}, {"durationUnit", o.DurationUnit != ""},
		{"evergreen", o.Evergreen != nil}, {"onTimeout", o.OnTimeout != ""},
	}
	for _, u := range unused {
		v.check(!u.set, u.field, "does not apply to %s orders", o.Action)
	}
	t := time.Duration(o.ActivationTimeout)
	v.check(t == 0 || t >= minActivationTimeout && t <= maxActivationTimeout, "activationTimeout",
		"must be between %s and %s (got %s)", minActivationTimeout, "720h (30 days)", t)
	v.checkCallback(o)
	return v.orNil()
}

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
