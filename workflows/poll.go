package workflows

import "time"

// The polling budget. A business-to-business order may wait two weeks for
// a partner to accept; reading its status every five minutes would cost
// over 4,000 reads. Instead the interval between reads backs off from
// PollInitial, doubling, but never beyond what the wait's age allows, so
// that activation is still noticed quickly when it is likely:
//
//	first 10 minutes:  within 30 seconds
//	first day:         within 5 minutes
//	after:             within 30 minutes
//
// A fourteen-day wait costs under 1,000 reads (TestPollBudget computes it
// from this schedule); a `refresh` signal reads at once in between.
// Since revisionWaitAtFloor each tier is a phase of reads at its cap
// (within PollMax), retried by the server (wait_floor.go).
var pollTiers = []pollTier{
	{10 * time.Minute, 30 * time.Second},
	{24 * time.Hour, 5 * time.Minute},
}

// pollTier is one tier of the polling budget.
type pollTier struct {
	until time.Duration // age of the wait, since the connection was ordered
	max   time.Duration // longest interval before the next read
}

// pollTierMax is the longest interval after the first day.
const pollTierMax = 30 * time.Minute

// pollCap is the longest interval between reads for a wait of this age.
func pollCap(age time.Duration) time.Duration {
	for _, t := range pollTiers {
		if age < t.until {
			return t.max
		}
	}
	return pollTierMax
}

// nextPoll is the interval before the next status read, taken at age,
// after one of last: doubled, within the age's cap and PollMax.
func nextPoll(last, age time.Duration, cfg Config) time.Duration {
	return max(min(last*2, pollCap(age), cfg.PollMax), time.Second)
}

// firstPoll is the interval before the first read of a wait.
func firstPoll(cfg Config) time.Duration {
	return min(cfg.PollInitial, pollCap(0), cfg.PollMax)
}

// ReadsOver is how many status reads a wait of length d costs on this
// schedule as orders since revisionWaitAtFloor read it (make bench prints
// it as reads_14d): in each phase (readPhase), one read an interval after
// the last, for as long as the phase lasts; none in a last stretch
// shorter than an interval. The read at the deadline is not counted.
func ReadsOver(d time.Duration, cfg Config) int {
	cfg = cfg.withDefaults()
	var t0 time.Time
	deadline := t0.Add(d)
	reads := 0
	for at := t0; ; {
		interval, end := readPhase(at.Sub(t0), at, deadline, cfg)
		n := int(end.Sub(at) / interval)
		if n == 0 {
			return reads
		}
		reads += n
		at = at.Add(time.Duration(n) * interval)
	}
}

// readsOverLoops is ReadsOver for the loops of runs before
// revisionWaitAtFloor, one read per timer.
func readsOverLoops(d time.Duration, cfg Config) int {
	cfg = cfg.withDefaults()
	reads := 0
	for at, interval := time.Duration(0), firstPoll(cfg); ; {
		at += interval
		if at > d {
			return reads
		}
		reads++
		interval = nextPoll(interval, at, cfg)
	}
}
