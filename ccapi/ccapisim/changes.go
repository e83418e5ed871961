package ccapisim

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Changes to an existing connection, as the reference's operations
// update-a-connection, create-or-update-a-change-request,
// approve-the-current-change-request and reject-or-cancel-a-change-request
// describe them:
//
//   - An update (POST /api/v2/company/{company}/connections/{id}) is the
//     source company's. A self-connection takes any speed at once; a
//     connection to another company may only be slowed down this way, so
//     that the other party never pays for more than it agreed to, except
//     while it is still a PENDING request.
//   - A change request (PUT /api/company/{company}/connections/{id}/change)
//     is how either party of an ACTIVE business-to-business connection
//     asks for another speed. The party that sets the speed approves it;
//     the change applies once the other party approves too. Its bandwidth
//     is reserved on the source port as soon as it is asked for.

// changeBody is the body of an update or a change request. Pointers tell
// "absent" from zero. The reference's other update fields (portId,
// untagged, controllerId, ...) are for what the simulator does not model,
// and are ignored like any unknown field.
type changeBody struct {
	Speed *float64 `json:"speed"`
	Name  *string  `json:"name"`
}

func decodeChangeBody(raw []byte) (changeBody, *requestError) {
	var body changeBody
	if reqErr := decodeJSONBody(raw, &body); reqErr != nil {
		return body, reqErr
	}
	switch {
	case body.Speed != nil && !validSpeed(*body.Speed):
		return body, badRequest("speed must be a positive whole number of Mbps, got %v", *body.Speed)
	case body.Name != nil && strings.TrimSpace(*body.Name) == "":
		return body, badRequest("name must not be empty")
	}
	return body, nil
}

// connectionChange is one change a company asks of a connection it can
// see. It checks what it needs (the body, who asks, the connection's
// state), makes the change, and describes it for the ledger; no
// description means nothing changed.
type connectionChange func(company string, c *connection, raw []byte, now time.Time) (*LedgerChange, *requestError)

func (s *Server) handleUpdateConnection(w http.ResponseWriter, r *http.Request) {
	s.serveChange(w, r, EndpointUpdateConnection, s.updateConnectionLocked)
}

func (s *Server) handleRequestChange(w http.ResponseWriter, r *http.Request) {
	s.serveChange(w, r, EndpointRequestChange, s.requestChangeLocked)
}

func (s *Server) handleApproveChange(w http.ResponseWriter, r *http.Request) {
	s.serveChange(w, r, EndpointApproveChange, s.approveChangeCallLocked)
}

func (s *Server) handleCancelChange(w http.ResponseWriter, r *http.Request) {
	s.serveChange(w, r, EndpointCancelChange, s.cancelChangeLocked)
}

// serveChange runs change on the connection the path names and answers
// with the connection as it then stands (the ConnectionModel).
func (s *Server) serveChange(w http.ResponseWriter, r *http.Request, endpoint string, change connectionChange) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("could not read request body: %v", err))
		return
	}
	s.mu.Lock()
	answer, reqErr := s.changeLocked(r.PathValue("company"), r.PathValue("id"), orderOf(r), raw, endpoint, change)
	s.mu.Unlock()
	if reqErr != nil {
		writeRequestError(w, reqErr)
		return
	}
	writeJSON(w, http.StatusOK, answer)
}

func (s *Server) changeLocked(company, id, orderID string, raw []byte, endpoint string, change connectionChange) (connectionJSON, *requestError) {
	now := s.syncLocked()
	if _, ok := s.companies[company]; !ok {
		return connectionJSON{}, notFound(msgCompanyNotFound)
	}
	c, ok := s.conns[id]
	// A deleted or withdrawn connection is gone for changes, as for DELETE.
	if !ok || !c.visibleTo(company) || c.status == StatusDeleted || c.status == StatusCancelled {
		return connectionJSON{}, notFound(msgConnectionNotFound)
	}
	done, reqErr := change(company, c, raw, now)
	if reqErr != nil {
		return connectionJSON{}, reqErr
	}
	if done != nil {
		done.ConnectionID, done.Source, done.Endpoint, done.By, done.At = c.id, SourceAPI, endpoint, company, now
		done.OrderID = orderID
		s.recordLocked(*done)
	}
	return toConnectionJSON(c), nil
}

// updateConnectionLocked applies {speed?, name?} for the source company.
func (s *Server) updateConnectionLocked(company string, c *connection, raw []byte, now time.Time) (*LedgerChange, *requestError) {
	if company != c.srcCompany {
		return nil, forbidden()
	}
	body, reqErr := decodeChangeBody(raw)
	switch {
	case reqErr != nil:
		return nil, reqErr
	case body.Speed == nil && body.Name == nil:
		return nil, badRequest("speed or name is required")
	}
	speed, name := c.speed, c.name
	if body.Speed != nil {
		speed = int(*body.Speed)
	}
	if body.Name != nil {
		name = *body.Name
	}
	if speed == c.speed && name == c.name {
		return nil, nil
	}
	if speed != c.speed {
		if reqErr := s.checkSpeedUpdateLocked(c, speed); reqErr != nil {
			return nil, reqErr
		}
	}
	c.speed, c.name, c.updatedAt = speed, name, now
	s.recountLocked(c)
	return &LedgerChange{Kind: ChangeKindUpdated, SpeedMbps: speed}, nil
}

// checkSpeedUpdateLocked refuses a new speed the update endpoint may not
// set on c.
func (s *Server) checkSpeedUpdateLocked(c *connection, speed int) *requestError {
	switch {
	case releasesCapacity(c.status):
		return badRequest("connection %s is %s: its speed can no longer change", c.id, c.status)
	case speed > c.speed && c.businessToBusiness() && c.status != StatusPending:
		return badRequest("connection %s is to another company (%s): its speed may only be reduced by an update; "+
			"an increase to %d Mbps needs a change request (PUT /api/company/%s/connections/%s/change)",
			c.id, c.otherParty(c.srcCompany), speed, c.srcCompany, c.id)
	}
	after := *c
	after.speed = speed
	return s.checkCapacityLocked(c, after.footprint(), speed)
}

// checkCapacityLocked refuses a change after which c would take footprint
// Mbps from its source port, if the port does not have that much left
// besides what c takes already.
func (s *Server) checkCapacityLocked(c *connection, footprint, speed int) *requestError {
	src, ok := s.ports[c.srcPortID]
	if !ok || footprint-c.counted <= src.remaining() {
		return nil
	}
	return badRequest("speed %d exceeds remaining capacity %d Mbps on port %s (besides the %d Mbps connection %s uses)",
		speed, src.remaining(), src.ID, c.counted, c.id)
}

// requestChangeLocked creates or replaces the change request of a
// business-to-business connection for one of its parties.
func (s *Server) requestChangeLocked(company string, c *connection, raw []byte, now time.Time) (*LedgerChange, *requestError) {
	body, reqErr := decodeChangeBody(raw)
	switch {
	case reqErr != nil:
		return nil, reqErr
	case body.Speed == nil:
		return nil, badRequest("speed is a required argument")
	case !c.businessToBusiness():
		return nil, badRequest("connection %s is a self-connection: no other party has to approve a change, "+
			"update it directly (POST /api/v2/company/%s/connections/%s)", c.id, c.srcCompany, c.id)
	case c.status != StatusActive:
		return nil, badRequest("connection %s is not ACTIVE (status %s): only an ACTIVE connection can take a change request", c.id, c.status)
	}
	speed := int(*body.Speed)
	prev := c.request
	// "If the other company has approved the change and you reduce the
	// speed, the change will be applied automatically": the requester,
	// lowering what the other party approved when it modified the request,
	// leaves nothing for anyone to approve.
	if prev.pending() && prev.requester == company && prev.approvedBy(c, c.otherParty(company)) && speed <= prev.speed {
		s.approveChangeLocked(c, company, speed, now)
		return &LedgerChange{Kind: ChangeKindApproved, SpeedMbps: speed}, nil
	}
	if speed == c.speed {
		return nil, badRequest("connection %s already runs at %d Mbps", c.id, speed)
	}
	req := &changeRequest{status: ChangePending, speed: speed, requester: company, updatedAt: now}
	if prev.pending() {
		req.requester = prev.requester // a modification, not a new request
	}
	after := *c
	after.request = req
	if reqErr := s.checkCapacityLocked(c, after.footprint(), speed); reqErr != nil {
		return nil, reqErr
	}
	// The party that sets the speed approves it, and only that party: a
	// modification takes back the other's approval.
	s.setApprovalLocked(c, req, company)
	req.decisionDraw = s.rng.Float64()
	c.request, c.updatedAt = req, now
	s.recountLocked(c)
	return &LedgerChange{Kind: ChangeKindRequested, SpeedMbps: speed}, nil
}

// approveChangeCallLocked approves the pending change request for the
// party whose approval it waits for; the change then applies.
func (s *Server) approveChangeCallLocked(company string, c *connection, _ []byte, now time.Time) (*LedgerChange, *requestError) {
	req := c.request
	switch {
	case !req.pending():
		return nil, noPendingChange(c)
	case req.approvedBy(c, company):
		return nil, badRequest("company %s has already approved the change request on connection %s; it waits for %s",
			company, c.id, c.otherParty(company))
	}
	s.approveChangeLocked(c, company, req.speed, now)
	return &LedgerChange{Kind: ChangeKindApproved, SpeedMbps: c.speed}, nil
}

// cancelChangeLocked ends the pending change request: withdrawn by the
// party that asked for it, rejected by the other.
func (s *Server) cancelChangeLocked(company string, c *connection, _ []byte, now time.Time) (*LedgerChange, *requestError) {
	req := c.request
	if !req.pending() {
		return nil, noPendingChange(c)
	}
	status, kind := ChangeRejected, ChangeKindRejected
	if company == req.requester {
		status, kind = ChangeWithdrawn, ChangeKindWithdrawn
	}
	s.endChangeLocked(c, status, now)
	return &LedgerChange{Kind: kind, SpeedMbps: req.speed}, nil
}

func noPendingChange(c *connection) *requestError {
	if c.request == nil {
		return badRequest("connection %s has no pending change request", c.id)
	}
	return badRequest("connection %s has no pending change request (the last one is %s)", c.id, c.request.status)
}

// approvedBy reports whether company has approved the request on its side
// of c.
func (r *changeRequest) approvedBy(c *connection, company string) bool {
	if company == c.srcCompany {
		return r.srcApproval != ""
	}
	return r.destApproval != ""
}

// awaitedParty is the party whose approval c's pending change request
// waits for.
func (c *connection) awaitedParty() string {
	if c.request.srcApproval == "" {
		return c.srcCompany
	}
	return c.destCompany
}

// setApprovalLocked makes company's side of req the only approved one.
func (s *Server) setApprovalLocked(c *connection, req *changeRequest, company string) {
	req.srcApproval, req.destApproval = "", ""
	id := s.companyIDLocked(company)
	if company == c.srcCompany {
		req.srcApproval = id
	} else {
		req.destApproval = id
	}
}

// approveChangeLocked records company's approval of c's pending change
// request, which completes it, and applies it at speed: the connection
// takes that speed, and the bandwidth reserved for the request becomes the
// connection's own.
func (s *Server) approveChangeLocked(c *connection, company string, speed int, at time.Time) {
	req := c.request
	if company == c.srcCompany {
		req.srcApproval = s.companyIDLocked(company)
	} else {
		req.destApproval = s.companyIDLocked(company)
	}
	req.status, req.speed, req.updatedAt = ChangeApproved, speed, at
	c.speed, c.updatedAt = speed, at
	s.recountLocked(c)
}

// endChangeLocked ends c's pending change request without applying it,
// giving back the bandwidth reserved for it.
func (s *Server) endChangeLocked(c *connection, status string, at time.Time) {
	c.request.status, c.request.updatedAt = status, at
	c.updatedAt = at
	s.recountLocked(c)
}

// companyIDLocked is the id of the company with that username, which the
// API puts in a change request's approvals.
func (s *Server) companyIDLocked(username string) string {
	if company, ok := s.companies[username]; ok && company.ID != "" {
		return company.ID
	}
	return username
}

// changeRequestJSON is connection.request. The reference's example shows
// it as an array of one-key objects; the simulator answers the object
// those keys describe.
type changeRequestJSON struct {
	Status       string  `json:"status"`
	Speed        int     `json:"speed"`
	SrcApproval  *string `json:"srcApproval"`
	DestApproval *string `json:"destApproval"`
	UpdatedAt    string  `json:"updatedAt"`
}

func toChangeRequestJSON(r *changeRequest) *changeRequestJSON {
	if r == nil {
		return nil
	}
	return &changeRequestJSON{
		Status: r.status, Speed: r.speed, SrcApproval: nullIfEmpty(r.srcApproval),
		DestApproval: nullIfEmpty(r.destApproval), UpdatedAt: formatTime(r.updatedAt),
	}
}

// partnerDecisionLocked decides the pending change request of connection
// id as the party it waits for, as a /_sim control route asks: approve at
// speed (the requested speed when 0, else at most it), or reject.
func (s *Server) partnerDecisionLocked(id string, approve bool, speed int) (connectionJSON, *requestError) {
	now := s.syncLocked()
	c, ok := s.conns[id]
	if !ok {
		return connectionJSON{}, notFound(msgConnectionNotFound)
	}
	req := c.request
	if !req.pending() {
		return connectionJSON{}, noPendingChange(c)
	}
	partner := c.awaitedParty()
	change := LedgerChange{ConnectionID: c.id, Source: SourceControl, By: partner, At: now}
	switch {
	case !approve:
		s.endChangeLocked(c, ChangeRejected, now)
		change.Kind, change.SpeedMbps = ChangeKindRejected, req.speed
	case speed > req.speed:
		// "The destination company can accept the change at a lower speed
		// than the one specified", never at a higher one.
		return connectionJSON{}, badRequest("speed %d is above the %d Mbps the change request asks for", speed, req.speed)
	default:
		if speed == 0 {
			speed = req.speed
		}
		s.approveChangeLocked(c, partner, speed, now)
		change.Kind, change.SpeedMbps = ChangeKindApproved, speed
	}
	s.recordLocked(change)
	return toConnectionJSON(c), nil
}

// ApproveChangeAsPartner approves the pending change request of connection
// id as the party it waits for, as a test playing that party would; speed
// 0 accepts the requested speed, a lower one accepts the change at that
// speed.
func (s *Server) ApproveChangeAsPartner(id string, speed int) error {
	if speed < 0 {
		return fmt.Errorf("approve change on %s: speed must not be negative, got %d", id, speed)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, reqErr := s.partnerDecisionLocked(id, true, speed); reqErr != nil {
		return fmt.Errorf("approve change on %s: %w", id, reqErr)
	}
	return nil
}

// RejectChangeAsPartner rejects the pending change request of connection
// id as the party it waits for.
func (s *Server) RejectChangeAsPartner(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, reqErr := s.partnerDecisionLocked(id, false, 0); reqErr != nil {
		return fmt.Errorf("reject change on %s: %w", id, reqErr)
	}
	return nil
}

// decodePartnerApproval reads the optional {"speed": N} of a control
// route's approval; an empty body accepts the requested speed.
func decodePartnerApproval(raw []byte) (int, *requestError) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return 0, nil
	}
	body, reqErr := decodeChangeBody(raw)
	if reqErr != nil || body.Speed == nil {
		return 0, reqErr
	}
	return int(*body.Speed), nil
}
