package main

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/cc-l2/provisioner/internal/secret"
)

const (
	testBasicUser                   = "servicenow"
	testBasicPassword secret.Secret = "basic-password-c41e"
)

func basicAuth(user, password string) map[string]string {
	return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))}
}

// identity is a mapping that passes orders through, served at
// POST /orders/identity.
func identity(t *testing.T) *mapping {
	t.Helper()
	m, err := compileMapping("identity", ".")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Every scheme, configured or off, on the routes it is for: accepted with
// its credentials, refused with wrong ones, with none, or on a route the
// scheme is not for; a refused request starts and signals nothing, and
// its answer and log never hold a credential.
func TestWebhookAuthSchemes(t *testing.T) {
	orderBody := order("AUTH-1")
	const cancelBody = `{"reason":"x"}`
	all := webhookAuth{Token: testToken, Secret: testSecret, BasicUser: testBasicUser, BasicPassword: testBasicPassword}
	tests := []struct {
		name         string
		auth         webhookAuth
		method, path string
		body         string
		header       map[string]string
		wantCode     int
		wantError    string
	}{
		// bearer
		{"bearer", webhookAuth{Token: testToken}, "POST", "/orders", orderBody, bearer(testToken), http.StatusAccepted, ""},
		{"bearer, mapped route", webhookAuth{Token: testToken}, "POST", "/orders/identity", orderBody, bearer(testToken), http.StatusAccepted, ""},
		{"bearer, GET /orders", webhookAuth{Token: testToken}, "GET", "/orders", "", bearer(testToken), http.StatusOK, ""},
		{"bearer, wrong", webhookAuth{Token: testToken}, "POST", "/orders", orderBody, bearer("nope"), http.StatusUnauthorized, "missing or wrong bearer token"},
		{"bearer, missing", webhookAuth{Token: testToken}, "POST", "/orders", orderBody, nil, http.StatusUnauthorized, "missing or wrong bearer token"},
		{"bearer, not configured", webhookAuth{Secret: testSecret}, "POST", "/orders", orderBody, bearer(testToken), http.StatusUnauthorized, "missing or wrong X-Signature-256 signature"},

		// Basic
		{"basic", webhookAuth{BasicUser: testBasicUser, BasicPassword: testBasicPassword}, "POST", "/orders", orderBody, basicAuth(testBasicUser, string(testBasicPassword)), http.StatusAccepted, ""},
		{"basic, mapped route", webhookAuth{BasicUser: testBasicUser, BasicPassword: testBasicPassword}, "POST", "/orders/identity", orderBody, basicAuth(testBasicUser, string(testBasicPassword)), http.StatusAccepted, ""},
		{"basic, cancel", webhookAuth{BasicUser: testBasicUser, BasicPassword: testBasicPassword}, "POST", "/orders/A-1/cancel", cancelBody, basicAuth(testBasicUser, string(testBasicPassword)), http.StatusAccepted, ""},
		{"basic, GET /orders", webhookAuth{BasicUser: testBasicUser, BasicPassword: testBasicPassword}, "GET", "/orders?limit=5", "", basicAuth(testBasicUser, string(testBasicPassword)), http.StatusOK, ""},
		{"basic, wrong password", webhookAuth{BasicUser: testBasicUser, BasicPassword: testBasicPassword}, "POST", "/orders", orderBody, basicAuth(testBasicUser, "nope"), http.StatusUnauthorized, "missing or wrong Basic credentials"},
		{"basic, wrong user", webhookAuth{BasicUser: testBasicUser, BasicPassword: testBasicPassword}, "POST", "/orders", orderBody, basicAuth("admin", string(testBasicPassword)), http.StatusUnauthorized, "missing or wrong Basic credentials"},
		{"basic, password as the user", webhookAuth{BasicUser: testBasicUser, BasicPassword: testBasicPassword}, "POST", "/orders", orderBody, basicAuth(string(testBasicPassword), testBasicUser), http.StatusUnauthorized, "missing or wrong Basic credentials"},
		{"basic, empty", webhookAuth{BasicUser: testBasicUser, BasicPassword: testBasicPassword}, "POST", "/orders", orderBody, basicAuth("", ""), http.StatusUnauthorized, "missing or wrong Basic credentials"},
		{"basic, missing", webhookAuth{BasicUser: testBasicUser, BasicPassword: testBasicPassword}, "POST", "/orders", orderBody, nil, http.StatusUnauthorized, "missing or wrong Basic credentials"},
		{"basic, not configured", webhookAuth{Token: testToken}, "POST", "/orders", orderBody, basicAuth(testBasicUser, string(testBasicPassword)), http.StatusUnauthorized, "missing or wrong bearer token"},
		{"basic, the token as a password", all, "POST", "/orders", orderBody, basicAuth(testBasicUser, testToken), http.StatusUnauthorized, "missing or wrong bearer token or Basic credentials or X-Signature-256 signature"},

		// X-Hub-Signature-256 (GitHub) and X-Hub-Signature (Jira Cloud)
		{"X-Hub-Signature, POST /orders", webhookAuth{Secret: testSecret}, "POST", "/orders", orderBody, bodyOnly("X-Hub-Signature", orderBody), http.StatusAccepted, ""},
		{"X-Hub-Signature, mapped route", webhookAuth{Secret: testSecret}, "POST", "/orders/identity", orderBody, bodyOnly("X-Hub-Signature", orderBody), http.StatusAccepted, ""},
		{"X-Hub-Signature-256, mapped route", webhookAuth{Secret: testSecret}, "POST", "/orders/identity", orderBody, bodyOnly("X-Hub-Signature-256", orderBody), http.StatusAccepted, ""},
		{"X-Hub-Signature, wrong secret", webhookAuth{Secret: testSecret}, "POST", "/orders/identity", orderBody,
			map[string]string{"X-Hub-Signature": "sha256=" + strings.Repeat("ab", 32)}, http.StatusUnauthorized, "missing or wrong X-Signature-256 signature"},
		{"X-Hub-Signature, another body", webhookAuth{Secret: testSecret}, "POST", "/orders/identity", orderBody, bodyOnly("X-Hub-Signature", orderBody+" "), http.StatusUnauthorized, "missing or wrong X-Signature-256 signature"},
		{"X-Hub-Signature, missing", webhookAuth{Secret: testSecret}, "POST", "/orders/identity", orderBody, nil, http.StatusUnauthorized, "missing or wrong X-Signature-256 signature"},
		{"X-Hub-Signature, not configured", webhookAuth{Token: testToken}, "POST", "/orders/identity", orderBody, bodyOnly("X-Hub-Signature", orderBody), http.StatusUnauthorized, "missing or wrong bearer token"},
		{"X-Hub-Signature, a cancel", webhookAuth{Secret: testSecret}, "POST", "/orders/A-1/cancel", cancelBody, bodyOnly("X-Hub-Signature", cancelBody), http.StatusUnauthorized, refusedBodyRoute},
		{"X-Hub-Signature, a refresh", webhookAuth{Secret: testSecret}, "POST", "/orders/A-1/refresh", "", bodyOnly("X-Hub-Signature", ""), http.StatusUnauthorized, refusedBodyRoute},
		{"X-Hub-Signature, GET /orders", webhookAuth{Secret: testSecret}, "GET", "/orders", "", bodyOnly("X-Hub-Signature", ""), http.StatusUnauthorized, refusedBodyRoute},
		{"X-Hub-Signature-256, GET /orders", webhookAuth{Secret: testSecret}, "GET", "/orders", "", bodyOnly("X-Hub-Signature-256", ""), http.StatusUnauthorized, refusedBodyRoute},
		{"X-Hub-Signature, a POST to no mapping", webhookAuth{Secret: testSecret}, "POST", "/orders/nomapping", orderBody, bodyOnly("X-Hub-Signature", orderBody), http.StatusUnauthorized, refusedBodyRoute},
		{"X-Hub-Signature, GET of a mapping's path", webhookAuth{Secret: testSecret}, "GET", "/orders/identity", "", bodyOnly("X-Hub-Signature", ""), http.StatusUnauthorized, refusedBodyRoute},

		// the signed request, on the new routes
		{"signed GET /orders", webhookAuth{Secret: testSecret}, "GET", "/orders?stage=active", "", signedNow("GET", "/orders?stage=active", ""), http.StatusOK, ""},
		{"signed GET /orders, another query", webhookAuth{Secret: testSecret}, "GET", "/orders?stage=failed", "", signedNow("GET", "/orders?stage=active", ""), http.StatusUnauthorized, "missing or wrong X-Signature-256 signature"},
		{"signed mapped route", webhookAuth{Secret: testSecret}, "POST", "/orders/identity", orderBody, signedNow("POST", "/orders/identity", orderBody), http.StatusAccepted, ""},
		{"signed for POST /orders, sent to a mapped route", webhookAuth{Secret: testSecret}, "POST", "/orders/identity", orderBody, signedNow("POST", "/orders", orderBody), http.StatusUnauthorized, "missing or wrong X-Signature-256 signature"},

		// every scheme configured: each one alone is enough
		{"all configured, bearer", all, "POST", "/orders/identity", orderBody, bearer(testToken), http.StatusAccepted, ""},
		{"all configured, basic", all, "POST", "/orders/identity", orderBody, basicAuth(testBasicUser, string(testBasicPassword)), http.StatusAccepted, ""},
		{"all configured, X-Hub-Signature", all, "POST", "/orders/identity", orderBody, bodyOnly("X-Hub-Signature", orderBody), http.StatusAccepted, ""},
		{"all configured, nothing", all, "GET", "/orders", "", nil, http.StatusUnauthorized, "missing or wrong bearer token or Basic credentials or X-Signature-256 signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			temporal := &recordingTemporal{}
			core, logs := observer.New(zap.DebugLevel)
			srv := httptest.NewServer(newWebhook(temporal, "q", tt.auth, []*mapping{identity(t)}, zap.New(core)))
			defer srv.Close()
			resp, raw := roundTrip(t, srv, tt.method, tt.path, tt.body, tt.header)
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, resp.StatusCode, raw, tt.wantCode)
			}
			if tt.wantError != "" && !strings.Contains(string(raw), `"error":"`+tt.wantError+`"`) {
				t.Fatalf("%s %s = %s, want the error %q", tt.method, tt.path, raw, tt.wantError)
			}
			if resp.StatusCode == http.StatusUnauthorized {
				if len(temporal.signalled()) > 0 || temporal.starts > 0 || temporal.lists > 0 {
					t.Fatalf("refused, yet signalled %v, started %d, listed %d", temporal.signalled(), temporal.starts, temporal.lists)
				}
				challenges := resp.Header.Values("WWW-Authenticate")
				if tt.auth.Token.IsSet() != strings.Contains(strings.Join(challenges, ";"), "Bearer") ||
					tt.auth.basic() != strings.Contains(strings.Join(challenges, ";"), "Basic") {
					t.Fatalf("WWW-Authenticate %q for %+v", challenges, tt.auth)
				}
			}
			var logged strings.Builder
			for _, entry := range logs.All() {
				logged.WriteString(entry.Message)
				for _, f := range entry.Context {
					logged.WriteString(" " + f.String)
				}
			}
			for _, secret := range []string{testToken, string(testSecret), string(testBasicPassword)} {
				if strings.Contains(string(raw), secret) || strings.Contains(logged.String(), secret) {
					t.Fatalf("a credential is out: answer %s, log %s", raw, logged.String())
				}
			}
		})
	}
}

// serve checks the Basic settings: both or neither, and a user HTTP Basic
// can carry.
func TestServeBasicCredentialsProblems(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"user alone", Config{WebhookBasicUser: "sn", ListenAddr: "x"}, "STARTER_WEBHOOK_BASIC_USER and STARTER_WEBHOOK_BASIC_PASSWORD go together: set both or neither"},
		{"password alone", Config{WebhookBasicPassword: "p", ListenAddr: "x"}, "STARTER_WEBHOOK_BASIC_USER and STARTER_WEBHOOK_BASIC_PASSWORD go together: set both or neither"},
		{"a colon in the user", Config{WebhookBasicUser: "a:b", WebhookBasicPassword: "p", ListenAddr: "x"}, "STARTER_WEBHOOK_BASIC_USER must not contain ':' (HTTP Basic cannot carry it)"},
		{"none at all", Config{ListenAddr: "x"}, "serve needs STARTER_WEBHOOK_TOKEN, STARTER_WEBHOOK_SECRET or STARTER_WEBHOOK_BASIC_USER and _PASSWORD (or several)"},
		{"basic alone is enough", Config{WebhookBasicUser: "sn", WebhookBasicPassword: "p", ListenAddr: "x"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(tt.cfg.serveProblems(), "; ")
			if got != tt.want {
				t.Fatalf("serveProblems = %q, want %q", got, tt.want)
			}
		})
	}
}
