package ccapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAPIErrorShapes(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		header     http.Header
		body       string
		wantMsg    string
		wantCode   string
		retryAfter time.Duration
	}{
		{"message/status/statusCode", 401, nil, `{"message":"The user is not logged in","status":401,"statusCode":401}`,
			"The user is not logged in", "", 0},
		{"error object with statusCode and name", 404, nil, `{"error":{"statusCode":404,"name":"Error","message":"A port can not be found with the given id"}}`,
			"A port can not be found with the given id", "", 0},
		{"error object with code", 400, nil, `{"error":{"code":400,"message":"companyId is a required argument"}}`,
			"companyId is a required argument", "", 0},
		{"code/message", 400, nil, `{"code":400,"message":"Invalid dcf property. This value should be the dcf ID."}`,
			"Invalid dcf property. This value should be the dcf ID.", "", 0},
		{"statusCode as a string", 404, nil, `{"error":{"statusCode":"404,","name":"Error","message":"There is no method to handle GET /x"}}`,
			"There is no method to handle GET /x", "", 0},
		{"named error", 422, nil, `{"error":{"statusCode":422,"name":"ValidationError","message":"bad"}}`, "bad", "ValidationError", 0},
		{"string code", 409, nil, `{"code":"CONFLICT","message":"exists"}`, "exists", "CONFLICT", 0},
		{"HTML from a proxy", 502, nil, "<html>\n<body><h1>502 Bad Gateway</h1></body>\n</html>",
			"<html> <body><h1>502 Bad Gateway</h1></body> </html>", "", 0},
		{"empty body", 503, nil, "", "", "", 0},
		{"429 with seconds", 429, http.Header{"Retry-After": {"7"}}, `{"message":"Too many requests","status":429,"statusCode":429}`,
			"Too many requests", "", 7 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"X-Request-Id": {"req-42"}}
			for k, v := range tt.header {
				h[k] = v
			}
			c, _ := fixedServer(t, tt.status, h, tt.body)
			_, err := c.ListPorts(context.Background(), "acme")
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if apiErr.StatusCode != tt.status || apiErr.Message != tt.wantMsg || apiErr.Code != tt.wantCode ||
				apiErr.RequestID != "req-42" || apiErr.RetryAfter != tt.retryAfter || apiErr.Method != "GET" ||
				apiErr.Path != "/api/company/acme/ports" {
				t.Errorf("got %+v", apiErr)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(tt.status)) || !strings.Contains(err.Error(), "req-42") {
				t.Errorf("Error() = %q", err)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("Error() shows the API key: %q", err)
			}
		})
	}
}

func TestLongBodiesAreCut(t *testing.T) {
	c, _ := fixedServer(t, 500, nil, strings.Repeat("é", 1000))
	_, err := c.ListPorts(context.Background(), "acme")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || len(apiErr.Message) > 210 || !strings.HasSuffix(apiErr.Message, "…") {
		t.Errorf("message %q", apiErr.Message)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"Fri, 27 Nov 2026 12:00:30 GMT": 30 * time.Second,
		"Fri, 27 Nov 2026 11:00:00 GMT": 0,
	}
	for in, want := range tests {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestClassification(t *testing.T) {
	api := func(status int) error { return fmt.Errorf("wrapped: %w", &APIError{StatusCode: status}) }
	tests := []struct {
		name      string
		err       error
		retryable bool
		permanent bool
	}{
		{"nil", nil, false, false},
		{"400", api(400), false, true},
		{"401", api(401), false, true},
		{"403", api(403), false, true},
		{"404", api(404), false, true},
		{"409", api(409), false, true},
		{"422", api(422), false, true},
		{"408", api(408), true, false},
		{"429", api(429), true, false},
		{"500", api(500), true, false},
		{"502", api(502), true, false},
		{"503", api(503), true, false},
		{"connection refused", &TransportError{Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}, true, false},
		{"timeout", &TransportError{Err: context.DeadlineExceeded}, true, false},
		{"cancelled", &TransportError{Err: context.Canceled}, false, false},
		{"decode error", errors.New("ccapi: decoding"), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsRetryable(tt.err); got != tt.retryable {
				t.Errorf("IsRetryable = %v", got)
			}
			if got := IsPermanent(tt.err); got != tt.permanent {
				t.Errorf("IsPermanent = %v", got)
			}
		})
	}
	if !IsNotFound(api(404)) || IsNotFound(api(400)) {
		t.Error("IsNotFound")
	}
	if d, ok := RetryAfter(&APIError{StatusCode: 429, RetryAfter: time.Second}); !ok || d != time.Second {
		t.Error("RetryAfter")
	}
}

func TestTransportErrorOnCutConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Close() // hang up without answering
		}
	}()
	t.Cleanup(func() { ln.Close() })
	c, err := NewClient("http://"+ln.Addr().String(), testKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListPorts(context.Background(), "acme")
	var tErr *TransportError
	if !errors.As(err, &tErr) || !IsRetryable(err) || strings.Contains(err.Error(), testKey) {
		t.Errorf("error %v", err)
	}
}

func TestStatusPhase(t *testing.T) {
	tests := map[Status]Phase{
		StatusActive: PhaseActive,
		StatusDenied: PhaseFailed, StatusError: PhaseFailed, StatusCancelled: PhaseFailed,
		StatusDeleted: PhaseFailed, StatusDeleting: PhaseFailed, StatusDisabled: PhaseFailed,
		StatusCreating: PhaseInProgress, StatusPending: PhaseInProgress, StatusPendingAcceptance: PhaseInProgress,
		StatusAccepted: PhaseInProgress, StatusActivating: PhaseInProgress, StatusManual: PhaseInProgress,
		"SOMETHING_NEW": PhaseInProgress,
	}
	for s, want := range tests {
		if got := s.Phase(); got != want {
			t.Errorf("%s.Phase() = %v, want %v", s, got, want)
		}
		if s.Known() == (s == "SOMETHING_NEW") {
			t.Errorf("%s.Known() = %v", s, s.Known())
		}
	}
}
