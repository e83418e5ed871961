package chaos

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/internal/dev/devserver"
)

// shortRunSeed is the seed of the run inside `make test`. Seeds that broke
// the promise while the suite was built have tests of their own.
const shortRunSeed = 20261127

// TestChaosShort is the chaos suite in small, on every `make test`: about
// a hundred orders under every fault, a few kill -9s (one between a PUT
// and its answer) and a dev server restart.
func TestChaosShort(t *testing.T) {
	if testing.Short() {
		t.Skip("the chaos run takes two to three minutes")
	}
	cli, err := devserver.CLIPath()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	worker, err := BuildWorker(dir)
	if err != nil {
		t.Fatal(err)
	}
	var progress strings.Builder
	rep, err := Run(context.Background(), Config{
		Orders: 100, Seed: shortRunSeed, Kills: 4, Restarts: 1,
		// EndTimeout is the time an unlucky order may need, not the run's:
		// a modify whose update loses its answer three times waits three
		// settle windows (80 s each) before it may end; the run ends when
		// its last order does.
		Arrival: 15 * time.Second, ChaosTail: 10 * time.Second, EndTimeout: 8 * time.Minute,
		ClientTimeout: ClientTimeout, SettleWindow: SettleWindow, Adversary: 0.25,
		Dir: dir, CLI: cli, WorkerBinary: worker, Progress: &progress,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	var out strings.Builder
	_ = rep.Write(&out)
	t.Log("\n" + out.String())
	if rep.Failed() {
		if log, err := os.ReadFile(dir + "/worker.log"); err == nil && len(log) < 200_000 {
			t.Logf("worker log:\n%s", log)
		}
		t.Fatalf("the promise was broken: %s", rep.Summary())
	}
	if rep.Kills < 4 || rep.Restarts < 1 {
		t.Errorf("the run was gentler than asked: %d kills, %d restarts", rep.Kills, rep.Restarts)
	}
}
