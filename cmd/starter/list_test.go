package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/workflows"
)

// Orders are listed from the visibility store by the search attributes the
// starter gives them, and status answers for an order that has ended with
// no worker running.
func TestListAndStatusWithoutAWorker(t *testing.T) {
	e := newTestEnv(t)
	a, b := e.orderID("LISTA"), e.orderID("LISTB")
	if r := e.run(ndjson(order(a), order(b, `"company":"globex"`)), "submit", "--wait", "-"); r.code != exitOK {
		t.Fatalf("submit: %d %s", r.code, r.stderr)
	}
	e.worker.Stop()

	// Visibility is eventually consistent: give it a moment.
	var listing result
	eventually(t, 20*time.Second, func() bool {
		listing = e.run("", "list", "--company", "acme", "--json")
		return listing.code == exitOK && strings.Contains(listing.stdout, a)
	})
	var found listedOrder
	for _, line := range lines(listing.stdout) {
		var o listedOrder
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatal(err)
		}
		if o.OrderID == b {
			t.Errorf("--company acme listed globex's order %s", b)
		}
		if o.OrderID == a {
			found = o
		}
	}
	if found.Kind != workflows.PortToPort || found.Status != "Completed" || found.Ended == nil || found.WorkflowID != workflows.WorkflowID(a) {
		t.Errorf("listed %+v", found)
	}
	text := e.run("", "list", "--query", "OrderId = '"+b+"'")
	if rows := lines(text.stdout); text.code != exitOK || len(rows) != 2 ||
		!strings.HasPrefix(rows[0], "ORDER") || !strings.HasPrefix(rows[1], b+" ") {
		t.Errorf("list --query: %d\n%s%s", text.code, text.stdout, text.stderr)
	}
	if r := e.run("", "list", "--stage", "it's"); r.code != exitUsage {
		t.Errorf("a quote in --stage: %d %s", r.code, r.stderr)
	}

	status := e.run("", "status", a, "--json")
	var view workflows.StatusView
	if err := json.Unmarshal([]byte(status.stdout), &view); err != nil || status.code != exitOK {
		t.Fatalf("status without a worker: %d %s %s", status.code, status.stdout, status.stderr)
	}
	if view.Stage != workflows.StageActive || view.ConnectionID != "conn-"+a {
		t.Errorf("status of an ended order: %+v", view)
	}
}

// status of a running order that no worker polls for says so at once,
// rather than waiting for a query nobody answers.
func TestStatusSaysNoWorkerPolls(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("NOPOLL")
	queue := "nobody-polls-" + uniqueSuffix()
	environ := append(e.environ(), "TEMPORAL_TASK_QUEUE="+queue)
	if r := runStarter(t, environ, ndjson(order(id)), "submit", "-"); r.code != exitOK {
		t.Fatalf("submit: %d %s", r.code, r.stderr)
	}
	r := runStarter(t, environ, "", "status", id)
	if r.code != exitOK || !strings.Contains(r.stdout, "no worker polls task queue "+queue) {
		t.Errorf("status: %d %q %q", r.code, r.stdout, r.stderr)
	}
}
