package ccapisim

import (
	"maps"
	"net/http"
	"slices"
	"time"
)

// LedgerEntry is one connection made through the API, as it stands now:
// what a reconciliation compares with the orders that asked for it.
type LedgerEntry struct {
	ID          string    `json:"id"`
	Company     string    `json:"company"`
	Name        string    `json:"name"`
	SrcPortID   string    `json:"srcPortId"`
	DestPortID  string    `json:"destPortId,omitempty"`
	DestCompany string    `json:"destCompany"`
	SpeedMbps   int       `json:"speed"`
	Status      string    `json:"status"`
	CreatedAt   time.Time `json:"createdAt"`
	// WithdrawnAt is when its requester deleted it; nil if never.
	WithdrawnAt *time.Time `json:"withdrawnAt,omitempty"`
	// OrderID is the order whose PUT made it, as its CorrelationHeader
	// said; empty when the PUT carried none (and for the fixture's).
	OrderID string `json:"orderId,omitempty"`
}

// Ledger is every connection created through the API, every request
// counted, by endpoint, and every change made to an existing connection.
type Ledger struct {
	Connections []LedgerEntry  `json:"connections"`
	Requests    map[string]int `json:"requests"`
	// Changes holds the changes to any connection, the fixture's too,
	// oldest first. Unlike Requests, it counts only what was done: a
	// refused or faulted-before-the-work call is not in it, a call whose
	// answer was lost after the work is, and a late commit is once it
	// lands. A test asserts with it that a decommission sent exactly one
	// DELETE, or a modification exactly one update or change request.
	Changes []LedgerChange `json:"changes"`
	// OrderRequests counts the requests by the order that sent them (its
	// CorrelationHeader; "" for none), then by endpoint, as Requests.
	OrderRequests map[string]map[string]int `json:"orderRequests,omitempty"`
	// Existing is the fixture's connections as they stand now: what the
	// orders that act on a connection (decommission, modify, adopt) are
	// reconciled with.
	Existing []LedgerEntry `json:"existing,omitempty"`
	// Foreign holds the connections other companies ordered toward ports
	// in the consistency mode's scope (Consistency), oldest first: the
	// company sees them, but did not order them, and they are not its to
	// answer for; a claim on one of them is a claim on another company's
	// connection.
	Foreign []LedgerEntry `json:"foreign,omitempty"`
}

// CorrelationHeader names the order a request is made for (ccapi sends
// it): the ledger attributes every request, connection and change to it.
const CorrelationHeader = "X-Correlation-Id"

// orderOf is the order r was sent for, "" if it does not say.
func orderOf(r *http.Request) string { return r.Header.Get(CorrelationHeader) }

// ChangeKind says what a LedgerChange did.
type ChangeKind string

const (
	ChangeKindDeleted   ChangeKind = "deleted"         // DELETE: the connection is DELETED
	ChangeKindCancelled ChangeKind = "cancelled"       // DELETE of a PENDING request: it is CANCELLED
	ChangeKindUpdated   ChangeKind = "updated"         // its speed or name changed by an update
	ChangeKindRequested ChangeKind = "changeRequested" // a change request made or modified
	ChangeKindApproved  ChangeKind = "changeApproved"  // a change request approved by both parties: applied
	ChangeKindRejected  ChangeKind = "changeRejected"  // a change request refused by the party it did not come from
	ChangeKindWithdrawn ChangeKind = "changeWithdrawn" // a change request cancelled by the party that asked for it
)

// ChangeSource says who made a LedgerChange.
type ChangeSource string

const (
	SourceAPI     ChangeSource = "api"     // a client's call to an API endpoint
	SourcePartner ChangeSource = "partner" // an automatic partner's decision (Company.AutoApprove, AutoReject)
	SourceControl ChangeSource = "control" // a /_sim control route, or its Go method, playing a party
)

// LedgerChange is one change made to an existing connection.
type LedgerChange struct {
	ConnectionID string       `json:"connectionId"`
	Kind         ChangeKind   `json:"kind"`
	Source       ChangeSource `json:"source"`
	// Endpoint is the endpoint called (Endpoint*), for SourceAPI only.
	Endpoint string `json:"endpoint,omitempty"`
	// By is the company that made the change: the caller, or the party an
	// automatic partner or a control route played.
	By string `json:"by"`
	// OrderID is the order whose call made it (SourceAPI only), as the
	// call's CorrelationHeader said.
	OrderID string `json:"orderId,omitempty"`
	// SpeedMbps is what the change is about: the connection's speed
	// after an update or an approval, the speed a change request asks for
	// (or asked for, when rejected or withdrawn); 0 for a delete.
	SpeedMbps int       `json:"speed,omitempty"`
	At        time.Time `json:"at"`
}

// ChangesTo returns the changes made to connection id, oldest first.
func (l Ledger) ChangesTo(id string) []LedgerChange {
	var out []LedgerChange
	for _, c := range l.Changes {
		if c.ConnectionID == id {
			out = append(out, c)
		}
	}
	return out
}

// ChangeCalls counts the API calls that changed connection id through any
// of endpoints (through any endpoint when none is given): with
// EndpointDeleteConnection, how many DELETEs took effect; with
// EndpointUpdateConnection and EndpointRequestChange, how many updates and
// change requests did.
func (l Ledger) ChangeCalls(id string, endpoints ...string) int {
	n := 0
	for _, c := range l.Changes {
		if c.ConnectionID == id && c.Source == SourceAPI && (len(endpoints) == 0 || slices.Contains(endpoints, c.Endpoint)) {
			n++
		}
	}
	return n
}

// ChangeCount counts the changes to connection id of any of kinds (of any
// kind when none is given), whoever made them.
func (l Ledger) ChangeCount(id string, kinds ...ChangeKind) int {
	n := 0
	for _, c := range l.Changes {
		if c.ConnectionID == id && (len(kinds) == 0 || slices.Contains(kinds, c.Kind)) {
			n++
		}
	}
	return n
}

// ChangeCalls is Ledger().ChangeCalls: how many API calls to endpoints
// changed connection id.
func (s *Server) ChangeCalls(id string, endpoints ...string) int {
	return s.Ledger().ChangeCalls(id, endpoints...)
}

// ChangeCount is Ledger().ChangeCount: how many changes of kinds connection
// id went through.
func (s *Server) ChangeCount(id string, kinds ...ChangeKind) int {
	return s.Ledger().ChangeCount(id, kinds...)
}

// recordLocked adds a change to the ledger. Callers hold s.mu.
func (s *Server) recordLocked(change LedgerChange) {
	s.changes = append(s.changes, change)
}

// Ledger returns the ledger as of now, oldest connection first.
func (s *Server) Ledger() Ledger {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncLocked()
	// An automatic partner's decision is recorded when a sync finds it
	// due, stamped with when it was due: sort by that.
	changes := slices.Clone(s.changes)
	slices.SortStableFunc(changes, func(a, b LedgerChange) int { return a.At.Compare(b.At) })
	l := Ledger{Connections: []LedgerEntry{}, Requests: maps.Clone(s.requests), Changes: nonNil(changes)}
	for order, byEndpoint := range s.orderRequests {
		if l.OrderRequests == nil {
			l.OrderRequests = map[string]map[string]int{}
		}
		l.OrderRequests[order] = maps.Clone(byEndpoint)
	}
	for _, c := range s.sortedConnectionsLocked() {
		e := LedgerEntry{
			ID: c.id, Company: c.srcCompany, Name: c.name, SrcPortID: c.srcPortID, DestPortID: c.destPortID,
			DestCompany: c.destCompany, SpeedMbps: c.speed, Status: c.status, CreatedAt: c.createdAt, OrderID: c.orderID,
		}
		if !c.withdrawnAt.IsZero() {
			at := c.withdrawnAt
			e.WithdrawnAt = &at
		}
		switch {
		case c.foreign:
			l.Foreign = append(l.Foreign, e)
		case c.created:
			l.Connections = append(l.Connections, e)
		default:
			l.Existing = append(l.Existing, e)
		}
	}
	slices.SortStableFunc(l.Foreign, func(a, b LedgerEntry) int { return a.CreatedAt.Compare(b.CreatedAt) })
	slices.SortStableFunc(l.Connections, func(a, b LedgerEntry) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return l
}

func (s *Server) handleLedger(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Ledger())
}

// attributed counts each API request under the order it names, and keeps
// it in flight until its handler returns: work still to be done for it
// is a pending effect.
func (s *Server) attributed(endpoint string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		s.mu.Lock()
		order := orderOf(r)
		if s.orderRequests[order] == nil {
			s.orderRequests[order] = map[string]int{}
		}
		s.orderRequests[order][endpoint]++
		s.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// PendingEffects is what may still change the ledger without another
// request: a reconciliation that reads it sooner may miss an effect.
type PendingEffects struct {
	// InFlight: API requests not yet answered (their work may be ahead).
	InFlight int `json:"inFlight"`
	// LateCommits: requests answered (often with an error) whose work
	// lands later: Faults.LateCommitRate, Consistency.LateEffectRate.
	LateCommits int `json:"lateCommits"`
	// LastLandsAt is when the last late commit is due; nil when none is.
	LastLandsAt *time.Time `json:"lastLandsAt,omitempty"`
	// Transitions: connections that will still change by themselves: an
	// activation, or an automatic partner's decision on a request or a
	// change request. One waiting for a party that never answers will not.
	Transitions int `json:"transitions"`
}

// Total is the number of pending effects.
func (p PendingEffects) Total() int { return p.InFlight + p.LateCommits + p.Transitions }

// Pending says what may still change the ledger by itself. Once its Total
// is 0 (and no client sends anything more), the ledger is final.
func (s *Server) Pending() PendingEffects {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncLocked()
	p := PendingEffects{InFlight: int(s.inFlight.Load()), LateCommits: s.pendingEffects}
	if p.LateCommits > 0 {
		at := s.pendingUntil
		p.LastLandsAt = &at
	}
	for _, c := range s.sorted {
		if s.willChangeLocked(c) {
			p.Transitions++
		}
	}
	return p
}

// willChangeLocked reports whether c, brought up to now, still has a
// transition ahead that nobody needs to call for (see advanceLocked).
func (s *Server) willChangeLocked(c *connection) bool {
	decides := func(company string) bool {
		co, ok := s.companies[company]
		return ok && (co.AutoApprove || co.AutoReject)
	}
	switch {
	case c.status == StatusCreating || c.status == StatusAccepted:
		return true
	case c.status == StatusPending && decides(c.destCompany):
		return true
	}
	return c.request.pending() && decides(c.awaitedParty())
}

func (s *Server) handlePending(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Pending())
}
