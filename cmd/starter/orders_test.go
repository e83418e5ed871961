package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// order returns a valid port-to-port order as JSON with extra fields
// merged in (raw JSON members, e.g. `"speed":0`).
func order(id string, extra ...string) string {
	fields := map[string]string{
		"orderId": fmt.Sprintf("%q", id), "company": `"acme"`, "portId": `"p1"`, "destPortId": `"p2"`, "speed": "100",
	}
	keys := []string{"orderId", "company", "portId", "destPortId", "speed"}
	for _, e := range extra {
		k, v, _ := strings.Cut(e, ":")
		k = strings.Trim(k, `"`)
		if _, ok := fields[k]; !ok {
			keys = append(keys, k)
		}
		fields[k] = v
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%q:%s", k, fields[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func TestParseOrders(t *testing.T) {
	tests := []struct {
		name      string
		input     string
		wantIDs   []string
		wantLines []int
		wantErrs  []string // whole messages, source "orders.json"
	}{
		{name: "one object", input: order("A") + "\n", wantIDs: []string{"A"}, wantLines: []int{1}},
		{name: "one object, leading blank lines", input: "\n\n  " + order("A"), wantIDs: []string{"A"}, wantLines: []int{3}},
		{
			name:      "array across lines",
			input:     "[\n  " + order("A") + ",\n  " + order("B") + "\n  ,\n" + order("C") + "\n]\n",
			wantIDs:   []string{"A", "B", "C"},
			wantLines: []int{2, 3, 5},
		},
		{
			name:      "NDJSON",
			input:     order("A") + "\n" + order("B") + "\n\n" + order("C") + "\n",
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
			input:     order("A") + "\n" + order("B", `"sped":100`) + "\n" + order("C") + "\n",
			wantIDs:   []string{"A", "C"},
			wantLines: []int{1, 3},
			wantErrs:  []string{`orders.json: order 2 (line 2): unknown field "sped"`},
		},
		{
			name:     "keys match exactly: an other-case key is an unknown field",
			input:    order("A", `"destPortId":"p2"`, `"DESTPORTID":"p3"`) + "\n",
			wantErrs: []string{`orders.json: order 1 (line 1): unknown field "DESTPORTID" (field names are case-sensitive: did you mean "destPortId"?)`},
		},
		{
			name:     "an explicit null is not the default",
			input:    order("A", `"classOfService":null`) + "\n",
			wantErrs: []string{`orders.json: order 1 (line 1): field "classOfService" must not be null: leave the field out to use its default`},
		},
		{
			name:     "unknown field in an array on line 14",
			input:    "[\n" + order("A") + ",\n" + strings.Repeat("\n", 11) + order("B", `"sped":1`) + "\n]",
			wantIDs:  []string{"A"},
			wantErrs: []string{`orders.json: order 2 (line 14): unknown field "sped"`},
		},
		{
			name:     "wrong type",
			input:    order("A", `"speed":"100"`),
			wantErrs: []string{`orders.json: order 1 (line 1): field "speed": want a number, got string`},
		},
		{
			name:     "bad duration",
			input:    order("A", `"activationTimeout":"soon"`),
			wantErrs: []string{`orders.json: order 1 (line 1): time: invalid duration "soon"`},
		},
		{
			name:     "bad JSON names line and column, and reading stops",
			input:    order("A") + "\n{\"orderId\": \"B\",\n  \"speed\": }\n" + order("C"),
			wantIDs:  []string{"A"},
			wantErrs: []string{`orders.json: order 2 (line 2): invalid JSON at line 3, column 12: invalid character '}' looking for beginning of value`},
		},
		{
			name:     "truncated",
			input:    order("A") + "\n{\"orderId\": \"B\",",
			wantIDs:  []string{"A"},
			wantErrs: []string{`orders.json: order 2 (line 2): invalid JSON: input ends inside the value starting at line 2`},
		},
		{
			name:     "array not closed, trailing comma",
			input:    "[" + order("A") + ",\n",
			wantIDs:  []string{"A"},
			wantErrs: []string{`orders.json: invalid JSON: input ends before the array of orders is closed with ]`},
		},
		{
			name:     "array not closed",
			input:    "[" + order("A") + "\n",
			wantIDs:  []string{"A"},
			wantErrs: []string{`orders.json: invalid JSON: input ends before the array of orders is closed with ]`},
		},
		{
			name:     "not objects",
			input:    `[1, "x", null, [], ` + order("A") + `]`,
			wantIDs:  []string{"A"},
			wantErrs: []string{"orders.json: order 1 (line 1): an order must be a JSON object, not a number", "orders.json: order 2 (line 1): an order must be a JSON object, not a string", "orders.json: order 3 (line 1): an order must be a JSON object, not null", "orders.json: order 4 (line 1): an order must be a JSON object, not an array"},
		},
		{name: "empty", input: " \n", wantErrs: []string{"orders.json: no orders: want a JSON object, an array of objects, or one object per line"}},
		{name: "empty array", input: "[ ]", wantErrs: []string{"orders.json: no orders: the array is empty"}},
		{name: "data after the array", input: "[" + order("A") + "]\n" + order("B"), wantIDs: []string{"A"}, wantErrs: []string{"orders.json: line 2: unexpected data after the array of orders"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orders, errs := parseOrders("orders.json", []byte(tt.input))
			var ids []string
			var lines []int
			for _, o := range orders {
				ids = append(ids, o.Order.OrderID)
				lines = append(lines, o.Line)
			}
			require.Equal(t, tt.wantIDs, ids)
			if tt.wantLines != nil {
				require.Equal(t, tt.wantLines, lines)
			}
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Error())
				require.NotEmpty(t, e.problems(), "problems of %v", e)
			}
			require.Equal(t, tt.wantErrs, msgs)
		})
	}
}

func TestParseOrdersKeepsTheOrderAsGiven(t *testing.T) {
	orders, errs := parseOrders("o.json", []byte(order("A", `"classOfService":"GOLD"`, `"activationTimeout":"72h"`, `"evergreen":false`)))
	require.Empty(t, errs)
	o := orders[0].Order
	require.Equal(t, "GOLD", o.ClassOfService)
	require.Empty(t, o.PaymentType, "defaults are the workflow's job")
	require.NotNil(t, o.Evergreen)
	require.False(t, *o.Evergreen)
	require.Equal(t, 72*time.Hour, time.Duration(o.ActivationTimeout))
}

func TestCheckOrders(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		wantErrs []string
		wantProb []orderProblem
	}{
		{name: "valid", input: order("CHG1")},
		{
			name:     "speed zero",
			input:    order("CHG1", `"speed":0`),
			wantErrs: []string{`orders.json: order 1 (line 1, orderId "CHG1"): invalid order "CHG1": speed must be greater than 0 Mbps (got 0)`},
			wantProb: []orderProblem{{Field: "speed", Message: "must be greater than 0 Mbps (got 0)"}},
		},
		{
			name:     "missing required fields",
			input:    `{"orderId":"CHG2","speed":10,"destPortId":"p2"}`,
			wantErrs: []string{`orders.json: order 1 (line 1, orderId "CHG2"): invalid order "CHG2": company is required; portId is required`},
			wantProb: []orderProblem{{Field: "company", Message: "is required"}, {Field: "portId", Message: "is required"}},
		},
		{
			name:     "missing orderId",
			input:    `{"company":"acme","portId":"p1","destPortId":"p2","speed":10}`,
			wantErrs: []string{`orders.json: order 1 (line 1): invalid order: orderId is required`},
			wantProb: []orderProblem{{Field: "orderId", Message: "is required"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orders, errs := parseOrders("orders.json", []byte(tt.input))
			require.Empty(t, errs)
			var msgs []string
			var problems []orderProblem
			for _, e := range checkOrders("orders.json", orders) {
				msgs = append(msgs, e.Error())
				problems = append(problems, e.Problems...)
			}
			require.Equal(t, tt.wantErrs, msgs)
			require.Equal(t, tt.wantProb, problems)
		})
	}
}

func TestDuplicates(t *testing.T) {
	seen := duplicates{}
	first, _ := parseOrders("a.json", []byte(order("A")+"\n"+order("B")+"\n"+order("A")+"\n"))
	errs := seen.check("a.json", first)
	require.Len(t, errs, 1)
	require.Equal(t, `a.json: order 3 (line 3, orderId "A"): duplicate orderId "A": already given as order 1 (line 1) of a.json`, errs[0].Error())

	second, _ := parseOrders("b.json", []byte(order("C")+"\n"+order("B")))
	errs = seen.check("b.json", second)
	require.Len(t, errs, 1)
	require.Equal(t, `b.json: order 2 (line 2, orderId "B"): duplicate orderId "B": already given as order 2 (line 2) of a.json`, errs[0].Error())
	require.Equal(t, []orderProblem{{Field: "orderId", Message: "repeats the orderId of an earlier order"}}, errs[0].Problems)
}

func TestReadSource(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "orders.json")
	require.NoError(t, os.WriteFile(file, []byte(order("A")), 0o600))

	name, data, err := readSource(file, nil)
	require.NoError(t, err)
	require.Equal(t, file, name)
	require.Equal(t, order("A"), string(data))

	name, data, err = readSource("-", strings.NewReader(order("B")))
	require.NoError(t, err)
	require.Equal(t, "stdin", name)
	require.Equal(t, order("B"), string(data))

	_, _, err = readSource(filepath.Join(dir, "missing.json"), nil)
	require.ErrorContains(t, err, "missing.json")
}

// TestReadOrderFiles checks the submit rule: one invalid order keeps its
// whole file from starting, while other files still go.
func TestReadOrderFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		return path
	}
	good := write("good.json", "["+order("G1")+","+order("G2")+"]")
	mixed := write("mixed.json", order("M1")+"\n"+order("M2", `"speed":0`)+"\n")
	dup := write("dup.json", order("D1")+"\n"+order("G1")+"\n")

	var stderr strings.Builder
	a := &app{stdin: strings.NewReader(order("S1")), stderr: &stderr}
	valid, anyInvalid := a.readOrderFiles([]string{good, mixed, "-", dup, filepath.Join(dir, "missing.json")})
	require.True(t, anyInvalid)
	var sources []string
	for _, f := range valid {
		sources = append(sources, f.source)
	}
	require.Equal(t, []string{good, "stdin"}, sources)
	require.Len(t, valid[0].orders, 2)
	out := stderr.String()
	require.Contains(t, out, mixed+`: order 2 (line 2, orderId "M2"): invalid order "M2": speed must be greater than 0 Mbps (got 0)`+"\n")
	require.Contains(t, out, mixed+": nothing started from this file\n")
	require.Contains(t, out, dup+`: order 2 (line 2, orderId "G1"): duplicate orderId "G1": already given as order 1 (line 1) of `+good+"\n")
	require.Contains(t, out, dup+": nothing started from this file\n")
	require.Contains(t, out, "missing.json")
}
