package order

import "errors"

// Identity is what every order has, whatever it does: its id, the company
// ordering, and how it runs and reports.
type Identity struct {
	OrderID string `json:"orderId"`
	Company string `json:"company"`
	// DryRun runs every lookup and check and ends with what the order
	// would have done, without doing it.
	DryRun bool `json:"dryRun,omitempty"`
	// ActivationTimeout overrides how long to wait for the connection
	// (e.g. "72h").
	ActivationTimeout Duration `json:"activationTimeout,omitempty"`
	// Callback, when set, is where the worker reports the order's
	// milestones.
	Callback *Callback `json:"callback,omitempty"`
}

// Create orders a new connection: destPortId means port-to-port (both
// ports are the ordering company's); destCompany + destMetro means
// business-to-business (the other company must accept). Its JSON is the
// Order's, less the fields of actions.
type Create struct {
	Identity
	Name           string `json:"name,omitempty"` // default: the orderId
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
	OnTimeout    string `json:"onTimeout,omitempty"`
}

// Action acts on an existing connection: decommission, modify or adopt
// it. Its JSON is the Order's, less the fields of create orders.
type Action struct {
	Identity
	Action       string `json:"action"` // ActionDecommission, ActionModify or ActionAdopt
	ConnectionID string `json:"connectionId"`
	// Name is a decommission's guard against a mistyped id: the
	// connection's current name.
	Name string `json:"name,omitempty"`
	// SpeedMbps is a modify's new speed.
	SpeedMbps int `json:"speed,omitempty"`
}

// Typed is an order as intake returns it: a Create or an Action.
type Typed interface {
	// Order is the order as it is written: the workflow's input.
	Order() Order
	typed()
}

func (Create) typed() {}
func (Action) typed() {}

// identity is the fields every order has.
func (o Order) identity() Identity {
	return Identity{OrderID: o.OrderID, Company: o.Company, DryRun: o.DryRun, ActivationTimeout: o.ActivationTimeout, Callback: o.Callback}
}

// create is a create order's fields: those misplaced reports aside.
func (o Order) create() Create {
	return Create{Identity: o.identity(), Name: o.Name, PortID: o.PortID, DestPortID: o.DestPortID, DestCompany: o.DestCompany,
		DestMetro: o.DestMetro, DestDCF: o.DestDCF, SpeedMbps: o.SpeedMbps, ClassOfService: o.ClassOfService, PaymentType: o.PaymentType,
		Duration: o.Duration, DurationUnit: o.DurationUnit, Evergreen: o.Evergreen, OnTimeout: o.OnTimeout}
}

// action is an action order's fields: those misplaced reports aside.
func (o Order) action() Action {
	return Action{Identity: o.identity(), Action: o.Action, ConnectionID: o.ConnectionID, Name: o.Name, SpeedMbps: o.SpeedMbps}
}

// Typed is the order as the type of what it does; only meaningful once it
// is valid (see Check).
func (o Order) Typed() Typed {
	if o.IsCreate() {
		return o.create()
	}
	return o.action()
}

func (id Identity) order() Order {
	return Order{OrderID: id.OrderID, Company: id.Company, DryRun: id.DryRun, ActivationTimeout: id.ActivationTimeout, Callback: id.Callback}
}

// Order is the create order as it is written.
func (c Create) Order() Order {
	o := c.Identity.order()
	o.Name, o.PortID, o.DestPortID, o.DestCompany, o.DestMetro, o.DestDCF = c.Name, c.PortID, c.DestPortID, c.DestCompany, c.DestMetro, c.DestDCF
	o.SpeedMbps, o.ClassOfService, o.PaymentType = c.SpeedMbps, c.ClassOfService, c.PaymentType
	o.Duration, o.DurationUnit, o.Evergreen, o.OnTimeout = c.Duration, c.DurationUnit, c.Evergreen, c.OnTimeout
	return o
}

// Order is the action order as it is written.
func (a Action) Order() Order {
	o := a.Identity.order()
	o.Action, o.ConnectionID, o.Name, o.SpeedMbps = a.Action, a.ConnectionID, a.Name, a.SpeedMbps
	return o
}

// Kind says which kind of connection the order makes; only meaningful on
// a valid order.
func (c Create) Kind() Kind {
	if c.DestPortID != "" {
		return PortToPort
	}
	return BusinessToBusiness
}

// Check is intake's judgement of one decoded order: every problem at
// once, Validate's and IntakeProblems', as a *ValidationError; or the
// order, its defaults applied, as a Create or an Action.
func Check(o Order) (Typed, error) {
	v := ValidationError{OrderID: o.OrderID}
	var invalid *ValidationError
	if err := o.Validate(); err != nil {
		if !errors.As(err, &invalid) {
			return nil, err
		}
		v.Problems = append(v.Problems, invalid.Problems...)
	}
	v.Problems = append(v.Problems, o.IntakeProblems()...)
	if err := v.orNil(); err != nil {
		return nil, err
	}
	switch t := o.Typed().(type) {
	case Create:
		return t.WithDefaults(), nil
	default:
		return t, nil
	}
}

// Read decodes one order strictly (Decode) and checks it (Check).
func Read(data []byte) (Typed, error) {
	o, err := Decode(data)
	if err != nil {
		return nil, err
	}
	return Check(o)
}
