package ccapi

import (
	"context"
	"testing"
)

// The correlation header carries the order id a request is made for, so
// that the API's support (and the simulator's ledger) can tell which order
// made which request; a request made for no order, or with an id no
// header may carry, goes without it.
func TestCorrelationHeader(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"an order's request", WithCorrelationID(context.Background(), "CHG0050001"), "CHG0050001"},
		{"no order", context.Background(), ""},
		{"the innermost id wins", WithCorrelationID(WithCorrelationID(context.Background(), "A"), "B"), "B"},
		{"a line break is never sent", WithCorrelationID(context.Background(), "A\r\nX-Evil: 1"), ""},
		{"an empty id is none", WithCorrelationID(context.Background(), ""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, req := fixedServer(t, 200, nil, `{}`)
			if _, err := c.GetConnection(tt.ctx, "acme", "6a1000000000000000000001"); err != nil {
				t.Fatal(err)
			}
			if got := req.Header.Get(CorrelationHeader); got != tt.want {
				t.Errorf("%s = %q, want %q", CorrelationHeader, got, tt.want)
			}
			if got := CorrelationID(tt.ctx); tt.want != "" && got != tt.want {
				t.Errorf("CorrelationID = %q, want %q", got, tt.want)
			}
		})
	}
}
