package chaos

import (
	"math/rand/v2"
	"testing"
	"time"
)

// Every planned order is one the worker accepts, each action order has a
// fixture connection of its own, and every kind of order is drawn: a run
// proves nothing about an order it never places.
func TestPlanPlacesEveryKind(t *testing.T) {
	orders := plan(rand.New(rand.NewPCG(1, 2)), 1000, time.Minute)
	if err := fixture(orders).Validate(); err != nil {
		t.Fatal(err)
	}
	kinds, targets := map[string]int{}, map[string]string{}
	for _, p := range orders {
		kinds[p.Kind]++
		if err := p.Order.Validate(); err != nil {
			t.Errorf("order %s (%s): %v", p.Order.OrderID, p.Kind, err)
		}
		if p.Target == nil {
			continue
		}
		if other, taken := targets[p.Target.ID]; taken {
			t.Errorf("orders %s and %s act on the same connection %s", other, p.Order.OrderID, p.Target.ID)
		}
		targets[p.Target.ID] = p.Order.OrderID
	}
	for _, k := range []string{kindPortToPort, kindPortToError, kindB2BAccepted, kindB2BRejected, kindB2BSilent, kindPrecheck,
		kindSameName, kindDecommission, kindModify, kindAdopt} {
		if kinds[k] == 0 {
			t.Errorf("no %s order in 1000", k)
		}
	}
	t.Logf("kinds: %v", kinds)
}
