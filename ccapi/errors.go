package ccapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// APIError is a non-2xx answer from the API.
type APIError struct {
	Method     string
	Path       string // the request path, without query
	StatusCode int    // HTTP status
	Code       string // the API's own code or error name, when it sent one
	Message    string // the API's message, or a short excerpt of a non-JSON body
	RequestID  string // X-Request-Id, for support tickets
	// RetryAfter is the server's Retry-After, zero when absent.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ccapi: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// Temporary reports whether the same request may succeed later.
func (e *APIError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusRequestTimeout || e.StatusCode >= 500
}

// TransportError is a request that got no HTTP answer: refused, reset, cut
// or timed out. Unless NotSent, the server may or may not have acted on it.
type TransportError struct {
	Method string
	Path   string
	Err    error
	// NotSent: the connection could not be made, so nothing was sent.
	NotSent bool
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("ccapi: %s %s: %v", e.Method, e.Path, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// DecodeError is a 2xx answer whose body could not be read as the
// expected JSON: the API did what was asked, but its answer is lost.
type DecodeError struct {
	Method     string
	Path       string
	StatusCode int
	Err        error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("ccapi: %s %s: %d answer could not be decoded: %v", e.Method, e.Path, e.StatusCode, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Effect is what a failed request that changes something (a PUT, a
// DELETE) tells about whether the change happened.
type Effect int

const (
	// EffectUnknown: no answer, a timeout, a 5xx, a 408 or 429: the change
	// may or may not have happened, now or later.
	EffectUnknown Effect = iota
	// EffectNone: certainly nothing happened: a 4xx other than 408 and 429,
	// or a request that never left.
	EffectNone
	// EffectDone: the change happened (a 2xx), even if its answer could not
	// be read.
	EffectDone
)

func (e Effect) String() string {
	return [...]string{"unknown", "none", "done"}[e]
}

// EffectOf classifies the error of a request that changes something. Only
// a 4xx other than 408, or a request that never left, proves that nothing
// changed. A 429 is one of those: a rate limit refuses a request before
// anything handles it (a 408, a timeout, may come after the work).
func EffectOf(err error) Effect {
	var (
		decodeErr *DecodeError
		transport *TransportError
		apiErr    *APIError
	)
	switch {
	case err == nil, errors.As(err, &decodeErr):
		return EffectDone
	case IsPermanent(err), errors.As(err, &transport) && transport.NotSent,
		errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusTooManyRequests:
		return EffectNone
	default:
		return EffectUnknown
	}
}

// IsAuthFailure reports whether err is a 401 or 403: the key is wrong,
// expired, being rotated, or lacks the right.
func IsAuthFailure(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && (apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusForbidden)
}

// IsRetryable reports whether err is worth retrying: transport failures,
// timeouts, 408, 429 and 5xx. A cancelled context is not.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Temporary()
	}
	var tErr *TransportError
	return errors.As(err, &tErr)
}

// IsPermanent reports whether err is an API answer that retrying cannot
// change: 4xx other than 408 and 429 (bad request, auth, not found, conflict).
func IsPermanent(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500 && !apiErr.Temporary()
}

// IsNotFound reports whether err is a 404 from the API.
func IsNotFound(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound
}

// RetryAfter returns the server-requested delay carried by err, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		return apiErr.RetryAfter, true
	}
	return 0, false
}

// errorBody covers the three error shapes the API uses:
//
//	{"message":"...","status":401,"statusCode":401}
//	{"error":{"statusCode":404,"name":"Error","message":"..."}}  (also {"error":{"code":400,...}})
//	{"code":400,"message":"..."}
//
// Numbers sometimes arrive as strings ("404,"), so codes are decoded loosely.
type errorBody struct {
	Message    string          `json:"message"`
	Code       json.RawMessage `json:"code"`
	StatusCode json.RawMessage `json:"statusCode"`
	Name       string          `json:"name"`
	Error      *struct {
		Message    string          `json:"message"`
		Code       json.RawMessage `json:"code"`
		StatusCode json.RawMessage `json:"statusCode"`
		Name       string          `json:"name"`
	} `json:"error"`
}

func parseAPIError(method, path string, resp *http.Response, body []byte) *APIError {
	e := &APIError{
		Method:     method,
		Path:       path,
		StatusCode: resp.StatusCode,
		RequestID:  resp.Header.Get("X-Request-Id"),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil {
		e.Message, e.Code = eb.Message, looseCode(eb.Code, eb.Name)
		if eb.Error != nil {
			e.Message, e.Code = eb.Error.Message, looseCode(eb.Error.Code, eb.Error.Name)
		}
	}
	if e.Message == "" {
		e.Message = excerpt(body)
	}
	return e
}

// looseCode renders the API's code: a string code is kept, a numeric one
// (which only repeats the HTTP status) is dropped in favour of the name.
func looseCode(raw json.RawMessage, name string) string {
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		if _, err := strconv.Atoi(strings.Trim(s, ", ")); err != nil {
			return s
		}
	}
	if name == "Error" {
		return ""
	}
	return name
}

// excerpt is a one-line, bounded view of a non-JSON body (an HTML error
// page from a proxy, say) so the error says something without flooding logs.
func excerpt(body []byte) string {
	s := strings.Join(strings.Fields(string(bytes.ToValidUTF8(body, nil))), " ")
	const limit = 200
	if len(s) > limit {
		s = s[:limit]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// parseRetryAfter reads delta-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
