// Package standin is stand-in servers for the ticketing systems the
// worker calls back (examples/callbacks/targets.yaml), written from the
// products' public API references, for tests in any package: each checks
// the method, path, authentication, content type and body shape its
// product checks, answers as the product does, and records what landed
// and what it refused.
package standin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// server is what the stand-ins share: an httptest server and a record of
// the requests they refused.
type server struct {
	srv      *httptest.Server
	mu       sync.Mutex
	refused  []string
	failWith int
}

func newServer(t testing.TB, h http.Handler) *server {
	s := &server{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		code := s.failWith
		s.mu.Unlock()
		if code != 0 {
			http.Error(w, `{"errorMessages":["stand-in told to fail"]}`, code)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the server's base URL (http://127.0.0.1:port).
func (s *server) URL() string { return s.srv.URL }

// Host is the server's host:port.
func (s *server) Host() string { return strings.TrimPrefix(s.srv.URL, "http://") }

// FailWith makes every request answer code (0: answer as the product).
func (s *server) FailWith(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failWith = code
}

// Refused are the requests the stand-in refused, each with why.
func (s *server) Refused() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.refused...)
}

// refuse answers code with the product's error body and records why.
func (s *server) refuse(w http.ResponseWriter, r *http.Request, code int, why string) {
	s.mu.Lock()
	s.refused = append(s.refused, r.Method+" "+r.URL.EscapedPath()+": "+why)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(`{"error":` + quote(why) + `}`))
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// jsonContent reports whether the request's body is declared JSON.
func jsonContent(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return ct == "application/json" || strings.HasPrefix(ct, "application/json;")
}
