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
	Speed       int       `json:"speed"`
	Status      string    `json:"status"`
	CreatedAt   time.Time `json:"createdAt"`
	// WithdrawnAt is when its requester deleted it; nil if never.
	WithdrawnAt *time.Time `json:"withdrawnAt,omitempty"`
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
	// Foreign holds the connections other companies ordered toward ports
	// in the consistency mode's scope (Consistency), oldest first: the
	// company sees them, but did not order them, and they are not its to
	// answer for; a claim on one of them is a claim on another company's
	// connection.
	Foreign []LedgerEntry `json:"foreign,omitempty"`
}

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
	// Speed is what the change is about, in Mbps: the connection's speed
	// after an update or an approval, the speed a change request asks for
	// (or asked for, when rejected or withdrawn); 0 for a delete.
	Speed int       `json:"speed,omitempty"`
	At    time.Time `json:"at"`
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
	for _, c := range s.sortedConnectionsLocked() {
		if !c.created && !c.foreign {
			continue
		}
		e := LedgerEntry{
			ID: c.id, Company: c.srcCompany, Name: c.name, SrcPortID: c.srcPortID, DestPortID: c.destPortID,
			DestCompany: c.destCompany, Speed: c.speed, Status: c.status, CreatedAt: c.createdAt,
		}
		if !c.withdrawnAt.IsZero() {
			at := c.withdrawnAt
			e.WithdrawnAt = &at
		}
		if c.foreign {
			l.Foreign = append(l.Foreign, e)
			continue
		}
		l.Connections = append(l.Connections, e)
	}
	slices.SortStableFunc(l.Foreign, func(a, b LedgerEntry) int { return a.CreatedAt.Compare(b.CreatedAt) })
	slices.SortStableFunc(l.Connections, func(a, b LedgerEntry) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return l
}

func (s *Server) handleLedger(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Ledger())
}
