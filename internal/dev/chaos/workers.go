package chaos

import (
	"context"
	"sync"

	"github.com/cc-l2/provisioner/internal/dev/stack"
	"github.com/cc-l2/provisioner/workflows"
)

// WorkerReport is what one worker (all the processes its supervisor
// started) did in a run.
type WorkerReport struct {
	Kills int
	// Activities completed, from the orders' histories: activity tasks and
	// local activities (see stack.CompletedActivities), of every run of
	// every order.
	Activities int
}

// workerReports tells each worker's kills and, with more than one worker,
// completed activities.
func (r *run) workerReports(ctx context.Context) []WorkerReport {
	out := make([]WorkerReport, len(r.workers))
	owner := map[int]int{} // pid -> worker
	for i, w := range r.workers {
		out[i].Kills = w.killCount()
		for _, pid := range w.processes() {
			owner[pid] = i
		}
	}
	if len(r.workers) < 2 {
		return out
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, st := range r.states {
		if st.startErr != nil {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			byPid := r.orderActivities(ctx, workflows.WorkflowID(r.orders[i].Order.OrderID))
			mu.Lock()
			defer mu.Unlock()
			for pid, n := range byPid {
				if w, ok := owner[pid]; ok {
					out[w].Activities += n
				}
			}
		}()
	}
	wg.Wait()
	return out
}

// orderActivities counts an order's completed activities by worker pid
// over all its runs, following continue-as-new back from the latest.
func (r *run) orderActivities(ctx context.Context, id string) map[int]int {
	total := map[int]int{}
	runID := ""
	for range 1000 { // bounded: a chain of runs ends at the first
		byPid, previous := stack.CompletedActivitiesOfRun(ctx, r.temporal, id, runID)
		for pid, n := range byPid {
			total[pid] += n
		}
		if previous == "" {
			break
		}
		runID = previous
	}
	return total
}
