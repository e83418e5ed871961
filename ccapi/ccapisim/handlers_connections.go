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
	SrcPortID      *string   `json:"srcPortId,omitempty"` // nil only under MissingFieldRate
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
	// Request is the change request, left out until there is one.
	Request *changeRequestJSON `json:"request,omitempty"`
}

type connectionPageJSON struct {
	Results []connectionJSON `json:"results"`
	Count   int              `json:"count"` // total matching, not the page size
}

func toConnectionJSON(c *connection) connectionJSON {
	return connectionJSON{
		ID: c.id, Name: c.name, Type: "LAYER2", Status: c.status, Speed: speedOf(c.speed),
		SrcPortID: &c.srcPortID, DestPortID: nullIfEmpty(c.destPortID),
		SrcCompany: c.srcCompany, DestCompany: c.destCompany,
		DestMetroID: c.destMetroID, DestDCF: nullIfEmpty(c.destDCF),
		SrcRegionID: c.srcRegionID, DestRegionID: c.destRegionID,
		ClassOfService: c.classOfService, PaymentType: c.paymentType,
		Duration: c.duration, DurationUnit: c.durationUnit, Evergreen: c.evergreen,
		ErrorReason: nullIfEmpty(c.errorReason), Deleted: c.status == StatusDeleted,
		CreatedAt: formatTime(c.createdAt), UpdatedAt: formatTime(c.updatedAt),
		Request: toChangeRequestJSON(c.request),
	}
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// addConnectionLocked records a new connection, in its place in the
// listing order. A connection's ports and creation time never change.
func (s *Server) addConnectionLocked(c *connection) {
	s.conns[c.id] = c
	s.sorted = insertInOrder(s.sorted, c)
	s.onPort[c.srcPortID] = insertInOrder(s.onPort[c.srcPortID], c)
	if c.destPortID != "" && c.destPortID != c.srcPortID {
		s.onPort[c.destPortID] = insertInOrder(s.onPort[c.destPortID], c)
	}
}

// listingOrder is the order of every listing: oldest first, ties by id,
// so listings are stable.
func listingOrder(a, b *connection) int {
	return cmp.Or(a.createdAt.Compare(b.createdAt), cmp.Compare(a.id, b.id))
}

// insertInOrder puts c in its place in list, kept in listingOrder. New
// connections are the newest, so it is nearly always an append.
func insertInOrder(list []*connection, c *connection) []*connection {
	i, _ := slices.BinarySearchFunc(list, c, listingOrder)
	return slices.Insert(list, i, c)
}

// sortedConnectionsLocked lists every connection in listing order. The
// slice is the server's own: callers read it and do not keep it.
func (s *Server) sortedConnectionsLocked() []*connection {
	return s.sorted
}

// portConnectionsLocked lists the connections of one port, either end, in
// listing order; the slice is the server's own, as above.
func (s *Server) portConnectionsLocked(portID string) []*connection {
	return s.onPort[portID]
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
	_, c, now, ok := s.visibleConnectionLocked(w, r)
	switch {
	case !ok:
	case s.inScopeLocked(c.srcPortID) && s.drawLocked(s.consistency.Stray404Rate):
		// A stray 404 of the consistency mode: the connection is there.
		writeError(w, http.StatusNotFound, msgConnectionNotFound)
	case c.created && now.Before(c.createdAt.Add(time.Duration(c.readDraw*float64(s.faults.forEndpoint(EndpointGetConnection).ReadGap)))):
		// Read-after-write gap: the replica that answered has not seen it yet.
		writeError(w, http.StatusNotFound, msgConnectionNotFound)
	default:
		writeJSON(w, http.StatusOK, toConnectionJSON(c))
	}
}

// listedLocked reports whether a list endpoint shows c yet: a connection
// made through the API appears after its share of the endpoint's lag.
func (s *Server) listedLocked(c *connection, endpoint string, now time.Time) bool {
	lag := s.faults.forEndpoint(endpoint).ListLag
	return !c.created || !now.Before(c.createdAt.Add(time.Duration(c.listDraw*float64(lag))))
}

// listItemsLocked renders the connections of one list answer, each with
// the status the answer's view shows where it is not the current one
// (shown), and losing its srcPortId at the endpoint's MissingFieldRate.
func (s *Server) listItemsLocked(conns []*connection, shown map[*connection]string, endpoint string) []connectionJSON {
	rate := s.faults.forEndpoint(endpoint).MissingFieldRate
	items := make([]connectionJSON, 0, len(conns))
	for _, c := range conns {
		item := toConnectionJSON(c)
		if status, ok := shown[c]; ok && status != c.status {
			item.Status, item.Deleted = status, status == StatusDeleted
		}
		if s.rng.Float64() < rate {
			item.SrcPortID = nil
		}
		items = append(items, item)
	}
	return items
}

// pageLocked cuts one page out of the matching connections, honouring the
// endpoint's page cap; count is the total, as the API reports it.
func (s *Server) pageLocked(matching []*connection, shown map[*connection]string, endpoint string, page, count int) connectionPageJSON {
	count = s.pageSizeLocked(endpoint, count, false) // the mode's own cap is the caller's to apply
	start := min(len(matching), (page-1)*count)
	end := min(len(matching), start+count)
	return connectionPageJSON{Results: s.listItemsLocked(matching[start:end], shown, endpoint), Count: len(matching)}
}

// pageSizeLocked is the size of the endpoint's pages for a count asked
// for: capped by the endpoint's PageCap, and in the consistency mode's
// scope by its own.
func (s *Server) pageSizeLocked(endpoint string, count int, inScope bool) int {
	if limit := s.faults.forEndpoint(endpoint).PageCap; limit > 0 {
		count = min(count, limit)
	}
	if limit := s.consistency.PageCap; inScope && limit > 0 {
		count = min(count, limit)
	}
	return count
}

// pagingQuery reads page and count; count defaults to fallback.
func pagingQuery(w http.ResponseWriter, r *http.Request, fallback int) (page, count int, ok bool) {
	query := r.URL.Query()
	page, err := positiveQueryInt(query.Get("page"), 1)
	if err != nil {
		writeCodeError(w, http.StatusBadRequest, "page "+err.Error())
		return 0, 0, false
	}
	count, err = positiveQueryInt(query.Get("count"), fallback)
	if err != nil {
		writeCodeError(w, http.StatusBadRequest, "count "+err.Error())
		return 0, 0, false
	}
	return page, min(count, listMaxCount), true
}

func (s *Server) handleListConnections(w http.ResponseWriter, r *http.Request) {
	page, count, ok := pagingQuery(w, r, listDefaultCount)
	if !ok {
		return
	}
	status := r.URL.Query().Get("status")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.syncLocked()
	company := r.PathValue("company")
	if _, ok := s.companies[company]; !ok {
		writeError(w, http.StatusNotFound, msgCompanyNotFound)
		return
	}
	// One moment for the whole answer, for the connections in the
	// consistency mode's scope; the others are read as of now.
	lagged := s.readViewLocked(now, true)
	var matching []*connection
	shown := map[*connection]string{}
	for _, c := range s.sortedConnectionsLocked() {
		if !c.visibleTo(company) {
			continue
		}
		view := readView{asOf: now}
		if s.inScopeLocked(c.srcPortID) {
			view = lagged
		}
		if st, ok := s.shownLocked(c, EndpointListConnections, now, view); ok && (status == "" || st == status) {
			matching = append(matching, c)
			if st != c.status {
				shown[c] = st
			}
		}
	}
	writeJSON(w, http.StatusOK, s.pageLocked(matching, shown, EndpointListConnections, page, count))
}

// handlePortConnections lists the connections of one port, either end,
// not deleted: GET /api/company/{company}/ports/{portId}/connections. The
// reference shows no paging for it; the simulator pages like the
// connection search (page, count up to 100) and answers every connection
// when count is not given.
func (s *Server) handlePortConnections(w http.ResponseWriter, r *http.Request) {
	page, count, ok := pagingQuery(w, r, listMaxCount)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.syncLocked()
	company, ok := s.companies[r.PathValue("company")]
	if !ok {
		writeError(w, http.StatusNotFound, msgCompanyNotFound)
		return
	}
	p, ok := s.ports[r.PathValue("portId")]
	if !ok || p.Company != company.Username {
		writeError(w, http.StatusNotFound, msgPortNotFound)
		return
	}
	inScope := s.inScopeLocked(p.ID)
	shift := page > 1 && inScope && s.drawLocked(s.consistency.PageShiftRate)
	var view readView
	if shift {
		view = s.shiftViewLocked(p.ID, now)
	} else {
		view = s.portViewLocked(p.ID, now)
	}
	matching, shown := s.portListLocked(p, now, view)
	if r.URL.Query().Get("count") == "" {
		count = max(1, len(matching))
	}
	if shift && s.shiftPageLocked(p, matching, (page-1)*s.pageSizeLocked(EndpointPortConnections, count, inScope), view.asOf) {
		matching, shown = s.portListLocked(p, now, view)
	}
	writeJSON(w, http.StatusOK, s.pageLocked(matching, shown, EndpointPortConnections, page, s.pageSizeLocked(EndpointPortConnections, count, inScope)))
}

// portListLocked lists what a read of port p's connections shows in view:
// those not deleted, and the status they show where it is not the current
// one.
func (s *Server) portListLocked(p *port, now time.Time, view readView) ([]*connection, map[*connection]string) {
	var matching []*connection
	shown := map[*connection]string{}
	for _, c := range s.portConnectionsLocked(p.ID) {
		if status, ok := s.shownLocked(c, EndpointPortConnections, now, view); ok && status != StatusDeleted {
			matching = append(matching, c)
			if status != c.status {
				shown[c] = status
			}
		}
	}
	return matching, shown
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
	case c.status == StatusDeleted || c.status == StatusCancelled:
		writeError(w, http.StatusNotFound, msgConnectionNotFound)
	case c.srcCompany != company:
		writeForbidden(w)
	default:
		// A request nobody has accepted yet is withdrawn; anything else
		// is taken down.
		status, kind := StatusDeleted, ChangeKindDeleted
		if c.status == StatusPending {
			status, kind = StatusCancelled, ChangeKindCancelled
		}
		c.statusBeforeWithdrawal, c.withdrawnAt = c.status, now
		s.setStatusLocked(c, status, now)
		s.recordLocked(LedgerChange{ConnectionID: c.id, Kind: kind, Source: SourceAPI, Endpoint: EndpointDeleteConnection, By: company,
			OrderID: orderOf(r), At: now})
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
	case c.status != StatusPending:
		writeCodeError(w, http.StatusBadRequest, fmt.Sprintf("Connection request is not PENDING (status %s)", c.status))
	default:
		decide(c, company, now)
		writeJSON(w, http.StatusOK, toConnectionJSON(c))
	}
}
