package intake

import (
	"reflect"
	"testing"

	"github.com/cc-l2/provisioner/order"
)

func TestParseCSV(t *testing.T) {
	tests := []struct {
		name      string
		input     string
		wantIDs   []string
		wantLines []int
		wantErrs  []string
	}{
		{
			name: "a spreadsheet's export",
			input: "\ufefforderId,company,portId,destPortId,speed,evergreen,activationTimeout\r\n" +
				"CHG1,acme,p1,p2,100,false,72h\r\n" +
				"CHG2,acme,p1,p2,50,,\r\n",
			wantIDs: []string{"CHG1", "CHG2"}, wantLines: []int{2, 3},
		},
		{
			name:     "unknown column refuses the file",
			input:    "orderId,company,portID,speed\nCHG1,acme,p1,100\n",
			wantErrs: []string{`orders.csv: line 1 (the header): unknown column "portID"; the columns are the order's fields, e.g. orderId,company,portId,destPortId,speed`},
		},
		{
			name:     "a cell that is not a number",
			input:    "orderId,company,portId,destPortId,speed\nCHG1,acme,p1,p2,fast\nCHG2,acme,p1,p2,10\n",
			wantIDs:  []string{"CHG2"},
			wantErrs: []string{`orders.csv: order 1 (line 2): field "speed": want a number, got string`},
		},
		{
			name:     "a row of another width",
			input:    "orderId,company,portId,destPortId,speed\nCHG1,acme,p1\nCHG2,acme,p1,p2,10\n",
			wantIDs:  []string{"CHG2"},
			wantErrs: []string{`orders.csv: order 1 (line 2): invalid CSV: wrong number of fields`},
		},
		{
			// Found by FuzzRead: a row that is no record at all has no
			// field positions to ask for.
			name:     "a quote left open",
			input:    "orderId,company,portId,destPortId,speed\nCHG1,acme,p1,p2,10\n\"CHG2,acme\n",
			wantIDs:  []string{"CHG1"},
			wantErrs: []string{`orders.csv: order 2 (line 3): invalid CSV: extraneous or missing " in quoted-field`},
		},
		{name: "header alone", input: "orderId,company\n", wantErrs: []string{"orders.csv: no orders: the header row has no rows under it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orders, errs := Parse("orders.csv", []byte(tt.input), Guess)
			var ids []string
			var lines []int
			for _, o := range orders {
				ids = append(ids, o.Order.OrderID)
				lines = append(lines, o.Line)
			}
			if !reflect.DeepEqual(ids, tt.wantIDs) || tt.wantLines != nil && !reflect.DeepEqual(lines, tt.wantLines) {
				t.Errorf("ids %v lines %v, want %v %v", ids, lines, tt.wantIDs, tt.wantLines)
			}
			if msgs := messages(errs); !reflect.DeepEqual(msgs, tt.wantErrs) {
				t.Errorf("errors\n got %q\nwant %q", msgs, tt.wantErrs)
			}
		})
	}
	orders, _ := Parse("x.csv", []byte("orderId,company,portId,destPortId,speed,evergreen,activationTimeout\nCHG1,acme,p1,p2,100,false,72h\n"), CSV)
	o := orders[0].Order
	if o.SpeedMbps != 100 || o.Evergreen == nil || *o.Evergreen || o.ActivationTimeout != order.Duration(72*3600e9) || o.Duration != nil {
		t.Errorf("order %+v", o)
	}
}

func TestFormatOf(t *testing.T) {
	tests := []struct {
		name, data string
		want       Format
	}{
		{"orders.csv", "{", CSV},
		{"orders.JSON", "orderId,company", JSON},
		{"stdin", "  [ {} ]", JSON},
		{"stdin", `{"orderId":"A"}`, JSON},
		{"stdin", "orderId,company\n", CSV},
	}
	for _, tt := range tests {
		if got := FormatOf(tt.name, []byte(tt.data)); got != tt.want {
			t.Errorf("FormatOf(%q, %q) = %v, want %v", tt.name, tt.data, got, tt.want)
		}
	}
}
