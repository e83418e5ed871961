package ccapisim

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

const (
	listDefaultCount = 20
	listMaxCount     = 100
)

// connectionJSON is the ConnectionModel of the API reference.
type connectionJSON struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	Type           string    `json:"type"`
	Status         string    `json:"status"`
	Speed          speedJSON `json:"speed"`
	SrcPortID      string    `json:"srcPortId"`
	DestPortID     *string   `json:"destPortId"`
	SrcCompany     string    `json:"srcCompany"`
	DestCompany    string    `json:"destCompany"`
	DestMetroID    string    `json:"destMetroId"`
	DestDCF        *string   `json:"destDcf"`
	SrcRegionID    string    `json:"srcRegionId"`
	DestRegionID   string    `json:"destRegionId"`
	ClassOfService string    `json:"classOfService"`
	PaymentType    string    `json:"paymentType"`
	Duration       float64   `json:"duration"`
	DurationUnit   string    `json:"durationUnit"`
	Evergreen      bool      `json:"evergreen"`
	ErrorReason    *string   `json:"errorReason"`
	Deleted        bool      `json:"deleted"`
	CreatedAt      string    `json:"createdAt"`
	UpdatedAt      string    `json:"updatedAt"`
}

type connectionPageJSON struct {
	Results []connectionJSON `json:"results"`
	Count   int              `json:"count"` // total matching, not the page size
}

func toConnectionJSON(c *connection) connectionJSON {
	return connectionJSON{
		ID: c.id, Name: c.name, Type: "LAYER2", Status: c.status, Speed: speedOf(c.speed),
		SrcPortID: c.srcPortID, DestPortID: nullIfEmpty(c.destPortID),
		SrcCompany: c.srcCompany, DestCompany: c.destCompany,
		DestMetroID: c.destMetroID, DestDCF: nullIfEmpty(c.destDCF),
		SrcRegionID: c.srcRegionID, DestRegionID: c.destRegionID,
		ClassOfService: c.classOfService, PaymentType: c.paymentType,
		Duration: c.duration, DurationUnit: c.durationUnit, Evergreen: c.evergreen,
		ErrorReason: nullIfEmpty(c.errorReason), Deleted: c.status == StatusDeleted,
		CreatedAt: formatTime(c.createdAt), UpdatedAt: formatTime(c.updatedAt),
	}
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// sortedConnectionsLocked lists connections oldest first, ties by id, so
// listings are stable.
func (s *Server) sortedConnectionsLocked() []*connection {
	list := make([]*connection, 0, len(s.conns))
	for _, c := range s.conns {
		list = append(list, c)
	}
	slices.SortFunc(list, func(a, b *connection) int {
		return cmp.Or(a.createdAt.Compare(b.createdAt), cmp.Compare(a.id, b.id))
	})
	return list
}

// visibleConnectionLocked resolves the path's company and connection,
// answering 404 itself when either is unknown or they are unrelated.
func (s *Server) visibleConnectionLocked(w http.ResponseWriter, r *http.Request) (string, *connection, time.Time, bool) {
	now := s.syncLocked()
	company := r.PathValue("company")
	if _, ok := s.companies[company]; !ok {
		writeError(w, http.StatusNotFound, msgCompanyNotFound)
		return "", nil, now, false
	}
	c, ok := s.conns[r.PathValue("id")]
	if !ok || !c.visibleTo(company) {
		writeError(w, http.StatusNotFound, msgConnectionNotFound)
		return "", nil, now, false
	}
	return company, c, now, true
}

func (s *Server) handleGetConnection(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, c, _, ok := s.visibleConnectionLocked(w, r); ok {
		writeJSON(w, http.StatusOK, toConnectionJSON(c))
	}
}

func (s *Server) handleListConnections(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	page, err := positiveQueryInt(query.Get("page"), 1)
	if err != nil {
		writeCodeError(w, http.StatusBadRequest, "page "+err.Error())
		return
	}
	count, err := positiveQueryInt(query.Get("count"), listDefaultCount)
	if err != nil {
		writeCodeError(w, http.StatusBadRequest, "count "+err.Error())
		return
	}
	count = min(count, listMaxCount)
	status := query.Get("status")

	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncLocked()
	company := r.PathValue("company")
	if _, ok := s.companies[company]; !ok {
		writeError(w, http.StatusNotFound, msgCompanyNotFound)
		return
	}
	matching := []connectionJSON{}
	for _, c := range s.sortedConnectionsLocked() {
		if c.visibleTo(company) && (status == "" || c.status == status) {
			matching = append(matching, toConnectionJSON(c))
		}
	}
	start := min(len(matching), (page-1)*count)
	end := min(len(matching), start+count)
	writeJSON(w, http.StatusOK, connectionPageJSON{Results: matching[start:end], Count: len(matching)})
}

func positiveQueryInt(raw string, fallback int) (int, error) {
	if raw == "" {
		return fallback, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("must be a positive integer, got %q", raw)
	}
	return n, nil
}

func (s *Server) handleDeleteConnection(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	company, c, now, ok := s.visibleConnectionLocked(w, r)
	switch {
	case !ok:
	case c.status == StatusDeleted:
		writeError(w, http.StatusNotFound, msgConnectionNotFound)
	case c.srcCompany != company:
		writeForbidden(w)
	default:
		s.setStatusLocked(c, StatusDeleted, now)
		writeJSON(w, http.StatusOK, struct{}{})
	}
}

func (s *Server) handleApproveConnection(w http.ResponseWriter, r *http.Request) {
	s.decideAcceptance(w, r, func(c *connection, company string, now time.Time) { s.approveLocked(c, now) })
}

func (s *Server) handleRejectConnection(w http.ResponseWriter, r *http.Request) {
	s.decideAcceptance(w, r, func(c *connection, company string, now time.Time) { s.rejectLocked(c, company, now) })
}

// decideAcceptance lets the destination company of a pending
// business-to-business request approve or reject it.
func (s *Server) decideAcceptance(w http.ResponseWriter, r *http.Request, decide func(c *connection, company string, now time.Time)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	company, c, now, ok := s.visibleConnectionLocked(w, r)
	switch {
	case !ok:
	case !c.businessToBusiness() || c.destCompany != company:
		writeForbidden(w)
	case c.status != StatusPendingAcceptance:
		writeCodeError(w, http.StatusBadRequest, fmt.Sprintf("Connection is not pending acceptance (status %s)", c.status))
	default:
		decide(c, company, now)
		writeJSON(w, http.StatusOK, toConnectionJSON(c))
	}
}
