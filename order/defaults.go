package order

// WithDefaults returns the create order with the documented defaults
// filled in for the fields it leaves out. Intake applies them (Check),
// so that the workflow's input says what is ordered; the rules judge an
// order without them, a field left out being its default, which they
// take (TestDefaultsChangeNoVerdict).
func (c Create) WithDefaults() Create {
	if c.Name == "" {
		c.Name = c.OrderID
	}
	if c.ClassOfService == "" {
		c.ClassOfService = "SILVER"
	}
	if c.PaymentType == "" {
		c.PaymentType = "invoice"
	}
	if c.Duration == nil {
		one := 1
		c.Duration = &one
	}
	if c.DurationUnit == "" {
		c.DurationUnit = "m"
	}
	if c.Evergreen == nil {
		evergreen := true
		c.Evergreen = &evergreen
	}
	if c.OnTimeout == "" {
		c.OnTimeout = OnTimeoutWithdraw
	}
	return c
}

// WithDefaults returns a create order with its defaults
// (Create.WithDefaults) and an action order, which has none, as it is.
// The workflow applies it once, to its input: a no-op on an order that
// came through intake, it fills in an order started before intake did, or
// by a client that skips intake.
func (o Order) WithDefaults() Order {
	if !o.IsCreate() {
		return o
	}
	d := o.create().WithDefaults()
	o.Name, o.ClassOfService, o.PaymentType = d.Name, d.ClassOfService, d.PaymentType
	o.Duration, o.DurationUnit, o.Evergreen, o.OnTimeout = d.Duration, d.DurationUnit, d.Evergreen, d.OnTimeout
	return o
}
