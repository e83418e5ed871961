package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

const fortnight = 14 * 24 * time.Hour

// issue 26: every kind of order waits 14 days for news that never comes
// in one run, with a handful of read activities (one per phase of the
// polling budget), the reads retried by the server, and no timer or
// continue-as-new per read; and the reads keep the budget's schedule.
func TestWaitAtFloor(t *testing.T) {
	long := func(o *Order) { o.ActivationTimeout = Duration(fortnight) }
	tests := []struct {
		name  string
		setup func(w *wfTest) (Result, error)
	}{
		{"create: a partner's acceptance", func(w *wfTest) (Result, error) {
			w.b2bLookups(goodB2BLookups())
			w.submit(ccapi.StatusPending)
			w.statuses(st(ccapi.StatusPending))
			o := validB2B()
			o.OnTimeout = OnTimeoutKeep
			return w.run(o)
		}},
		{"modify: approval", func(w *wfTest) (Result, error) {
			at := &actionTest{wfTest: w}
			at.reads = []activities.ConnectionFacts{conn(b2b), conn(b2b, change(ccapi.ChangeRequestPending, 200))}
			at.port = activities.PortInfo{Found: true, ID: "p1", Name: "ACME-HKG", RemainingMbps: 1000}
			at.mockActions()
			return w.run(modify(200, long))
		}},
		{"decommission: DELETED", func(w *wfTest) (Result, error) {
			at := &actionTest{wfTest: w}
			at.reads = []activities.ConnectionFacts{conn(), conn(status(ccapi.StatusDeleting))}
			at.port = activities.PortInfo{Found: true, ID: "p1", Name: "ACME-HKG", RemainingMbps: 1000}
			at.mockActions()
			return w.run(decommission(long))
		}},
		{"adopt: following", func(w *wfTest) (Result, error) {
			at := &actionTest{wfTest: w}
			at.reads = []activities.ConnectionFacts{conn(status(ccapi.StatusPending))}
			at.port = activities.PortInfo{Found: true, ID: "p1", Name: "ACME-HKG", RemainingMbps: 1000}
			at.mockActions()
			return w.run(adopt(long))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWFTest(t, Config{})
			timers := 0
			w.env.SetOnTimerScheduledListener(func(string, time.Duration) { timers++ })
			_, err := tt.setup(w)
			var can *workflow.ContinueAsNewError
			if errors.As(err, &can) {
				t.Fatalf("continued as new: %v", err)
			}
			failure(t, err, ErrTypeActivationTimeout, "deadline")
			// Phases: 10 minutes, the rest of the first day, the 13 days
			// after; a tier that ends within one interval gives way.
			if w.awaits == 0 || w.awaits > 4 {
				t.Errorf("%d read activities over 14 days, want one per phase (3, or 4 with the last stretch)", w.awaits)
			}
			if timers > 2 {
				t.Errorf("%d timers, want at most the first read's and the one before the deadline", timers)
			}
			if w.deferrals != w.awaits-1 {
				t.Errorf("%d of %d read activities deferred their first attempt, want all but the first (revisionFirstReadTimer)", w.deferrals, w.awaits)
			}
			reads := w.attempts - w.deferrals
			if want := ReadsOver(fortnight, DefaultConfig()); reads < want-4 || reads > want+4 {
				t.Errorf("%d reads over 14 days, want about %d (ReadsOver)", reads, want)
			}
			// The reads are counted in the status, though none but the
			// news reached the workflow one by one.
			if polls := w.status().Polls; polls < reads-4 || polls > reads {
				t.Errorf("status polls %d, want about %d", polls, reads)
			}
			t.Logf("%d activities, %d attempts (%d deferred), %d timers", w.awaits, w.attempts, w.deferrals, timers)
		})
	}
}

// issue 26: the schedule of the floor keeps the polling budget: a state
// that shows at any moment is read within 30 s in the first 10 minutes,
// 5 minutes in the first day, 30 minutes after; and 14 days cost under
// 1,000 reads.
func TestReadPhases(t *testing.T) {
	cfg := DefaultConfig()
	if reads := ReadsOver(fortnight, cfg); reads > 1000 {
		t.Errorf("a 14-day wait costs %d reads, over 1000", reads)
	}
	var t0 time.Time
	deadline := t0.Add(fortnight)
	for at := t0; ; {
		interval, end := readPhase(at.Sub(t0), at, deadline, cfg)
		if end.Sub(at) < interval {
			break
		}
		if want := pollCap(at.Sub(t0)); interval > want {
			t.Fatalf("at %v the phase reads every %v, over %v", at.Sub(t0), interval, want)
		}
		at = at.Add(time.Duration(int(end.Sub(at)/interval)) * interval)
	}
}

// issue 26: a refresh cancels the pending read and starts the next at
// once; a cancel signal cancels it and withdraws, whatever the phase.
func TestWaitAtFloorInterrupts(t *testing.T) {
	t.Run("refresh", func(t *testing.T) {
		w := newWFTest(t, Config{})
		w.b2bLookups(goodB2BLookups())
		w.submit(ccapi.StatusPending)
		accepted := false
		var readAt []time.Time
		w.onStatus(func(context.Context, activities.ConnectionRef) (activities.ConnectionStatus, error) {
			readAt = append(readAt, w.env.Now())
			if accepted {
				return st(ccapi.StatusActive), nil
			}
			return st(ccapi.StatusPending), nil
		})
		var refreshed time.Time
		w.env.RegisterDelayedCallback(func() {
			accepted, refreshed = true, w.env.Now()
			w.env.SignalWorkflow(SignalRefresh, nil)
		}, 3*24*time.Hour+7*time.Minute)
		res, err := w.run(validB2B())
		if err != nil || res.Stage != StageActive {
			t.Fatalf("%+v, %v", res, err)
		}
		if last := readAt[len(readAt)-1]; last.Sub(refreshed) > time.Second {
			t.Errorf("ACTIVE read %v after the refresh", last.Sub(refreshed))
		}
	})
	t.Run("cancel", func(t *testing.T) {
		w := newWFTest(t, Config{})
		w.b2bLookups(goodB2BLookups())
		w.submit(ccapi.StatusPending)
		w.statuses(st(ccapi.StatusPending))
		w.allowDelete()
		w.env.RegisterDelayedCallback(func() {
			w.env.SignalWorkflow(SignalCancel, CancelRequest{Reason: "ticket closed"})
		}, 2*24*time.Hour)
		started := w.env.Now()
		res, err := w.run(validB2B())
		if err != nil || res.Stage != StageCancelled || w.deletes != 1 || !strings.Contains(res.Reason, "ticket closed") {
			t.Fatalf("%+v, %v, %d DELETEs", res, err, w.deletes)
		}
		if took := w.env.Now().Sub(started); took > 2*24*time.Hour+time.Minute {
			t.Errorf("the cancel took effect after %v", took-2*24*time.Hour)
		}
	})
}

// issue 26: a run that an order of an older revision continued as new
// (Input.Wait, written by the loops) records today's revision in its own
// settings and waits at the floor from its start.
func TestContinuedRunWaitsAtFloor(t *testing.T) {
	t.Run("create", func(t *testing.T) {
		w := newWFTest(t, Config{})
		w.statuses(st(ccapi.StatusPending), st(ccapi.StatusActive))
		now := w.env.Now()
		wait := &WaitState{ConnectionID: "conn-1", APIStatus: ccapi.StatusPending, Deadline: now.Add(fortnight), NextPoll: Duration(30 * time.Minute),
			Polls: 300, OrderedAt: now.Add(-3 * 24 * time.Hour), StartedAt: now.Add(-3 * 24 * time.Hour)}
		w.env.ExecuteWorkflow(WorkflowName, Input{Order: validB2B(), Wait: wait})
		var res Result
		if err := w.env.GetWorkflowResult(&res); err != nil || res.Stage != StageActive || w.awaits == 0 || w.submits != 0 {
			t.Errorf("%+v, %v; %d read activities, %d PUTs", res, err, w.awaits, w.submits)
		}
	})
	t.Run("modify", func(t *testing.T) {
		at := newActionTest(t, conn(b2b, change(ccapi.ChangeRequestPending, 200)), conn(b2b, change(ccapi.ChangeRequestApproved, 200)))
		now := at.env.Now()
		wait := &WaitState{Phase: phaseApproval, ConnectionID: "c1", SpeedMbps: 200, FromMbps: 100, Deadline: now.Add(fortnight),
			NextPoll: Duration(30 * time.Minute), OrderedAt: now.Add(-2 * 24 * time.Hour), StartedAt: now.Add(-2 * 24 * time.Hour)}
		at.env.ExecuteWorkflow(ModifyWorkflowName, Input{Order: modify(200), Wait: wait})
		var res Result
		if err := at.env.GetWorkflowResult(&res); err != nil || res.Stage != StageModified || at.awaits == 0 || at.changes != 0 {
			t.Errorf("%+v, %v; %d read activities, %d change requests", res, err, at.awaits, at.changes)
		}
	})
}

// revisionFirstReadTimer: a wait's first read comes after a timer and
// reads at its first attempt, which the server can hand a worker eagerly;
// a run of an earlier revision still defers that attempt, as it recorded.
func TestFirstReadAfterATimer(t *testing.T) {
	for _, tt := range []struct {
		revision          int
		deferrals, timers int
	}{
		{revisionWaitAtFloor, 1, 0},
		{revisionFirstReadTimer, 0, 1},
	} {
		w := newWFTestAt(t, Config{}, tt.revision)
		var slept []time.Duration
		w.env.SetOnTimerScheduledListener(func(_ string, d time.Duration) { slept = append(slept, d) })
		w.ports(goodPorts())
		w.submit(ccapi.StatusCreating)
		w.statuses(st(ccapi.StatusActive))
		res, err := w.run(validP2P())
		if err != nil || res.Stage != StageActive {
			t.Fatalf("revision %d: %+v, %v", tt.revision, res, err)
		}
		if w.deferrals != tt.deferrals || len(slept) != tt.timers || w.attempts != 1+tt.deferrals {
			t.Errorf("revision %d: %d deferred attempts, %d attempts, timers %v; want %d deferred, %d timers",
				tt.revision, w.deferrals, w.attempts, slept, tt.deferrals, tt.timers)
		}
		if tt.timers == 1 && slept[0] != DefaultConfig().PollInitial {
			t.Errorf("revision %d: first read after %s, want POLL_INITIAL (%s)", tt.revision, slept[0], DefaultConfig().PollInitial)
		}
	}
}

// A refresh or a cancel during the first read's timer is taken at once:
// the refresh reads, the cancel withdraws.
func TestFirstReadTimerGivesWayToSignals(t *testing.T) {
	for _, signal := range []string{SignalRefresh, SignalCancel} {
		w := newWFTest(t, Config{})
		w.b2bLookups(goodB2BLookups())
		w.submit(ccapi.StatusPending)
		var signalled, acted time.Time
		w.env.OnActivity(a.DeleteConnection, mock.Anything, mock.Anything).Return(
			func(context.Context, activities.ConnectionRef) error { acted = w.env.Now(); return nil })
		w.onStatus(func(context.Context, activities.ConnectionRef) (activities.ConnectionStatus, error) {
			if acted.IsZero() {
				acted = w.env.Now()
			}
			return st(ccapi.StatusActive), nil
		})
		w.env.RegisterDelayedCallback(func() {
			signalled = w.env.Now()
			var arg any
			if signal == SignalCancel {
				arg = CancelRequest{Reason: "ticket closed"}
			}
			w.env.SignalWorkflow(signal, arg)
		}, 2*time.Second)
		res, err := w.run(validB2B())
		if err != nil {
			t.Fatalf("%s: %v", signal, err)
		}
		if lag := acted.Sub(signalled); acted.IsZero() || lag < 0 || lag > time.Second {
			t.Errorf("%s at %s: acted %v after it, want at once (%+v)", signal, signalled, lag, res)
		}
	}
}
