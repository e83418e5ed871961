package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Many orders in one submit all start, against the dev server the tests
// share (SQLite, in memory). STARTER_LOAD_ORDERS sets how many (the
// performance issue's 5,000: STARTER_LOAD_ORDERS=5000 go test -run
// TestSubmitManyOrders ./cmd/starter).
func TestSubmitManyOrders(t *testing.T) {
	n := 500
	if v, err := strconv.Atoi(os.Getenv("STARTER_LOAD_ORDERS")); err == nil && v > 0 {
		n = v
	}
	e := newTestEnv(t)
	base := e.orderID("LOAD")
	lines := make([]string, n)
	for i := range lines {
		lines[i] = order(fmt.Sprintf("%s-%05d", base, i))
	}
	began := time.Now()
	r := e.run("", "submit", e.file("many.json", ndjson(lines...)))
	took := time.Since(began)
	if r.code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	out := strings.Split(strings.TrimSpace(r.stdout), "\n")
	started := 0
	for i, line := range out {
		f := strings.Split(line, "\t")
		if len(f) < 4 || f[0] != fmt.Sprintf("%s-%05d", base, i) {
			t.Fatalf("line %d %q: want order %d, in order", i, line, i)
		}
		if f[3] == outcomeStarted {
			started++
		}
	}
	if len(out) != n || started != n {
		t.Fatalf("%d lines, %d started, want %d", len(out), started, n)
	}
	t.Logf("%d orders started in %v (%.0f/s)", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
}
