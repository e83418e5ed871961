package bench

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

// Report is what a run measured.
type Report struct {
	Orders, WaitingOrders, Connections, CPUs int
	Rate                                     float64

	Bare, PortToPort, B2B Batch
	// BareHistory is the mean history of a bare workflow, in bytes, of
	// BareHistorySamples read.
	BareHistory, BareHistorySamples int
	PortToPortHistory, B2BHistory   Histories
	Waiting                         Waiting
	RateLimited                     RateLimited
	// Stack is the batches on the production stack (Config.Stack); nil
	// when not run.
	Stack *StackBatches
	// ReadsOver14d is what a 14-day wait costs in status reads on the
	// polling schedule (workflows.ReadsOver with the default settings).
	ReadsOver14d int
	// WaitCost is what one 14-day wait with no acceptance costs Temporal,
	// counted in the SDK's test environment (waitcost.go).
	WaitCost WaitCost
	Took     time.Duration
}

// Ratio is the project's port-to-port rate over the bare engine's.
func (r *Report) Ratio() float64 {
	if bare := r.Bare.OrdersPerSecond(); bare > 0 {
		return r.PortToPort.OrdersPerSecond() / bare
	}
	return 0
}

// Failed counts the project's orders that did not do as they should:
// not started, not ACTIVE, or (waiting) ended before the measurement was
// over.
func (r *Report) Failed() int {
	return r.PortToPort.Failed + r.B2B.Failed + r.Waiting.Failed + r.RateLimited.Failed
}

// Line is the summary line runs are compared by; its form only grows at
// its end (issue 26 added the last three):
//
//	bench: ratio=X.XX p2p_calls=N.N b2b_calls=N.N reads_14d=N rss_mib=N rate_use=0.NN failed=N events_14d=N actions_14d=N waiting_5000_s=N
//
// rate_use is shown within 0.00..0.99: the limiter's burst can lift a
// measured rate a hair above the limit, which the form has no room for.
func (r *Report) Line() string {
	use := min(99, max(0, int(math.Round(r.RateLimited.Use()*100))))
	return fmt.Sprintf("bench: ratio=%.2f p2p_calls=%.1f b2b_calls=%.1f reads_14d=%d rss_mib=%d rate_use=0.%02d failed=%d events_14d=%d actions_14d=%d waiting_5000_s=%d",
		r.Ratio(), r.PortToPort.CallsPerOrder(), r.B2B.CallsPerOrder(), r.ReadsOver14d,
		mib(r.Waiting.Memory.PeakKiB), use, r.Failed(), r.WaitCost.Events, r.WaitCost.Actions, int(math.Round(r.Waiting.Placed.Seconds())))
}

// Write prints the report's tables, then the summary line.
func (r *Report) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Benchmark: %d orders a batch, %d waiting, rate limit %g/s; the company holds %d connections on the source port.\n",
		r.Orders, r.WaitingOrders, r.Rate, r.Connections)
	fmt.Fprintf(&b, "%d CPUs, %s/%s, %s; one in-memory Temporal dev server; the simulator answers at once. Took %s.\n\n",
		r.CPUs, runtime.GOOS, runtime.GOARCH, runtime.Version(), r.Took.Round(time.Second))

	r.writeBatches(&b)
	b.WriteString("\n")
	if r.Stack != nil {
		r.writeStack(&b)
		b.WriteString("\n")
	}
	r.writeCPU(&b)
	b.WriteString("\n")
	r.writeCalls(&b)
	b.WriteString("\n")
	r.writeHistories(&b)
	b.WriteString("\n")

	wt := r.Waiting
	if wt.Unplaced > 0 {
		fmt.Fprintf(&b, "Waiting for acceptance: %d of %d orders waiting; %d had still not got to wait %s after the submit; held %s:\n",
			wt.Waited, wt.Orders, wt.Unplaced, wt.Placed.Round(time.Second), wt.Held.Round(time.Second))
	} else {
		fmt.Fprintf(&b, "Waiting for acceptance: %d of %d orders waiting (all waiting %s after the submit), held %s:\n",
			wt.Waited, wt.Orders, wt.Placed.Round(time.Second), wt.Held.Round(time.Second))
	}
	if wt.MemoryUnread != "" {
		fmt.Fprintf(&b, "  worker memory not measured: %s\n", wt.MemoryUnread)
	} else {
		fmt.Fprintf(&b, "  worker RSS %d MiB at the end, at most %d MiB sampled, peak %d MiB (VmHWM).\n",
			mib(wt.Memory.RSSKiB), mib(wt.MostSampled), mib(wt.Memory.PeakKiB))
	}
	rl := r.RateLimited
	fmt.Fprintf(&b, "Rate limit %g/s (simulator, and the worker's CC_API_MAX_RPS): %.1f requests/s sustained = %.2f of it;\n",
		rl.Limit, rl.Sustained, rl.Use())
	fmt.Fprintf(&b, "  %d requests answered, %d answered 429; %d of %d orders failed, of which %d had not ended %s after the submit.\n",
		rl.Answered, rl.Throttled, rl.Failed, rl.Orders, rl.Started-rl.Ended, rl.EndWithin.Round(time.Second))
	fmt.Fprintf(&b, "Polling: a 14-day wait for acceptance costs %d status reads.\n", r.ReadsOver14d)
	wc := r.WaitCost
	fmt.Fprintf(&b, "Waiting: a 14-day wait with no acceptance, to its withdrawal, in %d run(s): %d history events, %d billable actions\n",
		wc.Runs, wc.Events, wc.Actions)
	fmt.Fprintf(&b, "  (%d activities, %d attempts, %d status reads; the SDK's test environment, counted by Temporal's rules).\n\n",
		wc.Activities, wc.Attempts, wc.Reads)
	b.WriteString(r.Line() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) writeBatches(b *strings.Builder) {
	rows := [][]string{{"BATCH", "ORDERS", "FAILED", "ORDERS/S", "P50", "P99", "TOOK"}}
	for _, bt := range []Batch{r.Bare, r.PortToPort, r.B2B, r.RateLimited.Batch} {
		rows = append(rows, []string{bt.Name, fmt.Sprint(bt.Orders), fmt.Sprint(bt.Failed), fmt.Sprintf("%.1f", bt.OrdersPerSecond()),
			seconds(bt.P50), seconds(bt.P99), seconds(bt.Took)})
	}
	writeTable(b, rows)
	fmt.Fprintf(b, "(times from the submit to each end; project/bare = %.2f)\n", r.Ratio())
}

// writeStack sets the stack's batches beside the dev server's, and says
// what the second worker bought.
func (r *Report) writeStack(b *strings.Builder) {
	fmt.Fprintf(b, "On the production stack (Temporal server %s on PostgreSQL, SQL visibility; make stack), the same batches:\n", r.Stack.Version)
	rows := [][]string{{"BATCH", "WORKERS", "ORDERS", "FAILED", "ORDERS/S", "P50", "P99", "TOOK", "DEV SERVER ORDERS/S"}}
	for _, k := range []struct {
		dev   Batch
		stack [2]Batch
	}{{r.PortToPort, r.Stack.PortToPort}, {r.B2B, r.Stack.B2B}} {
		for i, bt := range k.stack {
			dev := "-"
			if i == 0 {
				dev = fmt.Sprintf("%.1f", k.dev.OrdersPerSecond())
			}
			rows = append(rows, []string{k.dev.Name, fmt.Sprint(i + 1), fmt.Sprint(bt.Orders), fmt.Sprint(bt.Failed),
				fmt.Sprintf("%.1f", bt.OrdersPerSecond()), seconds(bt.P50), seconds(bt.P99), seconds(bt.Took), dev})
		}
	}
	writeTable(b, rows)
	gain := func(two [2]Batch) string {
		if one := two[0].OrdersPerSecond(); one > 0 {
			return fmt.Sprintf("x%.2f", two[1].OrdersPerSecond()/one)
		}
		return "-"
	}
	fmt.Fprintf(b, "(a second worker: %s port-to-port, %s business-to-business, on %d CPUs shared by the server,\n"+
		" PostgreSQL, the workers, the starter and the simulator)\n", gain(r.Stack.PortToPort), gain(r.Stack.B2B), r.CPUs)
}

func (r *Report) writeCPU(b *strings.Builder) {
	rows := [][]string{{"CPU MS PER ORDER", "TEMPORAL", "WORKER", "STARTER", "BENCH", "TOTAL", "MACHINE"}}
	var unread []string
	for _, bt := range []Batch{r.Bare, r.PortToPort, r.B2B, r.RateLimited.Batch} {
		if bt.CPU == nil {
			rows = append(rows, []string{bt.Name, "-", "-", "-", "-", "-", "-"})
			if bt.CPUUnread != "" {
				unread = append(unread, bt.Name+": "+bt.CPUUnread)
			}
			continue
		}
		ms := func(d time.Duration) string {
			if d == 0 {
				return "-"
			}
			return fmt.Sprintf("%.1f", float64(bt.CPUPerOrder(d))/float64(time.Millisecond))
		}
		c := *bt.CPU
		rows = append(rows, []string{bt.Name, ms(c.Server), ms(c.Worker), ms(c.Starter), ms(c.Bench), ms(c.Total()), ms(c.Machine)})
	}
	writeTable(b, rows)
	b.WriteString("(processor time from the submit to the last end, by process; the bench runs the simulator,\n" +
		" and for the bare engine its worker and starts as well; MACHINE: every core's busy time meanwhile)\n")
	for _, u := range unread {
		fmt.Fprintf(b, "  not measured: %s\n", u)
	}
}

func (r *Report) writeCalls(b *strings.Builder) {
	rows := [][]string{{"API CALLS PER ORDER", "PORT-TO-PORT", "MIN", "BUSINESS-TO-BUSINESS", "MIN"}}
	perOrder := func(bt Batch, endpoint string) string {
		if bt.Calls[endpoint] == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", float64(bt.Calls[endpoint])/float64(max(bt.Orders, 1)))
	}
	orNone := func(n int) string {
		if n == 0 {
			return "-"
		}
		return fmt.Sprint(n)
	}
	minP2P, minB2B := 0, 0
	for _, endpoint := range ccapisim.Endpoints() {
		m := minimumCalls[endpoint]
		minP2P, minB2B = minP2P+m.p2p, minB2B+m.b2b
		if r.PortToPort.Calls[endpoint] == 0 && r.B2B.Calls[endpoint] == 0 && m.b2b == 0 {
			continue
		}
		rows = append(rows, []string{endpoint, perOrder(r.PortToPort, endpoint), orNone(m.p2p), perOrder(r.B2B, endpoint), orNone(m.b2b)})
	}
	rows = append(rows, []string{"total", fmt.Sprintf("%.2f", r.PortToPort.CallsPerOrder()), fmt.Sprint(minP2P),
		fmt.Sprintf("%.2f", r.B2B.CallsPerOrder()), fmt.Sprint(minB2B)})
	writeTable(b, rows)
	fmt.Fprintf(b, "(the minimum: one lookup, one PUT, one status read; business-to-business adds the metro and the DCF)\n")
}

func (r *Report) writeHistories(b *strings.Builder) {
	rows := [][]string{
		{"HISTORY BYTES PER ORDER", "WORKFLOW", "NAME LOCK", "TOTAL", "SAMPLES"},
		{r.Bare.Name, fmt.Sprint(r.BareHistory), "-", fmt.Sprint(r.BareHistory), fmt.Sprint(r.BareHistorySamples)},
	}
	for _, h := range []struct {
		name string
		h    Histories
	}{{"port-to-port", r.PortToPortHistory}, {"business-to-business", r.B2BHistory}} {
		rows = append(rows, []string{h.name, fmt.Sprint(h.h.Order), fmt.Sprint(h.h.NameLock), fmt.Sprint(h.h.PerOrder()), fmt.Sprint(h.h.Samples)})
	}
	writeTable(b, rows)
}

// writeTable aligns rows in columns two spaces apart: the first column,
// names, to the left; the others, figures, to the right.
func writeTable(b *strings.Builder, rows [][]string) {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], len(cell))
		}
	}
	for _, row := range rows {
		for i, cell := range row {
			switch {
			case i == 0:
				fmt.Fprintf(b, "%-*s", widths[i], cell)
			default:
				fmt.Fprintf(b, "  %*s", widths[i], cell)
			}
		}
		b.WriteString("\n")
	}
}

// seconds shows a duration in seconds with one decimal.
func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }
