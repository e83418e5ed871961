package workflows

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func validP2P() Order {
	return Order{OrderID: "CHG0040012", Company: "acme", PortID: "601000000000000000000001",
		DestPortID: "601000000000000000000002", Speed: 100}
}

func validB2B() Order {
	return Order{OrderID: "CHG0040013", Company: "acme", PortID: "601000000000000000000001",
		DestCompany: "globex", DestMetro: "HKG", Speed: 100}
}

func TestOrderValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Order)
		base   func() Order
		fields []string // fields named in the error, in order; nil = valid
	}{
		{"port-to-port ok", func(*Order) {}, validP2P, nil},
		{"business-to-business ok", func(*Order) {}, validB2B, nil},
		{"b2b with dcf ok", func(o *Order) { o.DestDCF = "5f10000000000000000000a1" }, validB2B, nil},
		{"missing orderId", func(o *Order) { o.OrderID = "" }, validP2P, []string{"orderId"}},
		{"orderId charset", func(o *Order) { o.OrderID = "CHG 1/2" }, validP2P, []string{"orderId"}},
		{"orderId too long", func(o *Order) { o.OrderID = strings.Repeat("a", 65) }, validP2P, []string{"orderId"}},
		{"missing company", func(o *Order) { o.Company = "" }, validP2P, []string{"company"}},
		{"missing portId", func(o *Order) { o.PortID = "" }, validP2P, []string{"portId"}},
		{"both destinations", func(o *Order) { o.DestCompany = "globex" }, validP2P, []string{"destPortId"}},
		{"no destination", func(o *Order) { o.DestPortID = "" }, validP2P, []string{"destPortId"}},
		{"same port", func(o *Order) { o.DestPortID = o.PortID }, validP2P, []string{"destPortId"}},
		{"metro on p2p", func(o *Order) { o.DestMetro = "HKG" }, validP2P, []string{"destMetro"}},
		{"b2b without metro", func(o *Order) { o.DestMetro = "" }, validB2B, []string{"destMetro"}},
		{"b2b to self", func(o *Order) { o.DestCompany = "acme" }, validB2B, []string{"destCompany"}},
		{"zero speed", func(o *Order) { o.Speed = 0 }, validP2P, []string{"speed"}},
		{"negative speed", func(o *Order) { o.Speed = -5 }, validP2P, []string{"speed"}},
		{"class of service", func(o *Order) { o.ClassOfService = "PLATINUM" }, validP2P, []string{"classOfService"}},
		{"duration unit", func(o *Order) { o.DurationUnit = "h" }, validP2P, []string{"durationUnit"}},
		{"payment type", func(o *Order) { o.PaymentType = "cash" }, validP2P, []string{"paymentType"}},
		{"negative duration", func(o *Order) { o.Duration = -1 }, validP2P, []string{"duration"}},
		{"every problem at once", func(o *Order) { o.Speed = 0; o.ClassOfService = "X"; o.DurationUnit = "q" }, validP2P,
			[]string{"speed", "classOfService", "durationUnit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.base()
			tt.mutate(&o)
			err := o.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate() = %v, want *ValidationError", err)
			}
			var got []string
			for _, p := range verr.Problems {
				got = append(got, p.Field)
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("fields = %v, want %v (error: %v)", got, tt.fields, err)
			}
			if o.OrderID != "" && !strings.Contains(err.Error(), o.OrderID) {
				t.Errorf("error %q does not name the order", err)
			}
		})
	}
}

func TestOrderDefaults(t *testing.T) {
	o := validP2P().WithDefaults()
	if o.Name != o.OrderID || o.ClassOfService != "SILVER" || o.PaymentType != "invoice" ||
		o.Duration != 1 || o.DurationUnit != "m" || o.Evergreen == nil || !*o.Evergreen {
		t.Errorf("defaults not applied: %+v", o)
	}
	no := false
	o = validP2P()
	o.Evergreen = &no
	if *o.WithDefaults().Evergreen {
		t.Error("explicit evergreen=false was overridden")
	}
}

func TestOrderJSONFieldNames(t *testing.T) {
	const in = `{"orderId":"CHG0040012","company":"acme","name":"DEMO-L2-S2S","portId":"p1",
		"destPortId":"p2","destCompany":"","destMetro":"","destDcf":"",
		"speed":100,"classOfService":"SILVER","paymentType":"invoice","duration":1,"durationUnit":"m","evergreen":true,
		"dryRun":true,"activationTimeout":"72h"}`
	dec := json.NewDecoder(strings.NewReader(in))
	dec.DisallowUnknownFields()
	var o Order
	if err := dec.Decode(&o); err != nil {
		t.Fatal(err)
	}
	if o.Name != "DEMO-L2-S2S" || o.DestPortID != "p2" || !o.DryRun || o.ActivationTimeout.String() != "72h0m0s" {
		t.Errorf("decoded %+v", o)
	}
}
