// Command explore runs the explorer (internal/dev/explore): every interrupt at
// every workflow-task boundary of every scenario, pairs of orders for one
// name, and worker restarts against a dev server. It prints one summary
// line, then each violating run, and exits 1 if there is any (2 if the
// exploration itself could not be carried out).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/cc-l2/provisioner/internal/dev/explore"
)

func main() {
	short := flag.Bool("short", false, "explore what the short test does: one scenario per type")
	restarts := flag.Bool("restarts", true, "run the worker-restart class against a Temporal dev server (bin/temporal)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := explore.Run(ctx, explore.Config{Short: *short, Restarts: *restarts, Progress: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "explore:", err)
		os.Exit(2)
	}
	_ = rep.Write(os.Stdout)
	fmt.Fprintf(os.Stderr, "explore: took %s\n", rep.Took.Round(time.Second))
	if len(rep.Violations) > 0 {
		os.Exit(1)
	}
}
