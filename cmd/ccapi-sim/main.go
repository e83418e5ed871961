// Command ccapi-sim serves the Console Connect API simulator over HTTP, for
// demos and for tests that run the client in another process.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

const shutdownGrace = 5 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		slog.Error("ccapi-sim failed", "err", err)
		os.Exit(1)
	}
}

// run serves until ctx is cancelled. The first line on stdout announces the
// real address, so callers can start it on port 0 and read where it landed.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))

	fixture := ccapisim.DefaultFixture()
	if cfg.fixturePath != "" {
		if fixture, err = ccapisim.LoadFixture(cfg.fixturePath); err != nil {
			return err
		}
	}
	sim := ccapisim.New(fixture, ccapisim.Options{
		APIKey:            cfg.apiKey,
		ActivationDelay:   cfg.activationDelay,
		AutoApproveDelay:  cfg.autoApproveDelay,
		ActivationJitter:  cfg.activationJitter,
		AutoApproveJitter: cfg.approveJitter,
		Faults:            cfg.faults,
		Consistency:       cfg.consistency,
		Seed:              cfg.seed,
	})

	listener, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	server := &http.Server{
		Handler:           sim,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()

	if _, err := fmt.Fprintf(stdout, "ccapi-sim listening on http://%s (API key: %s)\n", listener.Addr(), cfg.apiKey); err != nil {
		_ = server.Close()
		return fmt.Errorf("announce address: %w", err)
	}
	logger.Info("simulator started",
		"fixture", cmp.Or(cfg.fixturePath, "embedded"),
		"activationDelay", cfg.activationDelay, "autoApproveDelay", cfg.autoApproveDelay,
		"faults", cfg.faults, "consistency", cfg.consistency, "seed", cfg.seed)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil {
		// Requests held up by injected latency may outlive the grace period;
		// cutting them is fine for a simulator.
		logger.Warn("graceful shutdown incomplete, closing connections", "err", err)
		_ = server.Close()
	}
	return nil
}
