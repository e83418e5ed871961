// Package explore searches the moments random faults rarely hit: it runs
// each workflow type's scenarios in Temporal's test environment, with the
// real activities against a fresh simulator per run, and delivers at every
// workflow-task boundary of the scenario, in turn, each interrupt: a
// cancel signal, a Temporal cancel, a refresh, the activation deadline —
// each also with the wait continuing as new in that same task. Then it
// reconciles the simulator's ledger with the outcome as make chaos does
// (internal/dev/chaos) and checks that every interrupt the workflow accepted
// took effect. It also runs pairs of orders for the same name and port,
// the second started at every boundary of the first.
//
// `make explore` runs it all (cmd/explore); a short fixed version is a Go
// test of this package.
package explore

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/cc-l2/provisioner/workflows"
)

// Config chooses how much to explore.
type Config struct {
	// Short keeps one scenario per type and the pairs' first boundaries.
	Short bool
	// Restarts runs the worker-restart class against a Temporal dev
	// server (bin/temporal): every order scenario with a fresh worker at
	// every workflow task.
	Restarts bool
	// Progress receives a line per scenario; nil for none.
	Progress io.Writer
}

// Violation is one run that broke a promise.
type Violation struct {
	Type, Scenario string
	Boundary       string // "3 (PlaceLayer2Order)", or "-" for a run with no interrupt
	Interrupt      string
	What           string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s | %s | boundary %s | %s | %s", v.Type, v.Scenario, v.Boundary, v.Interrupt, v.What)
}

// Report is what an exploration found.
type Report struct {
	Workflows, Scenarios, Boundaries, Runs int
	Violations                             []Violation
	Took                                   time.Duration
}

// Summary is the one line explorations are compared by.
func (r *Report) Summary() string {
	return fmt.Sprintf("explore: workflows=%d scenarios=%d boundaries=%d runs=%d violations=%d",
		r.Workflows, r.Scenarios, r.Boundaries, r.Runs, len(r.Violations))
}

// Write prints the summary line, then each violating run.
func (r *Report) Write(w io.Writer) error {
	var b strings.Builder
	b.WriteString(r.Summary() + "\n")
	for _, v := range r.Violations {
		b.WriteString(v.String() + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Run explores.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	began := time.Now()
	progress := cfg.Progress
	if progress == nil {
		progress = io.Discard
	}
	srv := newServer()
	defer srv.close()
	x := &explorer{srv: srv, rep: &Report{}, types: map[string]bool{}, want: map[string]string{}, progress: progress}
	for _, s := range orderScenarios(cfg.Short) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err := x.exploreOrder(s); err != nil {
			return nil, fmt.Errorf("%s, %s: %w", s.Type, s.Name, err)
		}
	}
	for _, s := range pairScenarios() {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err := x.explorePair(s); err != nil {
			return nil, fmt.Errorf("%s, %s: %w", s.Type, s.Name, err)
		}
	}
	for _, s := range lockScenarios(cfg.Short) {
		if err := x.exploreLock(s); err != nil {
			return nil, fmt.Errorf("%s, %s: %w", TypeNameLock, s.Name, err)
		}
	}
	for _, s := range callbackScenarios(cfg.Short) {
		if err := x.exploreCallbacks(s); err != nil {
			return nil, fmt.Errorf("%s, %s: %w", TypeCallbacks, s.Name, err)
		}
	}
	if cfg.Restarts {
		if err := x.exploreRestarts(ctx, orderScenarios(cfg.Short), x.want); err != nil {
			return nil, fmt.Errorf("worker restarts: %w", err)
		}
	}
	x.rep.Workflows = len(x.types)
	x.rep.Took = time.Since(began)
	return x.rep, nil
}

type explorer struct {
	srv      *server
	rep      *Report
	types    map[string]bool
	want     map[string]string // each order scenario's outcome without interrupt, for the restart class
	progress io.Writer
}

var requestID = regexp.MustCompile(`request id [A-Za-z0-9]+-[0-9]+`)

// violate records what a run broke. Runs are checked one after the
// other, so what the same run broke is merged into one violation: V counts
// violating runs.
func (x *explorer) violate(v Violation) {
	// The simulator's request ids are random: left out, two explorations
	// of the same code print the same lines.
	v.What = requestID.ReplaceAllString(v.What, "request id *")
	if n := len(x.rep.Violations); n > 0 {
		last := &x.rep.Violations[n-1]
		if last.Type == v.Type && last.Scenario == v.Scenario && last.Boundary == v.Boundary && last.Interrupt == v.Interrupt {
			last.What += "; " + v.What
			return
		}
	}
	x.rep.Violations = append(x.rep.Violations, v)
}

// exploreOrder runs one order scenario: without an interrupt, then with
// each interrupt at each of its boundaries, first as it is and then with
// its waits continuing as new at every read.
func (x *explorer) exploreOrder(s scenario) error {
	x.types[s.Type] = true
	x.rep.Scenarios++
	began := time.Now()
	runs := 0
	for _, can := range []bool{false, true} {
		base, err := x.runOrder(s, can, None, 0, nil)
		if err != nil {
			return err
		}
		runs++
		label := string(None)
		if can {
			label = string(ContinueAsNew)
		}
		x.check(s, base, label, "-")
		x.want[wantKey(s, can)] = describe(base.chain).Label
		n := len(base.trace.events)
		x.rep.Boundaries += n
		for k := 1; k <= n; k++ {
			for _, intr := range Interrupts {
				if intr == Deadline && deadlineAt(base, k) <= 0 {
					continue // before the wait begins, a deadline has no meaning
				}
				r, err := x.runOrder(s, can, intr, k, base)
				if err != nil {
					return err
				}
				runs++
				label := string(intr)
				if can {
					label += "+" + string(ContinueAsNew)
				}
				x.check(s, r, label, fmt.Sprintf("%d (%s)", k, base.trace.events[k-1].Name))
			}
		}
	}
	x.rep.Runs += runs
	fmt.Fprintf(x.progress, "explore: %s, %s: %d runs in %s\n", s.Type, s.Name, runs, time.Since(began).Round(time.Millisecond))
	return nil
}

// orderRun is one run of one order scenario, and what it left behind.
type orderRun struct {
	chain    *chain
	trace    *trace
	world    *world
	deadline time.Time // the order's deadline, for Deadline runs
	waitAt   time.Time // when the order began to wait (from the run without interrupt)
}

func (x *explorer) runOrder(s scenario, can bool, intr Interrupt, k int, base *orderRun) (*orderRun, error) {
	opts := simOptions()
	if s.DecideIn > 0 {
		opts.AutoApproveDelay = s.DecideIn
	}
	w, err := newWorld(x.srv, opts, config(s, can).PutSettleWindow)
	if err != nil {
		return nil, err
	}
	w.sim.SetFaults(s.Faults)
	t := &trace{target: workflows.WorkflowID(s.Order.OrderID), kind: intr, mark: w.readCount}
	cfg := config(s, can)
	r := &orderRun{trace: t, world: w}
	if base != nil {
		r.waitAt = base.waitAt
	}
	switch intr {
	case Deadline:
		d := deadlineAt(base, k)
		cfg.ActivationTimeoutPortToPort, cfg.ActivationTimeoutB2B = d, d
		r.deadline = base.waitAt.Add(d)
	case None:
	default:
		t.at, t.deliver = k, t.deliverer(intr)
	}
	order := s.Order
	if intr == Deadline {
		order.ActivationTimeout = 0 // the worker's, set to land at boundary k
	}
	r.chain = runChain(w, t, cfg, order)
	if base == nil {
		r.waitAt = waitBegins(t.events)
	}
	return r, nil
}

// waitBegins is when an order's wait begins: the answer of the activity
// that ordered, deleted or asked for the change, or the first read of an
// adopted connection.
func waitBegins(events []event) time.Time {
	for _, e := range events {
		switch e.Name {
		case "PlaceLayer2Order", "DecommissionConnection", "RequestSpeedChange", "UpdateSpeed":
			return e.At
		}
	}
	for _, e := range events {
		if e.Name == "ReadConnection" {
			return e.At
		}
	}
	return time.Time{}
}

// deadlineAt is the activation timeout that makes the deadline fall at
// boundary k of the run without interrupt, or 0 before the wait begins.
func deadlineAt(base *orderRun, k int) time.Duration {
	if base.waitAt.IsZero() {
		return 0
	}
	at := base.trace.events[k-1].At
	switch {
	case at.Before(base.waitAt):
		return 0
	case at.Equal(base.waitAt):
		return time.Nanosecond // the deadline is already due when the wait begins
	}
	return at.Sub(base.waitAt)
}
