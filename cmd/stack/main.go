// Command stack runs the production stack of docker-compose.yml on this
// machine without Docker (`make stack`): a private PostgreSQL cluster under
// .data/stack, the pinned Temporal server on it from
// deploy/temporal/production.yaml, the namespace and search attributes,
// the Console Connect API simulator and two workers. It prints the
// addresses and runs until Ctrl-C (or SIGTERM), then stops everything it
// started: the workers, the simulator, the server, PostgreSQL.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cc-l2/provisioner/internal/dev/devserver"
	"github.com/cc-l2/provisioner/internal/dev/stack"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, stdout, stderr io.Writer) int {
	began := time.Now()
	dir, err := devserver.DataDir(filepath.Join(".data", "stack"))
	if err != nil {
		fmt.Fprintf(stderr, "stack: %v\n", err)
		return 2
	}
	s, err := stack.Start(ctx, stack.Options{Dir: dir, Progress: stderr})
	defer s.Stop()
	if errors.Is(err, stack.ErrNoPostgres) {
		fmt.Fprintf(stderr, "stack: %v: install PostgreSQL 15 (Debian: apt-get install postgresql)\n", err)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "stack: %v\n", err)
		return 1
	}
	bin := filepath.Join(dir, "bin")
	fmt.Fprintf(stderr, "stack: building the worker, the starter and the simulator into %s\n", bin)
	if err := stack.Build(bin); err != nil {
		fmt.Fprintf(stderr, "stack: %v\n", err)
		return 1
	}
	apps, err := s.StartApps(ctx, bin, 2, nil)
	defer apps.Stop()
	if err != nil {
		fmt.Fprintf(stderr, "stack: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, `
Production stack up in %s (Temporal server %s on PostgreSQL, SQL visibility):
  PostgreSQL      127.0.0.1:%d  user %s, databases temporal and temporal_visibility (log %s)
  Temporal        %s  namespace %s (log %s)
  Simulator       http://%s  API key %s (log %s)
`, time.Since(began).Round(100*time.Millisecond), s.Version,
		s.DB.Port, s.DB.User, s.DB.LogFile(), s.HostPort(), s.Namespace, filepath.Join(dir, "temporal.log"),
		apps.SimAddr, stack.SimKey, apps.Sim.Log())
	for _, w := range apps.Workers {
		fmt.Fprintf(stdout, "  %-14s  pid %d, http://%s/metrics (log %s)\n", w.Name, w.Cmd.Process.Pid, w.HTTPAddr, w.Log())
	}
	fmt.Fprintf(stdout, `
Submit the sample orders:
  TEMPORAL_ADDRESS=%s %s submit --wait examples/orders/*.json
Press Ctrl-C to stop everything.
`, s.HostPort(), filepath.Join(bin, "starter"))
	<-ctx.Done()
	fmt.Fprintln(stderr, "stack: stopping the workers, the simulator, the Temporal server and PostgreSQL")
	return 0
}
