// Command worker runs the Temporal worker of Layer 2 provisioning: it polls
// a task queue for ProvisionL2Connection workflows and their activities,
// which call the Console Connect API. It is configured by environment
// variables only (see `worker -h`).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/caarlos0/env/v11"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/internal/config"
	"github.com/cc-l2/provisioner/internal/logging"
	"github.com/cc-l2/provisioner/internal/temporalclient"
	"github.com/cc-l2/provisioner/internal/version"
	"github.com/cc-l2/provisioner/workflows"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // could not connect, or the worker failed
	exitUsage   = 2 // bad flags or configuration
)

func main() {
	os.Exit(runWithSignals())
}

// runWithSignals is main without os.Exit, so the deferred stop runs.
func runWithSignals() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
}

const usageHeader = `Usage: worker [-h] [-healthcheck] [-version]

Runs the Temporal worker of Layer 2 provisioning. It polls TEMPORAL_TASK_QUEUE
for ProvisionL2Connection workflows and their activities, which call the
Console Connect API. On SIGINT or SIGTERM it stops polling, gives running
activities WORKER_SHUTDOWN_TIMEOUT to finish, and exits 0.

Exit status: 0 after a clean shutdown, 1 when Temporal cannot be reached or
the worker fails, 2 on a usage or configuration error.

It serves GET /metrics (Prometheus), /healthz and /readyz on WORKER_HTTP_ADDR.
worker -healthcheck asks a running worker's /readyz and exits 0 when it is
ready, 1 otherwise: a container health check for images without curl.
worker -version prints the module version, the VCS revision the binary was
built from and its Go release.

It reaches Temporal as the Temporal CLI does (go.temporal.io/sdk/contrib/envconfig):
a profile of TEMPORAL_CONFIG_FILE, and Temporal's TEMPORAL_* variables over it,
those below and its others too (TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH,
TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH,
TEMPORAL_TLS_SERVER_NAME, TEMPORAL_GRPC_META_*).

Environment:
`

// writeUsage prints the help text with every variable, its default, and
// whether it is required.
func writeUsage(w io.Writer) error {
	cfg := defaults()
	vars, err := config.Variables(&cfg)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, usageHeader); err != nil {
		return err
	}
	return config.WriteVariables(w, vars)
}

// run is the whole worker; it returns the exit code. It stops when ctx is
// cancelled.
func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("worker", flag.ContinueOnError)
	flags.SetOutput(io.Discard) // we word the errors ourselves
	healthcheck := flags.Bool("healthcheck", false, "")
	showVersion := flags.Bool("version", false, "")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			if err := writeUsage(stdout); err != nil {
				fmt.Fprintf(stderr, "worker: %v\n", err)
				return exitFailure
			}
			return exitOK
		}
		fmt.Fprintf(stderr, "worker: %v (see worker -h)\n", err)
		return exitUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "worker: unexpected argument %q: the worker is configured by environment variables (see worker -h)\n", flags.Arg(0))
		return exitUsage
	}
	if *showVersion {
		fmt.Fprintln(stdout, version.String("worker"))
		return exitOK
	}
	if *healthcheck {
		return checkReady(ctx, env.ToMap(environ), stderr)
	}

	environment := env.ToMap(environ)
	cfg, err := loadConfig(environment)
	if err != nil {
		fmt.Fprintf(stderr, "worker: invalid configuration: %v\n", err)
		return exitUsage
	}
	logger, err := logging.NewTo(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil { // loadConfig checked both; kept for safety
		fmt.Fprintf(stderr, "worker: invalid configuration: %v\n", err)
		return exitUsage
	}
	defer func() { _ = logger.Sync() }()

	if err := serve(ctx, cfg, environment, logger); err != nil {
		if ctx.Err() != nil {
			// Stopped while still starting up: that is a requested stop.
			logger.Info("worker stopped before it started", zap.Error(err))
			return exitOK
		}
		logger.Error("worker failed", zap.Error(err))
		return exitFailure
	}
	return exitOK
}

// serve connects, polls until ctx is cancelled or the worker fails, and
// shuts down. environ is the environment cfg was read from, for Temporal's
// own client variables (temporalclient).
func serve(ctx context.Context, cfg Config, environ map[string]string, logger *zap.Logger) (err error) {
	// The address and namespace as they will be used, a profile's
	// included, in the log below and in the search attributes' check.
	if cfg.Config, err = cfg.Config.Resolve(environ); err != nil {
		return err
	}
	vars, err := config.Variables(&cfg)
	if err != nil {
		return err
	}
	effective := make([]zap.Field, 0, len(vars))
	for _, v := range vars {
		effective = append(effective, zap.String(v.Name, v.Value))
	}
	logger.Info("worker starting", zap.Dict("config", effective...))

	mon, err := newMonitor(cfg.HTTPAddr, logger)
	if err != nil {
		return err
	}
	defer mon.close()

	temporalLogger := logging.Temporal(logger)
	c, err := temporalclient.Dial(ctx, cfg.Config, environ, temporalLogger, temporalclient.WithMetrics(mon.metricsHandler()))
	if err != nil {
		return err
	}
	defer c.Close()
	if err := ensureSearchAttributes(ctx, c, cfg.Namespace, logger); err != nil {
		return err
	}

	api, err := ccapi.NewClient(cfg.CCAPIBaseURL, cfg.CCAPIKey.Reveal(), &http.Client{Timeout: cfg.CCAPITimeout})
	if err != nil {
		return fmt.Errorf("CC_API_BASE_URL: %w", err)
	}
	api.Observe = mon.observeAPI
	api.Limiter = cfg.apiLimiter()

	// The SDK stops the worker itself on a fatal error (e.g. the namespace
	// does not exist); we only need to hear about it.
	fatal := make(chan error, 1)
	// The SDK keeps this setting process-wide; it must precede the worker.
	worker.SetStickyWorkflowCacheSize(cfg.WorkflowCacheSize)
	w := worker.New(c, cfg.TaskQueue, cfg.workerOptions(func(err error) {
		select {
		case fatal <- err:
		default:
		}
	}))
	workflows.Register(w, cfg.Workflow())
	activities.Register(w, &activities.Activities{API: api, Temporal: c, SettleWindow: cfg.PutSettleWindow, Callbacks: cfg.Callbacks()})

	if err := w.Start(); err != nil {
		return fmt.Errorf("starting the worker on task queue %s: %w", cfg.TaskQueue, err)
	}
	logger.Info("worker polling", zap.String("taskQueue", cfg.TaskQueue), zap.String("namespace", cfg.Namespace))
	mon.setReady(c, true)
	countCtx, stopCounting := context.WithCancel(ctx)
	defer stopCounting()
	go mon.countAwaiting(countCtx, c)

	select {
	case <-ctx.Done():
		mon.setReady(c, false)
		logger.Info("stopping: no new tasks; running activities get WORKER_SHUTDOWN_TIMEOUT",
			zap.Duration("shutdownTimeout", cfg.ShutdownTimeout))
		w.Stop()
		logger.Info("worker stopped")
		return nil
	case err := <-fatal:
		mon.setReady(c, false)
		w.Stop()
		return fmt.Errorf("worker stopped on a fatal error: %w", err)
	}
}
