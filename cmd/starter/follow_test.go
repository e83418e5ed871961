package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/internal/dev/devserver"
	"github.com/cc-l2/provisioner/workflows"
)

// terminalPipe is standard output as a terminal would be.
type terminalPipe struct{ *io.PipeWriter }

func (terminalPipe) Terminal() bool { return true }

// runLive runs the starter in the background and hands over its output
// line by line as it is written.
func (e *testEnv) runLive(onTerminal bool, args ...string) (<-chan string, <-chan int, *devserver.SyncBuffer) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	e.t.Cleanup(cancel)
	reader, writer := io.Pipe()
	var stdout io.Writer = writer
	if onTerminal {
		stdout = terminalPipe{writer}
	}
	stderr := &devserver.SyncBuffer{}
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, args, e.environ(), strings.NewReader(""), stdout, stderr)
		writer.Close()
	}()
	out := make(chan string)
	go func() {
		defer close(out)
		scanner := bufio.NewScanner(reader)
		for scanner.Scan() {
			out <- scanner.Text()
		}
	}()
	return out, exit, stderr
}

// cancelWhenSeen cancels the held order once a line shows it awaiting
// activation, and returns every line.
func (e *testEnv) cancelWhenSeen(out <-chan string, orderID string, seen func(string) bool) []string {
	e.t.Helper()
	var all []string
	cancelled := false
	for line := range out {
		all = append(all, line)
		if !cancelled && seen(line) {
			cancelled = true
			if err := e.client.SignalWorkflow(context.Background(), workflows.WorkflowID(orderID), "", workflows.SignalCancel,
				workflows.CancelRequest{Reason: "seen live"}); err != nil {
				e.t.Fatalf("%v", err)
			}
		}
	}
	if !cancelled {
		e.t.Fatalf("the order was never seen awaiting activation:\n%s", strings.Join(all, "\n"))
	}
	return all
}

func TestSubmitWaitFollowsStagesAsJSONEvents(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("LIVEJSON")
	out, exit, stderr := e.runLive(true, "submit", "--wait", "--json", e.file("o.json", order(id, `"name":"hold"`)))
	all := e.cancelWhenSeen(out, id, func(line string) bool {
		return strings.Contains(line, `"event":"stage"`) && strings.Contains(line, `"stage":"awaiting-activation"`)
	})
	if code := <-exit; code != exitFailure { // cancelled is not success
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitFailure, stderr.String())
	}
	var kinds []string
	for _, line := range all {
		var e struct {
			Event        string          `json:"event"`
			OrderID      string          `json:"orderId"`
			Stage        workflows.Stage `json:"stage"`
			ConnectionID string          `json:"connectionId"`
			Time         *time.Time      `json:"time"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if e.OrderID != id {
			t.Fatalf("line %q is about another order", line)
		}
		switch e.Event {
		case "stage":
			if e.Time == nil || (e.Stage == workflows.StageAwaitingActivation && e.ConnectionID != "conn-"+id) {
				t.Fatalf("stage event %q", line)
			}
			kinds = append(kinds, "stage "+string(e.Stage))
		case "ended":
			kinds = append(kinds, "ended "+string(e.Stage))
		default:
			kinds = append(kinds, e.Event)
		}
	}
	// The starter's own stage (validating) may or may not be seen first.
	got := strings.Join(kinds, ", ")
	got = strings.Replace(got, "started, stage validating, ", "started, ", 1)
	if want := "started, stage awaiting-activation, ended cancelled"; got != want {
		t.Fatalf("events: %s\nwant:   %s", got, want)
	}
}

func TestSubmitWaitFollowsStagesOnATerminal(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("LIVETTY")
	quoted := regexp.QuoteMeta(id)
	awaiting := regexp.MustCompile(`^\d\d:\d\d:\d\d  ` + quoted + `  awaiting-activation  conn-` + quoted + `$`)
	ended := regexp.MustCompile(`^\d\d:\d\d:\d\d  ` + quoted + `  cancelled  conn-` + quoted + `  \(ended: seen live\)$`)

	out, exit, stderr := e.runLive(true, "submit", "--wait", e.file("o.json", order(id, `"name":"hold"`)))
	all := e.cancelWhenSeen(out, id, awaiting.MatchString)
	if code := <-exit; code != exitFailure {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitFailure, stderr.String())
	}
	text := strings.Join(all, "\n")
	if !slices.ContainsFunc(all, ended.MatchString) {
		t.Fatalf("no line for the end matching %s in:\n%s", ended, text)
	}
	if got := outcomeTable(t, text+"\n"); len(got) != 1 || got[0][0] != id || got[0][1] != "cancelled" {
		t.Fatalf("outcome table %v in:\n%s", got, text)
	}
}

func TestSubmitWaitNotOnATerminalHasNoControlCharacters(t *testing.T) {
	e := newTestEnv(t)
	id := e.orderID("LIVEPIPE")
	stamp := `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)`
	awaiting := regexp.MustCompile(`^` + stamp + `  ` + regexp.QuoteMeta(id) + `  awaiting-activation  conn-`)
	reason := "seen live"

	out, exit, _ := e.runLive(false, "submit", "--wait", e.file("o.json", order(id, `"name":"hold"`)))
	all := e.cancelWhenSeen(out, id, awaiting.MatchString)
	<-exit
	for _, line := range all {
		for _, r := range line {
			if (r < ' ' && r != '\t') || r == 0x7f {
				t.Fatalf("control character %q in line %q", r, line)
			}
		}
	}
	if !strings.Contains(strings.Join(all, "\n"), "(ended: "+reason+")") {
		t.Fatalf("no end line in:\n%s", strings.Join(all, "\n"))
	}
}

func TestFollowEvery(t *testing.T) {
	for _, tt := range []struct {
		orders int
		want   time.Duration
	}{{1, time.Second}, {50, time.Second}, {500, 10 * time.Second}, {5000, 100 * time.Second}} {
		if got := followEvery(tt.orders); got != tt.want {
			t.Errorf("followEvery(%d) = %v, want %v", tt.orders, got, tt.want)
		}
	}
}
