package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/devserver"
	"github.com/cc-l2/provisioner/internal/logging"
	"github.com/cc-l2/provisioner/workflows"
)

// replay replays a history file against wf registered as the provisioning
// workflow.
func replay(t *testing.T, file string, wf any) error {
	t.Helper()
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: workflows.WorkflowName})
	return replayer.ReplayWorkflowHistoryFromJSONFile(logging.Temporal(zap.NewNop()), file)
}

// sleepsFirst is a different workflow: it starts a timer where the
// recorded one did not, so replaying the recorded history must fail.
func sleepsFirst(ctx workflow.Context, in workflows.Input) (workflows.Result, error) {
	if err := workflow.Sleep(ctx, time.Hour); err != nil {
		return workflows.Result{}, err
	}
	return fakeProvision(ctx, in)
}

func TestHistoryReplays(t *testing.T) {
	e := newTestEnv(t)
	active, held := e.orderID("HIST"), e.orderID("HISTHOLD")

	r := e.run("", "submit", "--wait", e.file("active.json", order(active)))
	require.Equal(t, exitOK, r.code, r.stderr)

	// A history with a query, a signal and a cancellation in it.
	r = e.run("", "submit", e.file("held.json", holdOrder(held)))
	require.Equal(t, exitOK, r.code, r.stderr)
	heldRun := fields(lines(r.stdout)[0])[2]
	require.Eventually(t, func() bool { return e.run("", "status", held).code == exitOK }, 20*time.Second, 100*time.Millisecond)
	require.Equal(t, exitOK, e.run("", "cancel", held, "--reason", "test").code)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var res workflows.Result
	require.NoError(t, e.client.GetWorkflow(ctx, workflows.WorkflowID(held), "").Get(ctx, &res))
	require.Equal(t, workflows.StageCancelled, res.Stage)

	tests := []struct {
		name string
		args []string
	}{
		{name: "latest run", args: []string{"history", active}},
		{name: "explicit run, flag first", args: []string{"history", "--run", heldRun, held}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := e.run("", tt.args...)
			require.Equal(t, exitOK, h.code, h.stderr)
			require.Empty(t, h.stderr)
			file := filepath.Join(e.dir, tt.name+".json")
			require.NoError(t, os.WriteFile(file, []byte(h.stdout), 0o600))

			require.NoError(t, replay(t, file, fakeProvision))
			require.Error(t, replay(t, file, sleepsFirst), "a changed workflow must not replay")
		})
	}
}

// TestHistoryMatchesTemporalCLI checks the output against the CLI's own
// `temporal workflow show --output json`.
func TestHistoryMatchesTemporalCLI(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("CLI")
	r := e.run("", "submit", "--wait", e.file("o.json", order(id)))
	require.Equal(t, exitOK, r.code, r.stderr)

	ours := e.run("", "history", id)
	require.Equal(t, exitOK, ours.code, ours.stderr)

	cli, err := devserver.CLIPath()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, cli, "workflow", "show", "--address", e.server.HostPort, "--namespace", e.server.Namespace,
		"--workflow-id", workflows.WorkflowID(id), "--output", "json")
	theirs, err := cmd.Output()
	require.NoError(t, err)

	var want, got any
	require.NoError(t, json.Unmarshal(theirs, &want))
	require.NoError(t, json.Unmarshal([]byte(ours.stdout), &got))
	require.Equal(t, want, got)
}

func TestHistoryUnknownRun(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("RUN")
	r := e.run("", "submit", "--wait", e.file("o.json", order(id)))
	require.Equal(t, exitOK, r.code, r.stderr)

	h := e.run("", "history", id, "--run", "not-a-run-id")
	require.Equal(t, exitFailure, h.code)
	require.Contains(t, h.stderr, "starter: history of order "+id)
	require.Empty(t, h.stdout)
}
