package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/workflows"
)

func TestSubmitStartsAndFindsExisting(t *testing.T) {
	e := newTestEnv(t)
	a, b := e.orderID("A"), e.orderID("B")
	file := e.file("orders.json", "["+order(a)+",\n"+order(b)+"]")

	first := e.run("", "submit", file)
	require.Equal(t, exitOK, first.code, first.stderr)
	require.Empty(t, first.stderr)
	got := lines(first.stdout)
	require.Len(t, got, 2)
	for i, id := range []string{a, b} {
		f := fields(got[i])
		require.Len(t, f, 4, got[i])
		require.Equal(t, id, f[0])
		require.Equal(t, workflows.WorkflowID(id), f[1])
		requireRunID(t, f[2])
		require.Equal(t, "started", f[3])
	}
	firstRunA := fields(got[0])[2]

	// Wait for A to finish, then submit again: a finished order is found,
	// not run again.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var res workflows.Result
	require.NoError(t, e.client.GetWorkflow(ctx, workflows.WorkflowID(a), "").Get(ctx, &res))

	second := e.run("", "submit", file, "--json")
	require.Equal(t, exitOK, second.code, second.stderr)
	got = lines(second.stdout)
	require.Len(t, got, 2)
	var line started
	require.NoError(t, json.Unmarshal([]byte(got[0]), &line))
	require.Equal(t, started{OrderID: a, WorkflowID: workflows.WorkflowID(a), RunID: firstRunA, Outcome: "exists"}, line)
	var keys map[string]any
	require.NoError(t, json.Unmarshal([]byte(got[1]), &keys))
	require.ElementsMatch(t, []string{"orderId", "workflowId", "runId", "outcome"}, mapKeys(keys))
	require.Equal(t, "exists", keys["outcome"])

	// Still one run: the latest run of the id is the first one.
	desc, err := e.client.DescribeWorkflowExecution(ctx, workflows.WorkflowID(a), "")
	require.NoError(t, err)
	require.Equal(t, firstRunA, desc.GetWorkflowExecutionInfo().GetExecution().GetRunId())
}

func mapKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

func TestSubmitWait(t *testing.T) {
	e := newTestEnv(t)
	ok1, ok2 := e.orderID("OK1"), e.orderID("OK2")
	bad := e.orderID("BAD")

	t.Run("success", func(t *testing.T) {
		r := e.run(ndjson(order(ok1), order(ok2)), "submit", "--wait", "-")
		require.Equal(t, exitOK, r.code, r.stderr)
		got := lines(r.stdout)
		require.Equal(t, "started", fields(got[0])[3])
		require.Equal(t, "started", fields(got[1])[3])
		require.Equal(t, [][]string{
			{ok1, "active", "conn-" + ok1, "ACTIVE"},
			{ok2, "active", "conn-" + ok2, "ACTIVE"},
		}, outcomeTable(t, r.stdout))
	})

	t.Run("failure reason and exit code", func(t *testing.T) {
		r := e.run("", "submit", e.file("bad.json", failOrder(bad, workflows.ErrTypeConnectionFailed)), "--wait")
		require.Equal(t, exitFailure, r.code)
		require.Equal(t, [][]string{{bad, "failed", "-", "-", "ConnectionFailed: connection ended DENIED: port in use"}},
			outcomeTable(t, r.stdout))
	})

	t.Run("json lines", func(t *testing.T) {
		r := e.run("", "submit", "--json", e.file("both.json", ndjson(order(ok1), failOrder(bad, workflows.ErrTypeConnectionFailed))), "--wait")
		require.Equal(t, exitFailure, r.code)
		got := lines(r.stdout)
		require.Len(t, got, 4)
		var okEnd, badEnd finished
		require.NoError(t, json.Unmarshal([]byte(got[2]), &okEnd))
		require.NoError(t, json.Unmarshal([]byte(got[3]), &badEnd))
		require.Equal(t, workflows.StageActive, okEnd.Stage)
		require.Equal(t, "conn-"+ok1, okEnd.ConnectionID)
		require.Equal(t, ccapi.StatusActive, okEnd.APIStatus)
		requireRunID(t, okEnd.RunID)
		require.Equal(t, workflows.StageFailed, badEnd.Stage)
		require.Equal(t, workflows.ErrTypeConnectionFailed, badEnd.ErrorType)
		require.Equal(t, "connection ended DENIED: port in use", badEnd.Error)
	})
}

func TestSubmitInvalidFileStartsNothingFromIt(t *testing.T) {
	e := newTestEnv(t)
	good, mixedOK, mixedBad := e.orderID("GOOD"), e.orderID("MIXOK"), e.orderID("MIXBAD")
	goodFile := e.file("good.json", order(good))
	mixedFile := e.file("mixed.json", ndjson(order(mixedOK), order(mixedBad, `"speed":0`)))

	r := e.run("", "submit", mixedFile, goodFile)
	require.Equal(t, exitFailure, r.code)
	require.Equal(t,
		mixedFile+`: order 2 (line 2, orderId "`+mixedBad+`"): invalid order "`+mixedBad+`": speed must be greater than 0 Mbps (got 0)`+"\n"+
			mixedFile+": nothing started from this file\n", r.stderr)
	got := lines(r.stdout)
	require.Len(t, got, 1)
	require.Equal(t, good, fields(got[0])[0])
	require.Equal(t, "started", fields(got[0])[3])

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := e.client.DescribeWorkflowExecution(ctx, workflows.WorkflowID(mixedOK), "")
	var notFound *serviceerror.NotFound
	require.ErrorAs(t, err, &notFound, "the valid order of the invalid file must not start")
}

func TestSubmitDuplicateOrderIDs(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("DUP")
	r := e.run(ndjson(order(id), order(id)), "submit", "-")
	require.Equal(t, exitFailure, r.code)
	require.Contains(t, r.stderr, `stdin: order 2 (line 2, orderId "`+id+`"): duplicate orderId "`+id+`": already given as order 1 (line 1) of stdin`)
	require.Empty(t, r.stdout)
}

func TestSubmitDryRun(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("DRY")
	file := e.file("dry.json", order(id))

	r := e.run("", "submit", "--dry-run", file)
	require.Equal(t, exitOK, r.code, r.stderr)
	got := lines(r.stdout)
	require.GreaterOrEqual(t, len(got), 3)
	start := fields(got[0])
	require.Equal(t, id, start[0])
	require.True(t, strings.HasPrefix(start[1], "l2-dryrun-"+id+"-"), start[1])
	require.Equal(t, "started", start[3])
	require.Equal(t, [][]string{{id, "dry-run", "-", "-"}}, outcomeTable(t, r.stdout))
	_, bodyJSON, ok := strings.Cut(r.stdout, "would send:\n")
	require.True(t, ok, r.stdout)
	var body ccapi.CreateLayer2Request
	require.NoError(t, json.Unmarshal([]byte(bodyJSON), &body), r.stdout)
	require.Equal(t, "p1", body.PortID)
	require.Equal(t, 100, body.Speed)
	require.Contains(t, r.stdout, "\n  \"portId\": \"p1\",\n", "the body is indented")

	// With --json, the body is inside the result line.
	r = e.run("", "submit", file, "--dry-run", "--json")
	require.Equal(t, exitOK, r.code, r.stderr)
	got = lines(r.stdout)
	require.Len(t, got, 2)
	var end finished
	require.NoError(t, json.Unmarshal([]byte(got[1]), &end))
	require.Equal(t, workflows.StageDryRun, end.Stage)
	require.NotNil(t, end.Request)
	require.Equal(t, "p2", end.Request.DestPortID)

	// A dry run never blocks the real order.
	r = e.run("", "submit", file)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Equal(t, []string{id, workflows.WorkflowID(id)}, fields(lines(r.stdout)[0])[:2])
	require.Equal(t, "started", fields(lines(r.stdout)[0])[3])
}

func TestStatusAndCancel(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("HOLD")
	file := e.file("hold.json", holdOrder(id))

	r := e.run("", "submit", file)
	require.Equal(t, exitOK, r.code, r.stderr)
	runID := fields(lines(r.stdout)[0])[2]

	// The query can come before the first workflow task ran: retry briefly.
	var status result
	require.Eventually(t, func() bool {
		status = e.run("", "status", id, "--json")
		return status.code == exitOK && strings.Contains(status.stdout, `"stage":"awaiting-activation"`)
	}, 20*time.Second, 100*time.Millisecond)
	var view workflows.StatusView
	require.NoError(t, json.Unmarshal([]byte(status.stdout), &view))
	require.Equal(t, workflows.StatusView{OrderID: id, Stage: workflows.StageAwaitingActivation, ConnectionID: "conn-" + id,
		APIStatus: ccapi.StatusPending, Polls: 2}, view)

	text := e.run("", "status", id)
	require.Equal(t, exitOK, text.code, text.stderr)
	require.Regexp(t, `(?m)^orderId\s+`+id+`$`, text.stdout)
	require.Regexp(t, `(?m)^workflowId\s+l2-order-`+id+`$`, text.stdout)
	require.Regexp(t, `(?m)^stage\s+awaiting-activation$`, text.stdout)
	require.Regexp(t, `(?m)^apiStatus\s+PENDING$`, text.stdout)
	require.Regexp(t, `(?m)^polls\s+2$`, text.stdout)

	c := e.run("", "cancel", "--reason", "customer withdrew", id)
	require.Equal(t, exitOK, c.code, c.stderr)
	require.Equal(t, id+"\tl2-order-"+id+"\tcancel requested\n", c.stdout)

	// --wait on the existing order follows it to its end: cancelled is not
	// success.
	w := e.run("", "submit", "--wait", file)
	require.Equal(t, exitFailure, w.code)
	got := lines(w.stdout)
	require.Equal(t, []string{id, workflows.WorkflowID(id), runID, "exists"}, fields(got[0]))
	require.Equal(t, [][]string{{id, "cancelled", "conn-" + id, "-", "customer withdrew"}}, outcomeTable(t, w.stdout))

	// A finished order cannot be cancelled.
	again := e.run("", "cancel", id)
	require.Equal(t, exitFailure, again.code)
	require.Contains(t, again.stderr, "starter: cannot cancel order "+id)
}

func TestStatusOfUnknownOrder(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("NOPE")
	r := e.run("", "status", id)
	require.Equal(t, exitFailure, r.code)
	require.Equal(t, "starter: order "+id+": no such order (no workflow l2-order-"+id+")\n", r.stderr)

	r = e.run("", "history", id)
	require.Equal(t, exitFailure, r.code)
	require.Equal(t, "starter: order "+id+": no such order (no workflow l2-order-"+id+")\n", r.stderr)
}

func TestUnreachableTemporal(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/o.json"
	writeFile(t, file, order("UNREACH1"))
	r := runStarter(t, []string{"TEMPORAL_ADDRESS=127.0.0.1:1"}, "", "submit", file)
	require.Equal(t, exitFailure, r.code)
	require.Contains(t, r.stderr, "starter: connecting to Temporal at 127.0.0.1:1")
	require.Empty(t, r.stdout)
}
