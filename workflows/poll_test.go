package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// The budget of issue 13: a fourteen-day wait costs at most 1,000 reads,
// and activation is noticed within 30 s in the first 10 minutes, 5
// minutes in the first day, 30 minutes after, computed from the schedule
// itself.
func TestPollBudget(t *testing.T) {
	cfg := DefaultConfig()
	day := 24 * time.Hour
	if reads := readsOverLoops(14*day, cfg); reads > 1000 {
		t.Errorf("a 14-day wait costs %d reads, over the budget of 1000", reads)
	} else {
		t.Logf("a 14-day wait costs %d reads", reads)
	}

	bounds := []struct {
		until, within time.Duration
	}{{10 * time.Minute, 30 * time.Second}, {day, 5 * time.Minute}, {14 * day, 30 * time.Minute}}
	// Activation at any moment a is seen at the first read after it: the
	// gap from a to that read must be within the bound at a.
	prev := time.Duration(0)
	for at, interval := time.Duration(0), firstPoll(cfg); at < 14*day; {
		at += interval
		for _, b := range bounds {
			// The worst activation is just after the previous read.
			if prev < b.until && interval > b.within {
				t.Fatalf("read at %v follows the one at %v by %v: over %v for an activation before %v", at, prev, interval, b.within, b.until)
			}
		}
		prev = at
		interval = nextPoll(interval, at, cfg)
	}
}

func TestNextPoll(t *testing.T) {
	cfg := DefaultConfig()
	fast := cfg
	fast.PollInitial, fast.PollMax = time.Second, 3*time.Second
	tests := []struct {
		name      string
		cfg       Config
		last, age time.Duration
		want      time.Duration
	}{
		{"doubles", cfg, 10 * time.Second, time.Minute, 20 * time.Second},
		{"30s in the first 10 minutes", cfg, 20 * time.Second, 5 * time.Minute, 30 * time.Second},
		{"5m in the first day", cfg, 4 * time.Minute, 2 * time.Hour, 5 * time.Minute},
		{"30m after", cfg, 20 * time.Minute, 3 * 24 * time.Hour, 30 * time.Minute},
		{"POLL_MAX caps every tier", fast, 2 * time.Second, 5 * 24 * time.Hour, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextPoll(tt.last, tt.age, tt.cfg); got != tt.want {
				t.Fatalf("nextPoll(%v, %v) = %v, want %v", tt.last, tt.age, got, tt.want)
			}
		})
	}
}

// A waiting order of a run before revisionWaitAtFloor reads its status
// on the budget's schedule: over three days of a partner's silence, as
// many reads as readsOverLoops says.
func TestWaitFollowsThePollBudget(t *testing.T) {
	w := newWFTestAt(t, Config{PollsPerRun: 100000}, revisionActionsOnce)
	w.b2bLookups(goodB2BLookups())
	w.submit(ccapi.StatusPending)
	var reads []time.Time
	w.onStatus(func(context.Context, activities.ConnectionRef) (activities.ConnectionStatus, error) {
		reads = append(reads, w.env.Now())
		return st(ccapi.StatusPending), nil
	})
	o := validB2B()
	o.ActivationTimeout, o.OnTimeout = Duration(3*24*time.Hour), OnTimeoutKeep
	_, err := w.run(o)
	failure(t, err, ErrTypeActivationTimeout)
	want := readsOverLoops(3*24*time.Hour, DefaultConfig())
	// The reads, and the one at the deadline that checks ACTIVE once more.
	if got := len(reads); got < want || got > want+2 {
		t.Errorf("%d status reads over 3 days, want %d (+ the deadline's)", got, want)
	}
}

// A refresh signal makes a waiting order read its status at once.
func TestRefreshReadsAtOnce(t *testing.T) {
	w := newWFTest(t, Config{PollsPerRun: 100000})
	w.b2bLookups(goodB2BLookups())
	w.submit(ccapi.StatusPending)
	var accepted, refreshed, sawActive time.Time
	w.onStatus(func(context.Context, activities.ConnectionRef) (activities.ConnectionStatus, error) {
		if !accepted.IsZero() {
			sawActive = w.env.Now()
			return st(ccapi.StatusActive), nil
		}
		return st(ccapi.StatusPending), nil
	})
	// Two days in, reads are 30 minutes apart; the partner accepts, and
	// the ticketing system says so.
	w.env.RegisterDelayedCallback(func() {
		accepted = w.env.Now()
		w.env.SignalWorkflow(SignalRefresh, nil)
		refreshed = w.env.Now()
	}, 2*24*time.Hour+time.Minute)
	res, err := w.run(validB2B())
	if err != nil {
		t.Fatal(err)
	}
	if res.Stage != StageActive {
		t.Fatalf("result %+v", res)
	}
	if lag := sawActive.Sub(refreshed); lag < 0 || lag > time.Second {
		t.Errorf("ACTIVE read %v after the refresh, want at once", lag)
	}
}
