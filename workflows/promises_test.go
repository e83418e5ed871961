package workflows

// Promises pinned where they are written: each test here fails on the
// one-line mutation of its promise listed in scripts/mutations.txt (make
// mutate), where nothing else short of the dev server would notice.

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// The PUT is never retried by Temporal (only the workflow decides whether
// another PUT may go out), and a cancel of a PUT in flight waits for its
// real outcome (so a CanceledError means it was never sent).
func TestPutIsSentOnceAndWaitedFor(t *testing.T) {
	var (
		suite testsuite.WorkflowTestSuite
		got   workflow.ActivityOptions
	)
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		got = workflow.GetActivityOptions(placeOptions(ctx, Config{APITimeout: time.Minute}))
		return nil
	}, workflow.RegisterOptions{Name: "place-options"})
	env.ExecuteWorkflow("place-options")
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if got.RetryPolicy == nil || got.RetryPolicy.MaximumAttempts != 1 {
		t.Errorf("the PUT's retry policy is %+v: want MaximumAttempts 1, or Temporal may send a second PUT", got.RetryPolicy)
	}
	if !got.WaitForCancellation {
		t.Error("the PUT's WaitForCancellation is false: a cancel would not wait for the PUT's real outcome")
	}
}

// metricsRecorder is a metrics handler that counts what reaches it.
type metricsRecorder struct {
	mu     *sync.Mutex
	counts map[string]int64 // name{tag=value,...} → count
	tags   map[string]string
}

func newMetricsRecorder() metricsRecorder {
	return metricsRecorder{mu: &sync.Mutex{}, counts: map[string]int64{}}
}

func (m metricsRecorder) WithTags(tags map[string]string) client.MetricsHandler {
	merged := maps.Clone(m.tags)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, tags)
	return metricsRecorder{mu: m.mu, counts: m.counts, tags: merged}
}

// key names a metric with the tags of the order's metrics, in order.
func (m metricsRecorder) key(name string) string {
	var tags []string
	for _, k := range slices.Sorted(maps.Keys(m.tags)) {
		if k == "kind" || k == "outcome" || k == "result" {
			tags = append(tags, k+"="+m.tags[k])
		}
	}
	return name + "{" + strings.Join(tags, ",") + "}"
}

func (m metricsRecorder) Counter(name string) client.MetricsCounter {
	return counterFunc(func(d int64) {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.counts[m.key(name)] += d
	})
}

func (m metricsRecorder) Gauge(name string) client.MetricsGauge {
	return client.MetricsNopHandler.Gauge(name)
}

func (m metricsRecorder) Timer(name string) client.MetricsTimer {
	return timerFunc(func(time.Duration) {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.counts[m.key(name)]++
	})
}

// ours is the order's own metrics among all recorded (the SDK records its
// own through the same handler).
func (m metricsRecorder) ours() map[string]int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int64{}
	for k, v := range m.counts {
		if strings.HasPrefix(k, "l2_") {
			out[k] = v
		}
	}
	return out
}

type counterFunc func(int64)

func (f counterFunc) Inc(d int64) { f(d) }

type timerFunc func(time.Duration)

func (f timerFunc) Record(d time.Duration) { f(d) }

// The order's metrics reach the handler the SDK gives the workflow — in a
// worker, the replay-aware one, silent while a history replays, so that a
// worker restart or a query never counts an order twice — and a run that
// resumes a wait after a continue-as-new does not count the order started
// again.
func TestMetricsGoThroughTheWorkflowsHandler(t *testing.T) {
	withRecorder := func(m metricsRecorder) func(*testsuite.WorkflowTestSuite) {
		return func(s *testsuite.WorkflowTestSuite) { s.SetMetricsHandler(m) }
	}
	first := newMetricsRecorder()
	w := newWFTest(t, Config{}, withRecorder(first))
	w.ports(goodPorts())
	w.submit(ccapi.StatusCreating)
	w.statuses(st(ccapi.StatusActive))
	if res, err := w.run(validP2P()); err != nil || res.Stage != StageActive {
		t.Fatalf("result %+v, %v", res, err)
	}
	want := map[string]int64{
		"l2_orders_started{kind=port-to-port}":              1,
		"l2_puts{result=sent}":                              1,
		"l2_orders_ended{kind=port-to-port,outcome=active}": 1,
		"l2_time_to_active{kind=port-to-port}":              1,
	}
	if got := first.ours(); !maps.Equal(got, want) {
		t.Errorf("an order to ACTIVE recorded %v, want %v", got, want)
	}

	resumed := newMetricsRecorder()
	w2 := newWFTest(t, Config{}, withRecorder(resumed))
	w2.statuses(st(ccapi.StatusActive))
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	w2.env.SetStartTime(start)
	w2.env.ExecuteWorkflow(WorkflowName, Input{Order: validP2P(), Wait: &WaitState{
		ConnectionID: "conn-1", APIStatus: ccapi.StatusCreating, Deadline: start.Add(24 * time.Hour),
		NextPoll: Duration(10 * time.Second), OrderedAt: start.Add(-time.Hour), StartedAt: start.Add(-time.Hour),
	}})
	if err := w2.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	want = map[string]int64{
		"l2_orders_ended{kind=port-to-port,outcome=active}": 1,
		"l2_time_to_active{kind=port-to-port}":              1,
	}
	if got := resumed.ours(); !maps.Equal(got, want) {
		t.Errorf("a run resuming the wait recorded %v, want %v (started and PUT counted in the first run only)", got, want)
	}
}

// A run that resumes a wait (after a continue-as-new, or an order started
// before the polling budget) reads no later than the budget's cap for the
// wait's age, whatever interval the last run had reached: a wait a minute
// old is read within 30 s, not after the 30 minutes it carried over. The
// loops that carry this promise are those of runs started before
// revisionWaitAtFloor (still in flight, and replayed), so they run as such.
func TestResumedWaitReadsWithinTheCap(t *testing.T) {
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	wait := WaitState{
		ConnectionID: "conn-1", APIStatus: ccapi.StatusPending, Deadline: start.Add(7 * 24 * time.Hour),
		NextPoll: Duration(30 * time.Minute), OrderedAt: start.Add(-time.Minute), StartedAt: start.Add(-time.Minute),
	}
	const within = 30 * time.Second // pollCap for a wait under 10 minutes old

	t.Run("create order", func(t *testing.T) {
		w := newWFTestAt(t, Config{}, revisionActionsOnce)
		w.env.SetStartTime(start)
		var firstRead time.Time
		w.env.OnActivity(a.GetConnectionStatus, mock.Anything, mock.Anything).Return(
			func(context.Context, activities.ConnectionRef) (activities.ConnectionStatus, error) {
				if firstRead.IsZero() {
					firstRead = w.env.Now()
				}
				return st(ccapi.StatusActive), nil
			})
		w.env.ExecuteWorkflow(WorkflowName, Input{Order: validB2B(), Wait: &wait})
		if err := w.env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		if lag := firstRead.Sub(start); firstRead.IsZero() || lag > within {
			t.Errorf("first read %v after the run resumed, want within %v", lag, within)
		}
	})

	t.Run("action order", func(t *testing.T) {
		at := newActionTestAt(t, revisionActionsOnce, conn(notFound))
		at.env.SetStartTime(start)
		var firstRead time.Time
		at.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
			if info.ActivityType.Name == "ReadConnection" && firstRead.IsZero() {
				firstRead = at.env.Now()
			}
		})
		w := wait
		w.Phase, w.ConnectionID, w.APIStatus = phaseDeleting, "c1", ccapi.StatusDeleting
		o := decommission()
		at.env.ExecuteWorkflow(WorkflowType(o), Input{Order: o, Wait: &w})
		if err := at.env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		if lag := firstRead.Sub(start); firstRead.IsZero() || lag > within {
			t.Errorf("first read %v after the run resumed, want within %v", lag, within)
		}
	})
}
