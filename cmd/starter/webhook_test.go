package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/dev/devserver"
	"github.com/cc-l2/provisioner/workflows"
)

const testToken = "webhook-token-5d1c"

// roundTrip sends one request to the webhook with the given headers and
// reads the whole answer.
func roundTrip(t *testing.T, srv *httptest.Server, method, path, body string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatalf("%v", err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%v", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return resp, raw
}

// call sends one request to the webhook and decodes the JSON answer.
func call(t *testing.T, srv *httptest.Server, method, path, token, body string) (int, map[string]any, http.Header) {
	t.Helper()
	header := map[string]string{}
	if token != "" {
		header["Authorization"] = "Bearer " + token
	}
	resp, raw := roundTrip(t, srv, method, path, body, header)
	var answer map[string]any
	if method != http.MethodHead {
		if got, want := resp.Header.Get("Content-Type"), "application/json"; got != want {
			t.Fatalf("resp.Header.Get(\"Content-Type\") = %v, want %v", got, want)
		}
		if err := json.Unmarshal(raw, &answer); err != nil {
			t.Fatalf("%v (%v)", err, string(raw))
		}
	}
	return resp.StatusCode, answer, resp.Header
}

func newWebhookServer(t *testing.T, temporal webhookTemporal, taskQueue string) *httptest.Server {
	srv := httptest.NewServer(newWebhook(temporal, taskQueue, webhookAuth{Token: testToken}, nil, zap.NewNop()))
	t.Cleanup(srv.Close)
	return srv
}

func TestWebhook(t *testing.T) {
	e := newTestEnv(t)
	srv := newWebhookServer(t, e.client, e.taskQueue)
	one, two, three := e.orderID("WH1"), e.orderID("WH2"), e.orderID("WH3")

	t.Run("202 one order", func(t *testing.T) {
		code, answer, _ := call(t, srv, http.MethodPost, "/orders", testToken, order(one))
		if got, want := code, http.StatusAccepted; got != want {
			t.Fatalf("code = %v, want %v (%v)", got, want, answer)
		}
		orders := answer["orders"].([]any)
		if n := len(orders); n != 1 {
			t.Fatalf("len(orders) = %d, want 1", n)
		}
		got := orders[0].(map[string]any)
		if got, want := got["orderId"], one; got != want {
			t.Fatalf("got[\"orderId\"] = %v, want %v", got, want)
		}
		if got, want := got["workflowId"], workflows.WorkflowID(one); got != want {
			t.Fatalf("got[\"workflowId\"] = %v, want %v", got, want)
		}
		if got, want := got["outcome"], "started"; got != want {
			t.Fatalf("got[\"outcome\"] = %v, want %v", got, want)
		}
		requireRunID(t, got["runId"].(string))
	})

	t.Run("202 array, existing order reported", func(t *testing.T) {
		code, answer, _ := call(t, srv, http.MethodPost, "/orders", testToken, "["+order(one)+","+order(two)+"]")
		if got, want := code, http.StatusAccepted; got != want {
			t.Fatalf("code = %v, want %v (%v)", got, want, answer)
		}
		orders := answer["orders"].([]any)
		if n := len(orders); n != 2 {
			t.Fatalf("len(orders) = %d, want 2", n)
		}
		if got, want := orders[0].(map[string]any)["outcome"], "exists"; got != want {
			t.Fatalf("orders[0].(map[string]any)[\"outcome\"] = %v, want %v", got, want)
		}
		if got, want := orders[1].(map[string]any)["outcome"], "started"; got != want {
			t.Fatalf("orders[1].(map[string]any)[\"outcome\"] = %v, want %v", got, want)
		}
	})

	t.Run("400 invalid order starts nothing", func(t *testing.T) {
		code, answer, _ := call(t, srv, http.MethodPost, "/orders", testToken, "["+order(three)+",\n"+order("BAD-1", `"speed":0`, `"classOfService":"PLATINUM"`)+"]")
		if got, want := code, http.StatusBadRequest; got != want {
			t.Fatalf("code = %v, want %v", got, want)
		}
		if got, want := answer["error"], "invalid orders"; got != want {
			t.Fatalf("answer[\"error\"] = %v, want %v", got, want)
		}
		if got, want := answer["problems"], ([]any{
			map[string]any{"order": float64(1), "line": float64(2), "orderId": "BAD-1", "field": "speed", "message": "must be greater than 0 Mbps (got 0)"},
			map[string]any{"order": float64(1), "line": float64(2), "orderId": "BAD-1", "field": "classOfService", "message": `must be one of GOLD, SILVERPLUS, SILVER, BRONZE (got "PLATINUM")`},
		}); !reflect.DeepEqual(got, want) {
			t.Fatalf("answer[\"problems\"] = %v, want %v", got, want)
		}

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := e.client.DescribeWorkflowExecution(ctx, workflows.WorkflowID(three), "")
		var notFound *serviceerror.NotFound
		if err := err; !errors.As(err, &notFound) {
			t.Fatalf("error %v is not a &notFound (%v)", err, "the valid order of a refused request must not start")
		}
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
			if got, want := code, http.StatusBadRequest; got != want {
				t.Fatalf("code = %v, want %v (%v)", got, want, tt.body)
			}
			if got, want := answer["problems"], tt.want; !reflect.DeepEqual(got, want) {
				t.Fatalf("answer[\"problems\"] = %v, want %v (%v)", got, want, tt.body)
			}
		}
	})

	t.Run("401", func(t *testing.T) {
		for _, token := range []string{"", "wrong", testToken + "x", testToken[:len(testToken)-1]} {
			code, answer, header := call(t, srv, http.MethodPost, "/orders", token, order(e.orderID("NOAUTH")))
			if got, want := code, http.StatusUnauthorized; got != want {
				t.Fatalf("code = %v, want %v", got, want)
			}
			if got, want := answer["error"], "missing or wrong bearer token"; got != want {
				t.Fatalf("answer[\"error\"] = %v, want %v", got, want)
			}
			if got, want := header.Get("WWW-Authenticate"), `Bearer realm="orders"`; got != want {
				t.Fatalf("header.Get(\"WWW-Authenticate\") = %v, want %v", got, want)
			}
		}
		// Not "Bearer": the token in another scheme does not count.
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/orders/"+one, nil)
		if err != nil {
			t.Fatalf("%v", err)
		}
		req.Header.Set("Authorization", "Basic "+testToken)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%v", err)
		}
		resp.Body.Close()
		if got, want := resp.StatusCode, http.StatusUnauthorized; got != want {
			t.Fatalf("resp.StatusCode = %v, want %v", got, want)
		}
		// Even unknown paths answer 401 first.
		code, _, _ := call(t, srv, http.MethodGet, "/admin", "", "")
		if got, want := code, http.StatusUnauthorized; got != want {
			t.Fatalf("code = %v, want %v", got, want)
		}
	})

	t.Run("405", func(t *testing.T) {
		for _, tt := range []struct{ method, path, allow string }{
			{http.MethodPut, "/orders", "GET, HEAD, POST"},
			{http.MethodDelete, "/orders", "GET, HEAD, POST"},
			{http.MethodPost, "/orders/" + one, "GET, HEAD"},
			{http.MethodDelete, "/orders/" + one, "GET, HEAD"},
		} {
			code, _, header := call(t, srv, tt.method, tt.path, testToken, "")
			if got, want := code, http.StatusMethodNotAllowed; got != want {
				t.Fatalf("code = %v, want %v (%v)", got, want, tt.method+" "+tt.path)
			}
			if got, want := header.Get("Allow"), tt.allow; got != want {
				t.Fatalf("header.Get(\"Allow\") = %v, want %v", got, want)
			}
		}
	})

	t.Run("413", func(t *testing.T) {
		big := "[" + order(e.orderID("BIG"), `"name":"`+strings.Repeat("x", maxBodyBytes)+`"`) + "]"
		code, answer, _ := call(t, srv, http.MethodPost, "/orders", testToken, big)
		if got, want := code, http.StatusRequestEntityTooLarge; got != want {
			t.Fatalf("code = %v, want %v", got, want)
		}
		if got, want := answer["error"], "request body over 1 MiB"; got != want {
			t.Fatalf("answer[\"error\"] = %v, want %v", got, want)
		}
	})

	t.Run("GET status 200 and 404", func(t *testing.T) {
		var answer map[string]any
		eventually(t, 20*time.Second, func() bool {
			var code int
			code, answer, _ = call(t, srv, http.MethodGet, "/orders/"+one, testToken, "")
			return code == http.StatusOK
		})
		if got, want := answer, (map[string]any{"orderId": one, "stage": "active", "connectionId": "conn-" + one, "apiStatus": "ACTIVE"}); !reflect.DeepEqual(got, want) {
			t.Fatalf("answer = %v, want %v", got, want)
		}

		code, answer, _ := call(t, srv, http.MethodGet, "/orders/NOPE-"+uniqueSuffix(), testToken, "")
		if got, want := code, http.StatusNotFound; got != want {
			t.Fatalf("code = %v, want %v", got, want)
		}
		if s, sub := fmt.Sprint(answer["error"]), "no such order"; s != sub {
			t.Fatalf("%q does not contain %q", s, sub)
		}

		code, _, _ = call(t, srv, http.MethodGet, "/nowhere", testToken, "")
		if got, want := code, http.StatusNotFound; got != want {
			t.Fatalf("code = %v, want %v", got, want)
		}
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

func (failingTemporal) GetWorkflow(context.Context, string, string) client.WorkflowRun { return nil }

func (failingTemporal) ListWorkflow(context.Context, *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	return nil, serviceerror.NewUnavailable("connection refused")
}

func (failingTemporal) SignalWorkflow(context.Context, string, string, string, any) error {
	return serviceerror.NewUnavailable("connection refused")
}

func TestWebhookTemporalDown(t *testing.T) {
	s := newStarter(failingTemporal{}, "q")
	s.retryWait = func(int) time.Duration { return 0 }
	srv := httptest.NewServer(newWebhookFor(s, failingTemporal{}, webhookAuth{Token: testToken}, nil, zap.NewNop()))
	t.Cleanup(srv.Close)
	code, answer, _ := call(t, srv, http.MethodPost, "/orders", testToken, order("DOWN1"))
	if got, want := code, http.StatusBadGateway; got != want {
		t.Fatalf("code = %v, want %v", got, want)
	}
	if got, want := answer["error"], "could not start every order"; got != want {
		t.Fatalf("answer[\"error\"] = %v, want %v", got, want)
	}
	got := answer["orders"].([]any)[0].(map[string]any)
	if got, want := got["outcome"], "error"; got != want {
		t.Fatalf("got[\"outcome\"] = %v, want %v", got, want)
	}
	if s, want := fmt.Sprint(got["error"]), "could not start: Temporal unavailable; retry"; s != want {
		t.Fatalf("error %q, want %q", s, want)
	}

	code, answer, _ = call(t, srv, http.MethodGet, "/orders/DOWN1", testToken, "")
	if got, want := code, http.StatusBadGateway; got != want {
		t.Fatalf("code = %v, want %v", got, want)
	}
	if got, want := answer["error"], "could not get the order's status"; got != want {
		t.Fatalf("answer[\"error\"] = %v, want %v", got, want)
	}

	code, answer, _ = call(t, srv, http.MethodPost, "/orders/DOWN1/cancel", testToken, "")
	if got, want := code, http.StatusBadGateway; got != want {
		t.Fatalf("cancel: code = %v, want %v", got, want)
	}
	if got, want := answer["error"], "could not signal the order"; got != want {
		t.Fatalf("answer[\"error\"] = %v, want %v", got, want)
	}
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
	if err != nil {
		t.Fatalf("%v (stderr: %s)", err, stderr.String())
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(first), "listening on ")
	if !ok {
		t.Fatalf("first line %q, want \"listening on ADDR\"", first)
	}
	go func() { _, _ = io.Copy(io.Discard, stdoutReader) }()

	id := e.orderID("SERVE")
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/orders", strings.NewReader(order(id)))
	if err != nil {
		t.Fatalf("%v", err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%v", err)
	}
	resp.Body.Close()
	if got, want := resp.StatusCode, http.StatusAccepted; got != want {
		t.Fatalf("resp.StatusCode = %v, want %v", got, want)
	}

	cancel()
	select {
	case code := <-exit:
		if got, want := code, exitOK; got != want {
			t.Fatalf("code = %v, want %v (%v)", got, want, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop; stderr:\n%s", stderr.String())
	}
	if s, sub := stderr.String(), testToken; strings.Contains(s, sub) {
		t.Fatalf("%q contains %q", s, sub)
	}
	if s, sub := stderr.String(), "serving orders"; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}
