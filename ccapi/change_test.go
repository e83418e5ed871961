package ccapi

import (
	"encoding/json"
	"testing"
	"time"
)

// A connection's change request decodes from an object, and from the
// array of one-key objects the API reference's example shows.
func TestChangeRequestDecodes(t *testing.T) {
	want := ChangeRequest{Status: ChangeRequestPending, SpeedMbps: 580, DestApproval: "58afc0479430ab7f3666b971",
		UpdatedAt: time.Date(2017, 2, 24, 5, 10, 44, 942e6, time.UTC)}
	tests := []struct {
		name, body string
		want       *ChangeRequest
	}{
		{"object", `{"id":"c1","request":{"status":"PENDING","speed":580,"srcApproval":null,"destApproval":"58afc0479430ab7f3666b971","updatedAt":"2017-02-24T05:10:44.942Z"}}`, &want},
		{"reference example", `{"id":"c1","request":[{"status":"PENDING"},{"destMetroId":"d466b388d3e9ee0a92177910"},{"speed":580},{"srcApproval":null},{"destApproval":"58afc0479430ab7f3666b971"},{"read":false},{"updatedAt":"2017-02-24T05:10:44.942Z"}]}`, &want},
		{"none", `{"id":"c1"}`, nil},
		{"null", `{"id":"c1","request":null}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Connection
			if err := json.Unmarshal([]byte(tt.body), &c); err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want == nil && c.Request != nil:
				t.Fatalf("request %+v, want none", *c.Request)
			case tt.want != nil && (c.Request == nil || *c.Request != *tt.want):
				t.Fatalf("request %+v, want %+v", c.Request, *tt.want)
			}
		})
	}
	var c Connection
	if err := json.Unmarshal([]byte(`{"request":[{"speed":"fast"}]}`), &c); err == nil {
		t.Fatal("a speed that is not a number decoded")
	}
}
