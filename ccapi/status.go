package ccapi

import "strings"

// Status is a connection's lifecycle state as the API reports it.
type Status string

// Connection statuses, from the API reference's state table. A
// business-to-business request waits in PENDING until the destination
// company approves it (ACCEPTED, then ACTIVE) or rejects it (DENIED); the
// requester withdrawing it gives CANCELLED. PENDING ACCEPTANCE is for
// third-party services (AWS, Azure, ...) only.
const (
	StatusCreating          Status = "CREATING"
	StatusPending           Status = "PENDING"
	StatusPendingAcceptance Status = "PENDING ACCEPTANCE"
	StatusAccepted          Status = "ACCEPTED"
	StatusActivating        Status = "ACTIVATING"
	StatusManual            Status = "MANUAL"
	StatusActive            Status = "ACTIVE"
	StatusDenied            Status = "DENIED"
	StatusError             Status = "ERROR"
	StatusCancelled         Status = "CANCELLED"
	StatusDeleting          Status = "DELETING"
	StatusDeleted           Status = "DELETED"
	StatusDisabled          Status = "DISABLED"
)

// Phase is what a status means for someone waiting on the connection.
type Phase int

const (
	// PhaseInProgress: keep waiting. Unknown statuses land here too, so a
	// status the API adds later delays an order instead of failing it.
	PhaseInProgress Phase = iota
	// PhaseActive: the connection is up.
	PhaseActive
	// PhaseFailed: the connection will not come up without a new order.
	PhaseFailed
)

func (p Phase) String() string {
	switch p {
	case PhaseActive:
		return "active"
	case PhaseFailed:
		return "failed"
	default:
		return "in-progress"
	}
}

// Phase classifies the status.
func (s Status) Phase() Phase {
	switch s {
	case StatusActive:
		return PhaseActive
	case StatusDenied, StatusError, StatusCancelled, StatusDeleted, StatusDeleting, StatusDisabled:
		return PhaseFailed
	default:
		return PhaseInProgress
	}
}

// Known reports whether s is one of the documented statuses; callers log
// unknown ones so a new API status gets noticed. The table writes
// "PENDING ACCEPTANCE" with a space; the underscore spelling is taken too.
func (s Status) Known() bool {
	switch Status(strings.ReplaceAll(string(s), "_", " ")) {
	case StatusCreating, StatusPending, StatusPendingAcceptance, StatusAccepted, StatusActivating,
		StatusManual, StatusActive, StatusDenied, StatusError, StatusCancelled, StatusDeleting,
		StatusDeleted, StatusDisabled:
		return true
	}
	return false
}
