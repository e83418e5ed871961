package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cc-l2/provisioner/internal/intake"
	model "github.com/cc-l2/provisioner/order" // the tests' order helper has the name order
)

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
