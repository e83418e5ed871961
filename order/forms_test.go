package order

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// sampleOrders are valid and invalid orders of every action.
func sampleOrders() map[string]Order {
	no := false
	orders := map[string]Order{
		"p2p":                  validP2P(),
		"b2b":                  validB2B(),
		"decommission":         actionOrder(ActionDecommission, "HKG-1", 0)(),
		"modify":               actionOrder(ActionModify, "", 200)(),
		"adopt":                actionOrder(ActionAdopt, "", 0)(),
		"modify without speed": actionOrder(ActionModify, "", 0)(),
		"adopt with a name":    actionOrder(ActionAdopt, "x", 0)(),
	}
	full := validB2B()
	full.Name, full.DestDCF, full.ClassOfService, full.PaymentType = "HKG-2", "d1", "GOLD", "plan"
	full.Duration, full.DurationUnit, full.Evergreen, full.OnTimeout = ptr(12), "y", &no, OnTimeoutKeep
	full.DryRun, full.ActivationTimeout = true, Duration(72*time.Hour)
	full.Callback = &Callback{URL: "https://t.example.com/hook", Ticket: "NET-1"}
	orders["b2b, every field"] = full
	for name, mutate := range map[string]func(*Order){
		"blank name":         func(o *Order) { o.Name = "  " },
		"bad class":          func(o *Order) { o.ClassOfService = "PLATINUM" },
		"zero duration":      func(o *Order) { o.Duration = ptr(0) },
		"credit card":        func(o *Order) { o.PaymentType = "creditcard" },
		"bad onTimeout":      func(o *Order) { o.OnTimeout = "delete" },
		"bad unit":           func(o *Order) { o.DurationUnit = "h" },
		"no speed":           func(o *Order) { o.SpeedMbps = 0 },
		"with connectionId":  func(o *Order) { o.ConnectionID = "c1" },
		"short timeout":      func(o *Order) { o.ActivationTimeout = Duration(time.Second) },
		"no destination":     func(o *Order) { o.DestPortID = "" },
		"name with a tab":    func(o *Order) { o.Name = "a\tb" },
		"evergreen false ok": func(o *Order) { o.Evergreen = &no },
	} {
		o := validP2P()
		mutate(&o)
		orders[name] = o
	}
	return orders
}

func problemFields(err error) []string {
	var verr *ValidationError
	if !errors.As(err, &verr) {
		return nil
	}
	var fields []string
	for _, p := range verr.Problems {
		fields = append(fields, p.Field)
	}
	return fields
}

// Defaults are applied once, at intake; judging an order before or after
// them gives the same verdict, so no rule needs them applied first.
func TestDefaultsChangeNoVerdict(t *testing.T) {
	for name, o := range sampleOrders() {
		for _, strict := range []bool{true, false} {
			before, after := o.validate(strict), o.WithDefaults().validate(strict)
			if !slices.Equal(problemFields(before), problemFields(after)) || (before == nil) != (after == nil) {
				t.Errorf("%s (strict %v): as written %v; with defaults %v", name, strict, before, after)
			}
		}
	}
}

func TestWithDefaultsIsIdempotent(t *testing.T) {
	for name, o := range sampleOrders() {
		once := o.WithDefaults()
		if twice := once.WithDefaults(); !reflect.DeepEqual(once, twice) {
			t.Errorf("%s: defaults applied twice %+v, once %+v", name, twice, once)
		}
		if !o.IsCreate() && !reflect.DeepEqual(o, once) {
			t.Errorf("%s: an action order got defaults: %+v", name, once)
		}
	}
	c := validP2P().create().WithDefaults()
	if c.Name != c.OrderID || c.ClassOfService != "SILVER" || c.PaymentType != "invoice" || *c.Duration != 1 ||
		c.DurationUnit != "m" || !*c.Evergreen || c.OnTimeout != OnTimeoutWithdraw {
		t.Errorf("defaults: %+v", c)
	}
}

// Check is intake's one verdict: an order of either action comes back as
// its type, a create order with its defaults, or with every problem.
func TestCheck(t *testing.T) {
	for name, o := range sampleOrders() {
		typed, err := Check(o)
		want := o.Validate()
		if (err == nil) != (want == nil) {
			t.Errorf("%s: Check %v, Validate %v", name, err, want)
			continue
		}
		if err != nil {
			continue
		}
		switch typed := typed.(type) {
		case Create:
			if !o.IsCreate() || !reflect.DeepEqual(typed.Order(), o.WithDefaults()) {
				t.Errorf("%s: Check gave the create order %+v", name, typed)
			}
		case Action:
			if o.IsCreate() || !reflect.DeepEqual(typed.Order(), o) {
				t.Errorf("%s: Check gave the action order %+v", name, typed)
			}
		default:
			t.Errorf("%s: Check gave %T", name, typed)
		}
	}
	o := validP2P()
	o.Name, o.SpeedMbps = "=cmd()", 0
	_, err := Check(o)
	if got := problemFields(err); !slices.Equal(got, []string{"speed", "name"}) {
		t.Errorf("Check of a bad order gave %v: %v", got, err)
	}
	if _, err := Read([]byte(`{"orderId":"CHG1","company":"acme","action":"adopt","connectionId":"c1"}`)); err != nil {
		t.Errorf("Read of an adopt order: %v", err)
	}
	if _, err := Read([]byte(`{"orderId":"CHG1","company":"acme","action":"adopt","conectionId":"c1"}`)); !slices.Equal(problemFields(err), []string{"conectionId"}) {
		t.Errorf("Read of a misspelt key: %v", err)
	}
}

// A create and an action order are written as the one flat Order: their
// JSON keys together are exactly its keys, and a valid order written as
// its type reads back the same.
func TestCreateAndActionAreWrittenAsTheOrder(t *testing.T) {
	keys := func(t reflect.Type) map[string]bool {
		m := map[string]bool{}
		var walk func(reflect.Type)
		walk = func(t reflect.Type) {
			for f := range t.Fields() {
				if f.Anonymous {
					walk(f.Type)
					continue
				}
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				m[name] = true
			}
		}
		walk(t)
		return m
	}
	union := keys(reflect.TypeFor[Create]())
	maps.Copy(union, keys(reflect.TypeFor[Action]()))
	if want := keys(reflect.TypeFor[Order]()); !maps.Equal(union, want) {
		t.Errorf("Create and Action keys %v, Order's %v", slices.Sorted(maps.Keys(union)), slices.Sorted(maps.Keys(want)))
	}
	for name, o := range sampleOrders() {
		if o.Validate() != nil {
			continue
		}
		typed, err := json.Marshal(o.Typed())
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decode(typed)
		if err != nil || !reflect.DeepEqual(back, o) {
			t.Errorf("%s: written as its type %s, read back %+v, %v", name, typed, back, err)
		}
	}
}
