package ccapisim

import (
	"slices"
	"time"
)

// Connection statuses, as in the state table of the API reference's
// "Layer 2 Connections" section (the simulator produces a subset of them).
// A business-to-business request waits in PENDING for the destination
// company; PENDING ACCEPTANCE is for third-party services (AWS, ...) only.
const (
	StatusPending           = "PENDING"
	StatusPendingAcceptance = "PENDING ACCEPTANCE"
	StatusCreating          = "CREATING"
	StatusAccepted          = "ACCEPTED"
	StatusActive            = "ACTIVE"
	StatusDenied            = "DENIED"
	StatusCancelled         = "CANCELLED"
	StatusDisabled          = "DISABLED"
	StatusDeleting          = "DELETING"
	StatusDeleted           = "DELETED"
	StatusError             = "ERROR"
)

var knownStatuses = []string{
	StatusPending, StatusPendingAcceptance, StatusCreating, StatusAccepted, StatusActive, StatusDenied,
	StatusCancelled, StatusDisabled, StatusDeleting, StatusDeleted, StatusError,
}

// releasesCapacity reports whether a connection in this status no longer
// occupies bandwidth on its source port.
func releasesCapacity(status string) bool {
	return slices.Contains([]string{StatusDeleted, StatusDenied, StatusError, StatusCancelled}, status)
}

// port is the mutable server-side state of a fixture port.
type port struct {
	Port
	utilised int
}

func (p *port) remaining() int { return p.SpeedMbps - p.utilised }

func (p *port) supports(service string) bool { return slices.Contains(p.SupportedServices, service) }

// connection is the server-side record of a Layer 2 connection.
type connection struct {
	id             string
	name           string
	status         string
	speed          int
	srcPortID      string
	destPortID     string // empty for business-to-business requests
	srcCompany     string
	destCompany    string
	destMetroID    string
	destDCF        string
	srcRegionID    string
	destRegionID   string
	classOfService string
	paymentType    string
	duration       float64
	durationUnit   string
	evergreen      bool
	errorReason    string
	createdAt      time.Time
	updatedAt      time.Time
	approvedAt     time.Time // when it became ACCEPTED; start of the activation timer for B2B
	withdrawnAt    time.Time // when its requester deleted it (zero: never)
	// statusBeforeWithdrawal is what it was until then, which a lagging
	// read (Consistency.ReadLag) may still show.
	statusBeforeWithdrawal string

	// created: made through the API (not the fixture), so it is in the ledger.
	created bool
	// orderID is the order whose PUT made it (CorrelationHeader), if any.
	orderID string
	// foreign: ordered by another company toward a port in the
	// consistency mode's scope (Ledger.Foreign), not through the API.
	foreign bool
	// Draws in [0, 1) that place this connection within each delay of the
	// API's eventual consistency: it shows in a list after listDraw × the
	// list's lag, answers GET after readDraw × the read gap, is decided by
	// an automatic partner after the approval delay plus decisionDraw × its
	// jitter, and activates after the activation delay plus
	// activationDraw × its jitter.
	listDraw, readDraw, decisionDraw, activationDraw float64

	// counted is the bandwidth of this connection counted in its source
	// port's utilisation (see footprint). Every change of speed, status or
	// change request goes through recountLocked, which moves the port's
	// utilisation by the difference, so capacity is taken and given back
	// exactly once.
	counted int

	// request is the connection's change request: nil until one is made,
	// then the latest one, pending or ended, as the API shows it.
	request *changeRequest
}

func (c *connection) businessToBusiness() bool { return c.destCompany != c.srcCompany }

// footprint is the bandwidth c takes from its source port: nothing once it
// no longer uses the port, else its speed, or the speed of its pending
// change request when that is higher, because the API reserves a change's
// bandwidth as soon as it is asked for.
func (c *connection) footprint() int {
	switch {
	case releasesCapacity(c.status):
		return 0
	case c.request.pending():
		return max(c.speed, c.request.speed)
	default:
		return c.speed
	}
}

// otherParty is the party of a business-to-business connection that is
// not company.
func (c *connection) otherParty(company string) string {
	if company == c.srcCompany {
		return c.destCompany
	}
	return c.srcCompany
}

// Change request statuses (connection.request.status).
const (
	ChangePending   = "PENDING"   // waiting for one party's approval
	ChangeApproved  = "APPROVED"  // both parties approved: the speed was applied
	ChangeRejected  = "REJECTED"  // the party that did not ask for it refused it
	ChangeWithdrawn = "WITHDRAWN" // the party that asked for it cancelled it
)

// changeRequest is a change to a business-to-business connection that both
// parties must approve; only speed changes exist. Exactly one side has
// approved a pending request: the one that last set its speed.
type changeRequest struct {
	status string
	speed  int
	// requester is the company that opened the request. Its cancellation
	// withdraws the request, the other party's rejects it, and it alone
	// may lower a speed the other party has approved into effect.
	requester string
	// srcApproval and destApproval are the id of the company that approved
	// on each side, empty while that side has not.
	srcApproval, destApproval string
	updatedAt                 time.Time
	// decisionDraw places an automatic partner's decision within the
	// approval jitter, as for connection requests.
	decisionDraw float64
}

func (r *changeRequest) pending() bool { return r != nil && r.status == ChangePending }

func (c *connection) visibleTo(company string) bool {
	return c.srcCompany == company || c.destCompany == company
}
