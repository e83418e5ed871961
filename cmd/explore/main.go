// Command explore runs the explorer (internal/explore): every interrupt at
// every workflow-task boundary of every scenario, and pairs of orders for
// one name. It prints one summary line, then each violating run, and
// exits 1 if there is any.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/cc-l2/provisioner/internal/explore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg := explore.Config{
		Short:    os.Getenv("EXPLORE_SHORT") == "1",
		Restarts: os.Getenv("EXPLORE_RESTARTS") != "0", // the class that needs the dev server
		Progress: os.Stderr,
	}
	rep, err := explore.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "explore:", err)
		os.Exit(2)
	}
	_ = rep.Write(os.Stdout)
	fmt.Fprintf(os.Stderr, "explore: took %s\n", rep.Took.Round(1e9))
	if len(rep.Violations) > 0 {
		os.Exit(1)
	}
}
