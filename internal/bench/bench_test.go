package bench

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// summaryLine is the exact form of the line runs are compared by.
var summaryLine = regexp.MustCompile(`^bench: ratio=\d+\.\d\d p2p_calls=\d+\.\d b2b_calls=\d+\.\d reads_14d=\d+ rss_mib=\d+ rate_use=0\.\d\d failed=(\d+)$`)

// TestBenchSmoke runs the whole benchmark in small, on every `make test`:
// it checks the report's form and that no order failed, never a figure,
// so that a slow machine cannot fail it.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("the smoke run builds two binaries and starts a dev server")
	}
	dir := t.TempDir()
	binaries, err := BuildBinaries(dir)
	if err != nil {
		t.Fatal(err)
	}
	var progress strings.Builder
	// A limit the smoke run's few calls never reach: a 429 on a PUT puts
	// an order in doubt for the whole settle window, which is for the
	// full run to show, not for this check of form to trip on.
	rep, err := Run(context.Background(), Config{
		Orders: 20, Waiting: 50, Hold: 2 * time.Second, PlaceWithin: 2 * time.Minute, Rate: 1000, RatePatience: 2 * time.Minute, Connections: 5000,
		HistorySamples: 5, Timeout: 5 * time.Minute, Dir: dir, Binaries: binaries, Progress: &progress,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	var out strings.Builder
	if err := rep.Write(&out); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	last := lines[len(lines)-1]
	m := summaryLine.FindStringSubmatch(last)
	if m == nil {
		t.Fatalf("the last line %q is not of the form %s", last, summaryLine)
	}
	if m[1] != "0" {
		t.Errorf("orders failed: %s\n%s", last, progress.String())
	}
	if last != rep.Line() {
		t.Errorf("the table ends with %q, the report's line is %q", last, rep.Line())
	}
}

func TestLineKeepsItsFormAtTheEdges(t *testing.T) {
	rep := &Report{RateLimited: RateLimited{Limit: 10, Sustained: 10.4}}
	if line := rep.Line(); !summaryLine.MatchString(line) {
		t.Fatalf("%q is not of the form %s", line, summaryLine)
	}
	if got, want := rep.Line(), "bench: ratio=0.00 p2p_calls=0.0 b2b_calls=0.0 reads_14d=0 rss_mib=0 rate_use=0.99 failed=0"; got != want {
		t.Fatalf("Line() = %q, want %q", got, want)
	}
}

func TestSustainedRateLeavesOutTheEnds(t *testing.T) {
	start := time.Unix(0, 0)
	var at []time.Time
	// A burst of 50 at once, then 10 a second for 100 seconds.
	for range 50 {
		at = append(at, start)
	}
	for i := range 1000 {
		at = append(at, start.Add(time.Duration(i+1)*100*time.Millisecond))
	}
	if got := sustainedRate(at); got < 9.9 || got > 10.1 {
		t.Fatalf("sustainedRate = %.2f, want 10", got)
	}
}

func TestPercentileIsTheNearestRank(t *testing.T) {
	var sorted []time.Duration
	for i := 1; i <= 100; i++ {
		sorted = append(sorted, time.Duration(i)*time.Second)
	}
	if got, want := percentile(sorted, 0.5), 50*time.Second; got != want {
		t.Errorf("p50 = %s, want %s", got, want)
	}
	if got, want := percentile(sorted, 0.99), 99*time.Second; got != want {
		t.Errorf("p99 = %s, want %s", got, want)
	}
	if got := percentile(nil, 0.5); got != 0 {
		t.Errorf("p50 of nothing = %s, want 0", got)
	}
}
