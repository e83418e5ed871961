// Command starter submits Layer 2 provisioning orders to Temporal and
// follows them: from files on the command line, or over HTTP from
// ticketing systems (starter serve). Results go to standard output, logs
// and errors to standard error. See `starter -h`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/caarlos0/env/v11"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/config"
	"github.com/cc-l2/provisioner/internal/logging"
	"github.com/cc-l2/provisioner/internal/temporalclient"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // an order was invalid, failed or was cancelled; or Temporal failed
	exitUsage   = 2 // bad command line or configuration
)

func main() {
	os.Exit(runWithSignals())
}

// runWithSignals is main without os.Exit, so the deferred stop runs.
func runWithSignals() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
}

// app is one invocation: its environment and standard streams.
type app struct {
	environ map[string]string
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
}

// command is one subcommand.
type command struct {
	name     string
	synopsis string // usage line after "starter "
	summary  string // one line for the command list
	about    string // paragraph for "starter NAME -h"
	run      func(a *app, ctx context.Context, cmd command, args []string) int
}

func commands() []command {
	return []command{
		{
			name:     "submit",
			synopsis: "submit [--wait] [--json] [--dry-run] FILE...",
			summary:  `start one workflow per order read from each FILE ("-" for standard input)`,
			about: `Reads orders from each FILE ("-" for standard input): one JSON object, a JSON
array of objects, or one object per line. Unknown fields are errors. Every
order is checked before anything starts; a file with any invalid order, or
with an orderId given earlier in the same submit, starts nothing. Each valid
order starts workflow l2-order-<orderId>. An order started before, running or
finished, is reported as "exists" with its run id and is never run again.

Prints one line per order: orderId, workflowId, runId, and started or exists.
With --wait, then one line per order with how it ended: its stage, connection
id and API status, or the failure type and reason.`,
			run: (*app).submit,
		},
		{
			name:     "status",
			synopsis: "status ORDER_ID [--json]",
			summary:  "show where an order is (stage, connection id, API status)",
			about:    `Asks the order's workflow for its status.`,
			run:      (*app).status,
		},
		{
			name:     "cancel",
			synopsis: "cancel ORDER_ID [--reason TEXT]",
			summary:  "stop an order: before ordering it ends; after, its pending connection is deleted",
			about: `Signals the order's workflow to cancel. Before the connection is ordered the
order ends without ordering; after, the pending connection is deleted.`,
			run: (*app).cancel,
		},
		{
			name:     "history",
			synopsis: "history ORDER_ID [--run RUN_ID]",
			summary:  "print an order's workflow history as JSON (as temporal workflow show --output json)",
			about: `Prints the full event history of the order's workflow (the latest run unless
--run is given) as JSON, in the format of temporal workflow show --output json.
worker.NewWorkflowReplayer().ReplayWorkflowHistoryFromJSONFile reads it back.`,
			run: (*app).history,
		},
		{
			name:     "serve",
			synopsis: "serve",
			summary:  "accept orders over HTTP from ticketing systems",
			about: `Serves HTTP on STARTER_LISTEN_ADDR until SIGINT or SIGTERM. Every request needs
"Authorization: Bearer $STARTER_WEBHOOK_TOKEN".

  POST /orders            one order or an array of orders (at most 1 MiB):
                          202 {"orders":[{"orderId","workflowId","runId","outcome"}]}
                          400 {"error":"invalid orders","problems":[{"order","orderId","field","message"}]}
                          when any order is invalid (then nothing is started; "order" counts from 0)
  GET  /orders/{orderId}  200 the order's status; 404 when there is no such order`,
			run: (*app).serve,
		},
	}
}

const usageAbout = `Starts and follows Layer 2 provisioning orders on Temporal.`

const usageExit = `Exit status: 0 on success; 1 when an order was invalid, failed or was
cancelled, or Temporal failed; 2 on a usage or configuration error.`

// writeUsage prints the overall help.
func writeUsage(w io.Writer) error {
	var b strings.Builder
	b.WriteString("Usage:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  starter %s\n", c.synopsis)
	}
	b.WriteString("\n" + usageAbout + "\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-8s  %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun \"starter COMMAND -h\" for a command's flags.\n\n" + usageExit + "\n\nEnvironment:\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	return writeEnvironment(w)
}

func writeEnvironment(w io.Writer) error {
	cfg := defaults()
	vars, err := config.Variables(&cfg)
	if err != nil {
		return err
	}
	return config.WriteVariables(w, vars)
}

// writeCommandUsage prints one command's help and flags.
func writeCommandUsage(w io.Writer, c command, fs *flag.FlagSet) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: starter %s\n\n%s\n", c.synopsis, c.about)
	hasFlags := false
	fs.VisitAll(func(f *flag.Flag) {
		if !hasFlags {
			b.WriteString("\nFlags:\n")
			hasFlags = true
		}
		name := "--" + f.Name
		if !isBoolFlag(f) {
			valueName, _ := flag.UnquoteUsage(f)
			name += " " + valueName
		}
		fmt.Fprintf(&b, "  %s\n        %s\n", name, f.Usage)
	})
	b.WriteString("\nEnvironment: see starter -h.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// run is the whole starter; it returns the exit code.
func run(ctx context.Context, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{environ: env.ToMap(environ), stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		_ = writeUsage(stderr)
		return exitUsage
	}
	switch name := args[0]; name {
	case "-h", "-help", "--help", "help":
		if name == "help" && len(args) > 1 {
			for _, c := range commands() {
				if c.name == args[1] {
					return c.run(a, ctx, c, []string{"-h"})
				}
			}
			fmt.Fprintf(stderr, "starter: unknown command %q (see starter -h)\n", args[1])
			return exitUsage
		}
		if err := writeUsage(stdout); err != nil {
			fmt.Fprintf(stderr, "starter: %v\n", err)
			return exitFailure
		}
		return exitOK
	default:
		for _, c := range commands() {
			if c.name == name {
				return c.run(a, ctx, c, args[1:])
			}
		}
		fmt.Fprintf(stderr, "starter: unknown command %q (see starter -h)\n", name)
		return exitUsage
	}
}

// parseArgs parses a command's flags, which may come before, between or
// after its positional arguments. done is true when the command should
// return code right away: after -h, or on a usage error.
func (a *app) parseArgs(c command, fs *flag.FlagSet, args []string) (positional []string, code int, done bool) {
	fs.SetOutput(io.Discard) // errors are worded below
	positional, err := parseInterspersed(fs, args)
	if err == nil {
		return positional, exitOK, false
	}
	if errors.Is(err, flag.ErrHelp) {
		if err := writeCommandUsage(a.stdout, c, fs); err != nil {
			fmt.Fprintf(a.stderr, "starter: %v\n", err)
			return nil, exitFailure, true
		}
		return nil, exitOK, true
	}
	return nil, a.usageError(c, err.Error()), true
}

// usageError reports a bad command line.
func (a *app) usageError(c command, msg string) int {
	fmt.Fprintf(a.stderr, "starter %s: %s\nUsage: starter %s (see starter %s -h)\n", c.name, msg, c.synopsis, c.name)
	return exitUsage
}

// parseInterspersed lets flags appear anywhere: the flag package stops at
// the first positional argument, so positional arguments are set aside
// first. "-" (standard input) is positional; "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if len(arg) < 2 || arg[0] != '-' {
			positional = append(positional, arg)
			continue
		}
		flags = append(flags, arg)
		name := strings.TrimLeft(arg, "-")
		if strings.Contains(name, "=") {
			continue
		}
		// A flag that takes a value consumes the next argument.
		if f := fs.Lookup(name); f != nil && !isBoolFlag(f) && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	if err := fs.Parse(flags); err != nil {
		return nil, err
	}
	return positional, nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// orderIDArg takes a command's single ORDER_ID argument.
func (a *app) orderIDArg(c command, positional []string) (string, int, bool) {
	switch {
	case len(positional) == 0:
		return "", a.usageError(c, "ORDER_ID is required"), false
	case len(positional) > 1:
		return "", a.usageError(c, fmt.Sprintf("unexpected argument %q", positional[1])), false
	}
	return positional[0], exitOK, true
}

// setup reads the configuration (plus extra checks) and builds the logger.
func (a *app) setup(extra func(Config) []string) (Config, *zap.Logger, bool) {
	cfg, err := loadConfig(a.environ)
	if err == nil && extra != nil {
		var problems *config.Error
		err = problems.Add(extra(cfg)...).Err()
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "starter: invalid configuration: %v\n", err)
		return Config{}, nil, false
	}
	logger, err := logging.NewTo(a.stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil { // loadConfig checked both; kept for safety
		fmt.Fprintf(a.stderr, "starter: invalid configuration: %v\n", err)
		return Config{}, nil, false
	}
	return cfg, logger, true
}

// dial connects to Temporal, reporting failure on stderr.
func (a *app) dial(ctx context.Context, cfg Config, logger *zap.Logger) (client.Client, bool) {
	c, err := temporalclient.Dial(ctx, cfg.Config, logging.Temporal(logger))
	if err != nil {
		fmt.Fprintf(a.stderr, "starter: %v\n", err)
		return nil, false
	}
	return c, true
}

// orderCommand runs the steps status, cancel and history share: parse
// the flags and the one ORDER_ID, read the configuration, connect to
// Temporal, then hand over to run.
func (a *app) orderCommand(ctx context.Context, c command, fs *flag.FlagSet, args []string,
	run func(ctx context.Context, temporal client.Client, orderID string) int) int {
	positional, code, done := a.parseArgs(c, fs, args)
	if done {
		return code
	}
	orderID, code, ok := a.orderIDArg(c, positional)
	if !ok {
		return code
	}
	cfg, logger, ok := a.setup(nil)
	if !ok {
		return exitUsage
	}
	defer func() { _ = logger.Sync() }()
	temporal, ok := a.dial(ctx, cfg, logger)
	if !ok {
		return exitFailure
	}
	defer temporal.Close()
	return run(ctx, temporal, orderID)
}
