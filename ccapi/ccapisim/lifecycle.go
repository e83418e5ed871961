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
func (s *Server) advanceLocked(c *connection, now time.Time) {
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

// setStatusLocked changes the status and gives the bandwidth back to the
// source port once the connection no longer uses it.
func (s *Server) setStatusLocked(c *connection, status string, at time.Time) {
	c.status = status
	c.updatedAt = at
	if c.holdsCapacity && releasesCapacity(status) {
		if src, ok := s.ports[c.srcPortID]; ok {
			src.utilised = max(0, src.utilised-c.speed)
		}
		c.holdsCapacity = false
	}
}
