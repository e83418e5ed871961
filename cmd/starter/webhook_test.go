package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/devserver"
	"github.com/cc-l2/provisioner/workflows"
)

const testToken = "webhook-token-5d1c"

// call sends one request to the webhook and decodes the JSON answer.
func call(t *testing.T, srv *httptest.Server, method, path, token, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var answer map[string]any
	if method != http.MethodHead {
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		require.NoError(t, json.Unmarshal(raw, &answer), string(raw))
	}
	return resp.StatusCode, answer, resp.Header
}

func newWebhookServer(t *testing.T, temporal webhookTemporal, taskQueue string) *httptest.Server {
	srv := httptest.NewServer(newWebhook(temporal, taskQueue, testToken, zap.NewNop()))
	t.Cleanup(srv.Close)
	return srv
}

func TestWebhook(t *testing.T) {
	e := newTestEnv(t)
	srv := newWebhookServer(t, e.client, e.taskQueue)
	one, two, three := e.orderID("WH1"), e.orderID("WH2"), e.orderID("WH3")

	t.Run("202 one order", func(t *testing.T) {
		code, answer, _ := call(t, srv, http.MethodPost, "/orders", testToken, order(one))
		require.Equal(t, http.StatusAccepted, code, answer)
		orders := answer["orders"].([]any)
		require.Len(t, orders, 1)
		got := orders[0].(map[string]any)
		require.Equal(t, one, got["orderId"])
		require.Equal(t, workflows.WorkflowID(one), got["workflowId"])
		require.Equal(t, "started", got["outcome"])
		requireRunID(t, got["runId"].(string))
	})

	t.Run("202 array, existing order reported", func(t *testing.T) {
		code, answer, _ := call(t, srv, http.MethodPost, "/orders", testToken, "["+order(one)+","+order(two)+"]")
		require.Equal(t, http.StatusAccepted, code, answer)
		orders := answer["orders"].([]any)
		require.Len(t, orders, 2)
		require.Equal(t, "exists", orders[0].(map[string]any)["outcome"])
		require.Equal(t, "started", orders[1].(map[string]any)["outcome"])
	})

	t.Run("400 invalid order starts nothing", func(t *testing.T) {
		code, answer, _ := call(t, srv, http.MethodPost, "/orders", testToken, "["+order(three)+",\n"+order("BAD-1", `"speed":0`, `"classOfService":"PLATINUM"`)+"]")
		require.Equal(t, http.StatusBadRequest, code)
		require.Equal(t, "invalid orders", answer["error"])
		require.Equal(t, []any{
			map[string]any{"order": float64(1), "line": float64(2), "orderId": "BAD-1", "field": "speed", "message": "must be greater than 0 Mbps (got 0)"},
			map[string]any{"order": float64(1), "line": float64(2), "orderId": "BAD-1", "field": "classOfService", "message": `must be one of GOLD, SILVERPLUS, SILVER, BRONZE (got "PLATINUM")`},
		}, answer["problems"])

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := e.client.DescribeWorkflowExecution(ctx, workflows.WorkflowID(three), "")
		var notFound *serviceerror.NotFound
		require.ErrorAs(t, err, &notFound, "the valid order of a refused request must not start")
	})

	t.Run("400 unknown field, bad JSON, duplicates, empty", func(t *testing.T) {
		tests := []struct {
			body string
			want []any
		}{
			{body: order("X1", `"sped":1`), want: []any{map[string]any{"order": float64(0), "line": float64(1), "field": "sped", "message": "is not a field of an order"}}},
			{body: `{"orderId": }`, want: []any{map[string]any{"order": float64(0), "line": float64(1), "message": "invalid JSON at line 1, column 13: invalid character '}' looking for beginning of value"}}},
			{body: "[" + order("D1") + "," + order("D1") + "]", want: []any{map[string]any{"order": float64(1), "line": float64(1), "orderId": "D1", "field": "orderId", "message": "repeats the orderId of an earlier order"}}},
			{body: "", want: []any{map[string]any{"order": float64(0), "message": "no orders: want a JSON object, an array of objects, or one object per line"}}},
		}
		for _, tt := range tests {
			code, answer, _ := call(t, srv, http.MethodPost, "/orders", testToken, tt.body)
			require.Equal(t, http.StatusBadRequest, code, tt.body)
			require.Equal(t, tt.want, answer["problems"], tt.body)
		}
	})

	t.Run("401", func(t *testing.T) {
		for _, token := range []string{"", "wrong", testToken + "x", testToken[:len(testToken)-1]} {
			code, answer, header := call(t, srv, http.MethodPost, "/orders", token, order(e.orderID("NOAUTH")))
			require.Equal(t, http.StatusUnauthorized, code)
			require.Equal(t, "missing or wrong bearer token", answer["error"])
			require.Equal(t, `Bearer realm="orders"`, header.Get("WWW-Authenticate"))
		}
		// Not "Bearer": the token in another scheme does not count.
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/orders/"+one, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Basic "+testToken)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		// Even unknown paths answer 401 first.
		code, _, _ := call(t, srv, http.MethodGet, "/admin", "", "")
		require.Equal(t, http.StatusUnauthorized, code)
	})

	t.Run("405", func(t *testing.T) {
		for _, tt := range []struct{ method, path, allow string }{
			{http.MethodGet, "/orders", "POST"},
			{http.MethodPut, "/orders", "POST"},
			{http.MethodPost, "/orders/" + one, "GET, HEAD"},
			{http.MethodDelete, "/orders/" + one, "GET, HEAD"},
		} {
			code, _, header := call(t, srv, tt.method, tt.path, testToken, "")
			require.Equal(t, http.StatusMethodNotAllowed, code, tt.method+" "+tt.path)
			require.Equal(t, tt.allow, header.Get("Allow"))
		}
	})

	t.Run("413", func(t *testing.T) {
		big := "[" + order(e.orderID("BIG"), `"name":"`+strings.Repeat("x", maxBodyBytes)+`"`) + "]"
		code, answer, _ := call(t, srv, http.MethodPost, "/orders", testToken, big)
		require.Equal(t, http.StatusRequestEntityTooLarge, code)
		require.Equal(t, "request body over 1048576 bytes", answer["error"])
	})

	t.Run("GET status 200 and 404", func(t *testing.T) {
		var answer map[string]any
		require.Eventually(t, func() bool {
			var code int
			code, answer, _ = call(t, srv, http.MethodGet, "/orders/"+one, testToken, "")
			return code == http.StatusOK
		}, 20*time.Second, 100*time.Millisecond)
		require.Equal(t, map[string]any{"orderId": one, "stage": "active", "connectionId": "conn-" + one, "apiStatus": "ACTIVE"}, answer)

		code, answer, _ := call(t, srv, http.MethodGet, "/orders/NOPE-"+uniqueSuffix(), testToken, "")
		require.Equal(t, http.StatusNotFound, code)
		require.Contains(t, answer["error"], "no order")

		code, _, _ = call(t, srv, http.MethodGet, "/nowhere", testToken, "")
		require.Equal(t, http.StatusNotFound, code)
	})
}

// failingTemporal refuses every start, as an unreachable server would.
type failingTemporal struct{}

func (failingTemporal) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, serviceerror.NewUnavailable("connection refused")
}

func (failingTemporal) DescribeWorkflowExecution(context.Context, string, string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	return nil, serviceerror.NewUnavailable("connection refused")
}

func (failingTemporal) QueryWorkflow(context.Context, string, string, string, ...any) (converter.EncodedValue, error) {
	return nil, errors.New("connection refused")
}

func TestWebhookTemporalDown(t *testing.T) {
	srv := newWebhookServer(t, failingTemporal{}, "q")
	code, answer, _ := call(t, srv, http.MethodPost, "/orders", testToken, order("DOWN1"))
	require.Equal(t, http.StatusBadGateway, code)
	require.Equal(t, "could not start every order", answer["error"])
	got := answer["orders"].([]any)[0].(map[string]any)
	require.Equal(t, "error", got["outcome"])
	require.Contains(t, got["error"], "connection refused")

	code, answer, _ = call(t, srv, http.MethodGet, "/orders/DOWN1", testToken, "")
	require.Equal(t, http.StatusBadGateway, code)
	require.Equal(t, "could not get the order's status", answer["error"])
}

// TestServe runs `starter serve` on a free port, sends one order, and stops
// it as SIGTERM would.
func TestServe(t *testing.T) {
	e := newTestEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdoutReader, stdoutWriter := io.Pipe()
	var stderr devserver.SyncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"serve"}, e.environ("STARTER_WEBHOOK_TOKEN="+testToken, "STARTER_LISTEN_ADDR=127.0.0.1:0", "LOG_LEVEL=info"),
			strings.NewReader(""), stdoutWriter, &stderr)
		stdoutWriter.Close()
	}()

	first, err := bufio.NewReader(stdoutReader).ReadString('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	addr, ok := strings.CutPrefix(strings.TrimSpace(first), "listening on ")
	require.True(t, ok, first)
	go func() { _, _ = io.Copy(io.Discard, stdoutReader) }()

	id := e.orderID("SERVE")
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/orders", strings.NewReader(order(id)))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode)

	cancel()
	select {
	case code := <-exit:
		require.Equal(t, exitOK, code, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop; stderr:\n%s", stderr.String())
	}
	require.NotContains(t, stderr.String(), testToken)
	require.Contains(t, stderr.String(), "serving orders")
}
