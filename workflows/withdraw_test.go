package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// canceledView reads the status view a Temporal-cancelled order ends with.
func canceledView(t *testing.T, err error) StatusView {
	t.Helper()
	var canceled *temporal.CanceledError
	if !errors.As(err, &canceled) {
		t.Fatalf("error %v, want the workflow cancelled", err)
	}
	var view StatusView
	if err := canceled.Details(&view); err != nil {
		t.Fatalf("details: %v", err)
	}
	return view
}

// A Temporal cancel (the UI, temporal workflow cancel) while the order
// waits for acceptance withdraws the pending request before the workflow
// ends cancelled.
func TestTemporalCancelWithdraws(t *testing.T) {
	w := newWFTest(t, Config{})
	w.b2bLookups(goodB2BLookups())
	w.submit(ccapi.StatusPending)
	w.statuses(st(ccapi.StatusPending))
	w.allowDelete()
	w.env.RegisterDelayedCallback(w.env.CancelWorkflow, time.Hour)
	w.env.ExecuteWorkflow(WorkflowName, Input{Order: validB2B()})
	view := canceledView(t, w.env.GetWorkflowError())
	if w.deletes != 1 || !view.Withdrawn || view.APIStatus != ccapi.StatusCancelled || !strings.Contains(view.Reason, "conn-1 withdrawn") {
		t.Errorf("%d deletes; view %+v", w.deletes, view)
	}
	if w.releases != 1 {
		t.Errorf("name lock released %d times", w.releases)
	}
}

// A Temporal cancel before the PUT: nothing was ordered, and it says so.
func TestTemporalCancelBeforeOrdering(t *testing.T) {
	w := newWFTest(t, Config{})
	w.env.OnActivity(a.LookupPorts, mock.Anything, mock.Anything).After(time.Minute).Return(goodPorts(), nil)
	w.submit(ccapi.StatusCreating)
	w.env.RegisterDelayedCallback(w.env.CancelWorkflow, time.Second)
	w.env.ExecuteWorkflow(WorkflowName, Input{Order: validP2P()})
	view := canceledView(t, w.env.GetWorkflowError())
	if w.submits != 0 || !view.NothingOrdered || !strings.Contains(view.Reason, "nothing was ordered") {
		t.Errorf("%d PUTs; view %+v", w.submits, view)
	}
}

// A Temporal cancel while a PUT is in doubt resolves it first, from a
// disconnected context, and withdraws what the PUT made.
func TestTemporalCancelWhileInDoubt(t *testing.T) {
	w := newWFTest(t, Config{PutSettleWindow: settle})
	w.ports(goodPorts())
	w.puts(func(int) activities.PlaceResult { return unknownPUT("timeout") })
	w.finds(func(n int, _ time.Time) ([]activities.ExistingConnection, error) {
		if n < 5 {
			return nil, nil
		}
		return []activities.ExistingConnection{{ID: "conn-late", Status: ccapi.StatusCreating}}, nil
	})
	w.allowDelete()
	w.env.RegisterDelayedCallback(w.env.CancelWorkflow, 3*time.Second)
	w.env.ExecuteWorkflow(WorkflowName, Input{Order: validP2P()})
	view := canceledView(t, w.env.GetWorkflowError())
	if w.deletes != 1 || view.ConnectionID != "conn-late" || !view.Withdrawn || view.NothingOrdered || w.submits != 1 {
		t.Errorf("%d deletes, %d PUTs; view %+v", w.deletes, w.submits, view)
	}
}

// A 404 right after the PUT is the API catching up, not a deletion.
func TestNotFoundRightAfterOrderingIsNotDeleted(t *testing.T) {
	w := newWFTest(t, Config{PutSettleWindow: settle})
	w.ports(goodPorts())
	w.submit(ccapi.StatusCreating)
	notFound := activities.ConnectionStatus{Status: ccapi.StatusDeleted, NotFound: true}
	w.statuses(notFound, notFound, st(ccapi.StatusActive))
	res, err := w.run(validP2P())
	if err != nil || res.Stage != StageActive {
		t.Errorf("result %+v, %v", res, err)
	}

	// Long after the PUT, a 404 is the connection gone.
	w = newWFTest(t, Config{PutSettleWindow: time.Minute, PollInitial: 10 * time.Minute})
	w.ports(goodPorts())
	w.submit(ccapi.StatusCreating)
	w.statuses(notFound)
	_, err = w.run(validP2P())
	failure(t, err, ErrTypeConnectionFailed, "ended DELETED")
}

// Status reads refused with 401/403 show in the status query, and fail
// the order after AuthFailureLimit with the connection and what to check;
// the connection is withdrawn.
func TestRefusedStatusReads(t *testing.T) {
	w := newWFTest(t, Config{AuthFailureLimit: time.Hour})
	w.b2bLookups(goodB2BLookups())
	w.submit(ccapi.StatusPending)
	refused := activities.ConnectionStatus{AuthFailure: &activities.APIErrorDetails{StatusCode: 401, Message: "The user is not logged in"}}
	w.statuses(st(ccapi.StatusPending), refused)
	w.allowDelete()
	var during StatusView
	w.env.RegisterDelayedCallback(func() { during = w.status() }, 30*time.Minute)
	_, err := w.run(validB2B())
	failure(t, err, ErrTypeAPIUnavailable, "status reads of connection conn-1 were refused", "CC_API_KEY", "withdrawn")
	if !strings.Contains(during.Reason, "refused (401") || !strings.Contains(during.Reason, "CC_API_KEY") {
		t.Errorf("status while refused: %+v", during)
	}
	if w.deletes != 1 {
		t.Errorf("%d deletes", w.deletes)
	}
}

// A withdrawal's DELETE refused (429: nothing happened), then a 404 the
// port agrees with, right after the PUT: a read missed the new connection
// and the port's list did not show it yet. That is no withdrawal: the
// order reads on, and sends the DELETE again once the connection shows
// (a 1,000-order chaos run on the stack left such an ERROR connection,
// the order saying it was withdrawn).
func TestWithdrawalDoesNotBelieveA404RightAfterThePUT(t *testing.T) {
	w := newWFTest(t, Config{})
	w.ports(goodPorts())
	w.submit(ccapi.StatusCreating)
	w.statuses(st(ccapi.StatusError))
	var orderedAt time.Time
	conn := activities.ConnectionFacts{Found: true, ID: "conn-1", Name: "CHG0040012", Status: ccapi.StatusError, SpeedMbps: 100, SrcPortID: "p1"}
	deletes := 0
	w.env.OnActivity(a.DeleteConnection, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.ConnectionRef) error {
			deletes++
			if deletes == 1 {
				return temporal.NewApplicationError("429 Too Many Requests", activities.ErrTypeAPIUnavailable)
			}
			conn.Status = ccapi.StatusDeleted
			return nil
		})
	w.onFacts(func(context.Context, activities.ConnectionRef) (activities.ConnectionFacts, error) {
		if w.env.Now().Before(orderedAt.Add(DefaultConfig().PutSettleWindow / 2)) {
			return activities.ConnectionFacts{ID: "conn-1"}, nil // 404, and the port's list lags
		}
		return conn, nil
	})
	w.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "PlaceLayer2Order" && orderedAt.IsZero() {
			orderedAt = w.env.Now()
		}
	})
	_, err := w.run(validP2P())
	failure(t, err, ErrTypeConnectionFailed, "withdrawn (DELETED)")
	if deletes != 2 || conn.Status != ccapi.StatusDeleted {
		t.Errorf("%d DELETEs, the connection %s; want 2, DELETED", deletes, conn.Status)
	}
}

// Since revision 9 a withdrawal's DELETE asks for a 404 to be an unknown
// outcome (read for, as a lost answer is); runs before it do not.
func TestWithdrawalDeleteTakesNo404ForGone(t *testing.T) {
	for _, tt := range []struct {
		revision int
		want     bool
	}{{revisionWithdrawSettle, false}, {revisionDelete404, true}} {
		w := newWFTestAt(t, Config{}, tt.revision)
		w.ports(goodPorts())
		w.submit(ccapi.StatusCreating)
		w.statuses(st(ccapi.StatusError))
		var asked []bool
		w.env.OnActivity(a.DeleteConnection, mock.Anything, mock.Anything).Return(
			func(_ context.Context, in activities.ConnectionRef) error {
				asked = append(asked, in.NotFoundUnknown)
				return nil
			})
		w.onFacts(func(context.Context, activities.ConnectionRef) (activities.ConnectionFacts, error) {
			return activities.ConnectionFacts{Found: true, ID: "conn-1", Status: ccapi.StatusDeleted}, nil
		})
		_, err := w.run(validP2P())
		failure(t, err, ErrTypeConnectionFailed, "withdrawn")
		if len(asked) != 1 || asked[0] != tt.want {
			t.Errorf("revision %d: DELETEs sent with NotFoundUnknown %v, want one with %v", tt.revision, asked, tt.want)
		}
	}
}
