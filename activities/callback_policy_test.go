package activities_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/internal/secret"
)

// An allowed host that answers with a redirect does not get the event
// sent on: a 3xx is a failed delivery, tried again like a 5xx, and its
// error names where the redirect pointed.
func TestCallbackRedirectIsNotFollowed(t *testing.T) {
	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			var internalHits atomic.Int32
			internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				internalHits.Add(1)
			}))
			defer internal.Close()
			allowed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, internal.URL+"/admin?token=stolen", code)
			}))
			defer allowed.Close()

			at := newActTest(t)
			at.acts.Callbacks = activities.Callbacks{Secret: "s", AllowedHosts: []string{hostPort(t, allowed.URL)}}
			_, err := at.env.ExecuteActivity(at.acts.DeliverCallback, activities.CallbackEvent{URL: allowed.URL + "/hook", OrderID: "CHG1", Milestone: "active", Time: time.Now()})
			if internalHits.Load() != 0 {
				t.Fatalf("the redirect to %s was followed", internal.URL)
			}
			appErr := appError(t, err)
			if appErr.NonRetryable() {
				t.Errorf("a redirect is final: %v", err)
			}
			if msg := appErr.Error(); !strings.Contains(msg, hostPort(t, internal.URL)+"/admin") || strings.Contains(msg, "stolen") {
				t.Errorf("error %q: want the Location's host and path, without its query", msg)
			}
		})
	}
}

// The allow-list holds on the address actually dialled: a listed name
// that resolves to a loopback address is refused unless that address is
// listed too.
func TestCallbackAllowListHoldsOnTheResolvedAddress(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)

	tests := []struct {
		name    string
		url     string
		allowed []string
		ok      bool
	}{
		{"the loopback address listed", "http://127.0.0.1:" + port + "/hook", []string{"127.0.0.1"}, true},
		{"the loopback address and port listed", "http://127.0.0.1:" + port + "/hook", []string{"127.0.0.1:" + port}, true},
		{"a name resolving to loopback", "http://localhost:" + port + "/hook", []string{"localhost"}, false},
		{"a name resolving to loopback, another port listed", "http://localhost:" + port + "/hook", []string{"localhost", "127.0.0.1:1"}, false},
		{"a name resolving to loopback, its address listed", "http://localhost:" + port + "/hook", []string{"localhost", "127.0.0.1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := hits.Load()
			at := newActTest(t)
			at.acts.Callbacks = activities.Callbacks{Secret: "s", AllowedHosts: tt.allowed}
			_, err := at.env.ExecuteActivity(at.acts.DeliverCallback, activities.CallbackEvent{URL: tt.url, OrderID: "CHG1", Milestone: "active", Time: time.Now()})
			called := hits.Load() > before
			switch {
			case tt.ok && (err != nil || !called):
				t.Fatalf("want delivered, got %v (called %v)", err, called)
			case !tt.ok && called:
				t.Fatalf("%s was called with allow-list %v", tt.url, tt.allowed)
			case !tt.ok:
				if appErr := appError(t, err); !appErr.NonRetryable() || !strings.Contains(appErr.Error(), "127.0.0.1") {
					t.Errorf("want a final error naming the address, got %v", err)
				}
			}
		})
	}
}

func hostPort(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// The worker's CALLBACK_URL is named in events, resolved here: its
// credentials reach the receiver and no error.
func TestDefaultCallbackResolvedInTheActivity(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusOK)
	var gotUser, gotPass, gotToken atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		gotUser.Store(user)
		gotPass.Store(pass)
		gotToken.Store(r.URL.Query().Get("token"))
		w.WriteHeader(int(status.Load()))
	}))
	host := hostPort(t, srv.URL)
	defaultURL := "http://itsm-user:itsm-pass@" + host + "/l2?token=tok-123"

	at := newActTest(t)
	at.acts.Callbacks = activities.Callbacks{Secret: "s", DefaultURL: secret.Secret(defaultURL), AllowedHosts: []string{host}}
	event := activities.CallbackEvent{Target: activities.DefaultCallback, OrderID: "CHG1", Milestone: "active", Time: time.Now()}
	if _, err := at.env.ExecuteActivity(at.acts.DeliverCallback, event); err != nil {
		t.Fatal(err)
	}
	if gotUser.Load() != "itsm-user" || gotPass.Load() != "itsm-pass" || gotToken.Load() != "tok-123" {
		t.Fatalf("the receiver got user %v, password %v, token %v", gotUser.Load(), gotPass.Load(), gotToken.Load())
	}

	status.Store(http.StatusServiceUnavailable)
	_, failed := at.env.ExecuteActivity(at.acts.DeliverCallback, event)
	srv.Close()
	_, unreachable := at.env.ExecuteActivity(at.acts.DeliverCallback, event)
	for _, err := range []error{failed, unreachable} {
		if err == nil {
			t.Fatal("no error")
		}
		for _, secret := range []string{"itsm-user", "itsm-pass", "tok-123"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q holds %q", err, secret)
			}
		}
	}

	// A worker without CALLBACK_URL leaves the event to another (retried).
	at.acts.Callbacks.DefaultURL = ""
	_, err := at.env.ExecuteActivity(at.acts.DeliverCallback, event)
	if appErr := appError(t, err); appErr.NonRetryable() {
		t.Errorf("no CALLBACK_URL here is final: %v", err)
	}
}
