package workflows

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
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
