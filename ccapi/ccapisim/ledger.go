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

// Ledger is every connection created through the API and every request
// counted, by endpoint.
type Ledger struct {
	Connections []LedgerEntry  `json:"connections"`
	Requests    map[string]int `json:"requests"`
}

// Ledger returns the ledger as of now, oldest connection first.
func (s *Server) Ledger() Ledger {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncLocked()
	l := Ledger{Connections: []LedgerEntry{}, Requests: maps.Clone(s.requests)}
	for _, c := range s.sortedConnectionsLocked() {
		if !c.created {
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
		l.Connections = append(l.Connections, e)
	}
	slices.SortStableFunc(l.Connections, func(a, b LedgerEntry) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return l
}

func (s *Server) handleLedger(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Ledger())
}
