package ccapisim

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestEncodePortAsEncodingJSON holds the hand-written encoding of a port's
// connections to encoding/json's: the same bytes where encoding/json
// escapes nothing extra, the same value always.
func TestEncodePortAsEncodingJSON(t *testing.T) {
	tag := "tag-7"
	header := portHeaderJSON{
		ID: "p1", Name: "Port <1>", Status: "ACTIVE", Speed: speedOf(1000), SupportedServices: []string{"LAYER2"},
		VLANRanges: []VLANRange{}, CompanyID: "c1", PaymentType: "plan", CreatedAt: "t", UpdatedAt: "t",
	}
	conn := func(name string) portConnectionJSON {
		return portConnectionJSON{ID: "c-" + name, Name: name, Status: "ACTIVE", Speed: 100, Type: "LAYER2", TypeFriendly: "Layer 2"}
	}
	tagged := conn("tagged")
	tagged.SrcConfigTag = &tag
	tests := []struct {
		name        string
		connections []portConnectionJSON
		sameBytes   bool // encoding/json escapes none of its characters
	}{
		{"no connections", []portConnectionJSON{}, true},
		{"plain", []portConnectionJSON{conn("A"), conn("B"), conn("C")}, true},
		{"a config tag", []portConnectionJSON{tagged}, true},
		{"quotes, backslash, controls", []portConnectionJSON{conn(`say "hi" \ there` + "\t\n\x01")}, true},
		{"unicode", []portConnectionJSON{conn("香港 ⇄ Zürich 🚀"), {Speed: -5}}, true},
		{"HTML characters", []portConnectionJSON{conn("a<b>&c")}, false},
		{"line separators", []portConnectionJSON{conn("x\u2028y\u2029z")}, false},
		{"invalid UTF-8", []portConnectionJSON{conn("bad\xffname\xc3")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := portJSON{portHeaderJSON: header, Connections: tt.connections}
			var want bytes.Buffer
			if err := json.NewEncoder(&want).Encode(p); err != nil {
				t.Fatal(err)
			}
			got, err := encodePort(p)
			if err != nil {
				t.Fatal(err)
			}
			if tt.sameBytes && !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("encodePort:\n%s\nencoding/json:\n%s", got, want.Bytes())
			}
			if !strings.HasSuffix(string(got), "}\n") {
				t.Errorf("answer does not end in one newline: %q", got[max(0, len(got)-5):])
			}
			var gotValue, wantValue any
			if err := json.Unmarshal(got, &gotValue); err != nil {
				t.Fatalf("encodePort wrote invalid JSON: %v\n%s", err, got)
			}
			if err := json.Unmarshal(want.Bytes(), &wantValue); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotValue, wantValue) {
				t.Errorf("decoded:\n%v\nwant:\n%v", gotValue, wantValue)
			}
		})
	}
}
