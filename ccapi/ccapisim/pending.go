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

// AwaitNoPendingEffects waits until no late work is left to land, or ctx
// is done. Late work lands on the wall clock (a timer), whatever clock the
// server reads.
func (s *Server) AwaitNoPendingEffects(ctx context.Context) error {
	for {
		if s.Pending().LateCommits == 0 {
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
