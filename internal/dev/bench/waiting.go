package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cc-l2/provisioner/workflows"
)

// Waiting is the worker's memory while many business-to-business orders
// wait for a partner's acceptance that never comes.
type Waiting struct {
	Orders int // submitted
	// Waited is how many were waiting, all at once, at the end of the
	// hold.
	Waited int
	// Failed did not start, or ended before the measurement was over.
	Failed int
	// Placed is from the submit until every order waited, or until
	// Config.PlaceWithin ran out; then Unplaced orders had not got to
	// wait yet (the worker and the server could not keep up).
	Placed   time.Duration
	Unplaced int
	Held     time.Duration // how long they were held waiting while memory was read
	// Memory is the worker's at the end of the hold; its peak (VmHWM)
	// covers the whole life of the worker, which served these orders only.
	Memory memory
	// MostSampled is the highest VmRSS read during the hold.
	MostSampled int
	// MemoryUnread says why the memory could not be read (no /proc).
	MemoryUnread string
}

// waitingBatch places n orders to the silent partner with a fresh worker,
// waits until all of them wait for acceptance (or Config.PlaceWithin ran
// out: a slower machine measures fewer, it does not fail), holds them
// there while it reads the worker's memory every second, then terminates
// them. The orders' deadline is the business-to-business default of 14
// days, far beyond the hold.
func (r *run) waitingBatch(ctx context.Context, queue string, n int) (Waiting, error) {
	w, err := startWorker(ctx, r.temporal, r.cfg.Binaries.Worker, r.cfg.Dir, queue, workerEnv(r.hostPort, queue, r.sim.url))
	if err != nil {
		return Waiting{}, err
	}
	defer w.stop()
	res := Waiting{Orders: n}
	submitted := time.Now()
	started, _, err := r.submit(ctx, queue, b2bWaiting.orders(n))
	if err != nil {
		return res, err
	}
	orders := queries{queue: queue, workflowType: workflows.WorkflowName}
	waiting := orders.inStage(workflows.StageAwaitingActivation)
	// An order that ended instead of waiting counts as there too: it
	// will never wait, and is counted as failed below.
	err = awaitCount(ctx, r.temporal, started, r.cfg.PlaceWithin, w.alive, func(n int) {
		fmt.Fprintf(r.progress, "bench: waiting: %d of %d orders waiting for acceptance\n", n, started)
	}, waiting, orders.closed())
	if err != nil && !errors.Is(err, errTimedOut) {
		return res, fmt.Errorf("waiting orders: %w", err)
	}
	res.Placed = time.Since(submitted)
	placed, err := count(ctx, r.temporal, waiting)
	if err != nil {
		return res, err
	}
	fmt.Fprintf(r.progress, "bench: waiting: %d of %d orders waiting after %s; holding them %s\n", placed, started, res.Placed.Round(time.Second), r.cfg.Hold)

	holdStart := time.Now()
	for time.Since(holdStart) < r.cfg.Hold && ctx.Err() == nil && res.MemoryUnread == "" {
		m, err := readMemory(w.pid())
		if err != nil {
			res.MemoryUnread = err.Error() // not Linux: the rest is still measured
			break
		}
		res.MostSampled = max(res.MostSampled, m.RSSKiB)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	if res.MemoryUnread == "" {
		if res.Memory, err = readMemory(w.pid()); err != nil {
			res.MemoryUnread = err.Error()
		}
	}
	res.Held = time.Since(holdStart)
	if res.Waited, err = count(ctx, r.temporal, waiting); err != nil {
		return res, err
	}
	endedEarly, err := count(ctx, r.temporal, orders.closed())
	if err != nil {
		return res, err
	}
	res.Failed = n - started + endedEarly
	res.Unplaced = max(0, started-endedEarly-res.Waited)
	fmt.Fprintf(r.progress, "bench: waiting: worker RSS %d MiB, peak %d MiB\n", mib(res.Memory.RSSKiB), mib(res.Memory.PeakKiB))
	return res, terminateRunning(ctx, r.temporal, queue, r.progress)
}
