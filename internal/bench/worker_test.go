package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/workflows"
)

// TestWorkersReadWaitingOrdersOnTheProductionSchedule: the bench's
// workers may start polls early, so that an activation is seen at once,
// but a waiting order must cost no more reads than in production: one
// read every 30 s at any age would ask the dev server for reads that 5,000
// waiting orders never get past.
func TestWorkersReadWaitingOrdersOnTheProductionSchedule(t *testing.T) {
	t.Setenv("POLL_MAX", "1s") // the shell's must not count
	env := map[string]string{}
	for _, kv := range workerEnv("127.0.0.1:7233", "q", "http://127.0.0.1:1") {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v // the last of a key is the one the worker gets
	}
	var cfg workflows.Config
	for key, field := range map[string]*time.Duration{"POLL_INITIAL": &cfg.PollInitial, "POLL_MAX": &cfg.PollMax} {
		d, err := time.ParseDuration(env[key])
		if err != nil {
			t.Fatalf("%s=%q: %v", key, env[key], err)
		}
		*field = d
	}
	const wait = 14 * 24 * time.Hour
	production := workflows.ReadsOver(wait, workflows.DefaultConfig())
	// The early polls add a few reads to the first minute, no more.
	if got := workflows.ReadsOver(wait, cfg); got > production+10 {
		t.Errorf("a 14-day wait costs %d reads with the bench's workers (POLL_INITIAL=%s, POLL_MAX=%s), %d in production",
			got, env["POLL_INITIAL"], env["POLL_MAX"], production)
	}
}
