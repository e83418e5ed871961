package e2e_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/workflows"
)

// ticketingSystem receives callbacks; it is down (503) until up is closed.
type ticketingSystem struct {
	mu       sync.Mutex
	events   []map[string]any
	refused  int
	badSigns int
	up       chan struct{}
}

func (s *ticketingSystem) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.up:
	default:
		s.refused++
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	mac := hmac.New(sha256.New, []byte(callbackSecret))
	mac.Write(body)
	if !hmac.Equal([]byte(r.Header.Get("X-Signature-256")), []byte("sha256="+hex.EncodeToString(mac.Sum(nil)))) {
		s.badSigns++
	}
	var event map[string]any
	_ = json.Unmarshal(body, &event)
	s.events = append(s.events, event)
}

// milestones are the distinct milestones received, in order.
func (s *ticketingSystem) milestones() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.events {
		m, _ := e["milestone"].(string)
		if len(out) == 0 || out[len(out)-1] != m {
			out = append(out, m)
		}
	}
	return out
}

// A ticketing system down while the order runs still gets every
// milestone, in order and signed, once it is back.
func TestCallbacksReachATicketingSystemThatWasDown(t *testing.T) {
	need(t)
	receiver := &ticketingSystem{up: make(chan struct{})}
	srv := httptest.NewServer(receiver)
	defer srv.Close()

	c := env.temporal.Client(t)
	o := p2pOrder("E2E-CALLBACKS")
	o.Callback = &workflows.Callback{URL: srv.URL + "/hooks/l2", Ticket: "CHG-E2E-1"}
	if res, err := result(t, start(t, c, o)); err != nil || res.Stage != workflows.StageActive {
		t.Fatalf("order: %+v, %v", res, err)
	}
	time.Sleep(time.Second) // the order ended while the receiver was down
	close(receiver.up)

	want := []string{workflows.MilestoneOrdered, workflows.MilestoneActive}
	for deadline := time.Now().Add(90 * time.Second); strings.Join(receiver.milestones(), ",") != strings.Join(want, ","); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("milestones %v, want %v", receiver.milestones(), want)
		}
	}
	checkHistory(t, c, o.OrderID, "callbacks-notified")
	// The callbacks workflow ends once the final milestone is delivered.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.GetWorkflow(ctx, workflows.CallbacksWorkflowID(o.OrderID), "").Get(ctx, nil); err != nil {
		t.Fatalf("callbacks workflow: %v", err)
	}
	recordHistory(t, c, workflows.CallbacksWorkflowID(o.OrderID), "", "callbacks-child-delivered-after-outage")
	got := receiver.milestones()
	receiver.mu.Lock()
	defer receiver.mu.Unlock()
	if receiver.refused == 0 || receiver.badSigns != 0 {
		t.Errorf("%d refused while down (want some), %d bad signatures", receiver.refused, receiver.badSigns)
	}
	for _, e := range receiver.events {
		if e["orderId"] != o.OrderID || e["ticket"] != "CHG-E2E-1" || e["time"] == nil {
			t.Errorf("event %v", e)
		}
	}
	figure("callbacks: " + strings.Join(got, ", ") + " delivered after the receiver came back")
}
