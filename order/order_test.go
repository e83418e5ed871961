package order

import (
	"encoding/json"
	"errors"
	"strings"
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

func actionOrder(action, name string, speed int) func() Order {
	return func() Order {
		return Order{OrderID: "CHG0050001", Action: action, Company: "acme", ConnectionID: "c1", Name: name, SpeedMbps: speed}
	}
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
		{"create with a connectionId", func(o *Order) { o.ConnectionID = "c1" }, validP2P, []string{"connectionId"}},
		{"explicit create ok", func(o *Order) { o.Action = ActionCreate }, validP2P, nil},
		{"callback target ok", func(o *Order) { o.Callback = &Callback{Target: "jira", Ticket: "NET-1"} }, validP2P, nil},
		{"callback url and target", func(o *Order) { o.Callback = &Callback{URL: "https://t.example.com/", Target: "jira"} }, validP2P, []string{"callback"}},
		{"callback without either", func(o *Order) { o.Callback = &Callback{Ticket: "NET-1"} }, validP2P, []string{"callback"}},
		{"callback target name", func(o *Order) { o.Callback = &Callback{Target: "../jira"} }, validP2P, []string{"callback.target"}},
		{"unknown action", func(o *Order) { o.Action = "delete" }, validP2P, []string{"action"}},
		{"decommission ok", func(*Order) {}, actionOrder(ActionDecommission, "HKG-1", 0), nil},
		{"decommission without name or id", func(o *Order) { o.Name, o.ConnectionID = "", "" }, actionOrder(ActionDecommission, "HKG-1", 0), []string{"connectionId", "name"}},
		{"modify ok", func(*Order) {}, actionOrder(ActionModify, "", 200), nil},
		{"modify without speed", func(o *Order) { o.SpeedMbps = 0 }, actionOrder(ActionModify, "", 200), []string{"speed"}},
		{"modify with create fields", func(o *Order) { o.PortID, o.Name, o.OnTimeout = "p1", "x", OnTimeoutKeep }, actionOrder(ActionModify, "", 200),
			[]string{"name", "portId", "onTimeout"}},
		{"adopt ok", func(*Order) {}, actionOrder(ActionAdopt, "", 0), nil},
		{"adopt with a speed", func(o *Order) { o.SpeedMbps = 10 }, actionOrder(ActionAdopt, "", 0), []string{"speed"}},
		{"b2b to self", func(o *Order) { o.DestCompany = "acme" }, validB2B, []string{"destCompany"}},
		{"zero speed", func(o *Order) { o.SpeedMbps = 0 }, validP2P, []string{"speed"}},
		{"negative speed", func(o *Order) { o.SpeedMbps = -5 }, validP2P, []string{"speed"}},
		{"class of service", func(o *Order) { o.ClassOfService = "PLATINUM" }, validP2P, []string{"classOfService"}},
		{"duration unit", func(o *Order) { o.DurationUnit = "h" }, validP2P, []string{"durationUnit"}},
		{"payment type", func(o *Order) { o.PaymentType = "cash" }, validP2P, []string{"paymentType"}},
		{"negative duration", func(o *Order) { o.Duration = ptr(-1) }, validP2P, []string{"duration"}},
		{"explicit zero duration", func(o *Order) { o.Duration = ptr(0) }, validP2P, []string{"duration"}},
		{"name with a newline", func(o *Order) { o.Name = "A\nB" }, validP2P, []string{"name"}},
		{"name with NUL", func(o *Order) { o.Name = "A\x00B" }, validP2P, []string{"name"}},
		{"name with surrounding spaces", func(o *Order) { o.Name = " A " }, validP2P, []string{"name"}},
		{"name too long", func(o *Order) { o.Name = strings.Repeat("é", 101) }, validP2P, []string{"name"}},
		{"name at the limit", func(o *Order) { o.Name = strings.Repeat("é", 100) }, validP2P, nil},
		{"activation timeout too short", func(o *Order) { o.ActivationTimeout = Duration(time.Nanosecond) }, validP2P, []string{"activationTimeout"}},
		{"activation timeout too long", func(o *Order) { o.ActivationTimeout = Duration(31 * 24 * time.Hour) }, validP2P, []string{"activationTimeout"}},
		{"activation timeout of a minute", func(o *Order) { o.ActivationTimeout = Duration(time.Minute) }, validP2P, nil},
		{"payment by plan", func(o *Order) { o.PaymentType = "plan" }, validP2P, nil},
		{"credit card is for the web application", func(o *Order) { o.PaymentType = "creditcard" }, validP2P, []string{"paymentType"}},
		{"onTimeout keep", func(o *Order) { o.OnTimeout = OnTimeoutKeep }, validP2P, nil},
		{"onTimeout other", func(o *Order) { o.OnTimeout = "delete" }, validP2P, []string{"onTimeout"}},
		{"every problem at once", func(o *Order) { o.SpeedMbps = 0; o.ClassOfService = "X"; o.DurationUnit = "q" }, validP2P,
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
		*o.Duration != 1 || o.DurationUnit != "m" || o.Evergreen == nil || !*o.Evergreen {
		t.Errorf("defaults not applied: %+v", o)
	}
	no := false
	o = validP2P()
	o.Evergreen = &no
	if *o.WithDefaults().Evergreen {
		t.Error("explicit evergreen=false was overridden")
	}
}

func ptr[T any](v T) *T { return &v }

// Orders started before strict input replay with the rules they were
// started under: an explicit duration 0 meant the default, and so on.
func TestLegacyValidation(t *testing.T) {
	o := validP2P()
	o.Duration, o.ActivationTimeout, o.PaymentType, o.Name = ptr(0), Duration(time.Nanosecond), "creditcard", "A\nB"
	if err := o.validate(false); err != nil {
		t.Errorf("legacy rules refused %+v: %v", o, err)
	}
	if err := o.validate(true); err == nil {
		t.Error("strict rules took it")
	}
}

func TestDecodeOrderIsStrict(t *testing.T) {
	const base = `"orderId":"CHG1","company":"acme","portId":"p1","speed":10`
	tests := []struct {
		name   string
		json   string
		fields []string // problems' fields; nil = decodes
	}{
		{"ok", `{` + base + `,"destPortId":"p2"}`, nil},
		{"other-case key", `{` + base + `,"destPortId":"p2","DESTPORTID":"p3"}`, []string{"DESTPORTID"}},
		{"key twice", `{` + base + `,"destPortId":"p2","destPortId":"p3"}`, []string{"destPortId"}},
		{"unknown key", `{` + base + `,"sped":10}`, []string{"sped"}},
		{"explicit null", `{` + base + `,"destPortId":"p2","classOfService":null}`, []string{"classOfService"}},
		{"explicit empty", `{` + base + `,"destPortId":"p2","name":""}`, []string{"name"}},
		{"callback", `{` + base + `,"destPortId":"p2","callback":{"url":"https://t.example.com/","ticket":"CHG1"}}`, nil},
		{"callback key twice", `{` + base + `,"destPortId":"p2","callback":{"url":"https://t.example.com/","url":"https://u.example.com/"}}`, []string{"callback.url"}},
		{"callback null field", `{` + base + `,"destPortId":"p2","callback":{"url":"https://t.example.com/","ticket":null}}`, []string{"callback.ticket"}},
		{"callback empty field", `{` + base + `,"destPortId":"p2","callback":{"url":"https://t.example.com/","ticket":""}}`, []string{"callback.ticket"}},
		{"callback other-case key", `{` + base + `,"destPortId":"p2","callback":{"URL":"https://t.example.com/"}}`, []string{"callback.URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Decode([]byte(tt.json))
			if tt.fields == nil {
				if err != nil || o.DestPortID != "p2" {
					t.Fatalf("DecodeOrder = %+v, %v", o, err)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("DecodeOrder error %v, want *ValidationError", err)
			}
			var got []string
			for _, p := range verr.Problems {
				got = append(got, p.Field)
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("fields %v, want %v: %v", got, tt.fields, err)
			}
		})
	}
	if _, err := Decode([]byte(`{"orderId":"CHG1","speed":"fast"}`)); !errors.As(err, new(*json.UnmarshalTypeError)) {
		t.Errorf("a wrong type gave %v", err)
	}
	if _, err := Decode([]byte(`[1]`)); err == nil {
		t.Error("an array decoded as an order")
	}
	o, err := Decode([]byte(`{` + base + `,"destPortId":"p2","duration":0}`))
	if err != nil || o.Validate() == nil || !strings.Contains(o.Validate().Error(), "duration") {
		t.Errorf("explicit duration 0: %+v, %v, validate %v", o, err, o.Validate())
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
