package ccapi

import "context"

// CorrelationHeader carries the id of the order a request is made for.
// The real API ignores a header it does not know; its support can search
// its logs by it, and the simulator's ledger attributes every request,
// connection and change to the order that made it, which is how the chaos
// suite tells same-named orders apart.
const CorrelationHeader = "X-Correlation-Id"

// maxCorrelationID bounds the id sent: an order id is at most 64 bytes.
const maxCorrelationID = 128

type correlationKey struct{}

// WithCorrelationID returns a context whose requests carry id in
// CorrelationHeader. The client's methods keep their signatures: the id
// travels with the context, set once where the order's work starts.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey{}, id)
}

// CorrelationID is the id ctx's requests carry, if any.
func CorrelationID(ctx context.Context) string {
	id, _ := ctx.Value(correlationKey{}).(string)
	return id
}

// correlationHeaderValue is the header value for ctx: empty (no header)
// when there is no id, or when it is too long or holds anything but
// visible ASCII, which a header must not carry.
func correlationHeaderValue(ctx context.Context) string {
	id := CorrelationID(ctx)
	if len(id) > maxCorrelationID {
		return ""
	}
	for i := range len(id) {
		if id[i] <= ' ' || id[i] > '~' {
			return ""
		}
	}
	return id
}
