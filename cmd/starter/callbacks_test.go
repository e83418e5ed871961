package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/workflows"
)

// refusedByJira is what a callbacks workflow says once Jira answered 404
// for every milestone: the order's status must say it too.
var refusedByJira = workflows.CallbacksView{Target: "jira", Delivered: []string{"validated"}, Failed: []workflows.CallbackFailure{
	{Milestone: "ordered", Error: `callback target "jira" refused: 404 Not Found`},
	{Milestone: "active", Error: `callback target "jira" refused: 404 Not Found (the issue is gone)`},
}}

// fakeCallbacks answers QueryCallbacks with refusedByJira and ends at
// once: the query is answered on the closed workflow.
func fakeCallbacks(ctx workflow.Context) error {
	return workflow.SetQueryHandler(ctx, workflows.QueryCallbacks, func() (workflows.CallbacksView, error) {
		return refusedByJira, nil
	})
}

// status and GET /orders/{orderId} show the callbacks' state when the
// order has a callbacks workflow (here ended, on its own task queue), and
// nothing of it when the order has none.
func TestStatusShowsTheCallbacks(t *testing.T) {
	e := newTestEnv(t)
	queue := "callbacks-" + uniqueSuffix()
	w := worker.New(e.client, queue, worker.Options{})
	w.RegisterWorkflowWithOptions(fakeCallbacks, workflow.RegisterOptions{Name: workflows.CallbacksWorkflowName})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	with, without := e.orderID("CB"), e.orderID("NOCB")
	if r := e.run(ndjson(order(with), order(without)), "submit", "--wait", "-"); r.code != exitOK {
		t.Fatalf("submit: %d %s", r.code, r.stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := e.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.CallbacksWorkflowID(with), TaskQueue: queue}, workflows.CallbacksWorkflowName)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}

	hook := httptest.NewServer(newWebhook(e.client, e.taskQueue, webhookAuth{Token: testToken}, nil, zap.NewNop()))
	t.Cleanup(hook.Close)
	tests := []struct {
		name, orderID string
		want          *workflows.CallbacksView
	}{
		{"with callbacks, ended", with, &refusedByJira},
		{"without callbacks", without, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.run("", "status", tt.orderID, "--json")
			var view workflows.StatusView
			if err := json.Unmarshal([]byte(r.stdout), &view); err != nil || r.code != exitOK {
				t.Fatalf("status --json: %d %q %q", r.code, r.stdout, r.stderr)
			}
			if view.Stage != workflows.StageActive || !sameCallbacks(view.Callbacks, tt.want) {
				t.Errorf("status --json: %s", r.stdout)
			}
			if tt.want == nil && strings.Contains(r.stdout, `"callbacks"`) {
				t.Errorf("status --json of an order without callbacks: %s", r.stdout)
			}

			text := e.run("", "status", tt.orderID)
			for _, line := range []string{"callbackTarget      jira", "callbacksDelivered  validated", "callbacksFailed     ordered, active",
				`callbackError       active: callback target "jira" refused: 404 Not Found (the issue is gone)`} {
				if got := strings.Contains(text.stdout, line+"\n"); got != (tt.want != nil) {
					t.Errorf("status: %q has %q: %v", text.stdout, line, got)
				}
			}

			code, answer := send(t, hook, http.MethodGet, "/orders/"+tt.orderID, "", bearer(testToken))
			raw, _ := json.Marshal(answer)
			var got workflows.StatusView
			if err := json.Unmarshal(raw, &got); err != nil || code != http.StatusOK || !sameCallbacks(got.Callbacks, tt.want) {
				t.Errorf("GET /orders/%s: %d %s", tt.orderID, code, raw)
			}
		})
	}
}

func sameCallbacks(got, want *workflows.CallbacksView) bool {
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	return string(a) == string(b)
}
