package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

const settle = 10 * time.Minute

func unknownPUT(reason string) activities.PlaceResult {
	return activities.PlaceResult{Effect: activities.PutUnknown, Reason: reason}
}

func created(id string) activities.PlaceResult {
	return activities.PlaceResult{Effect: activities.PutCreated, ConnectionID: id, Status: ccapi.StatusCreating}
}

func nothingFound(int, time.Time) ([]activities.ExistingConnection, error) { return nil, nil }

// A PUT whose outcome is unknown is never followed by another PUT until
// the settle window has passed and a lookup begun after it found nothing.
func TestUnknownOutcomeWaitsOutTheSettleWindow(t *testing.T) {
	w := newWFTest(t, Config{PutSettleWindow: settle})
	w.ports(goodPorts())
	w.puts(func(n int) activities.PlaceResult {
		if n == 1 {
			return unknownPUT("ccapi: PUT ...: 504 Gateway Timeout")
		}
		return created("conn-2")
	})
	var lookupTimes []time.Time
	w.finds(func(_ int, now time.Time) ([]activities.ExistingConnection, error) {
		lookupTimes = append(lookupTimes, now)
		return nil, nil
	})
	w.statuses(st(ccapi.StatusActive))
	res, err := w.run(validP2P())
	if err != nil || res.Stage != StageActive || res.ConnectionID != "conn-2" {
		t.Fatalf("result %+v, %v", res, err)
	}
	if w.submits != 2 {
		t.Fatalf("%d PUTs, want 2", w.submits)
	}
	gap := w.putTimes[1].Sub(w.putTimes[0])
	if gap < settle {
		t.Errorf("second PUT %v after the first, before the %v settle window", gap, settle)
	}
	last := lookupTimes[len(lookupTimes)-1]
	if last.Sub(w.putTimes[0]) < settle || last.After(w.putTimes[1]) {
		t.Errorf("no lookup begun after the settle window and before the second PUT: lookups %v, PUTs %v", lookupTimes, w.putTimes)
	}
}

// Each way a PUT's outcome can be unknown, then the lookup finds the
// connection: it is recovered, with no second PUT.
func TestUnknownOutcomeRecoversWhatItFinds(t *testing.T) {
	tests := []struct {
		name string
		put  func(w *wfTest)
	}{
		{"5xx after the commit", func(w *wfTest) { w.puts(func(int) activities.PlaceResult { return unknownPUT("502 Bad Gateway") }) }},
		{"2xx that does not decode", func(w *wfTest) {
			w.puts(func(int) activities.PlaceResult {
				return activities.PlaceResult{Effect: activities.PutCreatedUnread, Reason: "answer could not be decoded"}
			})
		}},
		{"the worker died while sending it", func(w *wfTest) {
			w.env.OnActivity(a.PlaceLayer2Order, mock.Anything, mock.Anything).Return(
				func(context.Context, activities.PlaceInput) (activities.PlaceResult, error) {
					w.submits++
					return activities.PlaceResult{}, temporal.NewTimeoutError(0, errors.New("start-to-close"))
				})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWFTest(t, Config{PutSettleWindow: settle})
			w.ports(goodPorts())
			tt.put(w)
			w.finds(func(n int, _ time.Time) ([]activities.ExistingConnection, error) {
				if n < 3 { // the list lags
					return nil, nil
				}
				return []activities.ExistingConnection{{ID: "conn-late", Status: ccapi.StatusCreating}}, nil
			})
			w.statuses(st(ccapi.StatusActive))
			res, err := w.run(validP2P())
			if err != nil || res.ConnectionID != "conn-late" || res.Stage != StageActive {
				t.Fatalf("result %+v, %v", res, err)
			}
			if w.submits != 1 {
				t.Errorf("%d PUTs, want 1", w.submits)
			}
		})
	}
}

// A 2xx whose body did not decode made the connection for certain: the
// settle window never frees the order to PUT again. It keeps looking, and
// ends OutcomeUnknown, never "nothing was ordered".
func TestCertainCreationIsNeverOrderedAgain(t *testing.T) {
	w := newWFTest(t, Config{PutSettleWindow: settle, OrderingTimeout: time.Hour})
	w.ports(goodPorts())
	w.puts(func(int) activities.PlaceResult {
		return activities.PlaceResult{Effect: activities.PutCreatedUnread, Reason: "answer could not be decoded"}
	})
	w.finds(nothingFound)
	_, err := w.run(validP2P())
	failure(t, err, ErrTypeOutcomeUnknown, "could not find out", "check port")
	if strings.Contains(err.Error(), "nothing was ordered") || w.submits != 1 {
		t.Errorf("%d PUTs; error %v", w.submits, err)
	}
	if s := w.status(); s.NothingOrdered {
		t.Error("the status says nothing was ordered")
	}
}

// A lookup that cannot conclude (a page cut short, a body of another
// shape) proves nothing: the order looks again and never PUTs on doubt.
func TestInconclusiveLookupNeverLeadsToAPUT(t *testing.T) {
	w := newWFTest(t, Config{PutSettleWindow: settle})
	w.ports(goodPorts())
	w.puts(func(n int) activities.PlaceResult {
		if n == 1 {
			return unknownPUT("no answer")
		}
		return created("conn-2")
	})
	inconclusive := temporal.NewNonRetryableApplicationError("lookup inconclusive: page cut short", activities.ErrTypeLookupInconclusive, nil)
	w.finds(func(_ int, now time.Time) ([]activities.ExistingConnection, error) {
		if now.Before(w.putTimes[0].Add(3 * settle)) {
			return nil, inconclusive
		}
		return nil, nil
	})
	w.statuses(st(ccapi.StatusActive))
	if _, err := w.run(validP2P()); err != nil {
		t.Fatal(err)
	}
	if len(w.putTimes) != 2 || w.putTimes[1].Sub(w.putTimes[0]) < 3*settle {
		t.Errorf("PUTs at %v: the second went out while lookups could not conclude", w.putTimes)
	}
}

// After a PUT whose outcome was unknown, a later refusal (the first
// connection may have used up the capacity) ends OutcomeUnknown, not
// "nothing was ordered".
func TestRefusalAfterAnUnknownOutcomeIsNotNothingOrdered(t *testing.T) {
	w := newWFTest(t, Config{PutSettleWindow: settle})
	w.ports(goodPorts())
	w.puts(func(n int) activities.PlaceResult {
		if n == 1 {
			return unknownPUT("timeout")
		}
		return activities.PlaceResult{Effect: activities.PutRefused, Reason: "400: speed exceeds remaining capacity",
			Refusal: &activities.APIErrorDetails{StatusCode: 400}}
	})
	w.finds(nothingFound)
	_, err := w.run(validP2P())
	failure(t, err, ErrTypeOutcomeUnknown, "outcome was unknown", "speed exceeds remaining capacity", "port "+srcPortID)
	if strings.Contains(err.Error(), "nothing was ordered") || w.status().NothingOrdered {
		t.Errorf("an order that may have a connection says nothing was ordered: %v", err)
	}
}

// A refused key (401/403) or a connection that could not be made created
// nothing: the PUT is tried again later; a refused key fails the order
// after AuthFailureLimit, saying what to check.
func TestRefusedKeyIsTriedAgainThenFails(t *testing.T) {
	w := newWFTest(t, Config{AuthFailureLimit: time.Hour})
	w.ports(goodPorts())
	w.puts(func(n int) activities.PlaceResult {
		if n == 1 {
			return activities.PlaceResult{Effect: activities.PutRefused, NotSent: true, Reason: "connection refused"}
		}
		return activities.PlaceResult{Effect: activities.PutRefused, AuthFailure: true, Reason: "401 Unauthorized",
			Refusal: &activities.APIErrorDetails{StatusCode: 401}}
	})
	_, err := w.run(validP2P())
	failure(t, err, ErrTypeOrderRejected, "CC_API_KEY", "nothing was ordered")
	if w.submits < 3 || w.putTimes[len(w.putTimes)-1].Sub(w.putTimes[1]) < time.Hour {
		t.Errorf("PUTs at %v", w.putTimes)
	}
}

// A PUT the API's rate limit refused (429) created nothing: the order
// waits what Retry-After asks and orders again, without looking for a
// connection first.
func TestThrottledPutIsSentAgainAfterRetryAfter(t *testing.T) {
	w := newWFTest(t, Config{})
	w.ports(goodPorts())
	w.puts(func(n int) activities.PlaceResult {
		if n == 1 {
			return activities.PlaceResult{Effect: activities.PutRefused, Throttled: true, RetryAfter: 30 * time.Second, Reason: "429 Too Many Requests",
				Refusal: &activities.APIErrorDetails{StatusCode: 429}}
		}
		return activities.PlaceResult{Effect: activities.PutCreated, ConnectionID: "conn-1", Status: ccapi.StatusCreating}
	})
	w.finds(func(int, time.Time) ([]activities.ExistingConnection, error) { return nil, nil })
	w.statuses(st(ccapi.StatusActive))
	res, err := w.run(validP2P())
	if err != nil || res.Stage != StageActive || w.submits != 2 || w.lookups != 0 {
		t.Fatalf("result %+v, %v; %d PUTs, %d lookups", res, err, w.submits, w.lookups)
	}
	if gap := w.putTimes[1].Sub(w.putTimes[0]); gap < 30*time.Second {
		t.Errorf("second PUT %v after the first, want at least the Retry-After of 30s", gap)
	}
}

// A second order for a name another order holds on the port is refused
// before any PUT, naming that order.
func TestNameHeldByAnotherOrder(t *testing.T) {
	w := newWFTest(t, Config{})
	w.lockHolder = "CHG-FIRST"
	w.ports(goodPorts())
	w.submit(ccapi.StatusCreating)
	_, err := w.run(validP2P())
	failure(t, err, ErrTypePrecheckFailed, "nothing was ordered", "order CHG-FIRST is already ordering a connection named", "CHG0040012")
	if w.submits != 0 || w.releases != 0 {
		t.Errorf("%d PUTs, %d releases of a lock it never held", w.submits, w.releases)
	}
}

// More than one connection of the order (the API took longer than the
// settle window to show the first): the oldest is kept, the others
// withdrawn.
func TestSecondConnectionIsWithdrawn(t *testing.T) {
	w := newWFTest(t, Config{PutSettleWindow: settle})
	w.ports(goodPorts())
	w.puts(func(int) activities.PlaceResult { return unknownPUT("timeout") })
	w.finds(func(int, time.Time) ([]activities.ExistingConnection, error) {
		return []activities.ExistingConnection{{ID: "conn-a", Status: ccapi.StatusCreating}, {ID: "conn-b", Status: ccapi.StatusCreating}}, nil
	})
	var deleted []string
	w.env.OnActivity(a.DeleteConnection, mock.Anything, mock.Anything).Return(
		func(_ context.Context, ref activities.ConnectionRef) error {
			deleted = append(deleted, ref.ConnectionID)
			return nil
		})
	w.statuses(st(ccapi.StatusActive))
	res, err := w.run(validP2P())
	if err != nil || res.ConnectionID != "conn-a" || len(deleted) != 1 || deleted[0] != "conn-b" {
		t.Errorf("result %+v, %v; deleted %v", res, err, deleted)
	}
}

// The cancel signal stops an ordering attempt whose PUT has not left.
func TestCancelStopsAPUTNotYetSent(t *testing.T) {
	w := newWFTest(t, Config{})
	w.ports(goodPorts())
	w.env.RegisterDelayedCallback(func() { w.env.SignalWorkflow(SignalCancel, CancelRequest{Reason: "ticket withdrawn"}) }, time.Second)
	w.env.OnActivity(a.PlaceLayer2Order, mock.Anything, mock.Anything).After(time.Minute).Return(
		func(context.Context, activities.PlaceInput) (activities.PlaceResult, error) {
			return activities.PlaceResult{}, temporal.NewCanceledError() // it was cancelled before it started
		})
	res, err := w.run(validP2P())
	if err != nil || res.Stage != StageCancelled || !res.NothingOrdered || !strings.Contains(res.Reason, "nothing was ordered") {
		t.Errorf("result %+v, %v", res, err)
	}
}

// A cancel while a PUT is in doubt waits for the doubt to be resolved,
// and withdraws what it finds.
func TestCancelWhileInDoubtWithdrawsWhatItFinds(t *testing.T) {
	w := newWFTest(t, Config{PutSettleWindow: settle})
	w.ports(goodPorts())
	w.puts(func(int) activities.PlaceResult { return unknownPUT("timeout") })
	w.finds(func(n int, _ time.Time) ([]activities.ExistingConnection, error) {
		if n < 4 {
			return nil, nil
		}
		return []activities.ExistingConnection{{ID: "conn-late", Status: ccapi.StatusCreating}}, nil
	})
	w.statuses(st(ccapi.StatusCreating))
	w.allowDelete()
	w.env.RegisterDelayedCallback(func() { w.env.SignalWorkflow(SignalCancel, CancelRequest{Reason: "not needed"}) }, 2*time.Second)
	res, err := w.run(validP2P())
	if err != nil || res.Stage != StageCancelled || res.ConnectionID != "conn-late" || !res.Withdrawn || res.NothingOrdered || w.deletes != 1 || w.submits != 1 {
		t.Errorf("result %+v, %v; %d deletes, %d PUTs", res, err, w.deletes, w.submits)
	}
}

// Issue 22, scenario 5: a lookup never recovers a connection that existed
// before this order's first PUT left (another order's, perhaps one that
// ended moments ago): it asks only for connections created since, less
// the margin for the API's clock.
func TestLookupsAskForConnectionsCreatedSinceThePUT(t *testing.T) {
	w := newWFTest(t, Config{PutSettleWindow: settle})
	w.ports(goodPorts())
	w.puts(func(int) activities.PlaceResult { return unknownPUT("502 Bad Gateway") })
	w.finds(func(n int, _ time.Time) ([]activities.ExistingConnection, error) {
		return []activities.ExistingConnection{{ID: "conn-1", Status: ccapi.StatusActive}}, nil
	})
	w.statuses(st(ccapi.StatusActive))
	if res, err := w.run(validP2P()); err != nil || res.ConnectionID != "conn-1" {
		t.Fatalf("result %+v, %v", res, err)
	}
	if len(w.lookIns) == 0 {
		t.Fatal("no lookup")
	}
	put := w.putTimes[0]
	for _, in := range w.lookIns {
		if nb := in.NotBefore; nb.IsZero() || nb.After(put) || put.Sub(nb) > 5*time.Minute {
			t.Errorf("lookup asks for connections created since %v; the first PUT left at %v", nb, put)
		}
	}
}

// Issue 22, scenario 5: an order that sent a PUT keeps its name reserved
// for the settle window after it ends; one that ordered nothing frees it.
func TestNameIsReservedAfterAnOrderThatOrdered(t *testing.T) {
	w := newWFTest(t, Config{PutSettleWindow: settle})
	w.ports(goodPorts())
	w.submit(ccapi.StatusActive)
	if res, err := w.run(validP2P()); err != nil || res.Stage != StageActive {
		t.Fatalf("result %+v, %v", res, err)
	}
	if len(w.reserved) != 1 || w.reserved[0] != settle {
		t.Errorf("reserved %v, want once for %v", w.reserved, settle)
	}

	w = newWFTest(t, Config{PutSettleWindow: settle})
	ports := goodPorts()
	ports.Source.SupportsL2 = false
	w.ports(ports)
	if _, err := w.run(validP2P()); err == nil {
		t.Fatal("an order its checks rule out did not fail")
	}
	if len(w.reserved) != 1 || w.reserved[0] != 0 {
		t.Errorf("nothing was ordered, yet reserved %v", w.reserved)
	}
}
