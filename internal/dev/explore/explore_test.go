package explore

import (
	"context"
	"strings"
	"testing"
)

// TestExploreShort is the explorer in small, in `make test`: one scenario
// per workflow type, every interrupt at every boundary, and a pair;
// `make explore` runs the full exploration.
func TestExploreShort(t *testing.T) {
	var progress strings.Builder
	rep, err := Run(context.Background(), Config{Short: true, Restarts: true, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	_ = rep.Write(&out)
	t.Log("\n" + progress.String() + out.String())
	if len(rep.Violations) > 0 {
		t.Fatalf("%s", out.String())
	}
	if rep.Runs < 100 || rep.Boundaries < 20 {
		t.Errorf("explored less than planned: %s", rep.Summary())
	}
}
