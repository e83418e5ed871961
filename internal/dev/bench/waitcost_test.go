package bench

import "testing"

// Issue 26: a 14-day business-to-business wait with no acceptance costs
// few history events and under 1,000 actions, in one run. The figures
// are printed; the goals are checked, since they follow from the
// schedule, not from the machine's speed.
func TestWaitCost(t *testing.T) {
	sim, err := startSimulator(0)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.stop()
	r := &run{sim: sim}
	if before, err := r.waitCostAt(3); err == nil {
		t.Logf("14-day wait at revision 3 (the loops): %+v", before)
	}
	cost, err := r.waitCost()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("14-day wait: %+v", cost)
	if cost.Runs != 1 || cost.Events > 60 || cost.Actions > 1000 || cost.Reads > 1000 {
		t.Errorf("a 14-day wait costs %+v; want 1 run, at most 60 events, 1,000 actions and 1,000 reads", cost)
	}
}
