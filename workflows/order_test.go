package workflows

import (
	"testing"
	"time"
)

func validP2P() Order {
	return Order{OrderID: "CHG0040012", Company: "acme", PortID: "601000000000000000000001",
		DestPortID: "601000000000000000000002", SpeedMbps: 100}
}

func validB2B() Order {
	return Order{OrderID: "CHG0040013", Company: "acme", PortID: "601000000000000000000001",
		DestCompany: "globex", DestMetro: "HKG", SpeedMbps: 100}
}

func ptr[T any](v T) *T { return &v }

// Orders started before strict input replay with the rules they were
// started under: an explicit duration 0 meant the default, and so on.
func TestLegacyValidation(t *testing.T) {
	o := validP2P()
	o.Duration, o.ActivationTimeout, o.PaymentType, o.Name = ptr(0), Duration(time.Nanosecond), "creditcard", "A\nB"
	if err := validateOrder(o, false); err != nil {
		t.Errorf("legacy rules refused %+v: %v", o, err)
	}
	if err := validateOrder(o, true); err == nil {
		t.Error("strict rules took it")
	}
}
