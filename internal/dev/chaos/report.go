package chaos

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// maxProblems bounds the problems listed in a report; the count is in the
// figures.
const maxProblems = 30

// Write prints the report as tables, ending with the summary line.
func (r *Report) Write(w io.Writer) error {
	var b strings.Builder
	if r.Stack == "" {
		fmt.Fprintf(&b, "Chaos run, seed %d: %d orders in %s; %d kill -9s of the worker (%d between a PUT sent and its answer); %d dev server restarts\n",
			r.Seed, r.Orders, r.Duration.Round(time.Second), r.Kills, r.KillsAtPUT, r.Restarts)
	} else {
		fmt.Fprintf(&b, "Chaos run on the stack (%s), seed %d: %d orders in %s; %d workers, %d kill -9s of them (%d between a PUT sent and its answer); %d Temporal server kill -9s and restarts; %d PostgreSQL crash-restarts\n",
			r.Stack, r.Seed, r.Orders, r.Duration.Round(time.Second), len(r.Workers), r.Kills, r.KillsAtPUT, r.Restarts, r.DBRestarts)
	}
	if len(r.Workers) > 1 {
		for i, w := range r.Workers {
			fmt.Fprintf(&b, "  worker-%d: %d activities completed, %d kill -9s\n", i+1, w.Activities, w.Kills)
		}
	}
	fmt.Fprintf(&b, "Faults: %s\n\n", r.Faults)

	labels := map[string]bool{}
	for _, byLabel := range r.Outcomes {
		for l := range byLabel {
			labels[l] = true
		}
	}
	columns := slices.Sorted(maps.Keys(labels))
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "KIND\tORDERS\t%s\t\n", strings.Join(columns, "\t"))
	for _, kind := range slices.Sorted(maps.Keys(r.Outcomes)) {
		row := []string{kind}
		total := 0
		for _, n := range r.Outcomes[kind] {
			total += n
		}
		row = append(row, fmt.Sprint(total))
		for _, l := range columns {
			row = append(row, fmt.Sprint(r.Outcomes[kind][l]))
		}
		fmt.Fprintf(tw, "%s\t\n", strings.Join(row, "\t"))
	}
	_ = tw.Flush()

	fmt.Fprintf(&b, "\nTime to outcome: p50 %s, p99 %s\n", r.P50.Round(100*time.Millisecond), r.P99.Round(100*time.Millisecond))
	fmt.Fprintf(&b, "Connections: %d created, %d withdrawn, %d active; %d PUTs; %d requests naming no order\n", r.Created, r.Withdrawn, r.ActiveConn, r.Puts, r.Unattributed)
	fmt.Fprintf(&b, "Ledger read %s after the last order ended, once nothing was pending\n", r.SettledAfter.Round(100*time.Millisecond))
	if r.Unsettled.Total() > 0 {
		fmt.Fprintf(&b, "The ledger never settled: %d requests in flight, %d late commits, %d transitions still pending\n",
			r.Unsettled.InFlight, r.Unsettled.LateCommits, r.Unsettled.Transitions)
	}
	b.WriteString("\n")

	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "ENDPOINT\tCALLS\tPER ORDER\t\n")
	for _, name := range slices.Sorted(maps.Keys(r.Requests)) {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t\n", name, r.Requests[name], float64(r.Requests[name])/float64(max(r.Orders, 1)))
	}
	_ = tw.Flush()

	fmt.Fprintf(&b, "\nPromise: duplicates %d, orphans %d, untruthful %d, ended %d of %d (orders naming a connection a twin names too: %d)\n",
		r.Duplicates, r.Orphans, r.Untruthful, r.Ended, r.Orders, r.Shared)
	for i, p := range r.Problems {
		if i == maxProblems {
			fmt.Fprintf(&b, "  ... and %d more\n", len(r.Problems)-maxProblems)
			break
		}
		fmt.Fprintf(&b, "  %s\n", p)
	}
	b.WriteString(r.Summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}
