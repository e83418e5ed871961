package intake

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/internal/intake/intaketest"
	"github.com/cc-l2/provisioner/order"
)

// orderJSON is a valid port-to-port order as JSON, with extra fields merged in.
var orderJSON = intaketest.Order

// messages are the errors' texts.
func messages(errs []*Error) []string {
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	return msgs
}

func TestParse(t *testing.T) {
	tests := []struct {
		name      string
		input     string
		wantIDs   []string
		wantLines []int
		wantErrs  []string // whole messages, source "orders.json"
	}{
		{name: "one object", input: orderJSON("A") + "\n", wantIDs: []string{"A"}, wantLines: []int{1}},
		{name: "one object, leading blank lines", input: "\n\n  " + orderJSON("A"), wantIDs: []string{"A"}, wantLines: []int{3}},
		{
			name:      "array across lines",
			input:     "[\n  " + orderJSON("A") + ",\n  " + orderJSON("B") + "\n  ,\n" + orderJSON("C") + "\n]\n",
			wantIDs:   []string{"A", "B", "C"},
			wantLines: []int{2, 3, 5},
		},
		{
			name:      "NDJSON",
			input:     orderJSON("A") + "\n" + orderJSON("B") + "\n\n" + orderJSON("C") + "\n",
			wantIDs:   []string{"A", "B", "C"},
			wantLines: []int{1, 2, 4},
		},
		{
			name:      "pretty-printed objects one after another",
			input:     "{\n \"orderId\": \"A\"\n}\n{\n \"orderId\": \"B\"\n}\n",
			wantIDs:   []string{"A", "B"},
			wantLines: []int{1, 4},
		},
		{
			name:      "unknown field: the rest is still read",
			input:     orderJSON("A") + "\n" + orderJSON("B", `"sped":100`) + "\n" + orderJSON("C") + "\n",
			wantIDs:   []string{"A", "C"},
			wantLines: []int{1, 3},
			wantErrs:  []string{`orders.json: order 2 (line 2): unknown field "sped"`},
		},
		{
			name:     "keys match exactly: an other-case key is an unknown field",
			input:    orderJSON("A", `"destPortId":"p2"`, `"DESTPORTID":"p3"`) + "\n",
			wantErrs: []string{`orders.json: order 1 (line 1): unknown field "DESTPORTID" (field names are case-sensitive: did you mean "destPortId"?)`},
		},
		{
			name:     "an explicit null is not the default",
			input:    orderJSON("A", `"classOfService":null`) + "\n",
			wantErrs: []string{`orders.json: order 1 (line 1): field "classOfService" must not be null: leave the field out to use its default`},
		},
		{
			name:     "unknown field in an array on line 14",
			input:    "[\n" + orderJSON("A") + ",\n" + strings.Repeat("\n", 11) + orderJSON("B", `"sped":1`) + "\n]",
			wantIDs:  []string{"A"},
			wantErrs: []string{`orders.json: order 2 (line 14): unknown field "sped"`},
		},
		{
			name:     "wrong type",
			input:    orderJSON("A", `"speed":"100"`),
			wantErrs: []string{`orders.json: order 1 (line 1): field "speed": want a number, got string`},
		},
		{
			name:     "bad duration",
			input:    orderJSON("A", `"activationTimeout":"soon"`),
			wantErrs: []string{`orders.json: order 1 (line 1): time: invalid duration "soon"`},
		},
		{
			name:     "bad JSON names line and column, and reading stops",
			input:    orderJSON("A") + "\n{\"orderId\": \"B\",\n  \"speed\": }\n" + orderJSON("C"),
			wantIDs:  []string{"A"},
			wantErrs: []string{`orders.json: order 2 (line 2): invalid JSON at line 3, column 12: invalid character '}' looking for beginning of value`},
		},
		{
			name:     "truncated",
			input:    orderJSON("A") + "\n{\"orderId\": \"B\",",
			wantIDs:  []string{"A"},
			wantErrs: []string{`orders.json: order 2 (line 2): invalid JSON: input ends inside the value starting at line 2`},
		},
		{
			name:     "array not closed, trailing comma",
			input:    "[" + orderJSON("A") + ",\n",
			wantIDs:  []string{"A"},
			wantErrs: []string{`orders.json: invalid JSON: input ends before the array of orders is closed with ]`},
		},
		{
			name:     "array not closed",
			input:    "[" + orderJSON("A") + "\n",
			wantIDs:  []string{"A"},
			wantErrs: []string{`orders.json: invalid JSON: input ends before the array of orders is closed with ]`},
		},
		{
			name:     "not objects",
			input:    `[1, "x", null, [], ` + orderJSON("A") + `]`,
			wantIDs:  []string{"A"},
			wantErrs: []string{"orders.json: order 1 (line 1): an order must be a JSON object, not a number", "orders.json: order 2 (line 1): an order must be a JSON object, not a string", "orders.json: order 3 (line 1): an order must be a JSON object, not null", "orders.json: order 4 (line 1): an order must be a JSON object, not an array"},
		},
		{name: "empty", input: " \n", wantErrs: []string{"orders.json: no orders: want a JSON object, an array of objects, or one object per line"}},
		{name: "empty array", input: "[ ]", wantErrs: []string{"orders.json: no orders: the array is empty"}},
		{name: "data after the array", input: "[" + orderJSON("A") + "]\n" + orderJSON("B"), wantIDs: []string{"A"}, wantErrs: []string{"orders.json: line 2: unexpected data after the array of orders"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orders, errs := Parse("orders.json", []byte(tt.input), JSON)
			var ids []string
			var lines []int
			for _, o := range orders {
				ids = append(ids, o.Order.OrderID)
				lines = append(lines, o.Line)
			}
			if !reflect.DeepEqual(ids, tt.wantIDs) {
				t.Errorf("ids %v, want %v", ids, tt.wantIDs)
			}
			if tt.wantLines != nil && !reflect.DeepEqual(lines, tt.wantLines) {
				t.Errorf("lines %v, want %v", lines, tt.wantLines)
			}
			for _, e := range errs {
				if len(e.Problems()) == 0 {
					t.Errorf("no problems itemized for %v", e)
				}
			}
			if msgs := messages(errs); !reflect.DeepEqual(msgs, tt.wantErrs) {
				t.Errorf("errors\n got %q\nwant %q", msgs, tt.wantErrs)
			}
		})
	}
}

func TestParseKeepsTheOrderAsGiven(t *testing.T) {
	orders, errs := Parse("o.json", []byte(orderJSON("A", `"classOfService":"GOLD"`, `"activationTimeout":"72h"`, `"evergreen":false`)), JSON)
	if len(errs) != 0 {
		t.Fatal(messages(errs))
	}
	o := orders[0].Order
	if o.ClassOfService != "GOLD" || o.PaymentType != "" || o.Evergreen == nil || *o.Evergreen ||
		time.Duration(o.ActivationTimeout) != 72*time.Hour {
		t.Errorf("order %+v: as given, no defaults (they are the workflow's job)", o)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		wantErrs []string
		wantProb []order.FieldError
	}{
		{name: "valid", input: orderJSON("CHG1")},
		{
			name:     "speed zero",
			input:    orderJSON("CHG1", `"speed":0`),
			wantErrs: []string{`orders.json: order 1 (line 1, orderId "CHG1"): invalid order "CHG1": speed must be greater than 0 Mbps (got 0)`},
			wantProb: []order.FieldError{{Field: "speed", Message: "must be greater than 0 Mbps (got 0)"}},
		},
		{
			name:     "missing required fields",
			input:    `{"orderId":"CHG2","speed":10,"destPortId":"p2"}`,
			wantErrs: []string{`orders.json: order 1 (line 1, orderId "CHG2"): invalid order "CHG2": company is required; portId is required`},
			wantProb: []order.FieldError{{Field: "company", Message: "is required"}, {Field: "portId", Message: "is required"}},
		},
		{
			name:     "missing orderId",
			input:    `{"company":"acme","portId":"p1","destPortId":"p2","speed":10}`,
			wantErrs: []string{`orders.json: order 1 (line 1): invalid order: orderId is required`},
			wantProb: []order.FieldError{{Field: "orderId", Message: "is required"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orders, errs := Parse("orders.json", []byte(tt.input), JSON)
			if len(errs) != 0 {
				t.Fatal(messages(errs))
			}
			var problems []order.FieldError
			checked := Check("orders.json", orders)
			for _, e := range checked {
				problems = append(problems, e.Fields...)
			}
			if msgs := messages(checked); !reflect.DeepEqual(msgs, tt.wantErrs) || !reflect.DeepEqual(problems, tt.wantProb) {
				t.Errorf("errors %q, problems %+v", msgs, problems)
			}
		})
	}
}

func TestSeen(t *testing.T) {
	seen := Seen{}
	first, _ := Parse("a.json", []byte(orderJSON("A")+"\n"+orderJSON("B")+"\n"+orderJSON("A")+"\n"), JSON)
	want := []string{`a.json: order 3 (line 3, orderId "A"): duplicate orderId "A": already given as order 1 (line 1) of a.json`}
	if msgs := messages(seen.Check("a.json", first)); !reflect.DeepEqual(msgs, want) {
		t.Errorf("got %q", msgs)
	}
	second, _ := Parse("b.json", []byte(orderJSON("C")+"\n"+orderJSON("B")), JSON)
	errs := seen.Check("b.json", second)
	want = []string{`b.json: order 2 (line 2, orderId "B"): duplicate orderId "B": already given as order 2 (line 2) of a.json`}
	if msgs := messages(errs); !reflect.DeepEqual(msgs, want) ||
		!reflect.DeepEqual(errs[0].Fields, []order.FieldError{{Field: "orderId", Message: "repeats the orderId of an earlier order"}}) {
		t.Errorf("got %q, %+v", msgs, errs[0].Fields)
	}
}

// One bad order keeps its whole source from starting; the ids of a
// refused source still count as given.
func TestReadRefusesTheWholeSource(t *testing.T) {
	seen := Seen{}
	good, errs := seen.Read("good.json", []byte("["+orderJSON("G1")+","+orderJSON("G2")+"]"), Guess)
	if len(good) != 2 || len(errs) != 0 {
		t.Fatalf("good: %d orders, %q", len(good), messages(errs))
	}
	mixed, errs := seen.Read("mixed.json", []byte(orderJSON("M1")+"\n"+orderJSON("M2", `"speed":0`)+"\n"+orderJSON("G1")), Guess)
	want := []string{
		`mixed.json: order 2 (line 2, orderId "M2"): invalid order "M2": speed must be greater than 0 Mbps (got 0)`,
		`mixed.json: order 3 (line 3, orderId "G1"): duplicate orderId "G1": already given as order 1 (line 1) of good.json`,
	}
	if len(mixed) != 0 || !reflect.DeepEqual(messages(errs), want) {
		t.Errorf("mixed: %d orders, %q", len(mixed), messages(errs))
	}
}

func TestReadSource(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "orders.json")
	if err := os.WriteFile(file, []byte(orderJSON("A")), 0o600); err != nil {
		t.Fatal(err)
	}
	name, data, err := ReadSource(file, nil)
	if err != nil || name != file || string(data) != orderJSON("A") {
		t.Errorf("file: %q, %q, %v", name, data, err)
	}
	name, data, err = ReadSource("-", strings.NewReader(orderJSON("B")))
	if err != nil || name != "stdin" || string(data) != orderJSON("B") {
		t.Errorf("stdin: %q, %q, %v", name, data, err)
	}
	if _, _, err = ReadSource(filepath.Join(dir, "missing.json"), nil); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}

// Intake is where an order gets its defaults, once: what it hands the
// starter (and so the workflow's input) says what is ordered.
func TestReadAppliesDefaultsAndTypes(t *testing.T) {
	src := orderJSON("A") + "\n" + `{"orderId":"B","company":"acme","action":"adopt","connectionId":"c1"}` + "\n"
	orders, errs := Seen{}.Read("orders.json", []byte(src), JSON)
	if len(errs) > 0 || len(orders) != 2 {
		t.Fatalf("Read = %v, %v", orders, messages(errs))
	}
	create, ok := orders[0].Typed.(order.Create)
	if !ok || orders[0].Order.Name != "A" || orders[0].Order.ClassOfService != "SILVER" || orders[0].Order.Duration == nil ||
		orders[0].Order != create.Order() {
		t.Errorf("create order read as %+v (%T)", orders[0].Order, orders[0].Typed)
	}
	if action, ok := orders[1].Typed.(order.Action); !ok || action.Action != order.ActionAdopt || orders[1].Order.ClassOfService != "" {
		t.Errorf("adopt order read as %+v (%T)", orders[1].Order, orders[1].Typed)
	}
}
