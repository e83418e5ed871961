package chaos

import (
	"context"
	"time"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

// ledgerSource is what settledLedger reads: the simulator.
type ledgerSource interface {
	Pending() ccapisim.PendingEffects
	Ledger() ccapisim.Ledger
}

// settledLedger reads the ledger once nothing can still land in it: the
// simulator has had no effect pending (a request in flight, a late commit
// on its way, a connection that will still change by itself) for settle,
// time enough for a request already sent by a worker to arrive. Reading
// it as soon as the last order ended would let a late commit land after
// the check: the promise would then rest on the system under test.
//
// At deadline it gives up and returns the ledger with what was still
// pending, which fails the run.
func settledLedger(ctx context.Context, src ledgerSource, settle time.Duration, deadline time.Time) (ccapisim.Ledger, ccapisim.PendingEffects) {
	tick := min(max(settle/4, 10*time.Millisecond), 250*time.Millisecond)
	var quietSince time.Time
	for {
		pending, now := src.Pending(), time.Now()
		switch {
		case pending.Total() > 0:
			quietSince = time.Time{}
		case quietSince.IsZero():
			quietSince = now
		case now.Sub(quietSince) >= settle:
			ledger := src.Ledger()
			if after := src.Pending(); after.Total() == 0 {
				return ledger, after
			}
			quietSince = time.Time{} // something arrived while it was read
		}
		if now.After(deadline) || ctx.Err() != nil {
			return src.Ledger(), pending
		}
		sleepUntil(ctx, now.Add(tick))
	}
}
