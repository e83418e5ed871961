package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// A start that fails answers a fixed sentence, never the Temporal
// client's words (which name the frontend's address and the transport);
// the cause goes to the log under the request id the answer carries.
func TestWebhookErrorsAreFixedSentences(t *testing.T) {
	const inside = `connection error: desc = "transport: Error while dialing: dial tcp 10.20.30.40:7233: connect: connection refused"`
	temporal := &recordingTemporal{startErr: serviceerror.NewUnavailable(inside)}
	core, logs := observer.New(zap.InfoLevel)
	s := newStarter(temporal, "q")
	s.retryWait = func(int) time.Duration { return 0 }
	srv := httptest.NewServer(newWebhookFor(s, temporal, webhookAuth{Token: testToken}, nil, zap.New(core)))
	defer srv.Close()

	resp, raw := roundTrip(t, srv, http.MethodPost, "/orders", order("FIXED-1"), bearer(testToken))
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("= %d %s, want 502", resp.StatusCode, raw)
	}
	for _, leak := range []string{"10.20.30.40", "7233", "transport", "dial"} {
		if strings.Contains(string(raw), leak) {
			t.Errorf("the answer shows %q: %s", leak, raw)
		}
	}
	if !strings.Contains(string(raw), `"error":"could not start: Temporal unavailable; retry"`) {
		t.Errorf("the answer %s does not say the fixed sentence", raw)
	}
	id := resp.Header.Get("X-Request-Id")
	if id == "" || !strings.Contains(string(raw), `"requestId":"`+id+`"`) {
		t.Fatalf("request id %q, answer %s: want the id in both", id, raw)
	}
	logged := logs.FilterField(zap.String("requestId", id)).All()
	found := false
	for _, entry := range logged {
		for _, f := range entry.Context {
			found = found || strings.Contains(f.String, "10.20.30.40") || f.Interface != nil && strings.Contains(f.Interface.(error).Error(), "10.20.30.40")
		}
	}
	if !found {
		t.Errorf("no log line with request id %s holds the cause: %v", id, logged)
	}

	// Every error answer carries its request id, and says a fixed sentence.
	for _, tt := range []struct {
		method, path, body string
		header             map[string]string
		wantCode           int
		wantError          string
	}{
		{"POST", "/orders", order("FIXED-2"), nil, http.StatusUnauthorized, "missing or wrong bearer token"},
		{"GET", "/nowhere", "", bearer(testToken), http.StatusNotFound, errNoEndpoint},
		{"PUT", "/orders", "", bearer(testToken), http.StatusMethodNotAllowed, "use POST to submit orders, GET to list them"},
		{"POST", "/orders/A-1/cancel", `{"force":true}`, bearer(testToken), http.StatusBadRequest, `the body must be {"reason": "..."} or empty`},
		{"POST", "/orders/A-1/cancel", `{"reason":"` + strings.Repeat("r", maxReasonBytes+1) + `"}`, bearer(testToken), http.StatusBadRequest, "the reason is over 500 bytes"},
		{"GET", "/orders/A-1", "", bearer(testToken), http.StatusNotFound, "no such order"},
		{"POST", "/orders", `{"orderId":`, bearer(testToken), http.StatusBadRequest, "invalid orders"},
	} {
		resp, raw := roundTrip(t, srv, tt.method, tt.path, tt.body, tt.header)
		id := resp.Header.Get("X-Request-Id")
		if resp.StatusCode != tt.wantCode || id == "" || !strings.Contains(string(raw), `"requestId":"`+id+`"`) ||
			!strings.Contains(string(raw), `"error":"`+strings.ReplaceAll(tt.wantError, `"`, `\"`)+`"`) {
			t.Errorf("%s %s = %d %s (X-Request-Id %q), want %d %q with its request id", tt.method, tt.path, resp.StatusCode, raw, id, tt.wantCode, tt.wantError)
		}
	}
}
