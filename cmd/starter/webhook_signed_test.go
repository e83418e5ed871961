package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/secret"
	"github.com/cc-l2/provisioner/internal/signature"
)

// recordingTemporal is Temporal as the webhook's authentication tests
// need it: every start succeeds, every signal is recorded, no order has
// a status (404). A method not overridden here panics (nil client).
type recordingTemporal struct {
	client.Client
	mu       sync.Mutex
	signals  []string // "signal workflowId"
	starts   int
	lists    int
	startErr error
}

func (f *recordingTemporal) ListWorkflow(context.Context, *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists++
	return &workflowservice.ListWorkflowExecutionsResponse{}, nil
}

func (f *recordingTemporal) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.startErr != nil {
		return nil, f.startErr
	}
	f.starts++
	return fakeRun{}, nil
}

func (f *recordingTemporal) DescribeWorkflowExecution(context.Context, string, string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	return nil, serviceerror.NewNotFound("no such workflow")
}

func (f *recordingTemporal) SignalWorkflow(_ context.Context, workflowID, _, signal string, _ any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signals = append(f.signals, signal+" "+workflowID)
	return nil
}

func (f *recordingTemporal) signalled() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.signals...)
}

// signedAt is how a ticketing system signs a request, as the README
// shows it with openssl: HMAC-SHA256 over timestamp.method.path.body.
func signedAt(secret secret.Secret, at time.Time, method, path, body string) map[string]string {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret.Reveal()))
	mac.Write([]byte(ts + "." + method + "." + path + "." + body))
	return map[string]string{"X-Signature-256": "sha256=" + hex.EncodeToString(mac.Sum(nil)), "X-Signature-Timestamp": ts}
}

func signedNow(method, path, body string) map[string]string {
	return signedAt(testSecret, time.Now(), method, path, body)
}

// bodyOnly is the body-only signature: today's callbacks', GitHub's.
func bodyOnly(header, body string) map[string]string {
	mac := hmac.New(sha256.New, []byte(testSecret.Reveal()))
	mac.Write([]byte(body))
	return map[string]string{header: "sha256=" + hex.EncodeToString(mac.Sum(nil))}
}

// A signature authorises the request it was made for, and no other: not
// another method, path or order, not after 5 minutes.
func TestWebhookSignatureIsBoundToTheRequest(t *testing.T) {
	const cancelBody = `{"reason":"ticket withdrawn"}`
	orderBody := order("SIGNED-1")
	tests := []struct {
		name         string
		method, path string
		body         string
		header       map[string]string
		wantCode     int
	}{
		{"signed POST /orders", "POST", "/orders", orderBody, signedNow("POST", "/orders", orderBody), http.StatusAccepted},
		{"signed GET", "GET", "/orders/A-1", "", signedNow("GET", "/orders/A-1", ""), http.StatusNotFound},
		{"signed cancel", "POST", "/orders/A-1/cancel", cancelBody, signedNow("POST", "/orders/A-1/cancel", cancelBody), http.StatusAccepted},
		{"signed refresh", "POST", "/orders/A-1/refresh", "", signedNow("POST", "/orders/A-1/refresh", ""), http.StatusAccepted},
		{"a GET's body-only signature on a cancel", "POST", "/orders/B-2/cancel", "", bodyOnly("X-Signature-256", ""), http.StatusUnauthorized},
		{"a GET's signature on another order's cancel", "POST", "/orders/B-2/cancel", "", signedNow("GET", "/orders/A-1", ""), http.StatusUnauthorized},
		{"a cancel's signature on another order's cancel", "POST", "/orders/B-2/cancel", cancelBody, signedNow("POST", "/orders/A-1/cancel", cancelBody), http.StatusUnauthorized},
		{"a refresh's signature on a cancel", "POST", "/orders/A-1/cancel", "", signedNow("POST", "/orders/A-1/refresh", ""), http.StatusUnauthorized},
		{"6 minutes old", "POST", "/orders/A-1/cancel", cancelBody, signedAt(testSecret, time.Now().Add(-6*time.Minute), "POST", "/orders/A-1/cancel", cancelBody), http.StatusUnauthorized},
		{"6 minutes ahead", "POST", "/orders/A-1/cancel", cancelBody, signedAt(testSecret, time.Now().Add(6*time.Minute), "POST", "/orders/A-1/cancel", cancelBody), http.StatusUnauthorized},
		{"4 minutes old", "POST", "/orders/A-1/cancel", cancelBody, signedAt(testSecret, time.Now().Add(-4*time.Minute), "POST", "/orders/A-1/cancel", cancelBody), http.StatusAccepted},
		{"X-Signature-256 of the body alone, POST /orders", "POST", "/orders", orderBody, bodyOnly("X-Signature-256", orderBody), http.StatusUnauthorized},
		{"GitHub-style, POST /orders", "POST", "/orders", orderBody, bodyOnly("X-Hub-Signature-256", orderBody), http.StatusAccepted},
		{"Jira Cloud-style, POST /orders", "POST", "/orders", orderBody, bodyOnly("X-Hub-Signature", orderBody), http.StatusAccepted},
		{"Jira Cloud-style, a cancel", "POST", "/orders/A-1/cancel", cancelBody, bodyOnly("X-Hub-Signature", cancelBody), http.StatusUnauthorized},
		{"Jira Cloud-style, a GET", "GET", "/orders/A-1", "", bodyOnly("X-Hub-Signature", ""), http.StatusUnauthorized},
		{"Jira Cloud-style, another secret", "POST", "/orders", orderBody, map[string]string{"X-Hub-Signature": signature.Sign("other", []byte(orderBody))}, http.StatusUnauthorized},
		{"GitHub's sha1 X-Hub-Signature beside a good X-Hub-Signature-256", "POST", "/orders", orderBody,
			with(bodyOnly("X-Hub-Signature-256", orderBody), "X-Hub-Signature", "sha1=0123456789abcdef0123456789abcdef01234567"), http.StatusAccepted},
		{"GitHub-style, a cancel", "POST", "/orders/A-1/cancel", cancelBody, bodyOnly("X-Hub-Signature-256", cancelBody), http.StatusUnauthorized},
		{"GitHub-style, a GET", "GET", "/orders/A-1", "", bodyOnly("X-Hub-Signature-256", ""), http.StatusUnauthorized},
		{"another secret", "POST", "/orders/A-1/cancel", cancelBody, signedAt("other", time.Now(), "POST", "/orders/A-1/cancel", cancelBody), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			temporal := &recordingTemporal{}
			srv := httptest.NewServer(newWebhook(temporal, "q", webhookAuth{Secret: testSecret}, nil, zap.NewNop()))
			defer srv.Close()
			code, answer := send(t, srv, tt.method, tt.path, tt.body, tt.header)
			if code != tt.wantCode {
				t.Fatalf("%s %s = %d %v, want %d; signals %v", tt.method, tt.path, code, answer, tt.wantCode, temporal.signalled())
			}
			if code == http.StatusUnauthorized && (len(temporal.signalled()) > 0 || temporal.starts > 0) {
				t.Fatalf("refused, yet signalled %v, started %d", temporal.signalled(), temporal.starts)
			}
		})
	}
}
