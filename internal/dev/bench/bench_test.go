package bench

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// summaryLine is the exact form of the line runs are compared by.
var summaryLine = regexp.MustCompile(`^bench: ratio=\d+\.\d\d p2p_calls=\d+\.\d b2b_calls=\d+\.\d reads_14d=\d+ rss_mib=\d+ rate_use=0\.\d\d failed=(\d+) events_14d=\d+ actions_14d=\d+ waiting_5000_s=\d+$`)

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
	for _, b := range []Batch{rep.Bare, rep.PortToPort, rep.B2B, rep.RateLimited.Batch} {
		if b.CPU == nil {
			t.Errorf("%s: processor time not measured: %s", b.Name, b.CPUUnread)
		}
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
	if got, want := rep.Line(), "bench: ratio=0.00 p2p_calls=0.0 b2b_calls=0.0 reads_14d=0 rss_mib=0 rate_use=0.99 failed=0 events_14d=0 actions_14d=0 waiting_5000_s=0"; got != want {
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

// TestProcParsers reads the lines of /proc that the processor times come
// from: a process's stat, whose command name may hold spaces and
// parentheses, and the machine's first line, less idle and iowait.
func TestProcParsers(t *testing.T) {
	tests := []struct {
		name    string
		parse   func([]byte) (time.Duration, error)
		line    string
		want    time.Duration
		wantErr bool
	}{
		{"stat", parseStatCPU, "4242 (temporal) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 566 0 0 20 0 12 0 100 0 0", 18 * time.Second, false},
		{"stat, name with spaces and parentheses", parseStatCPU, "77 (a (b) c) R 1 77 77 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 5 0 0", 100 * time.Millisecond, false},
		{"stat cut short", parseStatCPU, "77 (w) R 1 77 77 0 -1 0 0 0 0 0 7", 0, true},
		{"stat without a name", parseStatCPU, "77 w R 1", 0, true},
		{"stat, not a number", parseStatCPU, "77 (w) R 1 77 77 0 -1 0 0 0 0 0 x 3", 0, true},
		// user nice system idle iowait irq softirq steal guest guest_nice
		{"machine", parseMachineBusy, "cpu  200 1 50 99999 777 0 40 9 0 0\ncpu0 1 2 3 4 5\n", 2910 * time.Millisecond, false},
		{"machine, guests counted in user already", parseMachineBusy, "cpu 100 0 100 500 0 0 0 0 50 50\n", 2 * time.Second, false},
		{"machine, older kernels' four fields", parseMachineBusy, "cpu 100 0 100 5000\n", 2 * time.Second, false},
		{"machine, not the cpu line", parseMachineBusy, "intr 1 2 3 4 5\n", 0, true},
		{"machine, not a number", parseMachineBusy, "cpu 1 2 x 4 5\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.parse([]byte(tt.line))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCPUOfThisProcessGrows(t *testing.T) {
	before, err := processCPU(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	sum := 0
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if now, err := processCPU(os.Getpid()); err != nil || now > before {
			return
		}
		for i := range 1_000_000 {
			sum += i
		}
	}
	t.Fatalf("five seconds of work (%d) did not show in /proc/self/stat", sum)
}
