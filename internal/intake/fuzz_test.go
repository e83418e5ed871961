package intake

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/cc-l2/provisioner/internal/intake/intaketest"
	"github.com/cc-l2/provisioner/order"
)

// FuzzRead feeds any source to the intake, as JSON, as CSV or guessed
// (go test -fuzz FuzzRead ./internal/intake; make fuzz), and holds it to
// what the README's "Orders" section promises: a source is accepted whole
// or refused whole, with at least one error; every order accepted
// validates, has an orderId of its own, and reads back the same from the
// JSON the workflow is given; and, read independently of the intake, an
// accepted source holds exactly the orders accepted, each one written with
// field names that match exactly, none twice, none null or "".
func FuzzRead(f *testing.F) {
	order := intaketest.Order
	seeds := []string{
		order("A"),
		"[" + order("A") + "," + order("B") + "]",
		order("A") + "\n" + order("B") + "\n",
		"[\n  " + order("A") + ",\n  " + order("B") + "\n  ,\n]",
		order("A", `"destPortId":null`),
		order("A", `"name":""`),
		order("A", `"duration":0`),
		order("A", `"DESTPORTID":"p3"`),
		order("A", `"speed":100`, `"speed":200`),
		order("A", `"callback":{"url":"https://tickets.example.com/hook","ticket":"CHG1"}`),
		order("A", `"callback":{"url":"https://tickets.example.com/hook","url":"https://elsewhere.example.com/"}`),
		order("A", `"callback":{"url":"https://tickets.example.com/hook","ticket":null}`),
		order("A", `"activationTimeout":"72h"`, `"onTimeout":"keep"`, `"dryRun":true`),
		order("A", `"destPortId":"`+"\x00"+`"`),
		order("A", `"name":"a\u0000b"`),
		`{"orderId":"M1","action":"modify","company":"acme","connectionId":"c1","speed":200}`,
		`{"orderId":"D1","action":"decommission","company":"acme","connectionId":"c1","name":"HKG-SYD-1"}`,
		`{"orderId":"B1","company":"acme","portId":"p1","destCompany":"globex","destMetro":"SIN","speed":200,"classOfService":"GOLD"}`,
		"[]", "{}", "", "null", `"A"`, "[1,2]", "{", "[" + order("A"), order("A") + " x",
		"\ufefforderId,company,portId,destPortId,speed,evergreen,activationTimeout\r\nCHG1,acme,p1,p2,100,false,72h\r\nCHG2,acme,p1,p2,50,,\r\n",
		"orderId,company,portId,destPortId,speed\nCHG1,acme,p1,p2,fast\nCHG2,acme,p1,p2,10\n",
		"orderId,company,portId,destPortId,speed\nCHG1,acme,p1\n",
		"orderId,orderId,company\nA,B,acme\n",
		"orderId,company,portId,destPortId,speed,duration\nCHG1,acme,p1,p2,100,0\n",
		"orderId,company,portId,destPortId,speed,callback\nCHG1,acme,p1,p2,100,https://x.example.com/\n",
		"orderId,company,portId,destPortId,speed\n\"CHG1\",\"acme\",\"p1\",\"p2\",\" 100\"\n",
		"orderId,company\n",
	}
	if examples, err := filepath.Glob("../../examples/orders/*.json"); err == nil {
		for _, name := range examples {
			if data, err := os.ReadFile(name); err == nil {
				seeds = append(seeds, string(data))
			}
		}
	}
	for _, s := range seeds {
		for format := range uint8(3) {
			f.Add([]byte(s), format)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		checkRead(t, data, Format(format%3))
	})
}

// checkRead holds the intake of one source to its promises (FuzzRead).
func checkRead(t *testing.T, data []byte, format Format) {
	const source = "fuzz"
	orders, errs := Seen{}.Read(source, data, format)
	if len(errs) > 0 {
		if len(orders) > 0 {
			t.Fatalf("%q: %d orders accepted along with errors %q: one bad order refuses the whole source", data, len(orders), messages(errs))
		}
		for _, e := range errs {
			if e.Error() == "" || len(e.Problems()) == 0 {
				t.Fatalf("%q: an error without words: %#v", data, e)
			}
		}
		return
	}
	if len(orders) == 0 {
		t.Fatalf("%q: neither an order nor an error", data)
	}
	ids := map[string]bool{}
	for i, so := range orders {
		o := so.Order
		if so.Index != i+1 {
			t.Fatalf("%q: order %d has index %d", data, i+1, so.Index)
		}
		if err := o.Validate(); err != nil {
			t.Fatalf("%q: accepted an invalid order: %v", data, err)
		}
		if ids[o.OrderID] {
			t.Fatalf("%q: accepted orderId %q twice", data, o.OrderID)
		}
		ids[o.OrderID] = true
		raw, err := json.Marshal(o)
		if err != nil {
			t.Fatalf("%q: order %+v does not encode: %v", data, o, err)
		}
		var back order.Order // as the workflow reads its input
		if err := json.Unmarshal(raw, &back); err != nil || !reflect.DeepEqual(back, o) {
			t.Fatalf("%q: order %+v reads back from its JSON %s as %+v, %v", data, o, raw, back, err)
		}
	}
	if format == Guess {
		format = FormatOf(source, data)
	}
	var written int
	if format == CSV {
		written = csvOrders(t, data)
	} else {
		written = jsonOrders(t, data)
	}
	if written != len(orders) {
		t.Fatalf("%q: %d orders accepted, but the source holds %d", data, len(orders), written)
	}
}

// csvOrders checks an accepted CSV source's header and counts its rows,
// with encoding/csv alone.
func csvOrders(t *testing.T, data []byte) int {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	records, err := r.ReadAll()
	if err != nil || len(records) < 2 {
		t.Fatalf("%q: accepted, but as CSV it is %d records, %v", data, len(records), err)
	}
	fields := orderFields()
	seen := map[string]bool{}
	for _, name := range records[0] {
		if !fields[name] || seen[name] {
			t.Fatalf("%q: accepted with column %q unknown or given twice", data, name)
		}
		seen[name] = true
	}
	return len(records) - 1
}

// jsonOrders checks every order of an accepted JSON source with jsontext,
// which refuses duplicate names itself, and counts them.
func jsonOrders(t *testing.T, data []byte) int {
	dec := jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowInvalidUTF8(true))
	var orders []jsontext.Value
	if dec.PeekKind() == '[' {
		if _, err := dec.ReadToken(); err != nil {
			t.Fatalf("%q: accepted, but: %v", data, err)
		}
		for dec.PeekKind() != ']' {
			v, err := dec.ReadValue()
			if err != nil {
				t.Fatalf("%q: accepted, but: %v", data, err)
			}
			orders = append(orders, v.Clone())
		}
		if _, err := dec.ReadToken(); err != nil {
			t.Fatalf("%q: accepted, but: %v", data, err)
		}
		if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
			t.Fatalf("%q: accepted with data after the array: %v", data, err)
		}
	} else {
		for {
			v, err := dec.ReadValue()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%q: accepted, but: %v", data, err)
			}
			orders = append(orders, v.Clone())
		}
	}
	for _, v := range orders {
		checkMembers(t, data, v, orderFields(), "")
	}
	return len(orders)
}

// checkMembers fails unless v is an object whose names are fields, each
// once, with no value null or "" (the callback's own likewise).
func checkMembers(t *testing.T, data []byte, v jsontext.Value, fields map[string]bool, prefix string) {
	dec := jsontext.NewDecoder(bytes.NewReader(v), jsontext.AllowInvalidUTF8(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		t.Fatalf("%q: accepted %s, which is not an object", data, v)
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			t.Fatalf("%q: accepted, but: %v", data, err)
		}
		name := tok.String()
		value, err := dec.ReadValue()
		if err != nil {
			t.Fatalf("%q: accepted, but: %v", data, err)
		}
		switch {
		case !fields[name]:
			t.Fatalf("%q: accepted with %q, not a field", data, prefix+name)
		case string(value) == "null" || string(value) == `""`:
			t.Fatalf("%q: accepted with %s given as %s", data, prefix+name, value)
		case prefix == "" && name == "callback":
			checkMembers(t, data, value, map[string]bool{"url": true, "ticket": true}, "callback.")
		}
	}
}

// orderFields are an order's JSON names, from its struct tags.
func orderFields() map[string]bool {
	fields := map[string]bool{}
	rt := reflect.TypeFor[order.Order]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = true
		}
	}
	return fields
}
