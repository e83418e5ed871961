package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cc-l2/provisioner/internal/dev/devserver"
	"github.com/cc-l2/provisioner/workflows"
)

// reportName is where the stack test says what it did, or why it was
// skipped: `make test` prints it (go test hides a skip's reason).
const reportName = "stack-test.txt"

// TestStack runs the production stack for real: PostgreSQL, the pinned
// server from the compose configuration, the namespace job; then a
// port-to-port order on worker 1, a server crash (SIGKILL) and restart,
// worker 2 taking over while worker 1 stops, and a business-to-business
// order; both must reach ACTIVE, both workers must have completed
// activities, the schemas must be at the versions the server module
// expects, and SQL visibility must find the orders by their search
// attributes. Skipped, saying why, without PostgreSQL.
func TestStack(t *testing.T) {
	if testing.Short() {
		report(t, "skipped: -short")
		t.Skip("-short")
	}
	if _, err := FindPostgres(); errors.Is(err, ErrNoPostgres) {
		report(t, "skipped: "+err.Error()+"; install PostgreSQL (Debian: apt-get install postgresql) to run it")
		t.Skip(err)
	}
	began := time.Now()
	t.Cleanup(func() {
		if t.Failed() {
			report(t, "FAILED (see the go test output above)")
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	root, err := devserver.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	// Under the module root, not t.TempDir(): the postgres user must be
	// able to enter every parent directory.
	data, err := devserver.DataDir(".data")
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(data, "stack-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Start(ctx, Options{Dir: dir, Progress: testWriter{t}})
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("logs kept in %s", dir)
			return
		}
		_ = os.RemoveAll(dir)
	})
	if err != nil {
		t.Fatal(err)
	}
	up := time.Since(began)
	bin := filepath.Join(dir, "bin")
	if err := Build(bin); err != nil {
		t.Fatal(err)
	}
	apps, err := s.StartApps(ctx, bin, 1, []string{"POLL_INITIAL=500ms", "POLL_MAX=2s", "LOG_LEVEL=warn"})
	t.Cleanup(apps.Stop)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.DialContext(ctx, client.Options{HostPort: s.HostPort(), Namespace: s.Namespace, Logger: quietLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	p2p := startExample(ctx, t, c, root, "01-port-to-port.json")
	// Worker 1 has done some of it when the server crashes.
	waitFor(ctx, t, "the port-to-port order's first activity", func() bool { return len(activityWorkers(ctx, c, p2p)) > 0 })
	s.Server.Stop(true)
	if err := s.Server.Start(ctx); err != nil {
		t.Fatalf("restarting the server: %v", err)
	}
	w2, err := s.AddWorker(apps)
	if err != nil {
		t.Fatal(err)
	}
	apps.Workers[0].Stop() // worker 2 finishes what worker 1 began
	b2b := startExample(ctx, t, c, root, "02-business-to-business.json")

	for _, id := range []string{p2p, b2b} {
		var res workflows.Result
		if err := c.GetWorkflow(ctx, id, "").Get(ctx, &res); err != nil {
			t.Fatalf("order %s: %v", id, err)
		}
		if res.Stage != workflows.StageActive {
			t.Errorf("order %s ended %s (%s); want %s", id, res.Stage, res.Reason, workflows.StageActive)
		}
	}
	done := map[int]int{}
	for _, id := range []string{p2p, b2b} {
		for pid, n := range activityWorkers(ctx, c, id) {
			done[pid] += n
		}
	}
	w1 := apps.Workers[0].Cmd.Process.Pid
	if done[w1] == 0 || done[w2.Cmd.Process.Pid] == 0 {
		t.Errorf("activities completed by worker pid: %v; want some by worker 1 (pid %d) and worker 2 (pid %d)", done, w1, w2.Cmd.Process.Pid)
	}

	// SQL visibility holds the orders' search attributes.
	query := fmt.Sprintf("%s = 'acme' AND %s = '%s'", workflows.SearchCompany.GetName(), workflows.SearchOrderStage.GetName(), workflows.StageActive)
	waitFor(ctx, t, "visibility to list both orders by search attributes", func() bool {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: s.Namespace, Query: query})
		return err == nil && len(resp.GetExecutions()) == 2
	})
	checkSchemaVersions(ctx, t, s)
	if !t.Failed() {
		report(t, fmt.Sprintf("ran: stack up in %s; p2p and b2b ACTIVE across 2 workers (activities by worker: %d and %d) and 1 server crash-restart; whole test %s",
			up.Round(100*time.Millisecond), done[w1], done[w2.Cmd.Process.Pid], time.Since(began).Round(100*time.Millisecond)))
	}
}

// startExample starts one of examples/orders.
func startExample(ctx context.Context, t *testing.T, c client.Client, root, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "examples", "orders", name))
	if err != nil {
		t.Fatal(err)
	}
	var o workflows.Order
	if err := json.Unmarshal(data, &o); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	id := workflows.WorkflowID(o.OrderID)
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: TaskQueue,
		TypedSearchAttributes: workflows.StartSearchAttributes(o)}, workflows.WorkflowType(o), workflows.Input{Order: o}); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	return id
}

// activityWorkers counts the order's completed activities by the pid of
// the worker that ran them (the SDK's identity is pid@host@): activity
// tasks by the worker that started them, local activities (the order's API
// reads) by the worker whose workflow task recorded them.
func activityWorkers(ctx context.Context, c client.Client, id string) map[int]int {
	return CompletedActivities(ctx, c, id, "")
}

func waitFor(ctx context.Context, t *testing.T, what string, ok func() bool) {
	t.Helper()
	for !ok() {
		if ctx.Err() != nil {
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// checkSchemaVersions: both databases are at the versions the server
// module expects (schema/postgresql/v12/version.go), read with the schema
// tool's own table.
func checkSchemaVersions(ctx context.Context, t *testing.T, s *Stack) {
	t.Helper()
	schemaDir, err := SchemaDir(s.Version)
	if err != nil {
		t.Fatal(err)
	}
	history, visibility, err := SchemaVersions(schemaDir)
	if err != nil {
		t.Fatal(err)
	}
	for db, want := range map[string]string{"temporal": history, "temporal_visibility": visibility} {
		got, err := s.DB.Query(ctx, db, "SELECT curr_version FROM schema_version")
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("database %s is at schema %q; server %s expects %q", db, got, s.Version, want)
		}
	}
}

// report writes the test's one line for `make test` to print.
func report(t *testing.T, line string) {
	if err := devserver.WriteReport(reportName, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "stack test (PostgreSQL-backed Temporal, 2 workers): %s\n", line)
		return err
	}); err != nil {
		t.Log(err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
