package ccapisim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Consistency is the simulator's adversarial consistency mode: the API as
// an adversary, within what it may do. Where Faults model a failing
// gateway or backend, Consistency models an API that is correct but
// promises little: reads that are not snapshots and lag behind writes
// within a bound, 404s from a replica that has not caught up, work that
// lands after its error answer, a partner deciding while the client does
// not know its request went through, other companies' connections on the
// company's ports, and answers without the fields the API does not
// promise.
//
// Each behaviour is switched on by its own rate or bound (zero: off), is
// drawn from a random source of its own (so switching it on does not move
// the faults' draws), and applies only to the ports in scope (Ports). The
// zero Consistency is off: the simulator then behaves exactly as without
// it.
type Consistency struct {
	// Ports limits the mode to these ports; empty means every port. A port
	// read (GET port, its connection list, the port list) is in scope when
	// it reads one of them, a call naming a connection when the
	// connection's source port is one, a company's connection list item by
	// item.
	Ports []string

	// PageShiftRate is the chance that a read of page 2 or later of a
	// port's connection list finds that, since the page before, another
	// company withdrew a connection toward the port that an earlier page
	// listed and ordered a new one, listed last: the count is unchanged,
	// every later item moved one place up, and the item that was first on
	// the page asked for is on no page the reader reads. A port in scope
	// carries standingForeign connections of another company toward it
	// from the moment page shifts are switched on, so that there is one to
	// withdraw; at most one shift happens per page read.
	PageShiftRate float64
	// PageCap: a port's connection list in scope answers at most PageCap
	// items a page, whatever count asks (0: no cap), as a server-side page
	// size would; with it, a port needs fewer connections for page shifts
	// to matter.
	PageCap int

	// ReadLag: every port read in scope (GET port with its connections
	// inline, the port's connection list, the port list, a company's
	// connection list) answers as of a moment drawn up to ReadLag ago,
	// as a lagging replica would: a connection created since is not in it,
	// one deleted or withdrawn since shows as it was before. One moment
	// per answer, so an answer is a snapshot of which connections existed
	// then, and never older than ReadLag; GET of one connection does not
	// lag. Keep it within the settle window the workflow assumes
	// (workflows.Config.PutSettleWindow) less the longest late commit.
	ReadLag time.Duration

	// Stray404Rate is the chance that GET of a connection in scope answers
	// 404, though the connection exists and the caller may see it, at any
	// time of its life: a replica that lost it for a moment, a gateway
	// mid-deploy.
	Stray404Rate float64

	// LateEffectRate is the chance that a DELETE, an update, a change
	// request or its cancellation in scope is answered 504 (or not at all,
	// until the client gives up) while its work lands later, after a delay
	// drawn up to LateEffectMax. Late effects are counted by
	// PendingEffects until they land.
	LateEffectRate float64
	LateEffectMax  time.Duration

	// PartnerRaceRate is the chance that a change request in scope that
	// the API took loses its answer (a 502, 503, 504 or a cut connection)
	// and the party it waits for decides it at once, before the client
	// can read it again: it accepts a lower speed than asked for (when
	// there is one between the current and the asked speed) or rejects it.
	PartnerRaceRate float64

	// ForeignRate is the chance that a PUT in scope creating connection N
	// on port P is met by another company's connection also named N whose
	// destination is P, ordered up to ReadLag before (at the same moment
	// when ReadLag is 0): the company sees it on its port, but its source
	// port, and the bill, are the other company's. That company is the
	// first of the fixture's with no port in scope, or else one the
	// fixture does not list (outsider); these connections are in
	// Ledger.Foreign, not Ledger.Connections.
	ForeignRate float64

	// BareRate is the chance that an answer in scope carrying connections
	// (a connection, a list, a port's inline connections) leaves out every
	// field the API does not promise. The OpenAPI ConnectionModel requires
	// nothing; a bare connection keeps only what its creation required
	// (type, name, srcPortId, speed) and the id and status without which
	// it is no answer at all: no createdAt, srcCompany, destCompany,
	// destPortId, errorReason, request, ....
	BareRate float64
}

// standingForeign is how many connections of another company a port in
// scope carries toward it once page shifts are on.
const standingForeign = 2

// foreignSpeed is the speed of the connections other companies order
// toward a port in scope, taken from their own source port.
const foreignSpeed = 10

// on reports whether any behaviour is switched on. It is asked for every
// connection a listing walks, so it compares rather than reflects.
func (c Consistency) on() bool {
	return c.PageShiftRate != 0 || c.PageCap != 0 || c.ReadLag != 0 || c.Stray404Rate != 0 || c.LateEffectRate != 0 ||
		c.LateEffectMax != 0 || c.PartnerRaceRate != 0 || c.ForeignRate != 0 || c.BareRate != 0
}

// Validate rejects settings that cannot be honoured.
func (c Consistency) Validate() error {
	var errs []error
	for _, r := range []struct {
		name string
		v    float64
	}{
		{"pageShiftRate", c.PageShiftRate}, {"stray404Rate", c.Stray404Rate}, {"lateEffectRate", c.LateEffectRate},
		{"partnerRaceRate", c.PartnerRaceRate}, {"foreignRate", c.ForeignRate}, {"bareRate", c.BareRate},
	} {
		if r.v < 0 || r.v > 1 || math.IsNaN(r.v) {
			errs = append(errs, fmt.Errorf("%s must be within [0, 1], got %v", r.name, r.v))
		}
	}
	if c.ReadLag < 0 || c.LateEffectMax < 0 || c.PageCap < 0 {
		errs = append(errs, fmt.Errorf("readLag, lateEffectMax and pageCap must not be negative"))
	}
	if c.LateEffectRate > 0 && c.LateEffectMax <= 0 {
		errs = append(errs, fmt.Errorf("lateEffectRate needs a positive lateEffectMax"))
	}
	if slices.Contains(c.Ports, "") {
		errs = append(errs, fmt.Errorf("ports must not contain an empty id"))
	}
	return errors.Join(errs...)
}

// consistencyJSON is the wire form of Consistency: lowerCamel keys,
// durations as Go duration strings, zero values left out.
type consistencyJSON struct {
	Ports           []string     `json:"ports,omitempty"`
	PageShiftRate   float64      `json:"pageShiftRate,omitempty"`
	PageCap         int          `json:"pageCap,omitempty"`
	ReadLag         jsonDuration `json:"readLag,omitempty"`
	Stray404Rate    float64      `json:"stray404Rate,omitempty"`
	LateEffectRate  float64      `json:"lateEffectRate,omitempty"`
	LateEffectMax   jsonDuration `json:"lateEffectMax,omitempty"`
	PartnerRaceRate float64      `json:"partnerRaceRate,omitempty"`
	ForeignRate     float64      `json:"foreignRate,omitempty"`
	BareRate        float64      `json:"bareRate,omitempty"`
}

// MarshalJSON writes durations as Go duration strings.
func (c Consistency) MarshalJSON() ([]byte, error) {
	return json.Marshal(consistencyJSON{
		c.Ports, c.PageShiftRate, c.PageCap, jsonDuration(c.ReadLag), c.Stray404Rate, c.LateEffectRate,
		jsonDuration(c.LateEffectMax), c.PartnerRaceRate, c.ForeignRate, c.BareRate,
	})
}

// UnmarshalJSON reads durations as Go duration strings (or nanoseconds)
// and rejects unknown keys, so a typo does not silently disable a
// behaviour.
func (c *Consistency) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var w consistencyJSON
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("decode consistency: %w", err)
	}
	*c = Consistency{
		w.Ports, w.PageShiftRate, w.PageCap, time.Duration(w.ReadLag), w.Stray404Rate, w.LateEffectRate,
		time.Duration(w.LateEffectMax), w.PartnerRaceRate, w.ForeignRate, w.BareRate,
	}
	return nil
}

// SetConsistency replaces the consistency mode's settings. Ports in scope
// get their standing foreign connections now if page shifts are on.
func (s *Server) SetConsistency(c Consistency) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Ports = slices.Clone(c.Ports)
	s.consistency = c
	s.plantStandingLocked(s.syncLocked())
}

// CurrentConsistency returns the consistency mode's settings.
func (s *Server) CurrentConsistency() Consistency {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.consistency
	c.Ports = slices.Clone(c.Ports)
	return c
}

// inScopeLocked reports whether the mode applies to what concerns port id.
func (s *Server) inScopeLocked(portID string) bool {
	c := s.consistency
	return c.on() && (len(c.Ports) == 0 || slices.Contains(c.Ports, portID))
}

// drawLocked reports whether a behaviour of the given rate happens now,
// from the mode's own random source; a rate of 0 draws nothing.
func (s *Server) drawLocked(rate float64) bool {
	return rate > 0 && s.advRng.Float64() < rate
}

// readView is the moment one answer shows the connections as of.
type readView struct {
	asOf   time.Time
	lagged bool
}

// readViewLocked draws the moment a port read in scope answers as of: up
// to ReadLag before now.
func (s *Server) readViewLocked(now time.Time, inScope bool) readView {
	lag := s.consistency.ReadLag
	if !inScope || lag <= 0 {
		return readView{asOf: now}
	}
	return readView{asOf: now.Add(-time.Duration(s.advRng.Float64() * float64(lag))), lagged: true}
}

// portViewLocked is readViewLocked for a read of port id, remembered as the
// port's latest view, so that a page shift can happen after it.
func (s *Server) portViewLocked(portID string, now time.Time) readView {
	v := s.readViewLocked(now, s.inScopeLocked(portID))
	if v.lagged {
		s.portAsOf[portID] = v.asOf
	}
	return v
}

// shiftViewLocked is the view of a page read that finds the list shifted.
// The shift happens after the moment the port's page before was read as
// of, and this page is read as of the shift: the page before did not see
// it, this one does, and nothing else moved in between.
func (s *Server) shiftViewLocked(portID string, now time.Time) readView {
	lag := s.consistency.ReadLag
	if lag <= 0 {
		return readView{asOf: now}
	}
	asOf := now.Add(-lag)
	if last := s.portAsOf[portID]; last.After(asOf) {
		asOf = last
	}
	s.portAsOf[portID] = asOf
	return readView{asOf: asOf, lagged: true}
}

// shownLocked says whether and with which status a read shows c: not at
// all while the endpoint's list lag hides it; in a lagged view, not if it
// was created after the view's moment, and as it was before if it was
// deleted or withdrawn after it.
func (s *Server) shownLocked(c *connection, endpoint string, now time.Time, v readView) (string, bool) {
	switch {
	case !s.listedLocked(c, endpoint, now), v.lagged && c.createdAt.After(v.asOf):
		return "", false
	case v.lagged && !c.withdrawnAt.IsZero() && c.withdrawnAt.After(v.asOf):
		return c.statusBeforeWithdrawal, true
	}
	return c.status, true
}

// outsider is the company foreign connections come from when every
// company with ports has one in scope: a company of the real API's that
// the fixture does not list, from a port nobody here can read.
const outsider = "outsider"

// foreignSourceLocked is where another company orders toward target from:
// the first ACTIVE port of the fixture whose company is not target's and
// has no port in scope (so that what it orders is never taken for the
// doing of a company the mode is aimed at), else a port of the outsider's.
func (s *Server) foreignSourceLocked(target *port) (company, portID string) {
	inScope := map[string]bool{}
	for _, id := range s.portOrder {
		if s.inScopeLocked(id) {
			inScope[s.ports[id].Company] = true
		}
	}
	for _, id := range s.portOrder {
		if p := s.ports[id]; p.Company != target.Company && !inScope[p.Company] && p.Status == StatusActive {
			return p.Company, p.ID
		}
	}
	return outsider, "f0" + target.ID[min(2, len(target.ID)):]
}

// plantForeignLocked has another company order a connection named name
// toward port target, created at at.
func (s *Server) plantForeignLocked(target *port, name string, at time.Time) *connection {
	company, srcPortID := s.foreignSourceLocked(target)
	c := &connection{
		name: name, status: StatusActive, speed: foreignSpeed,
		srcPortID: srcPortID, destPortID: target.ID, srcCompany: company, destCompany: target.Company,
		destMetroID: target.MetroID, destDCF: target.DCFID,
		destRegionID: s.firstRegion(target.MetroID), classOfService: "SILVER", paymentType: "invoice",
		duration: 1, durationUnit: "m", evergreen: true,
		createdAt: at, updatedAt: at, approvedAt: at, foreign: true,
	}
	if src, ok := s.ports[srcPortID]; ok {
		c.srcRegionID = s.firstRegion(src.MetroID)
	}
	c.id = s.newConnectionIDLocked(at)
	s.addConnectionLocked(c)
	s.recountLocked(c)
	return c
}

// plantStandingLocked gives every port in scope its standing foreign
// connections, once, if page shifts are on.
func (s *Server) plantStandingLocked(now time.Time) {
	if s.consistency.PageShiftRate <= 0 {
		return
	}
	for _, id := range s.portOrder {
		p := s.ports[id]
		if s.standing[id] || p.Status != StatusActive || !s.inScopeLocked(id) {
			continue
		}
		s.standing[id] = true
		for range standingForeign {
			s.plantForeignLocked(p, s.foreignNameLocked(), now)
		}
	}
}

// foreignNameLocked names a connection another company orders on its own
// account.
func (s *Server) foreignNameLocked() string {
	s.foreignSeq++
	return fmt.Sprintf("XC-%05d", s.foreignSeq)
}

// meetWithForeignLocked draws, for connection c just created, whether
// another company ordered one named alike toward its source port.
func (s *Server) meetWithForeignLocked(c *connection) {
	if !s.inScopeLocked(c.srcPortID) || !s.drawLocked(s.consistency.ForeignRate) {
		return
	}
	before := time.Duration(s.advRng.Float64() * float64(s.consistency.ReadLag))
	if src, ok := s.ports[c.srcPortID]; ok {
		s.plantForeignLocked(src, c.name, c.createdAt.Add(-before))
	}
}

// shiftPageLocked withdraws a foreign connection among the first start
// items of matching (those earlier pages listed) and has its company order
// a new one toward the port, both at at; it reports whether it did.
func (s *Server) shiftPageLocked(p *port, matching []*connection, start int, at time.Time) bool {
	for _, c := range matching[:min(start, len(matching))] {
		if !c.foreign || c.srcCompany == p.Company {
			continue
		}
		c.statusBeforeWithdrawal, c.withdrawnAt = c.status, at
		s.setStatusLocked(c, StatusDeleted, at)
		s.plantForeignLocked(p, s.foreignNameLocked(), at)
		return true
	}
	return false
}

// partnerRace has the party a pending change request of connection id
// waits for decide it at once: accept a lower speed than asked for, when
// there is one between the current speed and the asked one, or reject it.
func (s *Server) partnerRace(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.syncLocked()
	c, ok := s.conns[id]
	if !ok || !c.request.pending() {
		return
	}
	req, partner := c.request, c.awaitedParty()
	lowest := c.speed + 1
	if req.speed < c.speed {
		lowest = 1
	}
	change := LedgerChange{ConnectionID: c.id, Source: SourcePartner, By: partner, At: now}
	if highest := req.speed - 1; lowest <= highest && s.advRng.Float64() < 0.5 {
		speed := lowest + s.advRng.IntN(highest-lowest+1)
		s.approveChangeLocked(c, partner, speed, now)
		change.Kind, change.SpeedMbps = ChangeKindApproved, speed
	} else {
		s.endChangeLocked(c, ChangeRejected, now)
		change.Kind, change.SpeedMbps = ChangeKindRejected, req.speed
	}
	s.recordLocked(change)
}

// adversaryDecision is what the consistency mode decided about one API
// request at the gateway.
type adversaryDecision struct {
	lateEffect time.Duration // > 0: the work lands this much later
	hang       bool          // late effect: no answer until the client gives up
	race       bool          // change request: the partner decides, the answer is lost
	lostStatus int           // race without a late effect: 0 cuts, else 502/503/504
	bare       bool          // the answer leaves out what the API does not promise
	connID     string
}

// lateEffectEndpoints are the calls whose work may land after their error
// answer.
var lateEffectEndpoints = []string{
	EndpointDeleteConnection, EndpointUpdateConnection, EndpointRequestChange, EndpointCancelChange,
}

// adversaryDecide draws what the consistency mode does to a request.
func (s *Server) adversaryDecide(endpoint string, r *http.Request) adversaryDecision {
	s.mu.Lock()
	defer s.mu.Unlock()
	cons := s.consistency
	if !cons.on() {
		return adversaryDecision{}
	}
	var a adversaryDecision
	a.bare = s.drawLocked(cons.BareRate)
	a.connID = r.PathValue("id")
	c, ok := s.conns[a.connID]
	if !ok || !s.inScopeLocked(c.srcPortID) {
		return a
	}
	if slices.Contains(lateEffectEndpoints, endpoint) && s.drawLocked(cons.LateEffectRate) {
		a.lateEffect = max(time.Millisecond, time.Duration(s.advRng.Float64()*float64(cons.LateEffectMax)))
		a.hang = s.advRng.Float64() < 0.5
	}
	if endpoint == EndpointRequestChange && s.drawLocked(cons.PartnerRaceRate) {
		a.race = true
		a.lostStatus = []int{0, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}[s.advRng.IntN(4)]
	}
	return a
}

// bareAnswer leaves out of a connection answer (one connection, a page of
// them, or a port with its connections inline) every field the API does
// not promise, for the connections in scope. A body it cannot read is
// passed on as it is.
func (s *Server) bareAnswer(endpoint string, body []byte) []byte {
	var answer any
	if err := json.Unmarshal(body, &answer); err != nil {
		return body
	}
	s.mu.Lock()
	changed := false // an answer with nothing in scope goes out byte for byte
	inScope := func(conn map[string]any, portID string) bool {
		if src, ok := conn["srcPortId"].(string); ok {
			portID = src
		}
		in := s.inScopeLocked(portID)
		changed = changed || in
		return in
	}
	switch endpoint {
	case EndpointGetPort, EndpointListPorts:
		for _, p := range portsOf(answer) {
			portID, _ := p["id"].(string)
			for _, item := range objects(p["connections"]) {
				if inScope(item, portID) {
					keepOnly(item, "id", "name", "status", "speed", "type")
				}
			}
		}
	default:
		items := []map[string]any{}
		if page, ok := answer.(map[string]any); ok && page["results"] != nil {
			items = objects(page["results"])
		} else if conn, ok := answer.(map[string]any); ok {
			items = append(items, conn)
		}
		for _, item := range items {
			if inScope(item, "") {
				keepOnly(item, "id", "name", "status", "speed", "type", "srcPortId")
			}
		}
	}
	s.mu.Unlock()
	if !changed {
		return body
	}
	out, err := json.Marshal(answer)
	if err != nil {
		return body
	}
	return append(out, '\n')
}

// bareEndpoints are the endpoints whose answers carry connections.
var bareEndpoints = []string{
	EndpointGetPort, EndpointListPorts, EndpointPortConnections, EndpointCreateLayer2, EndpointGetConnection,
	EndpointListConnections, EndpointApproveConnection, EndpointRejectConnection, EndpointUpdateConnection,
	EndpointRequestChange, EndpointApproveChange, EndpointCancelChange,
}

func portsOf(answer any) []map[string]any {
	if list, ok := answer.(map[string]any); ok && list["results"] != nil {
		return objects(list["results"])
	}
	if p, ok := answer.(map[string]any); ok {
		return []map[string]any{p}
	}
	return nil
}

func objects(v any) []map[string]any {
	list, _ := v.([]any)
	var out []map[string]any
	for _, item := range list {
		if m, ok := item.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func keepOnly(m map[string]any, keys ...string) {
	for k := range m {
		if !slices.Contains(keys, k) {
			delete(m, k)
		}
	}
}

func (s *Server) handleGetConsistency(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.CurrentConsistency())
}

func (s *Server) handlePutConsistency(w http.ResponseWriter, r *http.Request) {
	var c Consistency
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&c); err != nil {
		writeCodeError(w, http.StatusBadRequest, "invalid consistency: "+err.Error())
		return
	}
	if err := c.Validate(); err != nil {
		writeCodeError(w, http.StatusBadRequest, "invalid consistency: "+strings.ReplaceAll(err.Error(), "\n", "; "))
		return
	}
	s.SetConsistency(c)
	writeJSON(w, http.StatusOK, s.CurrentConsistency())
}
