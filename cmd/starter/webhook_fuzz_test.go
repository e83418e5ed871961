package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/intake"
	"github.com/cc-l2/provisioner/internal/intake/intaketest"
	"github.com/cc-l2/provisioner/internal/secret"
	"github.com/cc-l2/provisioner/workflows"
)

// fuzzTemporal is Temporal as far as the webhook reaches it, keeping
// every call: orders whose id begins with RUN are running, no other
// exists; every start succeeds.
type fuzzTemporal struct {
	mu      sync.Mutex
	calls   []string // "start ID", "signal ID NAME", "describe ID", "query ID"
	started []workflows.Order
}

func (f *fuzzTemporal) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fuzzTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	f.record("start " + o.ID)
	if len(args) == 1 {
		if in, ok := args[0].(workflows.Input); ok {
			f.mu.Lock()
			f.started = append(f.started, in.Order)
			f.mu.Unlock()
		}
	}
	return fakeRun{}, nil
}

func (f *fuzzTemporal) ListWorkflow(_ context.Context, r *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	f.record("list " + r.GetQuery())
	return &workflowservice.ListWorkflowExecutionsResponse{}, nil
}

func running(workflowID string) bool {
	return strings.HasPrefix(strings.TrimPrefix(workflowID, workflows.WorkflowID("")), "RUN")
}

func (f *fuzzTemporal) DescribeWorkflowExecution(_ context.Context, id, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	f.record("describe " + id)
	if !running(id) {
		return nil, serviceerror.NewNotFound("workflow not found")
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		Status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
	}}, nil
}

func (f *fuzzTemporal) QueryWorkflow(_ context.Context, id, _, _ string, _ ...any) (converter.EncodedValue, error) {
	f.record("query " + id)
	return nil, errors.New("no worker") // the published view answers
}

func (f *fuzzTemporal) GetWorkflow(context.Context, string, string) client.WorkflowRun {
	f.record("get")
	return nil // only ended orders are read so, and none has ended
}

func (f *fuzzTemporal) SignalWorkflow(_ context.Context, id, _, name string, _ any) error {
	f.record("signal " + id + " " + name)
	if !running(id) {
		return serviceerror.NewNotFound("workflow not found")
	}
	return nil
}

// fuzzToken and fuzzSecret are what the fuzzed webhook is configured with.
const (
	fuzzToken  = "fuzz-token-3c9e"
	fuzzSecret = "fuzz-secret-77d2"
)

// FuzzWebhook sends any request to the webhook — method, path, headers,
// body, as net/http reads them off the wire — with a fake Temporal
// (go test -fuzz FuzzWebhook ./cmd/starter; make fuzz), and holds it to
// the README's "The webhook": no panic; without a valid bearer token or
// body signature, no request reaches Temporal at all and every path but
// GET /healthz answers 401 (or what net/http's mux answers before any
// handler: a redirect to a path's clean form, 400 to "*"); an order starts only from a
// POST /orders whose whole body the intake accepts, and a signal only from
// a POST /orders/{orderId}/cancel or /refresh.
//
// mode picks the server's credentials (bits 0-1: token, secret or both)
// and whether the request carries the valid token (bit 2) or a valid
// signature of its body (bit 3), so that the fuzzer gets past the door.
func FuzzWebhook(f *testing.F) {
	order := intaketest.Order
	seeds := []struct {
		method, target, auth, sig, contentType, headers, body string
		mode                                                  uint8
	}{
		{"POST", "/orders", "Bearer " + fuzzToken, "", "application/json", "", order("RUN1"), 0},
		{"POST", "/orders", "", "", "", "", order("A1"), 0b0100},
		{"POST", "/orders", "", "", "", "", "[" + order("A1") + "," + order("A2") + "]", 0b1001},
		{"POST", "/orders", "", "", "text/csv; charset=utf-8", "", "orderId,company,portId,destPortId,speed\nC1,acme,p1,p2,100\n", 0b0110},
		{"POST", "/orders", "", "", "", "", order("A1", `"speed":0`), 0b0100},
		{"POST", "/orders", "Bearer wrong", "", "", "", order("A1"), 0},
		{"POST", "/orders", "Bearer ", "", "", "", order("A1"), 0},
		{"POST", "/orders", "bearer " + fuzzToken, "", "", "", order("A1"), 0},
		{"POST", "/orders", "", "sha256=00", "", "", order("A1"), 0b0001},
		{"POST", "/orders", "", "sha1=00", "", "", order("A1"), 0b0010},
		{"GET", "/orders/RUN1", "", "", "", "", "", 0b0100},
		{"HEAD", "/orders/A1", "", "", "", "", "", 0b1010},
		{"GET", "/orders/RUN1", "", "", "", "", "", 0},
		{"POST", "/orders/RUN1/cancel", "", "", "", "", `{"reason":"ticket withdrawn"}`, 0b1001},
		{"POST", "/orders/RUN1/cancel", "", "", "", "", `{"reason":"` + strings.Repeat("x", 501) + `"}`, 0b0100},
		{"POST", "/orders/RUN1/cancel", "", "", "", "", `{"why":"x"}`, 0b0100},
		{"POST", "/orders/RUN1/refresh", "", "", "", "", "", 0b0100},
		{"POST", "/orders/A1/refresh", "", "", "", "", "", 0},
		{"DELETE", "/orders/RUN1", "", "", "", "", "", 0b0100},
		{"GET", "/healthz", "", "", "", "", "", 0},
		{"POST", "/healthz", "", "", "", "", "", 0},
		{"GET", "//orders/../healthz", "", "", "", "", "", 0},
		{"GET", "/orders/RUN1/cancel/", "", "", "", "", "", 0b0100},
		{"POST", "/orders/%2e%2e/cancel", "", "", "", "", "", 0b0100},
		{"POST", "http://example/orders", "", "", "", "", order("A1"), 0b0100},
		{"POST", "/orders", "", "", "", "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n", 0b0100},
		{"POST", "/orders", "", "", "", "Authorization: Bearer " + fuzzToken + "\r\n", order("A1"), 0b0001},
		{"POST", "/orders?x=1", "", "", "", "", order("A1"), 0b1010},
	}
	for _, s := range seeds {
		f.Add(s.method, s.target, s.auth, s.sig, s.contentType, s.headers, []byte(s.body), s.mode)
	}
	f.Fuzz(func(t *testing.T, method, target, auth, sig, contentType, headers string, body []byte, mode uint8) {
		checkWebhook(t, method, target, auth, sig, contentType, headers, body, mode)
	})
}

// checkWebhook sends one request to a fresh webhook and checks what
// happened (FuzzWebhook).
func checkWebhook(t *testing.T, method, target, auth, sig, contentType, headers string, body []byte, mode uint8) {
	var creds webhookAuth
	switch mode % 3 {
	case 0:
		creds.Token = fuzzToken
	case 1:
		creds.Secret = fuzzSecret
	default:
		creds = webhookAuth{Token: fuzzToken, Secret: fuzzSecret}
	}
	if mode&0b0100 != 0 {
		auth = "Bearer " + fuzzToken
	}
	if mode&0b1000 != 0 {
		sig = "sha256=" + hex.EncodeToString(hmacOf(fuzzSecret, body))
	}

	// The request as a client writes it and net/http reads it; what it
	// cannot read, the server answers 400 before any handler.
	var raw bytes.Buffer
	raw.WriteString(method + " " + target + " HTTP/1.1\r\nHost: example\r\n")
	for name, value := range map[string]string{"Authorization": auth, "X-Signature-256": sig, "Content-Type": contentType} {
		if value != "" {
			raw.WriteString(name + ": " + value + "\r\n")
		}
	}
	if headers != "" {
		raw.WriteString(strings.TrimRight(headers, "\r\n") + "\r\n")
	}
	if !strings.Contains(strings.ToLower(headers), "transfer-encoding") {
		raw.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	}
	raw.WriteString("\r\n")
	raw.Write(body)
	req, err := http.ReadRequest(bufio.NewReader(&raw))
	if err != nil {
		t.Skip("net/http refuses it:", err)
	}
	sent, err := io.ReadAll(req.Body)
	if err != nil {
		t.Skip("net/http cannot read its body:", err)
	}
	req.Body = io.NopCloser(bytes.NewReader(sent))
	req.RemoteAddr = "192.0.2.1:1234"

	temporal := &fuzzTemporal{}
	s := newStarter(temporal, "q")
	s.retryWait = func(int) time.Duration { return 0 }
	handler := newWebhookFor(s, temporal, creds, nil, zap.NewNop())
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	code := rec.Code

	authenticated := creds.Token.IsSet() && req.Header.Get("Authorization") == "Bearer "+fuzzToken ||
		creds.Secret.IsSet() && validSignature(req.Header.Get("X-Signature-256"), sent)
	health := req.URL.Path == "/healthz" && (req.Method == http.MethodGet || req.Method == http.MethodHead)
	redirect := code == http.StatusMovedPermanently || code == http.StatusTemporaryRedirect || code == http.StatusPermanentRedirect
	what := func() string {
		return method + " " + target + " (" + req.URL.Path + "), mode " + strconv.Itoa(int(mode)) + ", body " + strconv.Quote(string(sent))
	}
	if code >= 500 {
		t.Fatalf("%s: answered %d: %s", what(), code, rec.Body)
	}
	if !authenticated {
		if len(temporal.calls) > 0 {
			t.Fatalf("%s: unauthenticated, yet Temporal was called: %v", what(), temporal.calls)
		}
		switch {
		case health && code == http.StatusOK, redirect, code == http.StatusUnauthorized,
			req.RequestURI == "*" && code == http.StatusBadRequest: // net/http's mux, for OPTIONS *
		default:
			t.Fatalf("%s: unauthenticated, answered %d: %s", what(), code, rec.Body)
		}
		return
	}

	for _, call := range temporal.calls {
		name, _, _ := strings.Cut(call, " ")
		switch name {
		case "start":
			if req.Method != http.MethodPost || req.URL.Path != "/orders" {
				t.Fatalf("%s: an order started: %v", what(), temporal.calls)
			}
		case "signal":
			if req.Method != http.MethodPost || !strings.HasPrefix(req.URL.Path, "/orders/") ||
				!strings.HasSuffix(req.URL.Path, "/cancel") && !strings.HasSuffix(req.URL.Path, "/refresh") {
				t.Fatalf("%s: an order signalled: %v", what(), temporal.calls)
			}
		}
	}
	if len(temporal.started) == 0 {
		return
	}
	format := intake.JSON
	if mediaType, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); mediaType == "text/csv" {
		format = intake.CSV
	}
	orders, errs := intake.Seen{}.Read("request body", sent, format)
	if len(errs) > 0 || len(orders) != len(temporal.started) {
		t.Fatalf("%s: started %d orders of a body the intake reads as %d orders and %d errors", what(), len(temporal.started), len(orders), len(errs))
	}
	for _, o := range temporal.started {
		if err := o.Validate(); err != nil {
			t.Fatalf("%s: started an invalid order: %v", what(), err)
		}
	}
	if code != http.StatusAccepted {
		t.Fatalf("%s: started %d orders, answered %d", what(), len(temporal.started), code)
	}
}

func hmacOf(secret secret.Secret, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret.Reveal()))
	mac.Write(body)
	return mac.Sum(nil)
}

// validSignature is the README's X-Signature-256: "sha256=" and the
// HMAC-SHA256 of the body in hex.
func validSignature(value string, body []byte) bool {
	hexed, ok := strings.CutPrefix(value, "sha256=")
	if !ok {
		return false
	}
	given, err := hex.DecodeString(hexed)
	return err == nil && hmac.Equal(given, hmacOf(fuzzSecret, body))
}
