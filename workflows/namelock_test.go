package workflows

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/ccapi"

	"github.com/cc-l2/provisioner/activities"
)

// A lock started delayed may wake long after its order ended without
// terminating it: it checks its order first. One released by signal
// checks only after NameLockCheck.
func TestNameLockChecksItsOrderFirstWhenDelayed(t *testing.T) {
	for _, tc := range []struct {
		name      string
		delay     time.Duration
		wantTook  time.Duration
		wantCheck int
	}{
		{"delayed", time.Hour, 0, 1},
		{"released by signal", 0, time.Hour, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWFTest(t, Config{NameLockCheck: time.Hour})
			checks := 0
			w.env.OnActivity(a.OrderIsOpen, mock.Anything, mock.Anything).Return(
				func(context.Context, string) (bool, error) { checks++; return false, nil })
			began := w.env.Now()
			w.env.ExecuteWorkflow(NameLockWorkflowName, NameLockInput{
				OrderID: "O1", OrderWorkflowID: WorkflowID("O1"), Delay: tc.delay,
			})
			if !w.env.IsWorkflowCompleted() || w.env.GetWorkflowError() != nil {
				t.Fatalf("lock did not end: %v", w.env.GetWorkflowError())
			}
			if took := w.env.Now().Sub(began); took != tc.wantTook || checks != tc.wantCheck {
				t.Errorf("ended after %s with %d checks; want %s and %d", took, checks, tc.wantTook, tc.wantCheck)
			}
		})
	}
}

// An order that cannot take its name because Temporal cannot be reached
// says so — not that the Console Connect API is down — orders nothing,
// and gives back whatever it may have taken the way every order of this
// code does: by identity. Runs recorded before revisionOneNameRelease
// still signal it, as they did.
func TestNameLockUnreachable(t *testing.T) {
	for _, tc := range []struct {
		name     string
		revision int
		signals  int
	}{
		{"this code", codeRevision, 0},
		{"a run before revisionOneNameRelease", revisionOneNameRelease - 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWFTestAt(t, Config{}, tc.revision)
			w.lockDown = temporal.NewNonRetryableApplicationError("locking the connection name: connection refused", "TemporalUnavailable", nil)
			w.ports(goodPorts())
			w.submit(ccapi.StatusCreating)
			_, err := w.run(validP2P())
			failure(t, err, "TemporalUnavailable", "nothing was ordered", "could not reach Temporal", "connection refused")
			if s := w.status(); !s.NothingOrdered || w.submits != 0 {
				t.Errorf("status %+v after %d PUTs, want nothing ordered", s, w.submits)
			}
			if w.releases != 1 || w.signals != tc.signals {
				t.Errorf("%d releases, %d of them by signal; want one, %d by signal", w.releases, w.signals, tc.signals)
			}
		})
	}
}

// The lock workflow's input reads what its taker starts it with (the
// activity's input, recorded in histories and held by running locks).
func TestNameLockInputReadsTheTakersInput(t *testing.T) {
	take := activities.LockConnectionNameInput{OrderID: "O1", OrderWorkflowID: WorkflowID("O1"), Company: "acme", PortID: "p1", Name: "n",
		LockWorkflowID: nameLockID("acme", "p1", "n"), LockWorkflowType: NameLockWorkflowName, Delay: time.Hour}
	b, err := json.Marshal(take)
	if err != nil {
		t.Fatal(err)
	}
	var got NameLockInput
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := NameLockInput{OrderID: "O1", OrderWorkflowID: WorkflowID("O1"), Company: "acme", PortID: "p1", Name: "n", Delay: time.Hour}
	if got != want {
		t.Errorf("lock input %+v, want %+v (from %s)", got, want, b)
	}
}
