package activities

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/ccapi"
)

// Error types activities fail with, so the workflow and operators can tell
// "the API said no" from "the API was not reachable". Each is defined once:
// the two a workflow can also end with (APIUnavailable, OutcomeUnknown) are
// the workflow's failure types of the same name (workflows/api.go).
const (
	// ErrTypeAPIRejected: a 4xx that no retry can change. Non-retryable.
	ErrTypeAPIRejected = "CCAPIRejected"
	// ErrTypeAPIUnavailable: a network error, timeout, 429 or 5xx. Retried.
	ErrTypeAPIUnavailable = "APIUnavailable"
	// ErrTypeTemporalUnavailable: the Temporal server could not be reached
	// by a connection-name lock activity (namelock.go): not the Console
	// Connect API, which may be fine. Retried.
	ErrTypeTemporalUnavailable = "TemporalUnavailable"
	// ErrTypeAPIAuth: a 401 or 403. Retried, since a key being rotated
	// answers so for a while; the caller's budget decides how long.
	ErrTypeAPIAuth = "CCAPIAuthFailed"
	// ErrTypeLookupInconclusive: a list the API answered could not be
	// fully interpreted (a page cut short, an item without a name, a body
	// of another shape), so it proves nothing either way. Retried.
	ErrTypeLookupInconclusive = "LookupInconclusive"
	// ErrTypeOutcomeUnknown: a PUT's outcome is unknown and the order must
	// not be said to have ordered nothing. Non-retryable.
	ErrTypeOutcomeUnknown = "OutcomeUnknown"
)

// IsType reports whether err is, or wraps, an application failure of type
// errType, under its name or under a name an earlier worker recorded it by
// (formerNames). Every reader of a failure type goes through it: histories
// keep the names they were written with, and a workflow that compared
// against today's name only would take another branch on replay.
func IsType(err error, errType string) bool {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return false
	}
	return appErr.Type() == errType || slices.Contains(formerNames(errType), appErr.Type())
}

// formerNames are the names workers before this one recorded errType by.
// A name may go when no open workflow's history holds it and its recorded
// histories have left the replay test (the versions table says when).
func formerNames(errType string) []string {
	switch errType {
	case ErrTypeAPIUnavailable:
		return []string{"CCAPIUnavailable"} // recorded by workers before 2026-12-06
	case ErrTypeOutcomeUnknown:
		return []string{"PutOutcomeUnknown"} // recorded by workers before 2026-12-06
	default:
		return nil
	}
}

// classify turns a ccapi error into the Temporal error the retry policy
// acts on: permanent API answers stop retries at once and carry the API's
// own message; 429s ask for the server's Retry-After as the next delay.
func classify(action string, err error) error {
	if err == nil {
		return nil
	}
	msg := fmt.Sprintf("%s: %v", action, err)
	var apiErr *ccapi.APIError
	switch {
	case ccapi.IsAuthFailure(err):
		return temporal.NewApplicationError(msg, ErrTypeAPIAuth)
	case ccapi.IsPermanent(err):
		errors.As(err, &apiErr)
		return temporal.NewNonRetryableApplicationError(msg, ErrTypeAPIRejected, nil, APIErrorDetails{
			StatusCode: apiErr.StatusCode, Message: apiErr.Message, RequestID: apiErr.RequestID,
		})
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusTooManyRequests && apiErr.RetryAfter > 0:
		return temporal.NewApplicationErrorWithOptions(msg, ErrTypeAPIUnavailable, temporal.ApplicationErrorOptions{
			NextRetryDelay: apiErr.RetryAfter,
		})
	default:
		// The cause is not attached: it is re-described in msg, and keeping
		// the Go error chain out of the failure keeps histories small.
		return temporal.NewApplicationError(msg, ErrTypeAPIUnavailable)
	}
}

// APIErrorDetails rides along a rejected call so callers can show the API's
// own words without parsing our message.
type APIErrorDetails struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
	RequestID  string `json:"requestId,omitempty"`
}
