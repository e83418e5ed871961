package ccapisim

import (
	"cmp"
	crand "crypto/rand"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Endpoint names used as keys of Stats.Requests.
const (
	EndpointListPorts         = "listPorts"
	EndpointGetPort           = "getPort"
	EndpointPortConnections   = "portConnections"
	EndpointMetroCapabilities = "metroCapabilities"
	EndpointSearchDCF         = "searchDCF"
	EndpointCreateLayer2      = "createLayer2"
	EndpointGetConnection     = "getConnection"
	EndpointListConnections   = "listConnections"
	EndpointDeleteConnection  = "deleteConnection"
	EndpointApproveConnection = "approveConnection"
	EndpointRejectConnection  = "rejectConnection"
	EndpointUpdateConnection  = "updateConnection"
	EndpointRequestChange     = "requestChange"
	EndpointApproveChange     = "approveChange"
	EndpointCancelChange      = "cancelChange"
)

// Options configures a Server.
type Options struct {
	APIKey           string        // the only key accepted (Authorization: Bearer <key>)
	ActivationDelay  time.Duration // CREATING/ACCEPTED -> ACTIVE (or ERROR) after this
	AutoApproveDelay time.Duration // autoApprove/autoReject companies decide after this
	// The jitters spread those delays: each connection takes the delay
	// plus a seeded draw of up to its jitter.
	ActivationJitter  time.Duration
	AutoApproveJitter time.Duration
	Now               func() time.Time // clock; nil means time.Now
	Faults            Faults
	// Consistency is the adversarial consistency mode (off when zero).
	Consistency Consistency
	Seed        int64 // seeds the fault RNG so fault runs are reproducible
	// Observe, when set, is called with the endpoint's name as each API
	// request arrives, before anything is decided or done about it: a
	// chaos test uses it to crash a client between sending a request and
	// reading its answer.
	Observe func(endpoint string)
}

// Stats counts what the server saw.
type Stats struct {
	Requests map[string]int `json:"requests"` // by endpoint name, including faulted requests
	Created  map[string]int `json:"created"`  // committed creations by "company/connectionName"
}

// Server is the simulated API. It implements http.Handler.
type Server struct {
	apiKey            string
	activationDelay   time.Duration
	autoApproveDelay  time.Duration
	activationJitter  time.Duration
	autoApproveJitter time.Duration
	now               func() time.Time
	observe           func(endpoint string)
	mux               *http.ServeMux
	requestIDPrefix   string
	requestSeq        atomic.Uint64

	mu        sync.Mutex
	companies map[string]*Company // by username
	metros    map[string]*Metro
	dcfs      []*DCF // sorted by id, the order of search results
	ports     map[string]*port
	portOrder []string // fixture order, the order of port listings
	conns     map[string]*connection
	// sorted holds every connection, oldest first (ties by id), and onPort
	// those of each port (either end) in the same order: listings and
	// port reads walk only what they show, however many there are.
	sorted  []*connection
	onPort  map[string][]*connection
	connSeq uint64
	faults  Faults
	rng     *rand.Rand
	// The consistency mode: its settings, its own random source (so that
	// switching it on does not move the faults' draws), each port's latest
	// lagged view, the ports given their standing foreign connections, and
	// the sequence naming those connections.
	consistency Consistency
	advRng      *rand.Rand
	portAsOf    map[string]time.Time
	standing    map[string]bool
	foreignSeq  int
	// Late work (late commits, late effects) not landed yet, and when the
	// last of it is due.
	pendingEffects int
	pendingUntil   time.Time
	buckets        map[string]*tokenBucket // rate limits: "" for the API, else per endpoint
	// authBurstUntil ends the current burst of 401/403 answers.
	authBurstUntil time.Time
	requests       map[string]int
	created        map[string]int
	changes        []LedgerChange // in the order they were recorded
	// orderRequests counts requests by order (CorrelationHeader, "" for
	// none), then by endpoint.
	orderRequests map[string]map[string]int
	// inFlight counts requests not yet answered, which may still change
	// the ledger: see Pending (late work: pendingEffects).
	inFlight atomic.Int64
}

// New builds a server from a fixture (nil means DefaultFixture). The fixture
// is copied; later changes to it do not affect the server.
func New(fx *Fixture, opts Options) *Server {
	if fx == nil {
		fx = DefaultFixture()
	}
	s := &Server{
		apiKey:            opts.APIKey,
		activationDelay:   opts.ActivationDelay,
		autoApproveDelay:  opts.AutoApproveDelay,
		activationJitter:  opts.ActivationJitter,
		autoApproveJitter: opts.AutoApproveJitter,
		now:               opts.Now,
		observe:           opts.Observe,
		requestIDPrefix:   crand.Text()[:10],
		companies:         map[string]*Company{},
		metros:            map[string]*Metro{},
		ports:             map[string]*port{},
		conns:             map[string]*connection{},
		onPort:            map[string][]*connection{},
		faults:            opts.Faults,
		buckets:           map[string]*tokenBucket{},
		rng:               rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed)),
		consistency:       opts.Consistency,
		advRng:            rand.New(rand.NewPCG(uint64(opts.Seed), 0xad7e)),
		portAsOf:          map[string]time.Time{},
		standing:          map[string]bool{},
		requests:          map[string]int{},
		created:           map[string]int{},
		orderRequests:     map[string]map[string]int{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.loadFixture(fx)
	s.consistency.Ports = slices.Clone(s.consistency.Ports)
	s.plantStandingLocked(s.now())
	s.mux = s.routes()
	return s
}

func (s *Server) loadFixture(fx *Fixture) {
	for _, c := range fx.Companies {
		c.MetroIDs = slices.Clone(c.MetroIDs)
		s.companies[c.Username] = &c
	}
	for _, m := range fx.Metros {
		m.RegionIDs = slices.Clone(m.RegionIDs)
		s.metros[m.ID] = &m
	}
	for _, d := range fx.DCFs {
		d.Coordinates = slices.Clone(d.Coordinates)
		s.dcfs = append(s.dcfs, &d)
	}
	slices.SortFunc(s.dcfs, func(a, b *DCF) int { return cmp.Compare(a.ID, b.ID) })
	for _, p := range fx.Ports {
		p.SupportedServices = slices.Clone(p.SupportedServices)
		p.VLANRanges = slices.Clone(p.VLANRanges)
		s.ports[p.ID] = &port{Port: p, utilised: p.Utilised}
		s.portOrder = append(s.portOrder, p.ID)
	}
	for _, fc := range fx.Connections {
		s.addConnectionLocked(s.fixtureConnection(fc))
	}
}

// fixtureConnection completes a fixture connection with what the API would
// report for it. Its bandwidth is already part of the port's Utilised.
func (s *Server) fixtureConnection(fc Connection) *connection {
	c := &connection{
		id: fc.ID, name: fc.Name, status: fc.Status, speed: fc.SpeedMbps,
		srcPortID: fc.SrcPortID, destPortID: fc.DestPortID,
		srcCompany: fc.Company, destCompany: cmp.Or(fc.DestCompany, fc.Company),
		classOfService: "SILVER", paymentType: "invoice", duration: 1, durationUnit: "m", evergreen: true,
		createdAt: fc.CreatedAt, updatedAt: fc.CreatedAt, approvedAt: fc.CreatedAt,
	}
	c.counted = c.footprint() // already in the port's Utilised
	if src, ok := s.ports[fc.SrcPortID]; ok {
		c.srcRegionID = s.firstRegion(src.MetroID)
	}
	if dest, ok := s.ports[fc.DestPortID]; ok {
		c.destMetroID, c.destDCF, c.destRegionID = dest.MetroID, dest.DCFID, s.firstRegion(dest.MetroID)
	}
	return c
}

func (s *Server) firstRegion(metroID string) string {
	if m, ok := s.metros[metroID]; ok && len(m.RegionIDs) > 0 {
		return m.RegionIDs[0]
	}
	return ""
}

// ServeHTTP tags every response with a unique X-Request-Id and routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Request-Id", fmt.Sprintf("%s-%08d", s.requestIDPrefix, s.requestSeq.Add(1)))
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	api := map[string]struct {
		endpoint string
		handler  http.HandlerFunc
	}{
		"GET /api/company/{company}/ports":                       {EndpointListPorts, s.handleListPorts},
		"GET /api/company/{company}/ports/{portId}":              {EndpointGetPort, s.handleGetPort},
		"GET /api/company/{company}/ports/{portId}/connections":  {EndpointPortConnections, s.handlePortConnections},
		"GET /api/company/{company}/metro/capabilities":          {EndpointMetroCapabilities, s.handleMetroCapabilities},
		"GET /v2/data-center-facility":                           {EndpointSearchDCF, s.handleSearchDCF},
		"PUT /api/v2/company/{company}/connections/layer2":       {EndpointCreateLayer2, s.handleCreateLayer2},
		"GET /api/v2/company/{company}/connections/{id}":         {EndpointGetConnection, s.handleGetConnection},
		"GET /api/v2/company/{company}/connections":              {EndpointListConnections, s.handleListConnections},
		"DELETE /api/v2/company/{company}/connections/{id}":      {EndpointDeleteConnection, s.handleDeleteConnection},
		"PUT /api/v2/company/{company}/connections/{id}/approve": {EndpointApproveConnection, s.handleApproveConnection},
		"PUT /api/v2/company/{company}/connections/{id}/reject":  {EndpointRejectConnection, s.handleRejectConnection},
		"POST /api/v2/company/{company}/connections/{id}":        {EndpointUpdateConnection, s.handleUpdateConnection},
		// The change request routes are not under /api/v2, as in the reference.
		"PUT /api/company/{company}/connections/{id}/change":         {EndpointRequestChange, s.handleRequestChange},
		"PUT /api/company/{company}/connections/{id}/change/approve": {EndpointApproveChange, s.handleApproveChange},
		"DELETE /api/company/{company}/connections/{id}/change":      {EndpointCancelChange, s.handleCancelChange},
	}
	for pattern, route := range api {
		mux.Handle(pattern, s.attributed(route.endpoint, s.apiRoute(route.endpoint, route.handler)))
	}
	mux.Handle("GET /_sim/stats", s.requireAuth(s.handleStats))
	mux.Handle("GET /_sim/faults", s.requireAuth(s.handleGetFaults))
	mux.Handle("PUT /_sim/faults", s.requireAuth(s.handlePutFaults))
	mux.Handle("GET /_sim/ledger", s.requireAuth(s.handleLedger))
	mux.Handle("GET /_sim/consistency", s.requireAuth(s.handleGetConsistency))
	mux.Handle("PUT /_sim/consistency", s.requireAuth(s.handlePutConsistency))
	mux.Handle("GET /_sim/pending", s.requireAuth(s.handlePending))
	mux.Handle("PUT /_sim/connections/{id}/change/approve", s.requireAuth(s.handlePartnerApproveChange))
	mux.Handle("PUT /_sim/connections/{id}/change/reject", s.requireAuth(s.handlePartnerRejectChange))
	// The catch-all also answers wrong methods on known paths, as LoopBack does.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("There is no method to handle %s %s", r.Method, r.URL.Path))
	})
	return mux
}

func (s *Server) requireAuth(handler http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+s.apiKey {
			writeJSON(w, http.StatusUnauthorized, statusMessage{"The user is not logged in", 401, 401})
			return
		}
		handler(w, r)
	}
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Requests: maps.Clone(s.requests), Created: maps.Clone(s.created)}
}

// RequestCount returns how many requests reached the named endpoint.
func (s *Server) RequestCount(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[endpoint]
}

// ConnectionsCreated returns how many connections named name were committed
// for company, including ones whose response was dropped.
func (s *Server) ConnectionsCreated(company, name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.created[company+"/"+name]
}

// syncLocked brings every connection's lifecycle up to the current time and
// returns that time. Callers hold s.mu.
func (s *Server) syncLocked() time.Time {
	now := s.now()
	for _, c := range s.conns {
		s.advanceLocked(c, now)
	}
	return now
}
