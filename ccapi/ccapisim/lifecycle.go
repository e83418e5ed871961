package ccapisim

import "time"

const provisioningFailure = "VLAN allocation failed on the provider edge"

// advanceLocked replays every transition of c that is due at now. Each
// transition is stamped with the time it was due, not with now, so the
// result does not depend on how often the connection is read.
//
//	port-to-port:         CREATING -> ACTIVE | ERROR (failProvisioning port)
//	business-to-business: PENDING -> ACCEPTED (approve / autoApprove)
//	                      PENDING -> DENIED   (reject / autoReject)
//	                      PENDING -> CANCELLED (the requester withdraws it: DELETE)
//	                      ACCEPTED -> ACTIVE | ERROR
//
// An automatic partner then decides a change request waiting for it.
func (s *Server) advanceLocked(c *connection, now time.Time) {
	s.advanceStatusLocked(c, now)
	s.decideChangeLocked(c, now)
}

func (s *Server) advanceStatusLocked(c *connection, now time.Time) {
	for {
		switch c.status {
		case StatusCreating:
			if !s.activateLocked(c, c.createdAt.Add(s.activationDelayOf(c)), now) {
				return
			}
		case StatusAccepted:
			if !s.activateLocked(c, c.approvedAt.Add(s.activationDelayOf(c)), now) {
				return
			}
		case StatusPending:
			dest, ok := s.companies[c.destCompany]
			decideAt := c.createdAt.Add(s.autoApproveDelay + time.Duration(c.decisionDraw*float64(s.autoApproveJitter)))
			if !ok || now.Before(decideAt) {
				return
			}
			switch {
			case dest.AutoReject:
				s.rejectLocked(c, dest.Username, decideAt)
			case dest.AutoApprove:
				s.approveLocked(c, decideAt)
			default:
				return
			}
		default:
			return
		}
	}
}

// activationDelayOf is how long c takes from CREATING or ACCEPTED to ACTIVE.
func (s *Server) activationDelayOf(c *connection) time.Duration {
	return s.activationDelay + time.Duration(c.activationDraw*float64(s.activationJitter))
}

// activateLocked finishes provisioning if it is due, reporting whether the
// status changed.
func (s *Server) activateLocked(c *connection, dueAt, now time.Time) bool {
	if now.Before(dueAt) {
		return false
	}
	if src, ok := s.ports[c.srcPortID]; ok && src.FailProvisioning {
		c.errorReason = provisioningFailure
		s.setStatusLocked(c, StatusError, dueAt)
		return true
	}
	s.setStatusLocked(c, StatusActive, dueAt)
	return true
}

func (s *Server) approveLocked(c *connection, at time.Time) {
	c.approvedAt = at
	s.setStatusLocked(c, StatusAccepted, at)
}

func (s *Server) rejectLocked(c *connection, by string, at time.Time) {
	c.errorReason = "Rejected by " + by
	s.setStatusLocked(c, StatusDenied, at)
}

// decideChangeLocked lets an automatic partner decide the change request
// waiting for its approval, by the same policy and after the same delay as
// it decides connection requests, counted from when the request was last
// made or changed. A company without a policy never answers.
func (s *Server) decideChangeLocked(c *connection, now time.Time) {
	req := c.request
	if !req.pending() {
		return
	}
	awaited, ok := s.companies[c.awaitedParty()]
	decideAt := req.updatedAt.Add(s.autoApproveDelay + time.Duration(req.decisionDraw*float64(s.autoApproveJitter)))
	if !ok || now.Before(decideAt) {
		return
	}
	switch {
	case awaited.AutoReject:
		s.endChangeLocked(c, ChangeRejected, decideAt)
		s.recordLocked(LedgerChange{ConnectionID: c.id, Kind: ChangeKindRejected, Source: SourcePartner,
			By: awaited.Username, SpeedMbps: req.speed, At: decideAt})
	case awaited.AutoApprove:
		s.approveChangeLocked(c, awaited.Username, req.speed, decideAt)
		s.recordLocked(LedgerChange{ConnectionID: c.id, Kind: ChangeKindApproved, Source: SourcePartner,
			By: awaited.Username, SpeedMbps: req.speed, At: decideAt})
	}
}

// setStatusLocked changes the status and gives the bandwidth back to the
// source port once the connection no longer uses it. A change request
// still pending then ends, withdrawn with the connection.
func (s *Server) setStatusLocked(c *connection, status string, at time.Time) {
	c.status = status
	c.updatedAt = at
	if releasesCapacity(status) && c.request.pending() {
		c.request.status, c.request.updatedAt = ChangeWithdrawn, at
	}
	s.recountLocked(c)
}

// recountLocked brings the source port's utilisation in line with what c
// takes from it now, by the difference from what it took before.
func (s *Server) recountLocked(c *connection) {
	want := c.footprint()
	if src, ok := s.ports[c.srcPortID]; ok {
		src.utilised = max(0, src.utilised+want-c.counted)
	}
	c.counted = want
}
