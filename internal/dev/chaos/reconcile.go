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
	// Withdrawn: the outcome says the order withdrew what it made (its
	// connection, or its change request).
	Withdrawn bool
	Took      time.Duration // from the start to the end
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
		o.Active, o.Withdrawn = res.Stage == workflows.StageActive, res.Withdrawn
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
	o.Withdrawn = view.Withdrawn
	return o
}

func saysNothingOrdered(s string) bool {
	return strings.Contains(strings.ToLower(s), "nothing was ordered")
}

// Report is what a run found.
type Report struct {
	Seed                            uint64
	Orders, Ended                   int
	Duplicates, Orphans, Untruthful int
	Shared                          int // orders naming a connection another order of theirs claims too
	Unattributed                    int // API requests that named no order (correlation header)
	// Unsettled is what the simulator still had pending when the ledger
	// was read: zero unless it never settled (see settledLedger).
	Unsettled ccapisim.PendingEffects
	// SettledAfter is how long after the last order ended the ledger was read.
	SettledAfter                         time.Duration
	Puts, Created, Withdrawn, ActiveConn int
	Kills, KillsAtPUT, Restarts          int
	// Stack names the backend when it is not the dev server ("postgres":
	// internal/dev/stack); DBRestarts are its PostgreSQL crash-restarts.
	Stack      string
	DBRestarts int
	// Workers is what each worker did.
	Workers  []WorkerReport
	Faults   string
	Duration time.Duration
	// Outcomes counts orders by kind, then by outcome label.
	Outcomes map[string]map[string]int
	Requests map[string]int
	P50, P99 time.Duration
	// Problems says, for each broken promise, which order or connection.
	Problems []string
}

// Failed reports whether the run broke the promise.
func (r *Report) Failed() bool {
	return r.Duplicates > 0 || r.Orphans > 0 || r.Untruthful > 0 || r.Ended < r.Orders || r.Unsettled.Total() > 0
}

// Summary is the one line runs are compared by.
func (r *Report) Summary() string {
	line := fmt.Sprintf("chaos: orders=%d ended=%d duplicates=%d orphans=%d untruthful=%d puts=%d kills=%d restarts=%d seed=%d",
		r.Orders, r.Ended, r.Duplicates, r.Orphans, r.Untruthful, r.Puts, r.Kills, r.Restarts, r.Seed)
	if r.Stack != "" {
		line += fmt.Sprintf(" stack=%s workers=%d db_restarts=%d", r.Stack, len(r.Workers), r.DBRestarts)
	}
	return line
}

// reconcile compares the ledger with the orders' outcomes.
//
// Every connection, change and request is the order's whose id its
// request carried (ccapi's correlation header), never an order matched by
// port and name: same-named orders cannot excuse each other. Then every
// claim an outcome makes is checked against the ledger (see checkCreate
// and checkAction), including what the connection is. It counts:
//
//   - duplicates: more than one connection for an order, or for twins of
//     one name and port; more than one DELETE, or more than one update or
//     change request, that took effect for one action order;
//   - orphans: a connection or a change made by no order of the run, a
//     change an order made to a connection not its own, a connection left
//     billable that no truthful outcome answers for, a change request
//     left pending;
//   - untruthful: orders whose outcome the ledger contradicts (each order
//     counts once, its problem line says every claim that failed).
func reconcile(orders []plannedOrder, outcomes []outcome, ledger ccapisim.Ledger) *Report {
	rep := &Report{Orders: len(orders), Outcomes: map[string]map[string]int{}, Requests: ledger.Requests}
	rep.Puts = ledger.Requests[ccapisim.EndpointCreateLayer2]
	for _, n := range ledger.OrderRequests[""] {
		rep.Unattributed += n
	}
	c := &checker{rep: rep, orders: orders, outcomes: outcomes, ledger: ledger, index: map[string]int{},
		made: make([][]ccapisim.LedgerEntry, len(orders)), changes: make([][]ccapisim.LedgerChange, len(orders)),
		maker: map[string]int{}, existing: map[string]ccapisim.LedgerEntry{}}
	for i, p := range orders {
		c.index[p.Order.OrderID] = i
	}
	took := c.countOutcomes()
	c.attribute()
	c.checkGroups()
	for i, p := range orders {
		if p.Target == nil {
			c.checkCreate(i)
		} else {
			c.checkAction(i)
		}
	}
	slices.Sort(rep.Problems)
	slices.Sort(took)
	rep.P50, rep.P99 = percentile(took, 0.50), percentile(took, 0.99)
	return rep
}

// checker holds what reconcile works out.
type checker struct {
	rep      *Report
	orders   []plannedOrder
	outcomes []outcome
	ledger   ccapisim.Ledger
	index    map[string]int                  // order id → its index
	made     [][]ccapisim.LedgerEntry        // by order: the connections its PUTs made
	changes  [][]ccapisim.LedgerChange       // by order: its API calls that changed its own connection
	maker    map[string]int                  // connection id → the order that made it
	existing map[string]ccapisim.LedgerEntry // the fixture's connections, by id, as they stand
}

func (c *checker) problem(format string, args ...any) {
	c.rep.Problems = append(c.rep.Problems, fmt.Sprintf(format, args...))
}

// countOutcomes fills the outcome table and returns the times to outcome.
func (c *checker) countOutcomes() []time.Duration {
	var took []time.Duration
	for i, p := range c.orders {
		o := c.outcomes[i]
		if c.rep.Outcomes[p.Kind] == nil {
			c.rep.Outcomes[p.Kind] = map[string]int{}
		}
		label := o.Label
		if !o.Ended {
			label = "did not end"
			if o.Label != "" {
				label = "not started"
			}
		}
		c.rep.Outcomes[p.Kind][label]++
		if o.Ended {
			c.rep.Ended++
			took = append(took, o.Took)
		} else {
			c.problem("order %s (%s) did not end: %s", p.Order.OrderID, p.Kind, o.Label)
		}
	}
	return took
}

// attribute gives every connection and every API change to the order
// whose id its request carried; what no order of the run made is an
// orphan, and so is a change an order made to a connection not its own.
func (c *checker) attribute() {
	for _, e := range c.ledger.Connections {
		c.rep.Created++
		if e.WithdrawnAt != nil {
			c.rep.Withdrawn++
		}
		if e.Status == ccapisim.StatusActive {
			c.rep.ActiveConn++
		}
		i, ok := c.index[e.OrderID]
		if !ok || e.Company != companyOrdering || c.orders[i].Target != nil {
			c.rep.Orphans++
			c.problem("connection %s (%s on port %s, %s) was made by no order that creates one (correlation id %q)",
				e.ID, e.Name, e.SrcPortID, e.Status, e.OrderID)
			continue
		}
		c.made[i] = append(c.made[i], e)
		c.maker[e.ID] = i
	}
	for _, e := range c.ledger.Existing {
		c.existing[e.ID] = e
	}
	for _, ch := range c.ledger.Changes {
		if ch.Source != ccapisim.SourceAPI {
			continue // a partner's decision: no order's call
		}
		i, ok := c.index[ch.OrderID]
		if !ok {
			c.rep.Orphans++
			c.problem("%s of connection %s (%s) was made by no order of the run (correlation id %q)", ch.Kind, ch.ConnectionID, ch.Endpoint, ch.OrderID)
			continue
		}
		own := c.orders[i].Target != nil && c.orders[i].Target.ID == ch.ConnectionID
		if maker, made := c.maker[ch.ConnectionID]; made && maker == i {
			own = true
		}
		if !own {
			c.rep.Orphans++
			c.problem("order %s (%s) made a %s change to connection %s, which is not its own", c.orders[i].Order.OrderID, c.orders[i].Kind, ch.Kind, ch.ConnectionID)
			continue
		}
		c.changes[i] = append(c.changes[i], ch)
	}
}

// checkGroups counts duplicates: the orders of one name on one port (an
// order and its twins) may have made one connection between them.
func (c *checker) checkGroups() {
	type groupKey struct{ port, name string }
	groups := map[groupKey][]int{}
	var keys []groupKey
	for i, p := range c.orders {
		if p.Target != nil {
			continue
		}
		k := groupKey{p.Order.PortID, p.Order.Name}
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	for _, k := range keys {
		members := groups[k]
		var made []string
		claimed := map[string]int{} // connection id → orders naming it
		for _, i := range members {
			for _, e := range c.made[i] {
				made = append(made, fmt.Sprintf("%s %s by %s", e.ID, e.Status, e.OrderID))
			}
			if id := c.outcomes[i].ConnectionID; id != "" {
				claimed[id]++
			}
		}
		if len(made) > 1 {
			c.rep.Duplicates++
			c.problem("%d connections for name %s on port %s (orders %s): %s", len(made), k.name, k.port,
				orderIDs(c.orders, members), strings.Join(made, ", "))
		}
		for _, n := range claimed {
			c.rep.Shared += max(0, n-1)
		}
	}
}

// checkCreate checks what an order that creates a connection says:
// "active" (its connection, ACTIVE, as ordered), "nothing was ordered"
// (it made none), "withdrawn" (what it made is DELETED or CANCELLED), and
// any connection it names (it made it); and that it left nothing billable
// that its outcome does not answer for.
func (c *checker) checkCreate(i int) {
	p, o, mine := c.orders[i], c.outcomes[i], c.made[i]
	var wrong []string
	lie := func(format string, args ...any) { wrong = append(wrong, fmt.Sprintf(format, args...)) }
	named, isMine := ccapisim.LedgerEntry{}, false
	if o.ConnectionID != "" {
		for _, e := range mine {
			if e.ID == o.ConnectionID {
				named, isMine = e, true
			}
		}
		switch maker, made := c.maker[o.ConnectionID]; {
		case isMine:
		case made:
			lie("it names connection %s, which order %s made", o.ConnectionID, c.orders[maker].Order.OrderID)
		default:
			lie("it names connection %s, which no order of the run made", o.ConnectionID)
		}
	}
	switch {
	case o.Active && o.ConnectionID == "":
		lie("it says active without naming a connection")
	case o.Active && isMine && named.Status != ccapisim.StatusActive:
		lie("it says active, but connection %s is %s", named.ID, named.Status)
	case o.Active && isMine:
		if diff := differences(p.Order, named); len(diff) > 0 {
			lie("connection %s is not what was ordered: %s", named.ID, strings.Join(diff, ", "))
		}
	}
	if o.NothingOrdered && len(mine) > 0 {
		lie("it says nothing was ordered, but it made %s", describeEntries(mine))
	}
	if o.Withdrawn {
		if len(mine) == 0 {
			lie("it says it withdrew its connection, but it made none")
		}
		for _, e := range mine {
			if !withdrawn(e.Status) {
				lie("it says it withdrew its connection, but %s is %s", e.ID, e.Status)
			}
		}
	}
	c.untruthful(i, wrong)
	for _, e := range mine {
		switch {
		case withdrawn(e.Status) || e.Status == ccapisim.StatusDenied:
			continue // withdrawn, or refused by the other side: nothing billable
		case e.Status == ccapisim.StatusActive && o.Active && o.ConnectionID == e.ID:
			continue // what a successful order asked for
		}
		c.rep.Orphans++
		c.problem("connection %s (%s) made by order %s is %s and was not withdrawn; the order says: %s %s",
			e.ID, e.Name, p.Order.OrderID, e.Status, o.Label, o.Message)
	}
}

// checkAction checks what an order acting on a fixture connection says
// against the connection as it now stands and the changes the order made:
// "nothing was changed" (it made none), "decommissioned" (DELETED or
// CANCELLED, by at most one DELETE), "modified" (at the speed ordered, by
// one update or change request), a withdrawn change request (the speed is
// as before), "active" for an adopt (ACTIVE, and unchanged: an adopt
// never changes anything).
func (c *checker) checkAction(i int) {
	p, o, mine := c.orders[i], c.outcomes[i], c.changes[i]
	target := *p.Target
	var wrong []string
	lie := func(format string, args ...any) { wrong = append(wrong, fmt.Sprintf(format, args...)) }
	now, ok := c.existing[target.ID]
	if !ok {
		lie("its connection %s is not in the ledger", target.ID)
		c.untruthful(i, wrong)
		return
	}
	calls := func(endpoints ...string) int {
		n := 0
		for _, ch := range mine {
			if slices.Contains(endpoints, ch.Endpoint) {
				n++
			}
		}
		return n
	}
	if o.NothingOrdered && len(mine) > 0 {
		lie("it says nothing was done, but it made %d change(s) to %s", len(mine), target.ID)
	}
	stage := workflows.Stage(o.Label)
	switch p.Order.Action {
	case workflows.ActionDecommission:
		if n := calls(ccapisim.EndpointDeleteConnection); n > 1 {
			c.rep.Duplicates++
			c.problem("order %s (%s) deleted connection %s %d times", p.Order.OrderID, p.Kind, target.ID, n)
		}
		if stage == workflows.StageDecommissioned && !withdrawn(now.Status) {
			lie("it says decommissioned, but connection %s is %s", target.ID, now.Status)
		}
	case workflows.ActionModify:
		n := calls(ccapisim.EndpointUpdateConnection, ccapisim.EndpointRequestChange)
		if n > 1 {
			c.rep.Duplicates++
			c.problem("order %s (%s) sent %d updates or change requests to connection %s that took effect", p.Order.OrderID, p.Kind, n, target.ID)
		}
		switch {
		case stage == workflows.StageModified && o.NothingOrdered:
			if now.SpeedMbps != p.Order.SpeedMbps {
				lie("it says connection %s was already at %d Mbps, but it is at %d", target.ID, p.Order.SpeedMbps, now.SpeedMbps)
			}
		case stage == workflows.StageModified:
			switch {
			case now.SpeedMbps == target.SpeedMbps:
				lie("it says modified, but connection %s is still at %d Mbps", target.ID, now.SpeedMbps)
			case !between(now.SpeedMbps, target.SpeedMbps, p.Order.SpeedMbps):
				lie("it says modified from %d to %d Mbps, but connection %s is at %d", target.SpeedMbps, p.Order.SpeedMbps, target.ID, now.SpeedMbps)
			case n == 0:
				lie("it says modified, but it sent no update or change request that took effect")
			}
		case o.Withdrawn && now.SpeedMbps != target.SpeedMbps:
			lie("it says its change request was withdrawn, but connection %s went from %d to %d Mbps", target.ID, target.SpeedMbps, now.SpeedMbps)
		}
		if last := lastChangeRequest(c.ledger.ChangesTo(target.ID)); last == ccapisim.ChangeKindRequested {
			c.rep.Orphans++
			c.problem("order %s (%s) ended %q with a change request of connection %s still pending", p.Order.OrderID, p.Kind, o.Label, target.ID)
		}
	case workflows.ActionAdopt:
		if len(mine) > 0 {
			lie("an adopt never changes its connection, but it made %d change(s) to %s", len(mine), target.ID)
		}
		if o.Active {
			if now.Status != ccapisim.StatusActive {
				lie("it says adopted and active, but connection %s is %s", target.ID, now.Status)
			}
			if diff := changedSince(target, now); len(diff) > 0 {
				lie("connection %s is not the one adopted: %s", target.ID, strings.Join(diff, ", "))
			}
		}
	}
	c.untruthful(i, wrong)
}

// untruthful counts order i once if its outcome said anything the ledger
// contradicts, and says what.
func (c *checker) untruthful(i int, wrong []string) {
	if len(wrong) == 0 {
		return
	}
	p, o := c.orders[i], c.outcomes[i]
	c.rep.Untruthful++
	c.problem("order %s (%s) ended %q (%s), but %s", p.Order.OrderID, p.Kind, o.Label, o.Message, strings.Join(wrong, "; "))
}

// differences says how a connection differs from the order that made it:
// name, source port, speed, and kind (port-to-port to the destination
// port, or business-to-business to the destination company).
func differences(o workflows.Order, e ccapisim.LedgerEntry) []string {
	var diff []string
	if e.Name != o.Name {
		diff = append(diff, fmt.Sprintf("name %q, ordered %q", e.Name, o.Name))
	}
	if e.SrcPortID != o.PortID {
		diff = append(diff, fmt.Sprintf("source port %s, ordered %s", e.SrcPortID, o.PortID))
	}
	if e.SpeedMbps != o.SpeedMbps {
		diff = append(diff, fmt.Sprintf("%d Mbps, ordered %d", e.SpeedMbps, o.SpeedMbps))
	}
	switch {
	case o.DestPortID != "" && (e.DestPortID != o.DestPortID || e.DestCompany != o.Company):
		diff = append(diff, fmt.Sprintf("to port %q of %s, ordered port-to-port to %s", e.DestPortID, e.DestCompany, o.DestPortID))
	case o.DestPortID == "" && (e.DestPortID != "" || e.DestCompany != o.DestCompany):
		diff = append(diff, fmt.Sprintf("to port %q of %s, ordered business-to-business to %s", e.DestPortID, e.DestCompany, o.DestCompany))
	}
	return diff
}

// changedSince says how a fixture connection differs from what it was.
func changedSince(was ccapisim.Connection, now ccapisim.LedgerEntry) []string {
	var diff []string
	if now.Name != was.Name {
		diff = append(diff, fmt.Sprintf("name %q, was %q", now.Name, was.Name))
	}
	if now.SpeedMbps != was.SpeedMbps {
		diff = append(diff, fmt.Sprintf("%d Mbps, was %d", now.SpeedMbps, was.SpeedMbps))
	}
	if now.SrcPortID != was.SrcPortID || now.DestPortID != was.DestPortID || now.DestCompany != was.DestCompany {
		diff = append(diff, fmt.Sprintf("from %s to %q of %s, was from %s to %q of %s",
			now.SrcPortID, now.DestPortID, now.DestCompany, was.SrcPortID, was.DestPortID, was.DestCompany))
	}
	return diff
}

// lastChangeRequest is the kind of the last change request event among
// changes ("" when there is none).
func lastChangeRequest(changes []ccapisim.LedgerChange) ccapisim.ChangeKind {
	var last ccapisim.ChangeKind
	for _, ch := range changes {
		switch ch.Kind {
		case ccapisim.ChangeKindRequested, ccapisim.ChangeKindApproved, ccapisim.ChangeKindRejected, ccapisim.ChangeKindWithdrawn:
			last = ch.Kind
		}
	}
	return last
}

// withdrawn: taken down (DELETED) or a request withdrawn (CANCELLED).
func withdrawn(status string) bool {
	return status == ccapisim.StatusDeleted || status == ccapisim.StatusCancelled
}

// between reports whether v lies between a and b, either way round.
func between(v, a, b int) bool { return min(a, b) <= v && v <= max(a, b) }

func describeEntries(entries []ccapisim.LedgerEntry) string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.ID + " (" + e.Status + ")"
	}
	return strings.Join(out, ", ")
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
