package bench

import (
	"slices"
	"time"
)

// Batch is what one batch of orders (or bare workflows) gave, timed from
// the moment it was submitted to each one's end.
type Batch struct {
	Name    string
	Orders  int // submitted
	Started int
	Ended   int
	// Failed did not start, did not end in the time they had, or ended
	// other than as they should (an order not ACTIVE, a bare workflow
	// not completed).
	Failed   int
	Took     time.Duration // from the submit to the last end
	P50, P99 time.Duration // from the submit to each end
	// Calls are the API requests of the batch, by endpoint.
	Calls map[string]int
	// CPU is the batch's processor time, by process; nil, with CPUUnread
	// saying why, when it could not be read.
	CPU       *CPU
	CPUUnread string
	runs      []ended
}

// OrdersPerSecond is the rate at which the batch's workflows ended.
func (b Batch) OrdersPerSecond() float64 {
	if b.Took <= 0 {
		return 0
	}
	return float64(b.Ended) / b.Took.Seconds()
}

// CallsPerOrder are the batch's API requests per order, in all.
func (b Batch) CallsPerOrder() float64 {
	return float64(sumCalls(b.Calls)) / float64(max(b.Orders, 1))
}

// CPUPerOrder is a share of the batch's processor time per ended order.
func (b Batch) CPUPerOrder(share time.Duration) time.Duration {
	return share / time.Duration(max(b.Ended, 1))
}

// timeEnds fills in the batch's timings and failures from its ended
// workflows, submitted at submitted.
func (b *Batch) timeEnds(submitted time.Time, runs []ended, succeeded func(ended) bool) {
	b.runs = runs
	b.Ended = len(runs)
	b.Failed = b.Orders
	took := make([]time.Duration, 0, len(runs))
	for _, r := range runs {
		if succeeded(r) {
			b.Failed--
		}
		took = append(took, r.CloseTime.Sub(submitted))
	}
	slices.Sort(took)
	if len(took) > 0 {
		b.Took = took[len(took)-1]
	}
	b.P50, b.P99 = percentile(took, 0.50), percentile(took, 0.99)
}

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
