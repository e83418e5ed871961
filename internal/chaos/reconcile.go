package chaos

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
	"github.com/cc-l2/provisioner/workflows"
)

// outcome is how one order ended, as its result or failure says.
type outcome struct {
	Ended bool
	// Label is the result's stage ("active", "cancelled") or the failure's
	// kind ("failed: PrecheckFailed", "canceled" for a Temporal cancel).
	Label        string
	Message      string
	ConnectionID string // the connection the outcome names, if any
	Active       bool   // ended with an ACTIVE connection
	// NothingOrdered: the outcome says nothing was ordered.
	NothingOrdered bool
	Took           time.Duration // from the start to the end
}

// describeOutcome reads a workflow's result or failure.
func describeOutcome(res workflows.Result, err error) outcome {
	o := outcome{Ended: true}
	var view workflows.StatusView
	var (
		appErr   *temporal.ApplicationError
		canceled *temporal.CanceledError
	)
	switch {
	case err == nil:
		o.Label, o.Message, o.ConnectionID = string(res.Stage), res.Reason, res.ConnectionID
		o.Active = res.Stage == workflows.StageActive
		o.NothingOrdered = res.NothingOrdered || saysNothingOrdered(res.Reason)
		return o
	case errors.As(err, &appErr):
		o.Label, o.Message = "failed: "+appErr.Type(), appErr.Message()
		if appErr.HasDetails() && appErr.Details(&view) == nil {
			o.ConnectionID = view.ConnectionID
		}
	case errors.As(err, &canceled):
		o.Label, o.Message = "canceled", canceled.Error()
		if canceled.HasDetails() && canceled.Details(&view) == nil {
			o.ConnectionID, o.Message = view.ConnectionID, view.Reason
		}
	default:
		o.Label, o.Message = "failed: other", err.Error()
	}
	o.NothingOrdered = view.NothingOrdered || saysNothingOrdered(o.Message)
	return o
}

func saysNothingOrdered(s string) bool {
	return strings.Contains(strings.ToLower(s), "nothing was ordered")
}

// Report is what a run found.
type Report struct {
	Seed                                 uint64
	Orders, Ended                        int
	Duplicates, Orphans, Untruthful      int
	Shared                               int // orders naming a connection another order of theirs claims too
	Puts, Created, Withdrawn, ActiveConn int
	Kills, KillsAtPUT, Restarts          int
	Faults                               string
	Duration                             time.Duration
	// Outcomes counts orders by kind, then by outcome label.
	Outcomes map[string]map[string]int
	Requests map[string]int
	P50, P99 time.Duration
	// Problems says, for each broken promise, which order or connection.
	Problems []string
}

// Failed reports whether the run broke the promise.
func (r *Report) Failed() bool {
	return r.Duplicates > 0 || r.Orphans > 0 || r.Untruthful > 0 || r.Ended < r.Orders
}

// Summary is the one line runs are compared by.
func (r *Report) Summary() string {
	return fmt.Sprintf("chaos: orders=%d ended=%d duplicates=%d orphans=%d untruthful=%d puts=%d kills=%d restarts=%d seed=%d",
		r.Orders, r.Ended, r.Duplicates, r.Orphans, r.Untruthful, r.Puts, r.Kills, r.Restarts, r.Seed)
}

// reconcile compares the ledger of connections with the orders' outcomes.
//
// An order's connections are those created with its name on its source
// port. Same-name orders (twins) share a name on purpose: started
// together, at most one of them may order, so their group may hold at
// most one connection.
func reconcile(orders []plannedOrder, outcomes []outcome, ledger ccapisim.Ledger) *Report {
	rep := &Report{Orders: len(orders), Outcomes: map[string]map[string]int{}, Requests: ledger.Requests}
	rep.Puts = ledger.Requests[ccapisim.EndpointCreateLayer2]
	problem := func(format string, args ...any) { rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...)) }

	type groupKey struct{ port, name string }
	groups := map[groupKey][]int{}
	for i, p := range orders {
		k := groupKey{p.Order.PortID, p.Order.Name}
		groups[k] = append(groups[k], i)
	}
	conns := map[groupKey][]ccapisim.LedgerEntry{}
	for _, c := range ledger.Connections {
		rep.Created++
		if c.WithdrawnAt != nil {
			rep.Withdrawn++
		}
		if c.Status == ccapisim.StatusActive {
			rep.ActiveConn++
		}
		k := groupKey{c.SrcPortID, c.Name}
		if c.Company != companyOrdering || groups[k] == nil {
			problem("connection %s (%s on port %s) belongs to no order", c.ID, c.Name, c.SrcPortID)
			rep.Orphans++
			continue
		}
		conns[k] = append(conns[k], c)
	}

	var took []time.Duration
	for i, p := range orders {
		o := outcomes[i]
		if rep.Outcomes[p.Kind] == nil {
			rep.Outcomes[p.Kind] = map[string]int{}
		}
		label := o.Label
		if !o.Ended {
			label = "did not end"
			if o.Label != "" {
				label = "not started"
			}
		}
		rep.Outcomes[p.Kind][label]++
		if o.Ended {
			rep.Ended++
			took = append(took, o.Took)
		} else {
			problem("order %s (%s) did not end: %s", p.Order.OrderID, p.Kind, o.Label)
		}
	}

	for k, members := range groups {
		created := conns[k]
		if len(created) > 1 {
			rep.Duplicates++
			ids := make([]string, len(created))
			for i, c := range created {
				ids[i] = c.ID + " " + c.Status
			}
			problem("%d connections for name %s on port %s (orders %s): %s", len(created), k.name, k.port, orderIDs(orders, members), strings.Join(ids, ", "))
		}
		claimed := map[string]int{} // connection id → orders naming it
		for _, i := range members {
			if id := outcomes[i].ConnectionID; id != "" {
				claimed[id]++
			}
		}
		for _, n := range claimed {
			if n > 1 {
				rep.Shared += n - 1
			}
		}
		for _, i := range members {
			o := outcomes[i]
			if !o.NothingOrdered {
				continue
			}
			// Untruthful when a connection of the group is not another
			// order's to answer for.
			for _, c := range created {
				if claimed[c.ID] == 0 || o.ConnectionID == c.ID {
					rep.Untruthful++
					problem("order %s (%s) says %q, but connection %s (%s) was created for it", orders[i].Order.OrderID,
						orders[i].Kind, o.Message, c.ID, c.Status)
					break
				}
			}
		}
		for _, c := range created {
			switch c.Status {
			case ccapisim.StatusDeleted, ccapisim.StatusCancelled, ccapisim.StatusDenied:
				continue // withdrawn, or refused by the other side: nothing billable
			case ccapisim.StatusActive:
				if slices.ContainsFunc(members, func(i int) bool { return outcomes[i].Active && outcomes[i].ConnectionID == c.ID }) {
					continue // what a successful order asked for
				}
			}
			rep.Orphans++
			var said []string
			for _, i := range members {
				said = append(said, fmt.Sprintf("%s: %s %s", orders[i].Order.OrderID, outcomes[i].Label, outcomes[i].Message))
			}
			problem("connection %s (%s) is %s and was not withdrawn; %s", c.ID, c.Name, c.Status, strings.Join(said, "; "))
		}
	}
	slices.Sort(rep.Problems)
	slices.Sort(took)
	rep.P50, rep.P99 = percentile(took, 0.50), percentile(took, 0.99)
	return rep
}

func orderIDs(orders []plannedOrder, members []int) string {
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = orders[m].Order.OrderID
	}
	return strings.Join(ids, ", ")
}

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
