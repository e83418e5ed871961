package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	model "github.com/cc-l2/provisioner/order" // the tests' order helper has the name order
)

// defaultParallel is how many starts submit keeps in flight: enough to
// start thousands of orders in a minute or two, few enough that a small
// (SQLite) server answers each well within its deadline.
const defaultParallel = 8

// startAll starts every order with at most parallel starts in flight. emit
// hears of each result in the orders' order, as soon as it and every one
// before it are known, so output streams yet reads like a sequential run.
func (s *starter) startAll(ctx context.Context, orders []model.Order, dryRun bool, parallel int, emit func(started)) []started {
	results := make([]started, len(orders))
	done := make([]chan struct{}, len(orders))
	for i := range done {
		done[i] = make(chan struct{})
	}
	submitID := newSubmitID()
	slots := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	go func() {
		for i, o := range orders {
			slots <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				results[i] = s.start(ctx, o, dryRun, submitID)
				close(done[i])
			}()
		}
	}()
	for i := range orders {
		<-done[i]
		emit(results[i])
	}
	wg.Wait()
	return results
}

// startProgress shows, on a terminal, how far the starts have got: one
// line rewritten in place, at most every progressEvery. Elsewhere it
// writes nothing until the summary.
type startProgress struct {
	w                        io.Writer
	live                     bool
	total                    int
	started, existed, failed int
	notStarted               []string
	shown                    time.Time
}

const progressEvery = 200 * time.Millisecond

func newStartProgress(w io.Writer, total int) *startProgress {
	return &startProgress{w: w, live: isTerminal(w) && total > 1, total: total}
}

func (p *startProgress) add(r started) {
	switch r.Outcome {
	case outcomeStarted:
		p.started++
	case outcomeExists:
		p.existed++
	default:
		p.failed++
		p.notStarted = append(p.notStarted, r.OrderID)
	}
	if p.live && (time.Since(p.shown) >= progressEvery || p.count() == p.total) {
		p.shown = time.Now()
		fmt.Fprintf(p.w, "\r\033[K%s", p.line())
	}
}

func (p *startProgress) count() int { return p.started + p.existed + p.failed }

func (p *startProgress) line() string {
	return fmt.Sprintf("%d of %d orders: %d started, %d existed, %d did not start", p.count(), p.total, p.started, p.existed, p.failed)
}

// finish ends the progress line and, when some orders did not start, says
// exactly which.
func (p *startProgress) finish() {
	if p.live {
		fmt.Fprintln(p.w)
	}
	if p.failed > 0 {
		fmt.Fprintf(p.w, "starter: %d of %d orders did not start: %s\n", p.failed, p.total, strings.Join(p.notStarted, ", "))
	}
}
