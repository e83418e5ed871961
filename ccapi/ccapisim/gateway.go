package ccapisim

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// The gateway is what stands between a client and the simulated API: it
// counts every request, then fails it the way the real API's gateways and
// backends can (see Faults), before or after the API did the work.

// Kinds of loss after the API did the work.
type afterFault int

const (
	afterNone afterFault = iota
	afterError
	afterCut
	afterGarbled
	afterSlow
	afterDrop // CommitThenDrop, in its DropMode
)

// gatewayDecision is everything decided about one request, under the
// lock, from one fixed sequence of random draws, so that a seed and a
// request sequence always give the same faults.
type gatewayDecision struct {
	rateLimitedFor time.Duration // > 0: answer 429 with this Retry-After
	authStatus     int           // 401 or 403 during a key rotation burst
	latency        time.Duration
	beforeError    int // 500, 502, 503 or 504 before the API sees the request
	throttle       bool
	retryAfter     time.Duration
	cut            bool
	lateCommit     time.Duration // > 0: the work lands this much later
	hang           bool          // late commit: no answer until the client gives up
	after          afterFault
	afterStatus    int // afterError: 502, 503 or 504
	slowDelay      time.Duration
	dropMode       DropMode
}

// apiRoute counts the request, then plays the gateway in front of the
// authenticated handler.
func (s *Server) apiRoute(endpoint string, handler http.HandlerFunc) http.Handler {
	api := s.requireAuth(handler)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.observe != nil {
			s.observe(endpoint)
		}
		d := s.decide(endpoint)
		a := s.adversaryDecide(endpoint, r)
		switch {
		case d.rateLimitedFor > 0:
			writeTooManyRequests(w, d.rateLimitedFor)
			return
		case d.authStatus == http.StatusUnauthorized:
			writeJSON(w, http.StatusUnauthorized, statusMessage{"The user is not logged in", 401, 401})
			return
		case d.authStatus == http.StatusForbidden:
			writeForbidden(w)
			return
		}
		if d.latency > 0 && !sleep(r.Context(), d.latency) {
			return // the client gave up; nobody is left to answer
		}
		switch {
		case d.cut:
			cutConnection(w)
			return
		case d.beforeError != 0:
			writeServerError(w, d.beforeError)
			return
		case d.throttle:
			writeTooManyRequests(w, d.retryAfter)
			return
		case d.lateCommit > 0:
			s.commitLater(api, r, d.lateCommit, nil)
			if d.hang {
				sleep(r.Context(), d.lateCommit) // until the client gives up, or the work landed
			}
			writeServerError(w, http.StatusGatewayTimeout)
			return
		case a.lateEffect > 0:
			// The consistency mode's late effect: the same, within its
			// own bound, and a partner may race the request once it lands.
			var then func()
			if a.race {
				then = func() { s.partnerRace(a.connID) }
			}
			s.commitLater(api, r, a.lateEffect, then)
			if a.hang {
				sleep(r.Context(), a.lateEffect)
			}
			writeServerError(w, http.StatusGatewayTimeout)
			return
		}

		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		api.ServeHTTP(rec, r)
		after := d.after
		if rec.status/100 != 2 {
			after = afterNone // the API said no; the gateway passes that on
		} else if endpoint == EndpointCreateLayer2 {
			s.mu.Lock()
			if mode, drop := s.takeCommitDropLocked(); drop {
				after, d.dropMode = afterDrop, mode
			}
			s.mu.Unlock()
		}
		if rec.status/100 == 2 && a.race {
			// The partner decides before the client hears that the
			// request went through, and it never does.
			s.partnerRace(a.connID)
			after, d.afterStatus = afterError, a.lostStatus
			if a.lostStatus == 0 {
				after = afterCut
			}
		}
		if rec.status/100 == 2 && a.bare && slices.Contains(bareEndpoints, endpoint) {
			bare := s.bareAnswer(endpoint, rec.body.Bytes())
			rec.body.Reset()
			rec.body.Write(bare)
			if rec.header.Get("Content-Length") != "" {
				rec.header.Set("Content-Length", strconv.Itoa(len(bare)))
			}
		}
		switch after {
		case afterError:
			writeServerError(w, d.afterStatus)
		case afterCut:
			cutConnection(w)
		case afterDrop:
			dropResponse(w, d.dropMode)
		case afterGarbled:
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(rec.status)
			_, _ = w.Write(garble(rec.body.Bytes()))
		case afterSlow:
			if sleep(r.Context(), d.slowDelay) {
				rec.writeTo(w)
			}
		default:
			rec.writeTo(w)
		}
	})
}

// decide counts the request and draws every fault for it.
func (s *Server) decide(endpoint string) gatewayDecision {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[endpoint]++
	now := s.now()
	f := s.faults.forEndpoint(endpoint)
	if f.RateLimit > 0 {
		key := "" // the default set's limit is one limit for the whole API
		if _, own := s.faults.Endpoints[endpoint]; own {
			key = endpoint
		}
		b := s.buckets[key]
		if b == nil {
			b = &tokenBucket{}
			s.buckets[key] = b
		}
		if wait := b.take(now, f.RateLimit); wait > 0 {
			return gatewayDecision{rateLimitedFor: wait}
		}
	}

	// Always the same draws in the same order, whatever is configured.
	var u [11]float64
	for i := range u {
		u[i] = s.rng.Float64()
	}
	d := gatewayDecision{latency: f.Latency, retryAfter: f.RetryAfter, slowDelay: f.SlowDelay}
	if now.Before(s.authBurstUntil) || u[0] < f.AuthBurstRate {
		if !now.Before(s.authBurstUntil) {
			s.authBurstUntil = now.Add(f.AuthBurstLength)
		}
		d.authStatus = http.StatusUnauthorized
		if u[1] < 0.5 {
			d.authStatus = http.StatusForbidden
		}
		return d
	}
	pick := func(draw float64, statuses ...int) int {
		return statuses[min(len(statuses)-1, int(draw*float64(len(statuses))))]
	}
	switch {
	case u[2] < f.ErrorRate:
		d.beforeError = pick(u[3], 500, 502, 503, 504)
	case u[4] < f.ThrottleRate:
		d.throttle = true
	case u[5] < f.CutRate:
		d.cut = true
	case u[6] < f.LateCommitRate:
		d.lateCommit = max(time.Millisecond, time.Duration(u[7]*float64(f.LateCommitMax)))
		d.hang = u[3] < 0.5
	}
	// One draw shared out among the faults after the work, so their rates
	// add up rather than shadow each other.
	for _, c := range []struct {
		rate float64
		kind afterFault
	}{
		{f.CommitThenErrorRate, afterError}, {f.CommitThenCutRate, afterCut},
		{f.GarbledRate, afterGarbled}, {f.SlowRate, afterSlow},
	} {
		if u[8] < c.rate {
			d.after = c.kind
			break
		}
		u[8] -= c.rate
	}
	d.afterStatus = pick(u[9], 502, 503, 504)
	return d
}

// commitLater has the API do the work of r after delay, as a backend that
// finished after its gateway had given up; its answer goes nowhere. then,
// if set, runs once the work has landed. Until then the work counts as
// pending (PendingEffects).
func (s *Server) commitLater(api http.Handler, r *http.Request, delay time.Duration, then func()) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil {
		return // a body that cannot be read cannot be acted on either
	}
	later := r.Clone(context.Background())
	later.Body = io.NopCloser(bytes.NewReader(body))
	s.beginLateEffect(delay)
	time.AfterFunc(delay, func() {
		defer s.endLateEffect()
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		api.ServeHTTP(rec, later)
		if then != nil && rec.status/100 == 2 {
			then()
		}
	})
}

// sleep waits for d, or until ctx is done; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// recorder keeps the API's answer so the gateway can decide what the
// client gets.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

func (r *recorder) writeTo(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body.Bytes())
}

// garble cuts a JSON answer short, which no JSON decoder accepts.
func garble(body []byte) []byte {
	body = bytes.TrimSpace(body)
	if len(body) < 2 {
		return []byte("<!-- upstream reset -->")
	}
	return body[:len(body)/2]
}

// cutConnection closes the TCP connection without an answer.
func cutConnection(w http.ResponseWriter) { dropResponse(w, DropCut) }

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

// writeServerError answers a 5xx the way the layer that produces it would:
// the load balancer's HTML page for 502 and 504, the API's JSON otherwise.
func writeServerError(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusBadGateway:
		writeBadGatewayHTML(w)
	case http.StatusGatewayTimeout:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusGatewayTimeout)
		_, _ = w.Write([]byte("<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n"))
	default:
		writeError(w, status, http.StatusText(status))
	}
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
