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

func (p *port) remaining() int { return p.Speed - p.utilised }

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

	// created: made through the API (not the fixture), so it is in the ledger.
	created bool
	// Draws in [0, 1) that place this connection within each delay of the
	// API's eventual consistency: it shows in a list after listDraw × the
	// list's lag, answers GET after readDraw × the read gap, is decided by
	// an automatic partner after the approval delay plus decisionDraw × its
	// jitter, and activates after the activation delay plus
	// activationDraw × its jitter.
	listDraw, readDraw, decisionDraw, activationDraw float64

	// holdsCapacity is true while the speed is counted in the source port's
	// utilisation, so capacity is given back exactly once.
	holdsCapacity bool
}

func (c *connection) businessToBusiness() bool { return c.destCompany != c.srcCompany }

func (c *connection) visibleTo(company string) bool {
	return c.srcCompany == company || c.destCompany == company
}
