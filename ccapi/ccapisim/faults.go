package ccapisim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Faults is the misbehaviour injected in front of the API routes, modelled
// on how the real API and the gateways in front of it fail: answers lost
// after the work was done, work that lands after the answer, lists that lag
// or cap their pages, bodies no client can decode, a key being rotated.
//
// The settings apply to every API endpoint, except those Endpoints names
// (keys are the Endpoint* names, e.g. "createLayer2"): an endpoint listed
// there has its own settings instead, as a whole. Rates are fractions of
// requests, drawn from the server's seeded random source.
type Faults struct {
	// Before the API sees the request (a gateway in front of it); nothing
	// is done.
	ErrorRate    float64       // answered 500, 502 (HTML), 503 or 504
	ThrottleRate float64       // answered 429 with Retry-After
	RetryAfter   time.Duration // Retry-After of those 429s (whole seconds, min 1)
	Latency      time.Duration // added to every request
	CutRate      float64       // the TCP connection is closed without an answer
	RateLimit    float64       // max requests per second (token bucket); 0 = unlimited
	// AuthBurstRate is the chance that a request starts a burst of
	// AuthBurstLength during which every API request is answered 401 or
	// 403, as while an API key is being rotated.
	AuthBurstRate   float64
	AuthBurstLength time.Duration

	// After the API did the work (a connection created, deleted, ...): the
	// answer is lost in a way the client may or may not notice.
	CommitThenErrorRate float64 // then answered 502 (HTML), 503 or 504
	CommitThenCutRate   float64 // then the TCP connection is cut
	GarbledRate         float64 // then a 2xx whose body is not JSON
	SlowRate            float64 // then the answer comes only after SlowDelay
	SlowDelay           time.Duration
	// LateCommitRate: the answer is a 504 (or none at all, until the
	// client gives up) and the work lands later, after a delay drawn up
	// to LateCommitMax: a backend that kept going after the gateway did not.
	LateCommitRate float64
	LateCommitMax  time.Duration

	// The API's eventual consistency, drawn per connection.
	ListLag          time.Duration // a new connection shows in this list endpoint only after up to ListLag
	ReadGap          time.Duration // GET of a new connection answers 404 for up to ReadGap
	PageCap          int           // this list endpoint answers at most PageCap items a page, whatever count asks
	MissingFieldRate float64       // list items lack srcPortId

	// CommitThenDrop counts down: the next N successful Layer 2 PUTs
	// commit, then lose their answer as DropMode says. Deterministic, for
	// tests that need exactly one lost answer.
	CommitThenDrop int
	DropMode       DropMode

	// Endpoints overrides the settings above per endpoint; its own
	// entries have no Endpoints.
	Endpoints map[string]Faults
}

// DropMode selects how a CommitThenDrop answer is lost.
type DropMode string

const (
	DropWith502 DropMode = "502" // answer 502 with an HTML body, as a proxy would
	DropCut     DropMode = "cut" // close the TCP connection without any response
)

// Endpoints lists every API endpoint name, the keys of Faults.Endpoints
// and Stats.Requests.
func Endpoints() []string {
	return []string{
		EndpointListPorts, EndpointGetPort, EndpointPortConnections, EndpointMetroCapabilities,
		EndpointSearchDCF, EndpointCreateLayer2, EndpointGetConnection, EndpointListConnections,
		EndpointDeleteConnection, EndpointApproveConnection, EndpointRejectConnection,
		EndpointUpdateConnection, EndpointRequestChange, EndpointApproveChange, EndpointCancelChange,
	}
}

// forEndpoint is the settings that apply to endpoint.
func (f Faults) forEndpoint(endpoint string) Faults {
	if set, ok := f.Endpoints[endpoint]; ok {
		return set
	}
	f.Endpoints = nil
	return f
}

// Validate rejects settings that cannot be honoured.
func (f Faults) Validate() error {
	errs := []error{f.validate("")}
	for _, name := range slices.Sorted(maps.Keys(f.Endpoints)) {
		set := f.Endpoints[name]
		switch {
		case !slices.Contains(Endpoints(), name):
			errs = append(errs, fmt.Errorf("endpoints: unknown endpoint %q (known: %s)", name, strings.Join(Endpoints(), ", ")))
		case len(set.Endpoints) > 0:
			errs = append(errs, fmt.Errorf("endpoints.%s: must not have endpoints of its own", name))
		default:
			errs = append(errs, set.validate("endpoints."+name+"."))
		}
	}
	return errors.Join(errs...)
}

func (f Faults) validate(prefix string) error {
	var errs []error
	rates := []struct {
		name string
		v    float64
	}{
		{"errorRate", f.ErrorRate}, {"throttleRate", f.ThrottleRate}, {"cutRate", f.CutRate},
		{"authBurstRate", f.AuthBurstRate}, {"commitThenErrorRate", f.CommitThenErrorRate},
		{"commitThenCutRate", f.CommitThenCutRate}, {"garbledRate", f.GarbledRate}, {"slowRate", f.SlowRate},
		{"lateCommitRate", f.LateCommitRate}, {"missingFieldRate", f.MissingFieldRate},
	}
	for _, r := range rates {
		if r.v < 0 || r.v > 1 || math.IsNaN(r.v) {
			errs = append(errs, fmt.Errorf("%s%s must be within [0, 1], got %v", prefix, r.name, r.v))
		}
	}
	durations := []struct {
		name string
		v    time.Duration
	}{
		{"retryAfter", f.RetryAfter}, {"latency", f.Latency}, {"authBurstLength", f.AuthBurstLength},
		{"slowDelay", f.SlowDelay}, {"lateCommitMax", f.LateCommitMax}, {"listLag", f.ListLag}, {"readGap", f.ReadGap},
	}
	for _, d := range durations {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s%s must not be negative, got %s", prefix, d.name, d.v))
		}
	}
	if f.CommitThenDrop < 0 || f.PageCap < 0 || f.RateLimit < 0 || math.IsNaN(f.RateLimit) {
		errs = append(errs, fmt.Errorf("%scommitThenDrop, pageCap and rateLimit must not be negative", prefix))
	}
	if f.DropMode != "" && f.DropMode != DropWith502 && f.DropMode != DropCut {
		errs = append(errs, fmt.Errorf("%sdropMode must be %q or %q, got %q", prefix, DropWith502, DropCut, f.DropMode))
	}
	if f.AuthBurstRate > 0 && f.AuthBurstLength <= 0 {
		errs = append(errs, fmt.Errorf("%sauthBurstRate needs a positive authBurstLength", prefix))
	}
	if f.SlowRate > 0 && f.SlowDelay <= 0 {
		errs = append(errs, fmt.Errorf("%sslowRate needs a positive slowDelay", prefix))
	}
	return errors.Join(errs...)
}

// faultsJSON is the wire form of Faults: lowerCamel keys, durations as Go
// duration strings ("1.5s"), zero values left out.
type faultsJSON struct {
	ErrorRate           float64           `json:"errorRate,omitempty"`
	ThrottleRate        float64           `json:"throttleRate,omitempty"`
	RetryAfter          jsonDuration      `json:"retryAfter,omitempty"`
	Latency             jsonDuration      `json:"latency,omitempty"`
	CutRate             float64           `json:"cutRate,omitempty"`
	RateLimit           float64           `json:"rateLimit,omitempty"`
	AuthBurstRate       float64           `json:"authBurstRate,omitempty"`
	AuthBurstLength     jsonDuration      `json:"authBurstLength,omitempty"`
	CommitThenErrorRate float64           `json:"commitThenErrorRate,omitempty"`
	CommitThenCutRate   float64           `json:"commitThenCutRate,omitempty"`
	GarbledRate         float64           `json:"garbledRate,omitempty"`
	SlowRate            float64           `json:"slowRate,omitempty"`
	SlowDelay           jsonDuration      `json:"slowDelay,omitempty"`
	LateCommitRate      float64           `json:"lateCommitRate,omitempty"`
	LateCommitMax       jsonDuration      `json:"lateCommitMax,omitempty"`
	ListLag             jsonDuration      `json:"listLag,omitempty"`
	ReadGap             jsonDuration      `json:"readGap,omitempty"`
	PageCap             int               `json:"pageCap,omitempty"`
	MissingFieldRate    float64           `json:"missingFieldRate,omitempty"`
	CommitThenDrop      int               `json:"commitThenDrop,omitempty"`
	DropMode            DropMode          `json:"dropMode,omitempty"`
	Endpoints           map[string]Faults `json:"endpoints,omitempty"`
}

func (f Faults) wire() faultsJSON {
	return faultsJSON{
		f.ErrorRate, f.ThrottleRate, jsonDuration(f.RetryAfter), jsonDuration(f.Latency), f.CutRate, f.RateLimit,
		f.AuthBurstRate, jsonDuration(f.AuthBurstLength), f.CommitThenErrorRate, f.CommitThenCutRate, f.GarbledRate,
		f.SlowRate, jsonDuration(f.SlowDelay), f.LateCommitRate, jsonDuration(f.LateCommitMax), jsonDuration(f.ListLag),
		jsonDuration(f.ReadGap), f.PageCap, f.MissingFieldRate, f.CommitThenDrop, f.DropMode, f.Endpoints,
	}
}

func (w faultsJSON) faults() Faults {
	return Faults{
		w.ErrorRate, w.ThrottleRate, time.Duration(w.RetryAfter), time.Duration(w.Latency), w.CutRate, w.RateLimit,
		w.AuthBurstRate, time.Duration(w.AuthBurstLength), w.CommitThenErrorRate, w.CommitThenCutRate, w.GarbledRate,
		w.SlowRate, time.Duration(w.SlowDelay), w.LateCommitRate, time.Duration(w.LateCommitMax), time.Duration(w.ListLag),
		time.Duration(w.ReadGap), w.PageCap, w.MissingFieldRate, w.CommitThenDrop, w.DropMode, w.Endpoints,
	}
}

// MarshalJSON writes durations as Go duration strings.
func (f Faults) MarshalJSON() ([]byte, error) { return json.Marshal(f.wire()) }

// UnmarshalJSON reads durations as Go duration strings (or nanoseconds) and
// rejects unknown keys, so a typo does not silently disable a fault.
func (f *Faults) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var w faultsJSON
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("decode faults: %w", err)
	}
	*f = w.faults()
	return nil
}

// Equal reports whether two fault settings are the same.
func (f Faults) Equal(g Faults) bool {
	if len(f.Endpoints) != len(g.Endpoints) {
		return false
	}
	for name, set := range f.Endpoints {
		if other, ok := g.Endpoints[name]; !ok || !set.Equal(other) {
			return false
		}
	}
	f.Endpoints, g.Endpoints = nil, nil
	return reflect.DeepEqual(f, g)
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

// SetFaults replaces the fault settings. The rate limiters start again
// with full buckets.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.Endpoints = maps.Clone(f.Endpoints)
	s.faults = f
	s.buckets = map[string]*tokenBucket{}
}

// SetEndpointFaults replaces one endpoint's fault settings, leaving the
// others' as they are (a zero Faults clears them), so that tests running
// side by side can each fault the endpoint only they use.
func (s *Server) SetEndpointFaults(endpoint string, f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	endpoints := maps.Clone(s.faults.Endpoints)
	if endpoints == nil {
		endpoints = map[string]Faults{}
	}
	f.Endpoints = nil // an endpoint's faults do not nest
	if reflect.ValueOf(f).IsZero() {
		delete(endpoints, endpoint)
	} else {
		endpoints[endpoint] = f
	}
	s.faults.Endpoints = endpoints
	delete(s.buckets, endpoint)
}

func (s *Server) currentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	f.Endpoints = maps.Clone(f.Endpoints)
	return f
}

// takeCommitDropLocked consumes one CommitThenDrop of the Layer 2 PUT,
// reporting whether this successful creation must lose its answer and how.
// Callers hold s.mu.
func (s *Server) takeCommitDropLocked() (DropMode, bool) {
	set := s.faults.forEndpoint(EndpointCreateLayer2)
	if set.CommitThenDrop <= 0 {
		return "", false
	}
	set.CommitThenDrop--
	if _, own := s.faults.Endpoints[EndpointCreateLayer2]; own {
		s.faults.Endpoints[EndpointCreateLayer2] = set
	} else {
		s.faults.CommitThenDrop = set.CommitThenDrop
	}
	if set.DropMode == DropCut {
		return DropCut, true
	}
	return DropWith502, true
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
