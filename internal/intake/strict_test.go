package intake

import (
	"strings"
	"testing"
)

// What is refused at the top of an order is refused inside its callback
// as well; names and tickets that would look like others, or that a
// spreadsheet would run as a formula, are refused.
func TestStrictAtEveryDepth(t *testing.T) {
	const base = `"orderId":"CHG1","company":"acme","portId":"p1","destPortId":"p2","speed":10`
	tests := []struct {
		name      string
		format    Format
		input     string
		wantField string // the field of the problem, "" for none
		wantIn    string // in its message
	}{
		{"callback: url given twice", JSON, `{` + base + `,"callback":{"url":"https://tickets.example.com/a","url":"https://evil.example.com/b"}}`, "callback.url", "more than once"},
		{"callback: ticket null", JSON, `{` + base + `,"callback":{"url":"https://tickets.example.com/a","ticket":null}}`, "callback.ticket", "null"},
		{"callback: ticket empty", JSON, `{` + base + `,"callback":{"url":"https://tickets.example.com/a","ticket":""}}`, "callback.ticket", `""`},
		{"callback: url null", JSON, `{` + base + `,"callback":{"url":null}}`, "callback.url", "null"},
		{"callback: other-case key", JSON, `{` + base + `,"callback":{"URL":"https://tickets.example.com/a"}}`, "callback.URL", `did you mean "url"`},
		{"callback: good", JSON, `{` + base + `,"callback":{"url":"https://tickets.example.com/a","ticket":"CHG1"}}`, "", ""},
		{"name with a right-to-left override", JSON, `{` + base + `,"name":"ACME-\u202eNIS-GKH"}`, "name", "U+202E"},
		{"name with a zero-width space", JSON, `{` + base + `,"name":"ACME\u200b-HKG"}`, "name", "U+200B"},
		{"name with a zero-width joiner", JSON, `{` + base + `,"name":"ACME\u200d-HKG"}`, "name", "U+200D"},
		{"name with a byte-order mark", JSON, `{` + base + `,"name":"ACME\ufeff-HKG"}`, "name", "U+FEFF"},
		{"name with a bidi isolate", JSON, `{` + base + `,"name":"ACME\u2067-HKG"}`, "name", "U+2067"},
		{"ticket with a left-to-right mark", JSON, `{` + base + `,"callback":{"url":"https://tickets.example.com/a","ticket":"CHG\u200e1"}}`, "callback.ticket", "U+200E"},
		{"a good name with accents", JSON, `{` + base + `,"name":"Zürich–Genève"}`, "", ""},
		{"name starting with =", CSV, "orderId,company,portId,destPortId,speed,name\nCHG1,acme,p1,p2,10,\"=HYPERLINK(\"\"http://evil\"\")\"\n", "name", "formula"},
		{"name starting with +", CSV, "orderId,company,portId,destPortId,speed,name\nCHG1,acme,p1,p2,10,+1+2\n", "name", "formula"},
		{"name starting with -", CSV, "orderId,company,portId,destPortId,speed,name\nCHG1,acme,p1,p2,10,-2+3\n", "name", "formula"},
		{"name starting with @", CSV, "orderId,company,portId,destPortId,speed,name\nCHG1,acme,p1,p2,10,@SUM(1)\n", "name", "formula"},
		{"name starting with = (JSON)", JSON, `{` + base + `,"name":"=1+1"}`, "name", "formula"},
		{"ticket starting with =", JSON, `{` + base + `,"callback":{"url":"https://tickets.example.com/a","ticket":"=1+1"}}`, "callback.ticket", "formula"},
		{"callback: url with a token", JSON, `{` + base + `,"callback":{"url":"https://tickets.example.com/a?token=abc"}}`, "callback.url", "query"},
		{"a name with = inside", CSV, "orderId,company,portId,destPortId,speed,name\nCHG1,acme,p1,p2,10,A=B\n", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := Seen{}.Read("orders", []byte(tt.input), tt.format)
			if tt.wantField == "" {
				if len(errs) > 0 {
					t.Fatalf("refused: %v", errs)
				}
				return
			}
			for _, e := range errs {
				for _, p := range e.Problems() {
					if p.Field == tt.wantField && strings.Contains(p.Message, tt.wantIn) {
						return
					}
				}
			}
			t.Fatalf("no problem with %s saying %q: %v", tt.wantField, tt.wantIn, errs)
		})
	}
}

// An order whose callback URL carries credentials is refused without
// saying them again: the refusal goes to logs and answers.
func TestCallbackCredentialsNotRepeated(t *testing.T) {
	input := `{"orderId":"CHG1","company":"acme","portId":"p1","destPortId":"p2","speed":10,"callback":{"url":"https://itsm-user:itsm-pass@tickets.example.com/a"}}`
	_, errs := Seen{}.Read("orders", []byte(input), JSON)
	if len(errs) == 0 {
		t.Fatal("accepted")
	}
	for _, e := range errs {
		if strings.Contains(e.Error(), "itsm-pass") || strings.Contains(e.Error(), "itsm-user") {
			t.Errorf("the refusal repeats the credentials: %v", e)
		}
	}
}
