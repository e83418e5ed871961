package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

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
			w.env.ExecuteWorkflow(NameLockWorkflowName, activities.NameLockInput{
				OrderID: "O1", OrderWorkflowID: WorkflowID("O1"), LockWorkflowID: "l2-name-x", Delay: tc.delay,
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
