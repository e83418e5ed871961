package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/internal/dev/devserver"
	"github.com/cc-l2/provisioner/internal/intake/intaketest"
	"github.com/cc-l2/provisioner/workflows"
)

// temporalServer is started by the first test that needs it and shared by
// the rest of the package; TestMain stops it.
var temporalServer devserver.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	temporalServer.Stop()
	os.Exit(code)
}

// fakeProvision stands in for the real workflow under workflows.WorkflowName,
// so these tests depend only on the contract (input, result, status query,
// cancel signal), not on the real workflow's timing. The order's name picks
// the behaviour:
//
//	"hold"           wait for the cancel signal, then end cancelled
//	"fail-<Type>"    fail with an ApplicationError of that type
//	"nothing-<Type>" fail so, certainly having ordered nothing (its details
//	                 a StatusView with NothingOrdered, as the real workflow's)
//	anything else    end active at once (or, for a dry run, with a PUT body)
func fakeProvision(ctx workflow.Context, in workflows.Input) (workflows.Result, error) {
	o := in.Order
	view := workflows.StatusView{OrderID: o.OrderID, Stage: workflows.StageValidating}
	if err := workflow.SetQueryHandler(ctx, workflows.QueryStatus, func() (workflows.StatusView, error) {
		return view, nil
	}); err != nil {
		return workflows.Result{}, err
	}
	switch {
	case o.DryRun:
		view.Stage = workflows.StageDryRun
		return workflows.Result{OrderID: o.OrderID, Stage: workflows.StageDryRun, Request: &ccapi.CreateLayer2Request{
			Name: o.OrderID, PortID: o.PortID, DestPortID: o.DestPortID, SpeedMbps: o.SpeedMbps,
			Duration: 1, DurationUnit: "m", PaymentType: "invoice", ClassOfService: "SILVER",
			Type: ccapi.ConnectionTypeLayer2, Evergreen: true,
		}}, nil
	case strings.HasPrefix(o.Name, "fail-"):
		view.Stage = workflows.StageFailed
		return workflows.Result{}, temporal.NewNonRetryableApplicationError("connection ended DENIED: port in use", strings.TrimPrefix(o.Name, "fail-"), nil)
	case strings.HasPrefix(o.Name, "nothing-"):
		view.Stage, view.NothingOrdered, view.Reason = workflows.StageFailed, true, "nothing was ordered: speed exceeds the port's capacity"
		return workflows.Result{}, temporal.NewNonRetryableApplicationError(view.Reason, strings.TrimPrefix(o.Name, "nothing-"), nil, view)
	case o.Name == "hold":
		view.Stage = workflows.StageAwaitingActivation
		view.ConnectionID = "conn-" + o.OrderID
		view.APIStatus = ccapi.StatusPending
		view.Polls = 2
		// As the real workflow does, so that followers see the stage.
		if err := workflow.UpsertTypedSearchAttributes(ctx, workflows.SearchOrderStage.ValueSet(string(view.Stage)),
			workflows.SearchConnectionID.ValueSet(view.ConnectionID)); err != nil {
			return workflows.Result{}, err
		}
		var cancel workflows.CancelRequest
		workflow.GetSignalChannel(ctx, workflows.SignalCancel).Receive(ctx, &cancel)
		view.Stage = workflows.StageCancelled
		view.Reason = cancel.Reason
		return workflows.Result{OrderID: o.OrderID, Stage: workflows.StageCancelled, ConnectionID: view.ConnectionID, Reason: cancel.Reason}, nil
	default:
		view.Stage = workflows.StageActive
		view.ConnectionID = "conn-" + o.OrderID
		view.APIStatus = ccapi.StatusActive
		return workflows.Result{OrderID: o.OrderID, Stage: workflows.StageActive, ConnectionID: view.ConnectionID, APIStatus: ccapi.StatusActive}, nil
	}
}

// testEnv is a dev server, a client, and a worker running fakeProvision on
// a task queue of the test's own.
type testEnv struct {
	t         *testing.T
	server    *devserver.Server
	client    client.Client
	worker    worker.Worker
	taskQueue string
	dir       string
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	srv := temporalServer.Get(t)
	c := srv.Client(t)
	taskQueue := "starter-test-" + uniqueSuffix()
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(fakeProvision, workflow.RegisterOptions{Name: workflows.WorkflowName})
	if err := w.Start(); err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(w.Stop)
	return &testEnv{t: t, server: srv, client: c, worker: w, taskQueue: taskQueue, dir: t.TempDir()}
}

// uniqueSuffix keeps order ids apart across tests sharing one server.
func uniqueSuffix() string { return strconv.FormatInt(time.Now().UnixNano(), 36) }

// orderID is a fresh order id starting with base.
func (e *testEnv) orderID(base string) string { return base + "-" + uniqueSuffix() }

func (e *testEnv) environ(extra ...string) []string {
	return append([]string{
		"TEMPORAL_ADDRESS=" + e.server.HostPort,
		"TEMPORAL_NAMESPACE=" + e.server.Namespace,
		"TEMPORAL_TASK_QUEUE=" + e.taskQueue,
	}, extra...)
}

// file writes content to a file in the test's directory.
func (e *testEnv) file(name, content string) string {
	e.t.Helper()
	path := e.dir + "/" + name
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		e.t.Fatalf("%v", err)
	}
	return path
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs the starter with the test's environment.
func (e *testEnv) run(stdin string, args ...string) result {
	e.t.Helper()
	return runStarter(e.t, e.environ(), stdin, args...)
}

func runStarter(t *testing.T, environ []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	if !slices.ContainsFunc(environ, func(kv string) bool { return strings.HasPrefix(kv, "TEMPORAL_CONFIG_FILE=") }) {
		// No profile of the developer's own Temporal configuration.
		environ = append([]string{"TEMPORAL_CONFIG_FILE=" + os.DevNull}, environ...)
	}
	code := run(ctx, args, environ, strings.NewReader(stdin), &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runStarter(t, nil, "", args...)
			if got, want := r.code, exitOK; got != want {
				t.Fatalf("r.code = %v, want %v", got, want)
			}
			if len(r.stderr) != 0 {
				t.Fatalf("r.stderr = %v, want it empty", r.stderr)
			}
			for _, line := range []string{
				"  starter submit [--wait] [--json] [--dry-run] FILE...\n",
				"  starter status ORDER_ID [--json]\n",
				"  starter cancel ORDER_ID [--reason TEXT]\n",
				"  starter refresh ORDER_ID\n",
				"  starter history ORDER_ID [--run RUN_ID]\n",
				"  starter serve\n",
				"  TEMPORAL_ADDRESS (optional)\n        Temporal frontend host:port (Temporal's own variable); default the profile's, else localhost:7233\n",
				"  --address HOST:PORT   --namespace NAME   --profile NAME   --config-file PATH\n",
				"  STARTER_WEBHOOK_TOKEN (optional)\n",
				"  STARTER_WEBHOOK_SECRET (optional)\n",
				"  STARTER_LISTEN_ADDR (default \"127.0.0.1:8090\")\n",
				"  LOG_LEVEL (default \"warn\")\n",
				"  LOG_FORMAT (default \"console\")\n",
			} {
				if s, sub := r.stdout, line; !strings.Contains(s, sub) {
					t.Fatalf("%q does not contain %q", s, sub)
				}
			}
		})
	}

	r := runStarter(t, nil, "")
	if got, want := r.code, exitUsage; got != want {
		t.Fatalf("r.code = %v, want %v", got, want)
	}
	if s, sub := r.stderr, "Usage:"; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}

	r = runStarter(t, nil, "", "launch")
	if got, want := r.code, exitUsage; got != want {
		t.Fatalf("r.code = %v, want %v", got, want)
	}
	if got, want := r.stderr, "starter: unknown command \"launch\" (see starter -h)\n"; got != want {
		t.Fatalf("r.stderr = %v, want %v", got, want)
	}
}

func TestCommandUsage(t *testing.T) {
	tests := []struct {
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr string
	}{
		{args: []string{"submit", "-h"}, wantStdout: []string{"Usage: starter submit [--wait] [--json] [--dry-run] FILE...\n", "  --wait\n", "  --json\n", "  --dry-run\n"}},
		{args: []string{"help", "cancel"}, wantStdout: []string{"Usage: starter cancel ORDER_ID [--reason TEXT]\n", "  --reason string\n"}},
		{args: []string{"history", "--help"}, wantStdout: []string{"  --run string\n"}},
		{args: []string{"submit"}, wantCode: exitUsage, wantStderr: "starter submit: no FILE given\nUsage: starter submit [--wait] [--json] [--dry-run] FILE... (see starter submit -h)\n"},
		{args: []string{"submit", "--later", "x.json"}, wantCode: exitUsage, wantStderr: "starter submit: flag provided but not defined: -later\nUsage: starter submit [--wait] [--json] [--dry-run] FILE... (see starter submit -h)\n"},
		{args: []string{"status"}, wantCode: exitUsage, wantStderr: "starter status: ORDER_ID is required\nUsage: starter status ORDER_ID [--json] (see starter status -h)\n"},
		{args: []string{"status", "A", "B"}, wantCode: exitUsage, wantStderr: "starter status: unexpected argument \"B\"\nUsage: starter status ORDER_ID [--json] (see starter status -h)\n"},
		{args: []string{"cancel", "A", "--reason"}, wantCode: exitUsage, wantStderr: "starter cancel: flag needs an argument: -reason\nUsage: starter cancel ORDER_ID [--reason TEXT] (see starter cancel -h)\n"},
		{args: []string{"cancel", "A", "--reason", strings.Repeat("r", 501)}, wantCode: exitUsage, wantStderr: "starter cancel: --reason: reason is 501 bytes; at most 500\nUsage: starter cancel ORDER_ID [--reason TEXT] (see starter cancel -h)\n"},
		{args: []string{"serve", "now"}, wantCode: exitUsage, wantStderr: "starter serve: unexpected argument \"now\"\nUsage: starter serve (see starter serve -h)\n"},
		{args: []string{"help", "launch"}, wantCode: exitUsage, wantStderr: "starter: unknown command \"launch\" (see starter -h)\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runStarter(t, nil, "", tt.args...)
			if got, want := r.code, tt.wantCode; got != want {
				t.Fatalf("r.code = %v, want %v (%v)", got, want, r.stderr)
			}
			if got, want := r.stderr, tt.wantStderr; got != want {
				t.Fatalf("r.stderr = %v, want %v", got, want)
			}
			for _, want := range tt.wantStdout {
				if s, sub := r.stdout, want; !strings.Contains(s, sub) {
					t.Fatalf("%q does not contain %q", s, sub)
				}
			}
		})
	}
}

// Flags may come before, between or after the positional arguments, with
// one dash or two; "-" is standard input; "--" ends the flags.
func TestFlagsAnywhere(t *testing.T) {
	tests := []struct {
		args           []string
		wantPositional []string
		wantWait       bool
		wantReason     string
	}{
		{args: []string{"submit", "a.json", "--wait"}, wantPositional: []string{"a.json"}, wantWait: true},
		{args: []string{"submit", "--wait", "a.json", "b.json"}, wantPositional: []string{"a.json", "b.json"}, wantWait: true},
		{args: []string{"submit", "a.json", "-", "-wait", "b.json"}, wantPositional: []string{"a.json", "-", "b.json"}, wantWait: true},
		{args: []string{"cancel", "--reason", "dup ticket", "A"}, wantPositional: []string{"A"}, wantReason: "dup ticket"},
		{args: []string{"cancel", "-reason=x", "a"}, wantPositional: []string{"a"}, wantReason: "x"},
		{args: []string{"submit", "a", "--", "--wait"}, wantPositional: []string{"a", "--wait"}},
		{args: []string{"submit", "-wait=false", "a"}, wantPositional: []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			root := (&app{}).rootCommand()
			cmd, rest, err := root.Find(tt.args)
			if err != nil {
				t.Fatalf("%v", err)
			}
			if err := cmd.ParseFlags(longFlagsWithOneDash(root, rest)); err != nil {
				t.Fatalf("%v", err)
			}
			if got, want := cmd.Flags().Args(), tt.wantPositional; !reflect.DeepEqual(got, want) {
				t.Fatalf("cmd.Flags().Args() = %v, want %v", got, want)
			}
			if f := cmd.Flags().Lookup("wait"); f != nil {
				if got, want := f.Value.String(), fmt.Sprint(tt.wantWait); got != want {
					t.Fatalf("f.Value.String() = %v, want %v", got, want)
				}
			}
			if f := cmd.Flags().Lookup("reason"); f != nil {
				if got, want := f.Value.String(), tt.wantReason; got != want {
					t.Fatalf("f.Value.String() = %v, want %v", got, want)
				}
			}
		})
	}
}

func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := runStarter(t, nil, "", "completion", shell)
		if got, want := r.code, exitOK; got != want {
			t.Fatalf("r.code = %v, want %v (%v)", got, want, r.stderr)
		}
		if s, sub := r.stdout, "starter"; !strings.Contains(s, sub) {
			t.Fatalf("%q does not contain %q", s, sub)
		}
		if len(r.stdout) <= 1000 {
			t.Fatalf("len(r.stdout) = %v, not above 1000", len(r.stdout))
		}
	}
	r := runStarter(t, nil, "", "completion", "tcsh")
	if got, want := r.code, exitUsage; got != want {
		t.Fatalf("r.code = %v, want %v", got, want)
	}
	if s, sub := r.stderr, `unknown shell "tcsh"`; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name       string
		environ    []string
		args       []string
		wantStderr string
	}{
		{name: "bad level", environ: []string{"LOG_LEVEL=chatty"}, args: []string{"status", "A"},
			wantStderr: "starter: invalid configuration: LOG_LEVEL: invalid log level \"chatty\": want one of debug, info, warn, error\n"},
		{name: "cert without key", environ: []string{"TEMPORAL_TLS_CERT=c.pem", "LOG_FORMAT=yaml"}, args: []string{"history", "A"},
			wantStderr: "starter: invalid configuration: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be given together; LOG_FORMAT: invalid log format \"yaml\": want one of json, console\n"},
		{name: "serve needs a token", environ: nil, args: []string{"serve"},
			wantStderr: "starter: invalid configuration: serve needs STARTER_WEBHOOK_TOKEN, STARTER_WEBHOOK_SECRET or STARTER_WEBHOOK_BASIC_USER and _PASSWORD (or several)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runStarter(t, tt.environ, "", tt.args...)
			if got, want := r.code, exitUsage; got != want {
				t.Fatalf("r.code = %v, want %v", got, want)
			}
			if got, want := r.stderr, tt.wantStderr; got != want {
				t.Fatalf("r.stderr = %v, want %v", got, want)
			}
		})
	}
}

// fields splits a text result line.
func fields(line string) []string { return strings.Split(line, "\t") }

// outcomeTable returns the rows of the outcome table that `submit --wait`
// prints after a blank line, each split into its aligned columns.
// jsonEvents are the lines of out whose "event" is kind.
func jsonEvents(t *testing.T, out, kind string) []string {
	t.Helper()
	var matching []string
	for _, line := range lines(out) {
		var e struct {
			Event string `json:"event"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %q is not JSON: %v", line, err)
		}
		if e.Event == kind {
			matching = append(matching, line)
		}
	}
	return matching
}

func outcomeTable(t *testing.T, out string) [][]string {
	t.Helper()
	_, table, ok := strings.Cut(out, "\n\n")
	if !ok {
		t.Fatalf("no outcome table in %q", out)
	}
	rows := lines(table)
	if got, want := columns(rows[0]), ([]string{"ORDER", "OUTCOME", "CONNECTION", "API STATUS", "DETAIL"}); !reflect.DeepEqual(got, want) {
		t.Fatalf("columns(rows[0]) = %v, want %v", got, want)
	}
	var cells [][]string
	for _, row := range rows[1:] {
		if row == "" {
			break // a dry run's PUT body follows the table
		}
		cells = append(cells, columns(row))
	}
	return cells
}

// columns splits a row of an aligned table: columns are two or more spaces apart.
func columns(row string) []string {
	return regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(row), -1)
}

var runIDPattern = regexp.MustCompile(`^[0-9a-f-]{36}$`)

func requireRunID(t *testing.T, runID string) {
	t.Helper()
	if !runIDPattern.MatchString(runID) {
		t.Fatalf("run id %q is not a UUID", runID)
	}
}

// eventually retries cond every 100ms until it holds, or fails the test
// after within.
func eventually(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still not so after %v", within)
		}
	}
}

// lines splits output into lines, dropping the final newline.
func lines(out string) []string {
	out = strings.TrimSuffix(out, "\n")
	if out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}

func ndjson(orders ...string) string { return strings.Join(orders, "\n") + "\n" }

func holdOrder(id string) string { return order(id, `"name":"hold"`) }

func failOrder(id, errorType string) string {
	return order(id, fmt.Sprintf(`"name":"fail-%s"`, errorType))
}

// order is a valid port-to-port order as JSON, with extra fields merged in.
var order = intaketest.Order

// TestReadOrderFiles checks the submit rule: one invalid order keeps its
// whole file from starting, while other files still go.
func TestReadOrderFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := dir + "/" + name
		writeFile(t, path, content)
		return path
	}
	good := write("good.json", "["+order("G1")+","+order("G2")+"]")
	mixed := write("mixed.json", order("M1")+"\n"+order("M2", `"speed":0`)+"\n")
	dup := write("dup.json", order("D1")+"\n"+order("G1")+"\n")
	spreadsheet := write("sheet.csv", "orderId,company,portId,destPortId,speed\nC1,acme,p1,p2,10\n")

	var stderr strings.Builder
	a := &app{stdin: strings.NewReader(order("S1")), stderr: &stderr}
	valid, anyInvalid := a.readOrderFiles([]string{good, mixed, "-", dup, dir + "/missing.json", spreadsheet})
	if !anyInvalid {
		t.Fatal("anyInvalid is false")
	}
	var sources []string
	for _, f := range valid {
		sources = append(sources, f.source)
	}
	if got, want := sources, ([]string{good, "stdin", spreadsheet}); !reflect.DeepEqual(got, want) {
		t.Fatalf("sources = %v, want %v", got, want)
	}
	if n := len(valid[0].orders); n != 2 {
		t.Fatalf("len(valid[0].orders) = %d, want 2", n)
	}
	out := stderr.String()
	if s, sub := out, mixed+`: order 2 (line 2, orderId "M2"): invalid order "M2": speed must be greater than 0 Mbps (got 0)`+"\n"; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
	if s, sub := out, mixed+": nothing started from this file\n"; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
	if s, sub := out, dup+`: order 2 (line 2, orderId "G1"): duplicate orderId "G1": already given as order 1 (line 1) of `+good+"\n"; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
	if s, sub := out, dup+": nothing started from this file\n"; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
	if s, sub := out, "missing.json"; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("%v", err)
	}
}

// Both spellings print the binary's version: its module version and the
// revision it was built from.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := runStarter(t, nil, "", args...)
		if r.code != exitOK || !strings.HasPrefix(r.stdout, "starter ") || !strings.Contains(r.stdout, "go1.") {
			t.Errorf("starter %v: %d %q %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

// The starter reaches Temporal as the Temporal CLI does: a profile of
// Temporal's configuration file, Temporal's variables (TLS included: never
// plain text in their place), and --address, --namespace, --profile on top.
func TestTemporalConnectionTheCLIWay(t *testing.T) {
	srv := temporalServer.Get(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "temporal.toml")
	writeFile(t, file, "[profile.test]\naddress = \""+srv.HostPort+"\"\nnamespace = \""+srv.Namespace+"\"\n")
	unreachable := "TEMPORAL_ADDRESS=127.0.0.1:1"
	tests := []struct {
		name     string
		environ  []string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"--address over TEMPORAL_ADDRESS", []string{unreachable}, []string{"--address", srv.HostPort, "list", "--limit", "1"}, exitOK, ""},
		{"a profile by --profile", []string{"TEMPORAL_CONFIG_FILE=" + file}, []string{"list", "--profile", "test", "--limit", "1"}, exitOK, ""},
		{"a profile by TEMPORAL_PROFILE", []string{"TEMPORAL_CONFIG_FILE=" + file, "TEMPORAL_PROFILE=test"}, []string{"list", "--limit", "1"}, exitOK, ""},
		{"--address over the profile", []string{"TEMPORAL_CONFIG_FILE=" + file, "TEMPORAL_PROFILE=test"}, []string{"list", "--address", "127.0.0.1:1", "--limit", "1"}, exitFailure, "127.0.0.1:1"},
		{"an unknown profile", []string{"TEMPORAL_CONFIG_FILE=" + file}, []string{"list", "--profile", "nope"}, exitFailure, "nope"},
		{"the CLI's TLS variables are honoured", []string{"TEMPORAL_ADDRESS=" + srv.HostPort,
			"TEMPORAL_TLS_CLIENT_CERT_PATH=" + filepath.Join(dir, "no-cert.pem"), "TEMPORAL_TLS_CLIENT_KEY_PATH=" + filepath.Join(dir, "no-key.pem")},
			[]string{"list", "--limit", "1"}, exitFailure, "no-cert.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runStarter(t, tt.environ, "", tt.args...)
			if r.code != tt.wantCode || !strings.Contains(r.stderr, tt.wantErr) {
				t.Errorf("starter %v: %d %q, want %d naming %q", tt.args, r.code, r.stderr, tt.wantCode, tt.wantErr)
			}
		})
	}
}
