package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/dev/devserver"
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
	if got, want := r.code, exitOK; got != want {
		t.Fatalf("r.code = %v, want %v (%v)", got, want, r.stderr)
	}

	// A history with a query, a signal and a cancellation in it.
	r = e.run("", "submit", e.file("held.json", holdOrder(held)))
	if got, want := r.code, exitOK; got != want {
		t.Fatalf("r.code = %v, want %v (%v)", got, want, r.stderr)
	}
	heldRun := fields(lines(r.stdout)[0])[2]
	eventually(t, 20*time.Second, func() bool { return e.run("", "status", held).code == exitOK })
	if got, want := e.run("", "cancel", held, "--reason", "test").code, exitOK; got != want {
		t.Fatalf("e.run(\"\", \"cancel\", held, \"--reason\", \"test\").code = %v, want %v", got, want)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var res workflows.Result
	if err := e.client.GetWorkflow(ctx, workflows.WorkflowID(held), "").Get(ctx, &res); err != nil {
		t.Fatalf("%v", err)
	}
	if got, want := res.Stage, workflows.StageCancelled; got != want {
		t.Fatalf("res.Stage = %v, want %v", got, want)
	}

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
			if got, want := h.code, exitOK; got != want {
				t.Fatalf("h.code = %v, want %v (%v)", got, want, h.stderr)
			}
			if len(h.stderr) != 0 {
				t.Fatalf("h.stderr = %v, want it empty", h.stderr)
			}
			file := filepath.Join(e.dir, tt.name+".json")
			if err := os.WriteFile(file, []byte(h.stdout), 0o600); err != nil {
				t.Fatalf("%v", err)
			}

			if err := replay(t, file, fakeProvision); err != nil {
				t.Fatalf("%v", err)
			}
			if replay(t, file, sleepsFirst) == nil {
				t.Fatal("a changed workflow must not replay")
			}
		})
	}
}

// TestHistoryMatchesTemporalCLI checks the output against the CLI's own
// `temporal workflow show --output json`.
func TestHistoryMatchesTemporalCLI(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("CLI")
	r := e.run("", "submit", "--wait", e.file("o.json", order(id)))
	if got, want := r.code, exitOK; got != want {
		t.Fatalf("r.code = %v, want %v (%v)", got, want, r.stderr)
	}

	ours := e.run("", "history", id)
	if got, want := ours.code, exitOK; got != want {
		t.Fatalf("ours.code = %v, want %v (%v)", got, want, ours.stderr)
	}

	cli, err := devserver.CLIPath()
	if err != nil {
		t.Fatalf("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, cli, "workflow", "show", "--address", e.server.HostPort, "--namespace", e.server.Namespace,
		"--workflow-id", workflows.WorkflowID(id), "--output", "json")
	theirs, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v", err)
	}

	var want, got any
	if err := json.Unmarshal(theirs, &want); err != nil {
		t.Fatalf("%v", err)
	}
	if err := json.Unmarshal([]byte(ours.stdout), &got); err != nil {
		t.Fatalf("%v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("starter history differs from temporal workflow show:\n%v\n%v", got, want)
	}
}

func TestHistoryUnknownRun(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("RUN")
	r := e.run("", "submit", "--wait", e.file("o.json", order(id)))
	if got, want := r.code, exitOK; got != want {
		t.Fatalf("r.code = %v, want %v (%v)", got, want, r.stderr)
	}

	h := e.run("", "history", id, "--run", "not-a-run-id")
	if got, want := h.code, exitFailure; got != want {
		t.Fatalf("h.code = %v, want %v", got, want)
	}
	if s, sub := h.stderr, "starter: history of order "+id; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
	if len(h.stdout) != 0 {
		t.Fatalf("h.stdout = %v, want it empty", h.stdout)
	}
}
