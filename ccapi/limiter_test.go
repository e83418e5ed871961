package ccapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// A client with a Limiter paces its requests; one whose context ends
// while it waits for its turn sends nothing, and says so.
func TestLimiterPacesRequests(t *testing.T) {
	var served atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		served.Add(1)
		w.Write([]byte(`{"id":"p1"}`))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, testKey, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	c.Limiter = rate.NewLimiter(20, 1) // one request every 50 ms

	began := time.Now()
	for range 5 {
		if _, err := c.GetPort(context.Background(), "acme", "p1"); err != nil {
			t.Fatal(err)
		}
	}
	// Four waits of 50 ms at least; a slow machine only takes longer.
	if took := time.Since(began); took < 190*time.Millisecond {
		t.Errorf("5 requests at 20/s took %s", took)
	}

	c.Limiter = rate.NewLimiter(rate.Every(time.Hour), 1)
	c.Limiter.Allow() // the bucket is empty for an hour
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	before := served.Load()
	_, err = c.GetPort(ctx, "acme", "p1")
	var transport *TransportError
	if !errors.As(err, &transport) || !transport.NotSent || EffectOf(err) != EffectNone {
		t.Fatalf("waiting past the deadline: %v, want a TransportError that sent nothing", err)
	}
	if served.Load() != before {
		t.Errorf("a request that waited past its deadline was sent")
	}
}
