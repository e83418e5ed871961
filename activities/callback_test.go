package activities_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/activities"
)

// A callback is POSTed as JSON, signed with HMAC-SHA256 of its body, and
// goes only to an allowed host; a 4xx is final, a 5xx is tried again.
func TestDeliverCallback(t *testing.T) {
	const secret = "callback-secret-1"
	var status = http.StatusOK
	var received []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		if got := r.Header.Get("X-Signature-256"); got != "sha256="+hex.EncodeToString(mac.Sum(nil)) || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("signature %q, content type %q", got, r.Header.Get("Content-Type"))
		}
		var event map[string]any
		if err := json.Unmarshal(body, &event); err != nil {
			t.Errorf("body %s: %v", body, err)
		}
		received = append(received, event)
		w.WriteHeader(status)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	at := newActTest(t)
	at.acts.Callbacks = activities.Callbacks{Secret: secret, AllowedHosts: []string{host}}
	event := activities.CallbackEvent{URL: srv.URL + "/hook", OrderID: "CHG1", Ticket: "T-1", Milestone: "active",
		ConnectionID: "c1", APIStatus: "ACTIVE", Time: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	if _, err := at.env.ExecuteActivity(at.acts.DeliverCallback, event); err != nil {
		t.Fatal(err)
	}
	if len(received) != 1 || received[0]["milestone"] != "active" || received[0]["ticket"] != "T-1" || received[0]["url"] != nil ||
		received[0]["time"] != "2026-11-27T12:00:00Z" {
		t.Fatalf("received %v", received)
	}

	status = http.StatusServiceUnavailable
	_, err := at.env.ExecuteActivity(at.acts.DeliverCallback, event)
	if appErr := appError(t, err); appErr.NonRetryable() {
		t.Errorf("a 503 is final: %v", err)
	}
	status = http.StatusBadRequest
	_, err = at.env.ExecuteActivity(at.acts.DeliverCallback, event)
	if appErr := appError(t, err); !appErr.NonRetryable() {
		t.Errorf("a 400 is tried again: %v", err)
	}

	before := len(received)
	other := event
	u, _ := url.Parse(srv.URL)
	other.URL = "http://localhost:" + u.Port() + "/hook" // same server, a host not listed
	_, err = at.env.ExecuteActivity(at.acts.DeliverCallback, other)
	if appErr := appError(t, err); !appErr.NonRetryable() || len(received) != before {
		t.Errorf("a host not allowed was called: %v", err)
	}
}
