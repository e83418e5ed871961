package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/internal/intake"
	model "github.com/cc-l2/provisioner/order" // the tests' order helper has the name order
	"github.com/cc-l2/provisioner/workflows"
)

// Outcomes of starting an order.
const (
	outcomeStarted = "started" // a new workflow runs the order
	outcomeExists  = "exists"  // the order's workflow was started before (running or finished)
	outcomeError   = "error"   // Temporal refused or could not be reached
)

// workflowStarter is the part of client.Client that starting orders needs.
type workflowStarter interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
	// GetWorkflow reads how an earlier run ended, to tell whether the order
	// may be submitted again.
	GetWorkflow(ctx context.Context, workflowID, runID string) client.WorkflowRun
}

// starter starts orders as workflows. The CLI's submit and the webhook
// share it, so both name, deduplicate and start orders the same way.
type starter struct {
	temporal  workflowStarter
	taskQueue string
	now       func() time.Time // for dry-run workflow ids
	// retryWait is the pause before the n-th retry of a start (from 1).
	retryWait func(n int) time.Duration
}

func newStarter(temporal workflowStarter, taskQueue string) *starter {
	return &starter{temporal: temporal, taskQueue: taskQueue, now: time.Now,
		retryWait: func(n int) time.Duration { return time.Duration(1<<(n-1)) * time.Second }}
}

// newSubmitID is a random id for one submission (a submit, a webhook
// request). The workflows it starts carry it in their memo, so that a
// start retried after a lost answer knows its own.
func newSubmitID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// started is what starting one order gave.
type started struct {
	OrderID    string `json:"orderId"`
	WorkflowID string `json:"workflowId"`
	RunID      string `json:"runId"`
	Outcome    string `json:"outcome"`
	Error      string `json:"error,omitempty"`
	DryRun     bool   `json:"dryRun,omitempty"`
}

// isDryRun says whether an order runs as a dry run: asked for by the
// caller (--dry-run) or by the order itself.
func isDryRun(o model.Order, forced bool) bool { return forced || o.DryRun }

// workflowID is the order's workflow id. A dry run gets an id of its own,
// unique per attempt, so it never occupies (and, with REJECT_DUPLICATE,
// forever blocks) the real order's id.
func (s *starter) workflowID(o model.Order, dryRun bool) string {
	if dryRun {
		return fmt.Sprintf("l2-dryrun-%s-%d", o.OrderID, s.now().UnixNano())
	}
	return workflows.WorkflowID(o.OrderID)
}

// start starts one validated order. The order goes as given: the workflow
// applies the defaults, so the history shows what was asked for. A second
// start of the same order finds the first workflow, running or finished,
// and reports "exists" with its run id; that is not an error. The one
// exception is an order whose latest run ended certain that nothing was
// ordered (a failed pre-check, an order invalid after start): submitted
// again, corrected, it starts a new run under the same workflow id (see
// resubmit).
func (s *starter) start(ctx context.Context, o model.Order, forceDryRun bool, submitID string) started {
	dryRun := isDryRun(o, forceDryRun)
	if dryRun {
		o.DryRun = true
	}
	result := started{OrderID: o.OrderID, WorkflowID: s.workflowID(o, dryRun), DryRun: dryRun}
	options := client.StartWorkflowOptions{
		ID:        result.WorkflowID,
		TaskQueue: s.taskQueue,
		// A finished order is not run again: its connection may exist and
		// ordering again would double it (resubmittable says when not).
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		// So that starter list finds it before its first workflow task.
		TypedSearchAttributes: workflows.StartSearchAttributes(o),
		Memo:                  map[string]any{memoSubmitID: submitID},
	}
	run, err := s.execute(ctx, options, o)
	if err == nil {
		result.RunID, result.Outcome = run.GetRunID(), outcomeStarted
		return result
	}
	info, done := s.existing(ctx, &result, err, submitID)
	if done || !s.resubmittable(ctx, info) {
		return result
	}
	// The latest run ordered nothing, for certain: start a new one. Only a
	// run that ended failed or cancelled may be followed (the reuse
	// policy), and only while none runs (the conflict policy): of two
	// resubmissions at once one starts, the other finds it.
	options.WorkflowIDReusePolicy = enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY
	if run, err = s.execute(ctx, options, o); err == nil {
		result.RunID, result.Outcome, result.Error = run.GetRunID(), outcomeStarted, ""
		return result
	}
	_, _ = s.existing(ctx, &result, err, submitID)
	return result
}

// execute starts the workflow, trying again a start the server did not
// answer.
func (s *starter) execute(ctx context.Context, options client.StartWorkflowOptions, o model.Order) (client.WorkflowRun, error) {
	for attempt := 1; ; attempt++ {
		attemptCtx, cancel := context.WithTimeout(ctx, startAttemptTimeout)
		run, err := s.temporal.ExecuteWorkflow(attemptCtx, options, workflows.WorkflowType(o), workflows.Input{Order: o})
		cancel()
		if err == nil || attempt == startAttempts || ctx.Err() != nil || !retryableStart(err) {
			return run, err
		}
		select {
		case <-ctx.Done():
		case <-time.After(s.retryWait(attempt)):
		}
	}
}

// existing fills result for a start that failed with err: an error, or the
// workflow that holds the id, which is "started" when its memo carries
// submitID (an attempt of ours whose answer was lost) and "exists"
// otherwise. done says the result is final; else info is the latest run,
// which ended or runs under someone else's submit.
func (s *starter) existing(ctx context.Context, result *started, err error, submitID string) (info *workflowpb.WorkflowExecutionInfo, done bool) {
	var exists *serviceerror.WorkflowExecutionAlreadyStarted
	if !errors.As(err, &exists) {
		result.Outcome, result.Error = outcomeError, fmt.Sprintf("starting workflow %s: %v", result.WorkflowID, err)
		return nil, true
	}
	desc, err := s.temporal.DescribeWorkflowExecution(ctx, result.WorkflowID, "")
	if err != nil {
		result.RunID, result.Outcome = exists.RunId, outcomeExists
		if result.RunID == "" {
			result.Outcome, result.Error = outcomeError, fmt.Sprintf("workflow %s exists but describing it failed: %v", result.WorkflowID, err)
		}
		return nil, true
	}
	info = desc.GetWorkflowExecutionInfo()
	result.RunID, result.Outcome = info.GetExecution().GetRunId(), outcomeExists
	var by string
	if p := info.GetMemo().GetFields()[memoSubmitID]; p != nil && converter.GetDefaultDataConverter().FromPayload(p, &by) == nil && by == submitID {
		result.Outcome = outcomeStarted
		return info, true
	}
	return info, false
}

// resubmittable reports whether the run ended certain that nothing was
// ordered: it failed, or was cancelled by Temporal, and its failure's
// details, the order's StatusView, say NothingOrdered. Any other end
// (active, withdrawn after the PUT, OutcomeUnknown, terminated) may have
// left a connection, and ordering again could double it.
func (s *starter) resubmittable(ctx context.Context, info *workflowpb.WorkflowExecutionInfo) bool {
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
	default:
		return false
	}
	execution := info.GetExecution()
	err := s.temporal.GetWorkflow(ctx, execution.GetWorkflowId(), execution.GetRunId()).Get(ctx, nil)
	var (
		view     workflows.StatusView
		appErr   *temporal.ApplicationError
		canceled *temporal.CanceledError
	)
	switch {
	case errors.As(err, &appErr):
		return appErr.HasDetails() && appErr.Details(&view) == nil && view.NothingOrdered
	case errors.As(err, &canceled):
		return canceled.HasDetails() && canceled.Details(&view) == nil && view.NothingOrdered
	}
	return false
}

// Starting one order: each attempt may take startAttemptTimeout; an
// attempt that failed for want of an answer (the server busy or
// unreachable) is tried again, up to startAttempts in all.
const (
	startAttempts       = 5
	startAttemptTimeout = 20 * time.Second
	memoSubmitID        = "submitId"
)

// retryableStart reports whether a failed start may succeed if tried
// again: the server was unavailable, overloaded or did not answer in time.
// A refusal (bad argument, no such namespace, no permission) is final.
func retryableStart(err error) bool {
	var (
		unavailable *serviceerror.Unavailable
		exhausted   *serviceerror.ResourceExhausted
		deadline    *serviceerror.DeadlineExceeded
	)
	return errors.As(err, &unavailable) || errors.As(err, &exhausted) || errors.As(err, &deadline) ||
		errors.Is(err, context.DeadlineExceeded)
}

// orderFile is a source whose orders are all valid.
type orderFile struct {
	source string
	orders []intake.Order
}

// submitOptions are submit's flags.
type submitOptions struct {
	wait, asJSON, dryRun bool
	parallel             int
}

func (a *app) submitCommand() *cobra.Command {
	var opts submitOptions
	cmd := &cobra.Command{
		Use:   "submit [--wait] [--json] [--dry-run] FILE...",
		Short: `start one workflow per order read from each FILE ("-" for standard input)`,
		Long: `Reads orders from each FILE ("-" for standard input): one JSON object, a JSON
array of objects, one object per line, or CSV with a header row naming the
fields (a .csv file, or anything that does not start with { or [). Field
names match exactly and unknown fields are errors. Every order is checked
before anything starts; a file with any invalid order, or with an orderId
given earlier in the same submit, starts nothing. Each valid order starts
workflow l2-order-<orderId>. An order started before, running or finished,
is reported as "exists" with its run id and is never run again, unless it
ended certain that nothing was ordered (a failed pre-check): then it starts
again, corrected, as a new run of the same workflow id.

Starts up to --parallel orders at once, each tried again (up to 5 times) when
the server does not answer; a retry that finds the workflow its lost attempt
started reports it as started. Prints one line per order, in the files'
order: orderId, workflowId, runId, and started, exists or error; on a
terminal a progress line on stderr, and at the end, when any order did not
start, a line naming every one (exit status 1).
With --wait, follows the orders live: a line with the time whenever an
order's stage or connection changes and when it ends, then a table of how
each ended (stage, connection id and API status, or failure type and
reason). With --json, every line is one JSON object whose "event" is
started, stage or ended. Output has no control characters; on a terminal
times are shown as the time of day, elsewhere in full (RFC 3339).`,
		RunE: func(cmd *cobra.Command, files []string) error {
			if len(files) == 0 {
				return a.usageError(cmd, "no FILE given")
			}
			return exitCode(a.submit(cmd.Context(), files, opts))
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.wait, "wait", false, "follow every order until it ends, printing each change of stage, then how each ended")
	f.IntVar(&opts.parallel, "parallel", defaultParallel, "starts in flight at once; a start the server did not answer is tried again, up to 5 times")
	f.BoolVar(&opts.asJSON, "json", false, "print one JSON object per line instead of text")
	f.BoolVar(&opts.dryRun, "dry-run", false, "run every check and print the Layer 2 PUT body each order would send, ordering nothing\n        (workflow l2-dryrun-<orderId>-<unix nanos>; implies --wait)")
	return cmd
}

// submit starts every order of the files and, with --wait, follows them.
func (a *app) submit(ctx context.Context, files []string, opts submitOptions) int {
	cfg, logger, err := a.setup(nil)
	if err != nil {
		return exitUsage
	}
	defer func() { _ = logger.Sync() }()

	valid, anyInvalid := a.readOrderFiles(files)
	exit := exitOK
	if anyInvalid {
		exit = exitFailure
	}
	if len(valid) == 0 {
		return exit
	}

	temporal, err := a.dial(ctx, cfg, logger)
	if err != nil {
		return exitFailure
	}
	defer temporal.Close()

	var orders []model.Order
	for _, file := range valid {
		for _, so := range file.orders {
			orders = append(orders, so.Order)
		}
	}
	s := newStarter(temporal, cfg.TaskQueue)
	out := newPrinter(a.stdout, opts.asJSON)
	progress := newStartProgress(a.stderr, len(orders))
	var toWait []started
	for _, result := range s.startAll(ctx, orders, opts.dryRun, opts.parallel, func(r started) {
		out.started(r)
		progress.add(r)
	}) {
		if result.Outcome == outcomeError {
			exit = exitFailure
			continue
		}
		if opts.wait || result.DryRun {
			toWait = append(toWait, result)
		}
	}
	progress.finish()
	for _, f := range follow(ctx, temporal, toWait, followEvery(len(toWait)), out.stage, out.ended) {
		out.finished(f)
		if !f.succeeded() {
			exit = exitFailure
		}
	}
	out.flush()
	if err := out.err; err != nil {
		fmt.Fprintf(a.stderr, "starter: writing results: %v\n", err)
		return exitFailure
	}
	return exit
}

// readOrderFiles reads and checks every file before anything is started,
// printing every problem. It returns the files whose orders are all
// valid, and whether any order or file was not.
func (a *app) readOrderFiles(names []string) (valid []orderFile, anyInvalid bool) {
	seen := intake.Seen{}
	for _, name := range names {
		source, data, err := intake.ReadSource(name, a.stdin)
		if err != nil {
			fmt.Fprintf(a.stderr, "%v\n", err)
			anyInvalid = true
			continue
		}
		orders, errs := seen.Read(source, data, intake.Guess)
		if len(errs) > 0 {
			for _, e := range errs {
				fmt.Fprintln(a.stderr, e)
			}
			fmt.Fprintf(a.stderr, "%s: nothing started from this file\n", source)
			anyInvalid = true
			continue
		}
		valid = append(valid, orderFile{source: source, orders: orders})
	}
	return valid, anyInvalid
}

// printer writes results as text or JSON lines, remembering the first
// write error. Text is lines of tab-separated fields, then, after a blank
// line, a table; JSON is one object per line, each with an "event":
// started, stage or ended. Neither has control characters but tab and
// newline.
type printer struct {
	w          io.Writer
	asJSON     bool
	timeFormat string // of the live lines of text
	err        error
	table      []finished // text mode: rows of the outcome table
}

// newPrinter writes to w. On a terminal live lines show the time of day;
// elsewhere (a log file, CI) the full time.
func newPrinter(w io.Writer, asJSON bool) *printer {
	format := time.RFC3339
	if isTerminal(w) {
		format = time.TimeOnly
	}
	return &printer{w: w, asJSON: asJSON, timeFormat: format}
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *printer) jsonLine(v any) {
	line, err := json.Marshal(v)
	if err != nil {
		p.err = err
		return
	}
	p.printf("%s\n", line)
}

// started prints "orderId workflowId runId outcome", tab-separated.
func (p *printer) started(s started) {
	if p.asJSON {
		p.jsonLine(struct {
			Event string `json:"event"`
			started
		}{"started", s})
		return
	}
	runID := s.RunID
	if runID == "" {
		runID = "-"
	}
	line := strings.Join([]string{s.OrderID, s.WorkflowID, runID, s.Outcome}, "\t")
	if s.Error != "" {
		line += "\t" + s.Error
	}
	p.printf("%s\n", line)
}

// stage prints an order's move to a stage as it is seen:
// "time  orderId  stage  [connectionId]".
func (p *printer) stage(c stageChange) {
	if p.asJSON {
		p.jsonLine(struct {
			Event string `json:"event"`
			stageChange
		}{"stage", c})
		return
	}
	p.live(c.Time, c.OrderID, string(c.Stage), c.ConnectionID, "")
}

// ended prints an order's end as it happens:
// "time  orderId  stage  [connectionId]  (ended[: detail])".
func (p *printer) ended(f finished) {
	if p.asJSON {
		p.jsonLine(struct {
			Event string `json:"event"`
			finished
		}{"ended", f})
		return
	}
	detail := "(ended)"
	if d := f.detail(); d != "" {
		detail = "(ended: " + d + ")"
	}
	p.live(time.Now(), f.OrderID, string(f.Stage), f.ConnectionID, detail)
}

func (p *printer) live(at time.Time, fields ...string) {
	line := at.Format(p.timeFormat)
	for _, f := range fields {
		if f != "" {
			line += "  " + oneLine(f)
		}
	}
	p.printf("%s\n", line)
}

// oneLine keeps a field on its line: an API's reason may span several.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// finished records how an order ended, for the outcome table that flush
// prints; in JSON the ended event has said it all.
func (p *printer) finished(f finished) {
	if !p.asJSON {
		p.table = append(p.table, f)
	}
}

// flush prints the outcome table, one aligned row per order, then the PUT
// body of every dry run as indented JSON.
func (p *printer) flush() {
	if p.asJSON || len(p.table) == 0 {
		return
	}
	orNone := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	tw := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
	p.printf("\n")
	fmt.Fprintln(tw, "ORDER\tOUTCOME\tCONNECTION\tAPI STATUS\tDETAIL")
	for _, f := range p.table {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.OrderID, f.Stage, orNone(f.ConnectionID), orNone(string(f.APIStatus)), oneLine(f.detail()))
	}
	if p.err == nil {
		p.err = tw.Flush()
	}
	for _, f := range p.table {
		if f.Request == nil {
			continue
		}
		body, err := json.MarshalIndent(f.Request, "", "  ")
		if err != nil {
			p.err = err
			return
		}
		p.printf("\nLayer 2 PUT body order %s would send:\n%s\n", f.OrderID, body)
	}
}
