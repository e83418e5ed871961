package order

import (
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

// Limits of an order's values.
const (
	// maxNameLength: the API documents no limit on a connection's name;
	// this is the cautious one (README, "Assumptions about the API").
	maxNameLength        = 100
	minActivationTimeout = time.Minute
	maxActivationTimeout = 30 * 24 * time.Hour
	maxSpeedMbps         = 100000
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

// Validate checks the order and returns every problem at once as a
// *ValidationError, or nil. A field left out is its default, which the
// rules take: the order is judged as written, defaults or not.
func (o Order) Validate() error { return o.validate(true) }

// ValidateLegacy checks the order with the rules of orders started before
// strict input (see validate); only the workflow replaying such an order
// uses it.
func (o Order) ValidateLegacy() error { return o.validate(false) }

// validate checks what every order has (Identity), that it sets no field
// its action has no place for, and its action's own rules: Create.check
// or Action.check. strict adds the rules of the workflows' changeOrderStart
// (names without control characters or surrounding spaces, an activation
// timeout between a minute and 30 days, paymentType as the OpenAPI says,
// onTimeout, no connectionId on a create order), which orders started
// before it did not have to follow.
func (o Order) validate(strict bool) error {
	v := ValidationError{OrderID: o.OrderID}
	v.checkIdentity(o.identity())
	switch {
	case o.IsCreate():
		if strict {
			v.check(o.ConnectionID == "", "connectionId", "applies to the decommission, modify and adopt actions only; a create order makes a new connection")
		}
		o.create().check(&v, strict)
	case !slices.Contains(actions, o.Action):
		v.check(false, "action", "must be one of %s (got %q)", strings.Join(actions, ", "), o.Action)
		return v.orNil()
	default:
		o.action().check(&v)
		for _, field := range o.createFields() {
			v.check(false, field, "does not apply to %s orders", o.Action)
		}
		v.checkActivationTimeout(o.ActivationTimeout)
	}
	v.checkCallback(o.Callback)
	return v.orNil()
}

// createFields names the fields of a create order that the order sets
// (but for name and speed, which actions have too).
func (o Order) createFields() []string {
	var set []string
	for _, f := range []struct {
		field string
		set   bool
	}{
		{"portId", o.PortID != ""}, {"destPortId", o.DestPortID != ""}, {"destCompany", o.DestCompany != ""},
		{"destMetro", o.DestMetro != ""}, {"destDcf", o.DestDCF != ""}, {"classOfService", o.ClassOfService != ""},
		{"paymentType", o.PaymentType != ""}, {"duration", o.Duration != nil}, {"durationUnit", o.DurationUnit != ""},
		{"evergreen", o.Evergreen != nil}, {"onTimeout", o.OnTimeout != ""},
	} {
		if f.set {
			set = append(set, f.field)
		}
	}
	return set
}

// check records the create order's problems: a field left out is its
// default, which passes.
func (c Create) check(v *ValidationError, strict bool) {
	if !strict && c.Duration != nil && *c.Duration == 0 {
		c.Duration = nil // an explicit 0 used to mean the default
	}
	// A name left out is the orderId, whose rules checkIdentity applies.
	if c.Name != "" {
		v.check(strings.TrimSpace(c.Name) != "", "name", "must not be blank")
		if strict {
			v.check(utf8.RuneCountInString(c.Name) <= maxNameLength, "name", "must be at most %d characters (got %d)", maxNameLength, utf8.RuneCountInString(c.Name))
			v.check(!strings.ContainsFunc(c.Name, unicode.IsControl), "name", "must not contain control characters such as newlines or NUL (got %q)", c.Name)
			v.check(strings.TrimSpace(c.Name) == c.Name, "name", "must not begin or end with spaces (got %q)", c.Name)
		} else {
			v.check(len(c.Name) <= maxNameLength, "name", "must be at most %d characters (got %d)", maxNameLength, len(c.Name))
		}
	}
	v.check(c.PortID != "", "portId", "is required")
	v.check(c.PortID == "" || identPattern.MatchString(c.PortID), "portId", "is not a valid port id (got %q)", c.PortID)

	switch p2p, b2b := c.DestPortID != "", c.DestCompany != ""; {
	case p2p && b2b:
		v.check(false, "destPortId", "and destCompany are exclusive: give destPortId for port-to-port, or destCompany and destMetro for business-to-business")
	case !p2p && !b2b:
		v.check(false, "destPortId", "or destCompany is required: give destPortId for port-to-port, or destCompany and destMetro for business-to-business")
	case p2p:
		v.check(identPattern.MatchString(c.DestPortID), "destPortId", "is not a valid port id (got %q)", c.DestPortID)
		v.check(c.DestPortID != c.PortID, "destPortId", "must differ from portId")
		v.check(c.DestMetro == "", "destMetro", "applies to business-to-business only; a port-to-port order uses the destination port's metro")
		v.check(c.DestDCF == "", "destDcf", "applies to business-to-business only")
	case b2b:
		v.check(identPattern.MatchString(c.DestCompany), "destCompany", "is not a valid company username (got %q)", c.DestCompany)
		v.check(c.DestCompany != c.Company, "destCompany", "must be another company; for your own ports give destPortId")
		v.check(c.DestMetro != "", "destMetro", "is required for business-to-business (metro id or code, e.g. HKG)")
		v.check(c.DestMetro == "" || identPattern.MatchString(c.DestMetro), "destMetro", "is not a valid metro id or code (got %q)", c.DestMetro)
		v.check(c.DestDCF == "" || identPattern.MatchString(c.DestDCF), "destDcf", "is not a valid DCF id (got %q)", c.DestDCF)
	}

	v.checkSpeed(c.SpeedMbps, "")
	v.check(c.ClassOfService == "" || slices.Contains(classes, c.ClassOfService), "classOfService", "must be one of %s (got %q)", strings.Join(classes, ", "), c.ClassOfService)
	switch {
	case c.PaymentType == "":
	case !strict:
		v.check(slices.Contains([]string{"invoice", "creditcard"}, c.PaymentType), "paymentType", "must be one of invoice, creditcard (got %q)", c.PaymentType)
	case c.PaymentType == "creditcard":
		v.check(false, "paymentType", "creditcard can only be used through the Console Connect web application; use invoice or plan")
	default:
		v.check(slices.Contains(payments, c.PaymentType), "paymentType", "must be one of %s (got %q)", strings.Join(payments, ", "), c.PaymentType)
	}
	v.check(c.Duration == nil || *c.Duration > 0, "duration", "must be greater than 0 (got %d)", deref(c.Duration))
	v.check(c.DurationUnit == "" || slices.Contains(units, c.DurationUnit), "durationUnit", "must be one of %s (got %q)", strings.Join(units, ", "), c.DurationUnit)
	if strict {
		v.checkActivationTimeout(c.ActivationTimeout)
		v.check(c.OnTimeout == "" || c.OnTimeout == OnTimeoutWithdraw || c.OnTimeout == OnTimeoutKeep, "onTimeout",
			"must be %q (the default) or %q (got %q)", OnTimeoutWithdraw, OnTimeoutKeep, c.OnTimeout)
	} else {
		v.check(c.ActivationTimeout >= 0, "activationTimeout", "must not be negative")
	}
}

// check records the action order's problems: it names an existing
// connection, and a name or a speed only if its action uses one.
func (a Action) check(v *ValidationError) {
	v.check(a.ConnectionID != "", "connectionId", "is required: the connection to %s", a.Action)
	v.check(a.ConnectionID == "" || identPattern.MatchString(a.ConnectionID), "connectionId", "is not a valid connection id (got %q)", a.ConnectionID)
	switch a.Action {
	case ActionDecommission:
		v.check(a.Name != "", "name", "is required: the connection's current name, which must match before anything is deleted (a guard against a mistyped id)")
	case ActionModify:
		v.checkSpeed(a.SpeedMbps, ": the connection's new speed")
	}
	v.check(a.Name == "" || a.Action == ActionDecommission, "name", "does not apply to %s orders", a.Action)
	v.check(a.SpeedMbps == 0 || a.Action == ActionModify, "speed", "does not apply to %s orders", a.Action)
}

// checkSpeed checks a connection's speed; why says what it is for.
func (v *ValidationError) checkSpeed(mbps int, why string) {
	v.check(mbps > 0, "speed", "must be greater than 0 Mbps (got %d)%s", mbps, why)
	v.check(mbps <= maxSpeedMbps, "speed", "must be at most %d Mbps (got %d)", maxSpeedMbps, mbps)
}

func (v *ValidationError) checkActivationTimeout(d Duration) {
	t := time.Duration(d)
	v.check(t == 0 || t >= minActivationTimeout && t <= maxActivationTimeout, "activationTimeout",
		"must be between %s and %s (got %s)", minActivationTimeout, "720h (30 days)", t)
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
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
func (v *ValidationError) checkIdentity(id Identity) {
	v.check(id.OrderID != "", "orderId", "is required")
	v.check(id.OrderID == "" || orderIDPattern.MatchString(id.OrderID), "orderId",
		"must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (got %q)", id.OrderID)
	v.check(id.Company != "", "company", "is required")
	v.check(id.Company == "" || identPattern.MatchString(id.Company), "company", "is not a valid company username (got %q)", id.Company)
}

func (v *ValidationError) checkCallback(c *Callback) {
	if c != nil {
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
