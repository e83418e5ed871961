package bench

import (
	"testing"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/cc-l2/provisioner/internal/config"
	"github.com/cc-l2/provisioner/workflows"
)

// TestWorkersReadWaitingOrdersOnTheProductionSchedule: the bench's
// workers may start polls early, so that an activation is seen at once,
// but a waiting order must cost no more reads than in production: one
// read every 30 s at any age would ask the dev server for reads that 5,000
// waiting orders never get past.
func TestWorkersReadWaitingOrdersOnTheProductionSchedule(t *testing.T) {
	t.Setenv("POLL_MAX", "1s") // the shell's must not count
	// Read as the worker reads its environment (cmd/worker/config.go).
	var polls struct {
		PollInitial time.Duration `env:"POLL_INITIAL,required"`
		PollMax     time.Duration `env:"POLL_MAX,required"`
	}
	environ := env.ToMap(workerEnv("127.0.0.1:7233", "q", "http://127.0.0.1:1"))
	if err := config.ParseEnv(&polls, environ); err != nil {
		t.Fatal(err)
	}
	cfg := workflows.Config{PollInitial: polls.PollInitial, PollMax: polls.PollMax}
	const wait = 14 * 24 * time.Hour
	production := workflows.ReadsOver(wait, workflows.DefaultConfig())
	// The early polls add a few reads to the first minute, no more.
	if got := workflows.ReadsOver(wait, cfg); got > production+10 {
		t.Errorf("a 14-day wait costs %d reads with the bench's workers (POLL_INITIAL=%s, POLL_MAX=%s), %d in production",
			got, polls.PollInitial, polls.PollMax, production)
	}
}
