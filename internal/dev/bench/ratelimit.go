package bench

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

// RateLimited is a batch of port-to-port orders placed while the
// simulator allows the API Limit requests a second (429 with Retry-After
// beyond it) and the worker runs with CC_API_MAX_RPS=Limit.
type RateLimited struct {
	Batch
	Limit float64
	// EndWithin is how long after the submit its orders had to end.
	EndWithin time.Duration
	Answered  int // API requests answered other than 429
	Throttled int // answered 429
	// Sustained is the rate of answered requests between the first and
	// the last tenth of them: the run's steady state, without the
	// limiter's initial burst or the tail of the last orders.
	Sustained float64
}

// Use is the sustained rate as a fraction of the limit.
func (r RateLimited) Use() float64 {
	if r.Limit <= 0 {
		return 0
	}
	return r.Sustained / r.Limit
}

// rateLimitedBatch runs n port-to-port orders under the limit. They have
// the time the limit needs for their fewest calls, plus patience, to end:
// an order that takes longer under a rate limit has failed its purpose,
// and a slow machine only makes it so for more of them.
func (r *run) rateLimitedBatch(ctx context.Context, queue string, n int, limit float64, patience time.Duration) (RateLimited, error) {
	r.sim.SetFaults(ccapisim.Faults{RateLimit: limit})
	defer r.sim.SetFaults(ccapisim.Faults{})
	fewest := time.Duration(float64(n*minimumCallsOf(portToPort)) / limit * float64(time.Second))
	res := RateLimited{Limit: limit, EndWithin: fewest + patience}
	r.sim.answers.start()
	b, err := r.projectBatch(ctx, fmt.Sprintf("port-to-port, limit %g/s", limit), queue, rateLimited, n, batchOptions{
		workerEnv: []string{"CC_API_MAX_RPS=" + strconv.FormatFloat(limit, 'f', -1, 64)},
		endWithin: res.EndWithin,
	})
	answered, throttled := r.sim.answers.finish()
	res.Batch, res.Answered, res.Throttled, res.Sustained = b, len(answered), throttled, sustainedRate(answered)
	return res, err
}

// sustainedRate is the rate of the events between the first and the
// last tenth of them, per second.
func sustainedRate(at []time.Time) float64 {
	at = slices.Clone(at)
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	lo, hi := len(at)/10, len(at)-1-len(at)/10
	if hi <= lo {
		return 0
	}
	span := at[hi].Sub(at[lo]).Seconds()
	if span <= 0 {
		return 0
	}
	return float64(hi-lo) / span
}
