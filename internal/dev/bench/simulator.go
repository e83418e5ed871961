package bench

import (
	"fmt"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

// simKey is the only API key the simulator accepts.
const simKey = "bench-sim-key"

// simulator is the API simulator served on a local port, with no latency
// and no delays: connections activate, and the approving partner
// approves, at once. Its answer log sees every API answer on the way out.
type simulator struct {
	*ccapisim.Server
	url     string
	answers *answerLog
	stop    func()
}

func startSimulator(existingConnections int) (*simulator, error) {
	sim := ccapisim.New(fixture(existingConnections), ccapisim.Options{APIKey: simKey, Seed: 1})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for the simulator: %w", err)
	}
	answers := &answerLog{}
	srv := &http.Server{Handler: answers.wrap(sim), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(listener) }() // ends with stop
	return &simulator{Server: sim, url: "http://" + listener.Addr().String(), answers: answers,
		stop: func() { _ = srv.Close() }}, nil
}

// requests is a snapshot of the simulator's counters, by endpoint.
func (s *simulator) requests() map[string]int { return s.Stats().Requests }

// callsSince is how many requests each endpoint got since the snapshot.
func (s *simulator) callsSince(before map[string]int) map[string]int {
	calls := map[string]int{}
	for endpoint, n := range s.requests() {
		if d := n - before[endpoint]; d > 0 {
			calls[endpoint] = d
		}
	}
	return calls
}

// answerLog records when each API request was answered other than with a
// 429, while recording: the simulator counts requests as they arrive,
// throttled or not, but the rate a client sustains under a rate limit is
// the rate of answers it gets.
type answerLog struct {
	mu        sync.Mutex
	recording bool
	answered  []time.Time
	throttled int
}

func (l *answerLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_sim/") {
			next.ServeHTTP(w, r)
			return
		}
		status := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(status, r)
		l.mu.Lock()
		defer l.mu.Unlock()
		if !l.recording {
			return
		}
		if status.code == http.StatusTooManyRequests {
			l.throttled++
		} else {
			l.answered = append(l.answered, time.Now())
		}
	})
}

// start clears the log and records from now on.
func (l *answerLog) start() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recording, l.answered, l.throttled = true, nil, 0
}

// finish stops recording and returns what was recorded.
func (l *answerLog) finish() (answered []time.Time, throttled int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recording = false
	return l.answered, l.throttled
}

// statusWriter remembers the status of an answer. Unwrap lets the
// simulator still cut a connection (hijack) through it.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// sumCalls adds up calls by endpoint.
func sumCalls(calls map[string]int) int {
	total := 0
	for n := range maps.Values(calls) {
		total += n
	}
	return total
}
