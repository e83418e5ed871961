package chaos

import (
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
	"github.com/cc-l2/provisioner/workflows"
)

// Reconcile is make chaos's reconciliation for other suites' orders: each
// kind of broken promise in a crafted ledger is counted.
func TestReconcileClaims(t *testing.T) {
	order := workflows.Order{OrderID: "X-1", Company: OrderingCompany, Name: "X-1", PortID: "p1", DestPortID: "p2", SpeedMbps: 1}
	conn := func(id, status string) ccapisim.LedgerEntry {
		return ccapisim.LedgerEntry{ID: id, Company: OrderingCompany, Name: "X-1", SrcPortID: "p1", DestPortID: "p2", DestCompany: OrderingCompany, SpeedMbps: 1, Status: status, OrderID: "X-1"}
	}
	active := workflows.Result{OrderID: "X-1", Stage: workflows.StageActive, ConnectionID: "c1"}
	nothing := temporal.NewNonRetryableApplicationError("nothing was ordered: precheck", workflows.ErrTypePrecheckFailed, nil)
	for _, tc := range []struct {
		name                            string
		claim                           Claim
		conns                           []ccapisim.LedgerEntry
		duplicates, orphans, untruthful int
		failed                          bool
	}{
		{"one active connection", Claim{Order: order, Result: active, Ended: true}, []ccapisim.LedgerEntry{conn("c1", ccapisim.StatusActive)}, 0, 0, 0, false},
		{"a second connection", Claim{Order: order, Result: active, Ended: true},
			[]ccapisim.LedgerEntry{conn("c1", ccapisim.StatusActive), conn("c2", ccapisim.StatusDeleted)}, 1, 0, 0, true},
		{"left behind", Claim{Order: order, Err: temporal.NewCanceledError(), Ended: true}, []ccapisim.LedgerEntry{conn("c1", ccapisim.StatusActive)}, 0, 1, 0, true},
		{"says nothing was ordered", Claim{Order: order, Err: nothing, Ended: true}, []ccapisim.LedgerEntry{conn("c1", ccapisim.StatusDeleted)}, 0, 0, 1, true},
		{"did not end", Claim{Order: order}, nil, 0, 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := Reconcile([]Claim{tc.claim}, ccapisim.Ledger{Connections: tc.conns})
			if rep.Duplicates != tc.duplicates || rep.Orphans != tc.orphans || rep.Untruthful != tc.untruthful || rep.Failed() != tc.failed {
				t.Errorf("duplicates=%d orphans=%d untruthful=%d failed=%v, want %d %d %d %v: %v",
					rep.Duplicates, rep.Orphans, rep.Untruthful, rep.Failed(), tc.duplicates, tc.orphans, tc.untruthful, tc.failed, rep.Problems)
			}
		})
	}
}
