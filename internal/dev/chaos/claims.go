package chaos

import (
	"github.com/cc-l2/provisioner/ccapi/ccapisim"
	"github.com/cc-l2/provisioner/workflows"
)

// Claim is one order of another suite and how its workflow ended, for
// Reconcile: the explorer (internal/dev/explore) checks its runs with the very
// reconciliation `make chaos` uses, not a second one.
type Claim struct {
	Order workflows.Order
	// Kind labels the order in the report's outcome counts.
	Kind string
	// Result and Err are what the order's workflow returned (the last run
	// of a chain continued as new).
	Result workflows.Result
	Err    error
	// Ended is false for an order that was started but did not end.
	Ended bool
	// Target is the connection an action order (decommission, modify,
	// adopt) acts on, as the fixture held it before the run; nil for an
	// order that creates one.
	Target *ccapisim.Connection
}

// Reconcile compares the simulator's ledger with the claims exactly as
// make chaos does: duplicates, orphans, untruthful outcomes. Orders of
// the same (port, name) are one group, as chaos twins are.
func Reconcile(claims []Claim, ledger ccapisim.Ledger) *Report {
	orders := make([]plannedOrder, len(claims))
	outcomes := make([]outcome, len(claims))
	for i, c := range claims {
		orders[i] = plannedOrder{Order: c.Order, Kind: c.Kind, Twin: -1, Target: c.Target}
		if c.Ended {
			outcomes[i] = describeOutcome(c.Result, c.Err)
		}
	}
	return reconcile(orders, outcomes, ledger)
}

// OrderingCompany is the company whose connections Reconcile accounts
// for: a connection of any other company is an orphan.
const OrderingCompany = companyOrdering
