package main

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/workflows"
)

func TestSubmitStartsAndFindsExisting(t *testing.T) {
	e := newTestEnv(t)
	a, b := e.orderID("A"), e.orderID("B")
	file := e.file("orders.json", "["+order(a)+",\n"+order(b)+"]")

	first := e.run("", "submit", file)
	if got, want := first.code, exitOK; got != want {
		t.Fatalf("first.code = %v, want %v (%v)", got, want, first.stderr)
	}
	if len(first.stderr) != 0 {
		t.Fatalf("first.stderr = %v, want it empty", first.stderr)
	}
	got := lines(first.stdout)
	if n := len(got); n != 2 {
		t.Fatalf("len(got) = %d, want 2", n)
	}
	for i, id := range []string{a, b} {
		f := fields(got[i])
		if n := len(f); n != 4 {
			t.Fatalf("len(f) = %d, want 4 (%v)", n, got[i])
		}
		if got, want := f[0], id; got != want {
			t.Fatalf("f[0] = %v, want %v", got, want)
		}
		if got, want := f[1], workflows.WorkflowID(id); got != want {
			t.Fatalf("f[1] = %v, want %v", got, want)
		}
		requireRunID(t, f[2])
		if got, want := f[3], "started"; got != want {
			t.Fatalf("f[3] = %v, want %v", got, want)
		}
	}
	firstRunA := fields(got[0])[2]

	// Wait for A to finish, then submit again: a finished order is found,
	// not run again.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var res workflows.Result
	if err := e.client.GetWorkflow(ctx, workflows.WorkflowID(a), "").Get(ctx, &res); err != nil {
		t.Fatalf("%v", err)
	}

	second := e.run("", "submit", file, "--json")
	if got, want := second.code, exitOK; got != want {
		t.Fatalf("second.code = %v, want %v (%v)", got, want, second.stderr)
	}
	got = lines(second.stdout)
	if n := len(got); n != 2 {
		t.Fatalf("len(got) = %d, want 2", n)
	}
	var line started
	if err := json.Unmarshal([]byte(got[0]), &line); err != nil {
		t.Fatalf("%v", err)
	}
	if got, want := line, (started{OrderID: a, WorkflowID: workflows.WorkflowID(a), RunID: firstRunA, Outcome: "exists"}); got != want {
		t.Fatalf("line = %v, want %v", got, want)
	}
	var keys map[string]any
	if err := json.Unmarshal([]byte(got[1]), &keys); err != nil {
		t.Fatalf("%v", err)
	}
	if got := mapKeys(keys); !reflect.DeepEqual(got, []string{"event", "orderId", "outcome", "runId", "workflowId"}) {
		t.Fatalf("keys %v", got)
	}
	if got, want := keys["outcome"], "exists"; got != want {
		t.Fatalf("keys[\"outcome\"] = %v, want %v", got, want)
	}

	// Still one run: the latest run of the id is the first one.
	desc, err := e.client.DescribeWorkflowExecution(ctx, workflows.WorkflowID(a), "")
	if err != nil {
		t.Fatalf("%v", err)
	}
	if got, want := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId(), firstRunA; got != want {
		t.Fatalf("desc.GetWorkflowExecutionInfo().GetExecution().GetRunId() = %v, want %v", got, want)
	}
}

func mapKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

func TestSubmitWait(t *testing.T) {
	e := newTestEnv(t)
	ok1, ok2 := e.orderID("OK1"), e.orderID("OK2")
	bad := e.orderID("BAD")

	t.Run("success", func(t *testing.T) {
		r := e.run(ndjson(order(ok1), order(ok2)), "submit", "--wait", "-")
		if got, want := r.code, exitOK; got != want {
			t.Fatalf("r.code = %v, want %v (%v)", got, want, r.stderr)
		}
		got := lines(r.stdout)
		if got, want := fields(got[0])[3], "started"; got != want {
			t.Fatalf("fields(got[0])[3] = %v, want %v", got, want)
		}
		if got, want := fields(got[1])[3], "started"; got != want {
			t.Fatalf("fields(got[1])[3] = %v, want %v", got, want)
		}
		if got, want := outcomeTable(t, r.stdout), ([][]string{
			{ok1, "active", "conn-" + ok1, "ACTIVE"},
			{ok2, "active", "conn-" + ok2, "ACTIVE"},
		}); !reflect.DeepEqual(got, want) {
			t.Fatalf("outcomeTable(t, r.stdout) = %v, want %v", got, want)
		}
	})

	t.Run("failure reason and exit code", func(t *testing.T) {
		r := e.run("", "submit", e.file("bad.json", failOrder(bad, workflows.ErrTypeConnectionFailed)), "--wait")
		if got, want := r.code, exitFailure; got != want {
			t.Fatalf("r.code = %v, want %v", got, want)
		}
		if got, want := outcomeTable(t, r.stdout), ([][]string{{bad, "failed", "-", "-", "ConnectionFailed: connection ended DENIED: port in use"}}); !reflect.DeepEqual(got, want) {
			t.Fatalf("outcomeTable(t, r.stdout) = %v, want %v", got, want)
		}
	})

	t.Run("json lines", func(t *testing.T) {
		r := e.run("", "submit", "--json", e.file("both.json", ndjson(order(ok1), failOrder(bad, workflows.ErrTypeConnectionFailed))), "--wait")
		if got, want := r.code, exitFailure; got != want {
			t.Fatalf("r.code = %v, want %v", got, want)
		}
		ends := jsonEvents(t, r.stdout, "ended")
		if n := len(ends); n != 2 {
			t.Fatalf("%d ended events, want 2:\n%s", n, r.stdout)
		}
		if n := len(jsonEvents(t, r.stdout, "started")); n != 2 {
			t.Fatalf("%d started events, want 2:\n%s", n, r.stdout)
		}
		// Orders end in any order; each event names its order.
		var okEnd, badEnd finished
		for _, line := range ends {
			var f finished
			if err := json.Unmarshal([]byte(line), &f); err != nil {
				t.Fatalf("%v", err)
			}
			switch f.OrderID {
			case ok1:
				okEnd = f
			case bad:
				badEnd = f
			}
		}
		if got, want := okEnd.Stage, workflows.StageActive; got != want {
			t.Fatalf("okEnd.Stage = %v, want %v", got, want)
		}
		if got, want := okEnd.ConnectionID, "conn-"+ok1; got != want {
			t.Fatalf("okEnd.ConnectionID = %v, want %v", got, want)
		}
		if got, want := okEnd.APIStatus, ccapi.StatusActive; got != want {
			t.Fatalf("okEnd.APIStatus = %v, want %v", got, want)
		}
		requireRunID(t, okEnd.RunID)
		if got, want := badEnd.Stage, workflows.StageFailed; got != want {
			t.Fatalf("badEnd.Stage = %v, want %v", got, want)
		}
		if got, want := badEnd.ErrorType, workflows.ErrTypeConnectionFailed; got != want {
			t.Fatalf("badEnd.ErrorType = %v, want %v", got, want)
		}
		if got, want := badEnd.Error, "connection ended DENIED: port in use"; got != want {
			t.Fatalf("badEnd.Error = %v, want %v", got, want)
		}
	})
}

func TestSubmitInvalidFileStartsNothingFromIt(t *testing.T) {
	e := newTestEnv(t)
	good, mixedOK, mixedBad := e.orderID("GOOD"), e.orderID("MIXOK"), e.orderID("MIXBAD")
	goodFile := e.file("good.json", order(good))
	mixedFile := e.file("mixed.json", ndjson(order(mixedOK), order(mixedBad, `"speed":0`)))

	r := e.run("", "submit", mixedFile, goodFile)
	if got, want := r.code, exitFailure; got != want {
		t.Fatalf("r.code = %v, want %v", got, want)
	}
	if got, want := r.stderr, mixedFile+`: order 2 (line 2, orderId "`+mixedBad+`"): invalid order "`+mixedBad+`": speed must be greater than 0 Mbps (got 0)`+"\n"+
		mixedFile+": nothing started from this file\n"; got != want {
		t.Fatalf("r.stderr = %v, want %v", got, want)
	}
	got := lines(r.stdout)
	if n := len(got); n != 1 {
		t.Fatalf("len(got) = %d, want 1", n)
	}
	if got, want := fields(got[0])[0], good; got != want {
		t.Fatalf("fields(got[0])[0] = %v, want %v", got, want)
	}
	if got, want := fields(got[0])[3], "started"; got != want {
		t.Fatalf("fields(got[0])[3] = %v, want %v", got, want)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := e.client.DescribeWorkflowExecution(ctx, workflows.WorkflowID(mixedOK), "")
	var notFound *serviceerror.NotFound
	if err := err; !errors.As(err, &notFound) {
		t.Fatalf("error %v is not a &notFound (%v)", err, "the valid order of the invalid file must not start")
	}
}

func TestSubmitDuplicateOrderIDs(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("DUP")
	r := e.run(ndjson(order(id), order(id)), "submit", "-")
	if got, want := r.code, exitFailure; got != want {
		t.Fatalf("r.code = %v, want %v", got, want)
	}
	if s, sub := r.stderr, `stdin: order 2 (line 2, orderId "`+id+`"): duplicate orderId "`+id+`": already given as order 1 (line 1) of stdin`; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
	if len(r.stdout) != 0 {
		t.Fatalf("r.stdout = %v, want it empty", r.stdout)
	}
}

func TestSubmitDryRun(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("DRY")
	file := e.file("dry.json", order(id))

	r := e.run("", "submit", "--dry-run", file)
	if got, want := r.code, exitOK; got != want {
		t.Fatalf("r.code = %v, want %v (%v)", got, want, r.stderr)
	}
	got := lines(r.stdout)
	if len(got) < 3 {
		t.Fatalf("len(got) = %v, not at least 3", len(got))
	}
	start := fields(got[0])
	if got, want := start[0], id; got != want {
		t.Fatalf("start[0] = %v, want %v", got, want)
	}
	if !strings.HasPrefix(start[1], "l2-dryrun-"+id+"-") {
		t.Fatalf("dry-run workflow id %q, want l2-dryrun-%s-<nanos>", start[1], id)
	}
	if got, want := start[3], "started"; got != want {
		t.Fatalf("start[3] = %v, want %v", got, want)
	}
	if got, want := outcomeTable(t, r.stdout), ([][]string{{id, "dry-run", "-", "-"}}); !reflect.DeepEqual(got, want) {
		t.Fatalf("outcomeTable(t, r.stdout) = %v, want %v", got, want)
	}
	_, bodyJSON, ok := strings.Cut(r.stdout, "would send:\n")
	if !ok {
		t.Fatalf("no PUT body in:\n%s", r.stdout)
	}
	var body ccapi.CreateLayer2Request
	if err := json.Unmarshal([]byte(bodyJSON), &body); err != nil {
		t.Fatalf("%v (%v)", err, r.stdout)
	}
	if got, want := body.PortID, "p1"; got != want {
		t.Fatalf("body.PortID = %v, want %v", got, want)
	}
	if got, want := body.SpeedMbps, 100; got != want {
		t.Fatalf("body.Speed = %v, want %v", got, want)
	}
	if s, sub := r.stdout, "\n  \"portId\": \"p1\",\n"; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q (%v)", s, sub, "the body is indented")
	}

	// With --json, the body is inside the result line.
	r = e.run("", "submit", file, "--dry-run", "--json")
	if got, want := r.code, exitOK; got != want {
		t.Fatalf("r.code = %v, want %v (%v)", got, want, r.stderr)
	}
	ends := jsonEvents(t, r.stdout, "ended")
	if n := len(ends); n != 1 {
		t.Fatalf("%d ended events, want 1:\n%s", n, r.stdout)
	}
	var end finished
	if err := json.Unmarshal([]byte(ends[0]), &end); err != nil {
		t.Fatalf("%v", err)
	}
	if got, want := end.Stage, workflows.StageDryRun; got != want {
		t.Fatalf("end.Stage = %v, want %v", got, want)
	}
	if end.Request == nil {
		t.Fatal("end.Request is nil")
	}
	if got, want := end.Request.DestPortID, "p2"; got != want {
		t.Fatalf("end.Request.DestPortID = %v, want %v", got, want)
	}

	// A dry run never blocks the real order.
	r = e.run("", "submit", file)
	if got, want := r.code, exitOK; got != want {
		t.Fatalf("r.code = %v, want %v (%v)", got, want, r.stderr)
	}
	if got, want := fields(lines(r.stdout)[0])[:2], ([]string{id, workflows.WorkflowID(id)}); !reflect.DeepEqual(got, want) {
		t.Fatalf("fields(lines(r.stdout)[0])[:2] = %v, want %v", got, want)
	}
	if got, want := fields(lines(r.stdout)[0])[3], "started"; got != want {
		t.Fatalf("fields(lines(r.stdout)[0])[3] = %v, want %v", got, want)
	}
}

func TestStatusAndCancel(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("HOLD")
	file := e.file("hold.json", holdOrder(id))

	r := e.run("", "submit", file)
	if got, want := r.code, exitOK; got != want {
		t.Fatalf("r.code = %v, want %v (%v)", got, want, r.stderr)
	}
	runID := fields(lines(r.stdout)[0])[2]

	// The query can come before the first workflow task ran: retry briefly.
	var status result
	eventually(t, 20*time.Second, func() bool {
		status = e.run("", "status", id, "--json")
		return status.code == exitOK && strings.Contains(status.stdout, `"stage":"awaiting-activation"`)
	})
	var view workflows.StatusView
	if err := json.Unmarshal([]byte(status.stdout), &view); err != nil {
		t.Fatalf("%v", err)
	}
	if got, want := view, (workflows.StatusView{OrderID: id, Stage: workflows.StageAwaitingActivation, ConnectionID: "conn-" + id,
		APIStatus: ccapi.StatusPending, Polls: 2}); got != want {
		t.Fatalf("view = %v, want %v", got, want)
	}

	text := e.run("", "status", id)
	if got, want := text.code, exitOK; got != want {
		t.Fatalf("text.code = %v, want %v (%v)", got, want, text.stderr)
	}
	if re := `(?m)^orderId\s+` + id + `$`; !regexp.MustCompile(re).MatchString(text.stdout) {
		t.Fatalf("status output does not match %s:\n%s", re, text.stdout)
	}
	if re := `(?m)^workflowId\s+l2-order-` + id + `$`; !regexp.MustCompile(re).MatchString(text.stdout) {
		t.Fatalf("status output does not match %s:\n%s", re, text.stdout)
	}
	if re := `(?m)^stage\s+awaiting-activation$`; !regexp.MustCompile(re).MatchString(text.stdout) {
		t.Fatalf("status output does not match %s:\n%s", re, text.stdout)
	}
	if re := `(?m)^apiStatus\s+PENDING$`; !regexp.MustCompile(re).MatchString(text.stdout) {
		t.Fatalf("status output does not match %s:\n%s", re, text.stdout)
	}
	if re := `(?m)^polls\s+2$`; !regexp.MustCompile(re).MatchString(text.stdout) {
		t.Fatalf("status output does not match %s:\n%s", re, text.stdout)
	}

	refresh := e.run("", "refresh", id)
	if got, want := refresh.stdout, id+"\tl2-order-"+id+"\trefresh requested\n"; refresh.code != exitOK || got != want {
		t.Fatalf("refresh: exit %d, stdout %q, want %q (stderr %s)", refresh.code, got, want, refresh.stderr)
	}

	c := e.run("", "cancel", "--reason", "customer withdrew", id)
	if got, want := c.code, exitOK; got != want {
		t.Fatalf("c.code = %v, want %v (%v)", got, want, c.stderr)
	}
	if got, want := c.stdout, id+"\tl2-order-"+id+"\tcancel requested\n"; got != want {
		t.Fatalf("c.stdout = %v, want %v", got, want)
	}

	// --wait on the existing order follows it to its end: cancelled is not
	// success.
	w := e.run("", "submit", "--wait", file)
	if got, want := w.code, exitFailure; got != want {
		t.Fatalf("w.code = %v, want %v", got, want)
	}
	got := lines(w.stdout)
	if got, want := fields(got[0]), ([]string{id, workflows.WorkflowID(id), runID, "exists"}); !reflect.DeepEqual(got, want) {
		t.Fatalf("fields(got[0]) = %v, want %v", got, want)
	}
	if got, want := outcomeTable(t, w.stdout), ([][]string{{id, "cancelled", "conn-" + id, "-", "customer withdrew"}}); !reflect.DeepEqual(got, want) {
		t.Fatalf("outcomeTable(t, w.stdout) = %v, want %v", got, want)
	}

	// A finished order cannot be cancelled.
	again := e.run("", "cancel", id)
	if got, want := again.code, exitFailure; got != want {
		t.Fatalf("again.code = %v, want %v", got, want)
	}
	if got, want := again.stderr, "starter: cannot cancel: order "+id+" has already ended (stage cancelled)\n"; got != want {
		t.Fatalf("again.stderr = %q, want %q", got, want)
	}
	if got, want := e.run("", "refresh", id).stderr, "starter: cannot refresh: order "+id+" has already ended (stage cancelled)\n"; got != want {
		t.Fatalf("refresh after the end: stderr %q, want %q", got, want)
	}
	// Nor can one that never was.
	nope := e.run("", "cancel", "NOPE-"+id)
	if got, want := nope.stderr, "starter: cannot cancel: order NOPE-"+id+": no such order (no workflow l2-order-NOPE-"+id+")\n"; got != want {
		t.Fatalf("nope.stderr = %q, want %q", got, want)
	}
}

func TestStatusOfUnknownOrder(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("NOPE")
	r := e.run("", "status", id)
	if got, want := r.code, exitFailure; got != want {
		t.Fatalf("r.code = %v, want %v", got, want)
	}
	if got, want := r.stderr, "starter: order "+id+": no such order (no workflow l2-order-"+id+")\n"; got != want {
		t.Fatalf("r.stderr = %v, want %v", got, want)
	}

	r = e.run("", "history", id)
	if got, want := r.code, exitFailure; got != want {
		t.Fatalf("r.code = %v, want %v", got, want)
	}
	if got, want := r.stderr, "starter: order "+id+": no such order (no workflow l2-order-"+id+")\n"; got != want {
		t.Fatalf("r.stderr = %v, want %v", got, want)
	}
}

func TestUnreachableTemporal(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/o.json"
	writeFile(t, file, order("UNREACH1"))
	r := runStarter(t, []string{"TEMPORAL_ADDRESS=127.0.0.1:1"}, "", "submit", file)
	if got, want := r.code, exitFailure; got != want {
		t.Fatalf("r.code = %v, want %v", got, want)
	}
	if s, sub := r.stderr, "starter: connecting to Temporal at 127.0.0.1:1"; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
	if len(r.stdout) != 0 {
		t.Fatalf("r.stdout = %v, want it empty", r.stdout)
	}
}

// An action order starts its action's workflow type, under the same id
// scheme; a file mixing create and action orders is fine.
func TestSubmitStartsEachActionsWorkflowType(t *testing.T) {
	e := newTestEnv(t)
	create, decom := e.orderID("CREATE"), e.orderID("DECOM")
	r := e.run(ndjson(order(create),
		`{"orderId":"`+decom+`","action":"decommission","company":"acme","connectionId":"c1","name":"HKG-1"}`), "submit", "-")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for id, want := range map[string]string{create: workflows.WorkflowName, decom: workflows.DecommissionWorkflowName} {
		desc, err := e.client.DescribeWorkflowExecution(context.Background(), workflows.WorkflowID(id), "")
		if err != nil {
			t.Fatal(err)
		}
		if got := desc.GetWorkflowExecutionInfo().GetType().GetName(); got != want {
			t.Errorf("order %s runs %s, want %s", id, got, want)
		}
	}
	bad := e.run(`{"orderId":"X1","action":"decommission","company":"acme","connectionId":"c1","portId":"p1"}`, "submit", "-")
	if want := `invalid order "X1": name is required: the connection's current name, which must match before anything is deleted (a guard against a mistyped id); portId does not apply to decommission orders`; bad.code != exitFailure || !strings.Contains(bad.stderr, want) {
		t.Errorf("invalid action order: exit %d, stderr %q, want it to contain %q", bad.code, bad.stderr, want)
	}
}

// An order that ended certainly having ordered nothing (a failed pre-check)
// can be submitted again, corrected, under its id: a new run of the same
// workflow id, the first kept in history. Two resubmissions at once start
// one run; once it ran, the id answers "exists" again.
func TestResubmitAfterNothingOrdered(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("RESUB")
	first := e.run(ndjson(order(id, `"name":"nothing-PrecheckFailed"`)), "submit", "--wait", "-")
	if first.code != exitFailure {
		t.Fatalf("first submit: %d %s %s", first.code, first.stdout, first.stderr)
	}
	firstRun := fields(lines(first.stdout)[0])[2]

	fixed := e.file("fixed.json", order(id))
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i := range results {
		wg.Go(func() { results[i] = e.run("", "submit", fixed) })
	}
	wg.Wait()
	var outcomes []string
	runs := map[string]bool{}
	for _, r := range results {
		if r.code != exitOK {
			t.Fatalf("resubmit: %d %s %s", r.code, r.stdout, r.stderr)
		}
		f := fields(lines(r.stdout)[0])
		outcomes = append(outcomes, f[3])
		runs[f[2]] = true
	}
	slices.Sort(outcomes)
	if !slices.Equal(outcomes, []string{"exists", "started"}) || len(runs) != 1 || runs[firstRun] {
		t.Fatalf("two resubmissions at once: outcomes %v, runs %v (first run %s); want one started, one exists, one new run", outcomes, runs, firstRun)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var res workflows.Result
	if err := e.client.GetWorkflow(ctx, workflows.WorkflowID(id), "").Get(ctx, &res); err != nil || res.Stage != workflows.StageActive {
		t.Fatalf("the resubmitted order: %+v, %v", res, err)
	}
	if _, err := e.client.DescribeWorkflowExecution(ctx, workflows.WorkflowID(id), firstRun); err != nil {
		t.Errorf("the first run is gone from history: %v", err)
	}
	if again := e.run("", "submit", fixed); fields(lines(again.stdout)[0])[3] != "exists" {
		t.Errorf("submit after the resubmitted order ended active: %s", again.stdout)
	}
}

// After any end that may have ordered something, the id stays taken.
func TestResubmitAfterAFailureThatMayHaveOrdered(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("NORESUB")
	first := e.run(ndjson(failOrder(id, workflows.ErrTypeOutcomeUnknown)), "submit", "--wait", "-")
	if first.code != exitFailure {
		t.Fatalf("first submit: %d %s %s", first.code, first.stdout, first.stderr)
	}
	firstRun := fields(lines(first.stdout)[0])[2]
	again := e.run(ndjson(order(id)), "submit", "-")
	if f := fields(lines(again.stdout)[0]); f[2] != firstRun || f[3] != "exists" {
		t.Errorf("resubmit after %s: %s, want exists with run %s", workflows.ErrTypeOutcomeUnknown, again.stdout, firstRun)
	}
}
