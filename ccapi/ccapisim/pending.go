package ccapisim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// PendingEffects says whether work the API accepted is still on its way:
// late commits (Faults.LateCommitRate) and late effects
// (Consistency.LateEffectRate) that were answered with an error and have
// not landed yet. A reconciliation that reads the ledger while Count > 0
// may miss a connection, a deletion or a change that is about to happen.
type PendingEffects struct {
	Count int `json:"count"`
	// LastLandsAt is when the last of them is due; nil when none is.
	LastLandsAt *time.Time `json:"lastLandsAt,omitempty"`
}

// PendingEffects returns the late work still to land.
func (s *Server) PendingEffects() PendingEffects {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := PendingEffects{Count: s.pendingEffects}
	if p.Count > 0 {
		at := s.pendingUntil
		p.LastLandsAt = &at
	}
	return p
}

// AwaitNoPendingEffects waits until no late work is left to land, or ctx
// is done. Late work lands on the wall clock (a timer), whatever clock the
// server reads.
func (s *Server) AwaitNoPendingEffects(ctx context.Context) error {
	for {
		if s.PendingEffects().Count == 0 {
			return nil
		}
		if !sleep(ctx, 20*time.Millisecond) {
			return fmt.Errorf("late effects still pending: %w", ctx.Err())
		}
	}
}

// beginLateEffect counts late work due after delay, until endLateEffect.
func (s *Server) beginLateEffect(delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pendingEffects++
	if due := time.Now().Add(delay); due.After(s.pendingUntil) {
		s.pendingUntil = due
	}
}

func (s *Server) endLateEffect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pendingEffects--
}

func (s *Server) handlePending(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.PendingEffects())
}

// FetchPendingEffects asks a simulator in another process, at baseURL,
// whether late work is still on its way (GET /_sim/pending).
func FetchPendingEffects(ctx context.Context, hc *http.Client, baseURL, apiKey string) (PendingEffects, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(baseURL, "/")+"/_sim/pending", nil)
	if err != nil {
		return PendingEffects{}, fmt.Errorf("pending effects: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	res, err := hc.Do(req)
	if err != nil {
		return PendingEffects{}, fmt.Errorf("pending effects: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<16))
	if err != nil {
		return PendingEffects{}, fmt.Errorf("pending effects: reading the answer: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return PendingEffects{}, fmt.Errorf("pending effects: status %d", res.StatusCode)
	}
	var p PendingEffects
	if err := json.Unmarshal(body, &p); err != nil {
		return PendingEffects{}, fmt.Errorf("pending effects: %w", err)
	}
	return p, nil
}
