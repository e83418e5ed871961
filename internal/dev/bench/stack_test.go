package bench

import (
	"strings"
	"testing"
	"time"
)

// TestReportSetsTheStackBesideTheDevServer: with stack batches, the table
// shows each with its worker count beside the dev server's rate, and what
// the second worker bought.
func TestReportSetsTheStackBesideTheDevServer(t *testing.T) {
	batch := func(name string, ended int, took time.Duration) Batch {
		return Batch{Name: name, Orders: ended, Started: ended, Ended: ended, Took: took}
	}
	rep := &Report{
		Orders: 100, CPUs: 2,
		PortToPort: batch("port-to-port", 100, 10*time.Second),
		B2B:        batch("business-to-business", 100, 20*time.Second),
		Stack: &StackBatches{Version: "1.29.1",
			PortToPort: [2]Batch{batch("port-to-port, 1 worker", 100, 20*time.Second), batch("port-to-port, 2 workers", 100, 10*time.Second)},
			B2B:        [2]Batch{batch("b2b, 1 worker", 100, 40*time.Second), batch("b2b, 2 workers", 100, 40*time.Second)},
		},
	}
	var out strings.Builder
	if err := rep.Write(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"On the production stack (Temporal server 1.29.1 on PostgreSQL",
		"a second worker: x2.00 port-to-port, x1.00 business-to-business",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report does not say %q:\n%s", want, out.String())
		}
	}
	if without := (&Report{Orders: 1}); strings.Contains(writeString(t, without), "production stack") {
		t.Error("a report without stack batches mentions the stack")
	}
}

func writeString(t *testing.T, r *Report) string {
	t.Helper()
	var out strings.Builder
	if err := r.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.String()
}
