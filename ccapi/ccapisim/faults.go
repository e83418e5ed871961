package ccapisim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Faults describes the misbehaviour injected in front of the API routes.
type Faults struct {
	ErrorRate      float64       // fraction of requests answered 500/502/503 before doing anything
	ThrottleRate   float64       // fraction answered 429 with Retry-After
	RetryAfter     time.Duration // Retry-After of those 429s (whole seconds, min 1)
	Latency        time.Duration // added to every API request
	CommitThenDrop int           // the next N successful layer2 PUTs commit, then the answer is lost
	DropMode       DropMode      // how the answer is lost
	RateLimit      float64       // max requests per second (token bucket); 0 = unlimited
}

// DropMode selects how a CommitThenDrop answer is lost.
type DropMode string

const (
	DropWith502 DropMode = "502" // answer 502 with an HTML body, as a proxy would
	DropCut     DropMode = "cut" // close the TCP connection without any response
)

// Validate rejects settings that cannot be honoured.
func (f Faults) Validate() error {
	var errs []error
	if f.ErrorRate < 0 || f.ErrorRate > 1 || math.IsNaN(f.ErrorRate) {
		errs = append(errs, fmt.Errorf("errorRate must be within [0, 1], got %v", f.ErrorRate))
	}
	if f.ThrottleRate < 0 || f.ThrottleRate > 1 || math.IsNaN(f.ThrottleRate) {
		errs = append(errs, fmt.Errorf("throttleRate must be within [0, 1], got %v", f.ThrottleRate))
	}
	if f.RetryAfter < 0 || f.Latency < 0 || f.CommitThenDrop < 0 || f.RateLimit < 0 || math.IsNaN(f.RateLimit) {
		errs = append(errs, errors.New("retryAfter, latency, commitThenDrop and rateLimit must not be negative"))
	}
	if f.DropMode != "" && f.DropMode != DropWith502 && f.DropMode != DropCut {
		errs = append(errs, fmt.Errorf("dropMode must be %q or %q, got %q", DropWith502, DropCut, f.DropMode))
	}
	return errors.Join(errs...)
}

// faultsJSON is the wire form of Faults: lowerCamel keys and durations as Go
// duration strings ("1.5s").
type faultsJSON struct {
	ErrorRate      float64      `json:"errorRate"`
	ThrottleRate   float64      `json:"throttleRate"`
	RetryAfter     jsonDuration `json:"retryAfter"`
	Latency        jsonDuration `json:"latency"`
	CommitThenDrop int          `json:"commitThenDrop"`
	DropMode       DropMode     `json:"dropMode"`
	RateLimit      float64      `json:"rateLimit"`
}

// MarshalJSON writes durations as Go duration strings.
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{
		f.ErrorRate, f.ThrottleRate, jsonDuration(f.RetryAfter), jsonDuration(f.Latency),
		f.CommitThenDrop, f.DropMode, f.RateLimit,
	})
}

// UnmarshalJSON reads durations as Go duration strings (or nanoseconds) and
// rejects unknown keys, so a typo does not silently disable a fault.
func (f *Faults) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var w faultsJSON
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("decode faults: %w", err)
	}
	*f = Faults{
		w.ErrorRate, w.ThrottleRate, time.Duration(w.RetryAfter), time.Duration(w.Latency),
		w.CommitThenDrop, w.DropMode, w.RateLimit,
	}
	return nil
}

type jsonDuration time.Duration

func (d jsonDuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (d *jsonDuration) UnmarshalJSON(data []byte) error {
	var text string
	if err := json.Unmarshal(data, &text); err != nil {
		var nanos int64
		if err := json.Unmarshal(data, &nanos); err != nil {
			return fmt.Errorf("duration must be a string like \"1.5s\": %w", err)
		}
		*d = jsonDuration(nanos)
		return nil
	}
	if text == "" {
		*d = 0
		return nil
	}
	parsed, err := time.ParseDuration(text)
	if err != nil {
		return fmt.Errorf("parse duration: %w", err)
	}
	*d = jsonDuration(parsed)
	return nil
}

// SetFaults replaces the fault settings. The rate limiter starts again with
// a full bucket.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.bucket = tokenBucket{}
}

func (s *Server) currentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// faultDecision is what injectFault decided under the lock.
type faultDecision struct {
	rateLimitedFor time.Duration // > 0: answer 429 with this Retry-After
	latency        time.Duration
	serverError    int // 500, 502 or 503; 0 for none
	throttle       bool
	retryAfter     time.Duration
}

// injectFault applies the configured faults in order (rate limit, latency,
// random 5xx, random 429) and reports whether it answered the request.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request) bool {
	d := s.decideFault()
	if d.rateLimitedFor > 0 {
		writeTooManyRequests(w, d.rateLimitedFor)
		return true
	}
	if d.latency > 0 {
		timer := time.NewTimer(d.latency)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.Context().Done():
			return true // the client gave up; nobody is left to answer
		}
	}
	switch {
	case d.serverError == http.StatusBadGateway:
		writeBadGatewayHTML(w)
	case d.serverError != 0:
		writeError(w, d.serverError, http.StatusText(d.serverError))
	case d.throttle:
		writeTooManyRequests(w, d.retryAfter)
	default:
		return false
	}
	return true
}

// decideFault draws every random decision up front, under the lock, so a
// given seed and request sequence always yields the same faults.
func (s *Server) decideFault() faultDecision {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	if f.RateLimit > 0 {
		if wait := s.bucket.take(s.now(), f.RateLimit); wait > 0 {
			return faultDecision{rateLimitedFor: wait}
		}
	}
	d := faultDecision{latency: f.Latency, retryAfter: f.RetryAfter}
	errorDraw, statusDraw, throttleDraw := s.rng.Float64(), s.rng.IntN(3), s.rng.Float64()
	if errorDraw < f.ErrorRate {
		d.serverError = []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}[statusDraw]
	}
	d.throttle = throttleDraw < f.ThrottleRate
	return d
}

// takeCommitDropLocked consumes one CommitThenDrop, reporting whether this
// successful creation must lose its answer and how.
func (s *Server) takeCommitDropLocked() (DropMode, bool) {
	if s.faults.CommitThenDrop <= 0 {
		return "", false
	}
	s.faults.CommitThenDrop--
	if s.faults.DropMode == DropCut {
		return DropCut, true
	}
	return DropWith502, true
}

// dropResponse loses the answer of a request whose effect was committed.
func dropResponse(w http.ResponseWriter, mode DropMode) {
	if mode == DropCut {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close() // the point is to vanish; a close error changes nothing
			return
		}
		// Not hijackable (HTTP/2, recorders): a proxy error is the closest
		// thing to a cut that can still be expressed.
	}
	writeBadGatewayHTML(w)
}

func writeTooManyRequests(w http.ResponseWriter, retryAfter time.Duration) {
	seconds := max(1, int(math.Ceil(retryAfter.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
	writeError(w, http.StatusTooManyRequests, "Too Many Requests")
}

// writeBadGatewayHTML mimics the load balancer in front of the API, which
// answers with HTML rather than JSON.
func writeBadGatewayHTML(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = w.Write([]byte("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"))
}

// tokenBucket limits the request rate; the zero value is a full bucket.
type tokenBucket struct {
	started bool
	tokens  float64
	last    time.Time
}

// take consumes a token if one is available and otherwise returns how long
// until one will be.
func (b *tokenBucket) take(now time.Time, rate float64) time.Duration {
	burst := max(1, rate)
	if !b.started {
		b.started, b.tokens, b.last = true, burst, now
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(burst, b.tokens+elapsed.Seconds()*rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return max(time.Nanosecond, time.Duration((1-b.tokens)/rate*float64(time.Second)))
}
