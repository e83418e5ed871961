package ccapisim

import (
	"slices"
	"time"
)

// Connection statuses, as listed in the "Layer 2 Connections" section of the
// API reference (the simulator produces a subset of them).
const (
	StatusPending           = "PENDING"
	StatusPendingAcceptance = "PENDING_ACCEPTANCE"
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

	// holdsCapacity is true while the speed is counted in the source port's
	// utilisation, so capacity is given back exactly once.
	holdsCapacity bool
}

func (c *connection) businessToBusiness() bool { return c.destCompany != c.srcCompany }

func (c *connection) visibleTo(company string) bool {
	return c.srcCompany == company || c.destCompany == company
}
