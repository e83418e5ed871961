// Command chaos runs the chaos suite (`make chaos`): many orders through a
// real dev server, the simulator and the worker binary, under every fault
// the simulator models, kill -9s of the worker and restarts of the dev
// server, with a share of the orders (CHAOS_ADVERSARY, default 0.25)
// against the simulator's adversarial consistency mode; then, once nothing
// can still land, it reconciles the simulator's ledger (every connection
// and change, attributed to the order that made it) with every order's
// outcome. It prints a table and, last, one summary line:
//
//	chaos: orders=N ended=N duplicates=0 orphans=0 untruthful=0 puts=P kills=K restarts=R seed=S
//
// CHAOS_STACK=postgres runs it on the production stack instead of the dev
// server (internal/dev/stack: PostgreSQL, the pinned Temporal server from
// compose's configuration) with two workers and CHAOS_DB_RESTARTS (1)
// PostgreSQL crash-restarts; the summary line then ends with
// `stack=postgres workers=2 db_restarts=N`.
//
// and exits 1 when any order did not end, made a second connection or
// change, left something billable behind, or said anything the ledger
// contradicts, or when the ledger never settled.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/cc-l2/provisioner/internal/dev/chaos"
	"github.com/cc-l2/provisioner/internal/dev/devserver"
)

// config is read from the environment.
type config struct {
	Orders   int    `env:"CHAOS_ORDERS" envDefault:"1000"`
	Seed     uint64 `env:"CHAOS_SEED"` // 0: drawn from the clock, and printed
	Kills    int    `env:"CHAOS_KILLS" envDefault:"24"`
	Restarts int    `env:"CHAOS_RESTARTS" envDefault:"2"`
	// Stack: empty for the dev server, or "postgres" for the stack.
	Stack      string `env:"CHAOS_STACK"`
	DBRestarts int    `env:"CHAOS_DB_RESTARTS" envDefault:"1"`
	Workers    int    `env:"CHAOS_WORKERS"` // 0: 1 on the dev server, 2 on the stack
	// Arrival 0: 120 ms per order, at least 20 s.
	Arrival    time.Duration `env:"CHAOS_ARRIVAL"`
	ChaosTail  time.Duration `env:"CHAOS_TAIL" envDefault:"30s"`
	EndTimeout time.Duration `env:"CHAOS_END_TIMEOUT" envDefault:"20m"`
	Dir        string        `env:"CHAOS_DIR" envDefault:".data/chaos"`
	// Adversary: the share of orders against the simulator's adversarial
	// consistency mode; 0 turns it off.
	Adversary float64 `env:"CHAOS_ADVERSARY" envDefault:"0.25"`
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
		fmt.Fprintf(stderr, "chaos: %v\n", err)
		return 2
	}
	onStack := false
	switch cfg.Stack {
	case "":
		cfg.DBRestarts = 0
	case "postgres":
		onStack = true
		if cfg.Workers == 0 {
			cfg.Workers = 2
		}
	default:
		fmt.Fprintf(stderr, "chaos: CHAOS_STACK=%q: the only stack is postgres\n", cfg.Stack)
		return 2
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano() % 1_000_000)
	}
	if cfg.Adversary < 0 || cfg.Adversary > 1 {
		fmt.Fprintf(stderr, "chaos: CHAOS_ADVERSARY must be within [0, 1], got %v\n", cfg.Adversary)
		return 2
	}
	if cfg.Arrival == 0 {
		cfg.Arrival = max(20*time.Second, time.Duration(cfg.Orders)*120*time.Millisecond)
	}
	dir, err := devserver.DataDir(cfg.Dir)
	if err != nil {
		fmt.Fprintf(stderr, "chaos: %v\n", err)
		return 2
	}
	cli, err := devserver.CLIPath()
	if err != nil {
		fmt.Fprintf(stderr, "chaos: %v\n", err)
		return 2
	}
	worker, err := chaos.BuildWorker(dir)
	if err != nil {
		fmt.Fprintf(stderr, "chaos: %v\n", err)
		return 2
	}
	rep, err := chaos.Run(ctx, chaos.Config{
		Orders: cfg.Orders, Seed: cfg.Seed, Kills: cfg.Kills, Restarts: cfg.Restarts,
		Stack: onStack, DBRestarts: cfg.DBRestarts, Workers: cfg.Workers,
		Arrival: cfg.Arrival, ChaosTail: cfg.ChaosTail, EndTimeout: cfg.EndTimeout,
		ClientTimeout: chaos.ClientTimeout, SettleWindow: chaos.SettleWindow, Adversary: cfg.Adversary,
		Dir: dir, CLI: cli, WorkerBinary: worker, Progress: stderr,
	})
	if err != nil {
		fmt.Fprintf(stderr, "chaos: %v (logs in %s)\n", err, dir)
		return 2
	}
	if err := devserver.WriteReport("chaos.txt", rep.Write); err != nil {
		fmt.Fprintf(stderr, "chaos: %v\n", err) // the table still goes to stdout
	}
	if err := rep.Write(stdout); err != nil {
		return 2
	}
	if rep.Failed() {
		fmt.Fprintf(stderr, "chaos: the promise was broken (logs in %s)\n", dir)
		return 1
	}
	return 0
}
