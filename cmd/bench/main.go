// Command bench measures the project's performance and API economy
// (`make bench`): in one run on one in-memory dev server and the API
// simulator, the bare engine ceiling, the project's port-to-port and
// business-to-business orders through the worker and starter binaries,
// API calls per order, history bytes per order, the worker's memory with
// many orders waiting, and the request rate under a rate limit (see
// internal/dev/bench). It prints a table, writes it to .data/bench.txt, and
// ends with one line runs are compared by:
//
//	bench: ratio=X.XX p2p_calls=N.N b2b_calls=N.N reads_14d=N rss_mib=N rate_use=0.NN failed=N events_14d=N actions_14d=N waiting_5000_s=N
//
// BENCH_STACK=postgres also runs the port-to-port and business-to-business
// batches on the production stack (PostgreSQL-backed Temporal server, as
// `make stack`), with one worker and with two, in a table beside the dev
// server's.
//
// It exits 0 whatever the figures; 2 when the harness itself broke (e.g.
// orders did not end within BENCH_TIMEOUT) or the configuration is bad.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/cc-l2/provisioner/internal/dev/bench"
	"github.com/cc-l2/provisioner/internal/dev/devserver"
)

// config is read from the environment.
type config struct {
	Orders      int           `env:"BENCH_ORDERS" envDefault:"1000"`
	Waiting     int           `env:"BENCH_WAITING" envDefault:"5000"`
	Rate        float64       `env:"BENCH_RATE" envDefault:"25"`
	Patience    time.Duration `env:"BENCH_RATE_PATIENCE" envDefault:"5m"`
	Connections int           `env:"BENCH_CONNECTIONS" envDefault:"5000"`
	Hold        time.Duration `env:"BENCH_HOLD" envDefault:"60s"`
	PlaceWithin time.Duration `env:"BENCH_PLACE_WITHIN" envDefault:"30m"`
	Samples     int           `env:"BENCH_HISTORY_SAMPLES" envDefault:"20"`
	Timeout     time.Duration `env:"BENCH_TIMEOUT" envDefault:"30m"`
	Dir         string        `env:"BENCH_DIR" envDefault:".data/bench"`
	// Stack: empty, or "postgres" to run the project's batches on the
	// production stack as well (internal/dev/stack), with one worker and two.
	Stack string `env:"BENCH_STACK"`
}

// problems checks what the tags cannot.
func (c config) problems() error {
	var errs []error
	if c.Orders < 1 || c.Waiting < 1 {
		errs = append(errs, fmt.Errorf("BENCH_ORDERS (%d) and BENCH_WAITING (%d) must be at least 1", c.Orders, c.Waiting))
	}
	if c.Rate <= 0 {
		errs = append(errs, fmt.Errorf("BENCH_RATE must be positive (got %g)", c.Rate))
	}
	if c.Connections < 0 || c.Samples < 0 || c.Hold < 0 {
		errs = append(errs, errors.New("BENCH_CONNECTIONS, BENCH_HISTORY_SAMPLES and BENCH_HOLD must not be negative"))
	}
	if c.Timeout <= 0 || c.PlaceWithin <= 0 || c.Patience <= 0 {
		errs = append(errs, errors.New("BENCH_TIMEOUT, BENCH_PLACE_WITHIN and BENCH_RATE_PATIENCE must be positive"))
	}
	if c.Stack != "" && c.Stack != "postgres" {
		errs = append(errs, fmt.Errorf("BENCH_STACK=%q: the only stack is postgres", c.Stack))
	}
	return errors.Join(errs...)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, stdout, stderr io.Writer) int {
	var cfg config
	if err := env.Parse(&cfg); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	if err := cfg.problems(); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	dir, err := devserver.DataDir(cfg.Dir)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	binaries, err := bench.BuildBinaries(dir)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	rep, err := bench.Run(ctx, bench.Config{
		Orders: cfg.Orders, Waiting: cfg.Waiting, Hold: cfg.Hold, PlaceWithin: cfg.PlaceWithin,
		Rate: cfg.Rate, RatePatience: cfg.Patience, Connections: cfg.Connections,
		HistorySamples: cfg.Samples, Timeout: cfg.Timeout, Dir: dir, Binaries: binaries, Progress: stderr,
		Stack: cfg.Stack == "postgres",
	})
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v (logs in %s)\n", err, dir)
		return 2
	}
	if err := devserver.WriteReport("bench.txt", rep.Write); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err) // the table still goes to stdout
	}
	if err := rep.Write(stdout); err != nil {
		return 2
	}
	return 0
}
