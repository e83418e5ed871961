package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
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
	if found.Kind != workflows.PortToPort || found.Status != "completed" || found.Ended == nil || found.WorkflowID != workflows.WorkflowID(a) {
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

// list covers every kind of order, selected by the orders' own search
// attributes (not a workflow type), with each one's status; a dry run
// shows its order id.
func TestListEveryKind(t *testing.T) {
	e := newTestEnv(t)
	company := "list-" + uniqueSuffix()
	create, decom, dry := e.orderID("LC"), e.orderID("LD"), e.orderID("LDRY")
	if r := e.run(ndjson(order(create, `"company":"`+company+`"`)), "submit", "--wait", "-"); r.code != exitOK {
		t.Fatalf("submit: %d %s", r.code, r.stderr)
	}
	// No worker here runs decommissions: it stays running.
	if r := e.run(ndjson(`{"orderId":"`+decom+`","action":"decommission","company":"`+company+`","connectionId":"c1","name":"HKG-1"}`), "submit", "-"); r.code != exitOK {
		t.Fatalf("submit: %d %s", r.code, r.stderr)
	}
	if r := e.run(ndjson(order(dry, `"company":"`+company+`"`)), "submit", "--dry-run", "-"); r.code != exitOK {
		t.Fatalf("submit --dry-run: %d %s", r.code, r.stderr)
	}
	var listed []listedOrder
	eventually(t, 20*time.Second, func() bool {
		r := e.run("", "list", "--company", company, "-o", "json")
		listed = nil
		return r.code == exitOK && json.Unmarshal([]byte(r.stdout), &listed) == nil && len(listed) == 3
	})
	byID := map[string]listedOrder{}
	for _, o := range listed {
		byID[o.OrderID] = o
	}
	for id, want := range map[string]struct {
		kind   workflows.Kind
		status string
	}{create: {workflows.PortToPort, "completed"}, decom: {"decommission", "running"}, dry: {workflows.PortToPort, "completed"}} {
		got, ok := byID[id]
		if !ok || got.Kind != want.kind || got.Status != want.status || got.Company != company {
			t.Errorf("order %s listed as %+v, want kind %s, status %s, company %s (all: %+v)", id, got, want.kind, want.status, company, listed)
		}
	}

	text := e.run("", "list", "--company", company, "--limit", "2")
	rows := lines(text.stdout)
	if text.code != exitOK || len(rows) != 3 || strings.Join(strings.Fields(rows[0]), " ") != "ORDER KIND STATUS STAGE CONNECTION COMPANY STARTED ENDED" {
		t.Errorf("list --limit 2: %d\n%s%s", text.code, text.stdout, text.stderr)
	}
	jsonl := e.run("", "list", "--company", company, "-o", "jsonl")
	if rows := lines(jsonl.stdout); jsonl.code != exitOK || len(rows) != 3 || !strings.HasPrefix(rows[0], "{") {
		t.Errorf("list -o jsonl: %d\n%s%s", jsonl.code, jsonl.stdout, jsonl.stderr)
	}
}

// A stage or an output that does not exist is a usage error naming the
// valid ones; a query the server refuses is reported as the user's.
func TestListBadArguments(t *testing.T) {
	e := newTestEnv(t)
	stage := e.run("", "list", "--stage", "awaiting")
	if stage.code != exitUsage || !strings.Contains(stage.stderr, "awaiting-activation") || !strings.Contains(stage.stderr, "decommissioned") {
		t.Errorf("list --stage awaiting: %d %q", stage.code, stage.stderr)
	}
	output := e.run("", "list", "-o", "yaml")
	if output.code != exitUsage || !strings.Contains(output.stderr, "text, json or jsonl") {
		t.Errorf("list -o yaml: %d %q", output.code, output.stderr)
	}
	query := e.run("", "list", "--query", "OrderId = ")
	if query.code != exitFailure || !strings.Contains(query.stderr, `--query "OrderId = "`) || strings.Contains(query.stderr, "ExecutionStatus") {
		t.Errorf("list --query with a syntax error: %d %q", query.code, query.stderr)
	}
}

// --stage knows every stage the workflows package declares.
func TestStagesAreEveryStage(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("../../workflows/*.go")
	if err != nil {
		t.Fatal(err)
	}
	declared := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok || spec.Type == nil || fmt.Sprint(spec.Type) != "Stage" {
				return true
			}
			for _, v := range spec.Values {
				if lit, ok := v.(*ast.BasicLit); ok {
					declared++
					value, _ := strconv.Unquote(lit.Value)
					if !slices.Contains(stages, workflows.Stage(value)) {
						t.Errorf("stage %q (%s) is missing from list's stages", value, name)
					}
				}
			}
			return true
		})
	}
	if declared != len(stages) {
		t.Errorf("workflows declares %d stages, list knows %d", declared, len(stages))
	}
}
