package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/secret"
	"github.com/cc-l2/provisioner/workflows"
)

const testSecret secret.Secret = "webhook-hmac-secret-91ab"

// send makes one request with the given headers and decodes the answer.
func send(t *testing.T, srv *httptest.Server, method, path, body string, header map[string]string) (int, map[string]any) {
	t.Helper()
	resp, raw := roundTrip(t, srv, method, path, body, header)
	var answer map[string]any
	if err := json.Unmarshal(raw, &answer); err != nil {
		t.Fatalf("%s %s: answer %q is not JSON: %v", method, path, raw, err)
	}
	return resp.StatusCode, answer
}

// signed signs a POST /orders of body.
func signed(body string, secret secret.Secret) map[string]string {
	return signedAt(secret, time.Now(), http.MethodPost, "/orders", body)
}

// with is header with one more field.
func with(header map[string]string, key, value string) map[string]string {
	header[key] = value
	return header
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

func TestWebhookAuthentication(t *testing.T) {
	e := newTestEnv(t)
	servers := map[string]*httptest.Server{}
	for name, auth := range map[string]webhookAuth{
		"token":  {Token: testToken},
		"secret": {Secret: testSecret},
		"both":   {Token: testToken, Secret: testSecret},
	} {
		servers[name] = httptest.NewServer(newWebhook(e.client, e.taskQueue, auth, nil, zap.NewNop()))
		t.Cleanup(servers[name].Close)
	}
	body := order(e.orderID("SIGNED"))
	tests := []struct {
		name      string
		server    string
		header    map[string]string
		wantCode  int
		wantError string
	}{
		{"signed", "secret", signed(body, testSecret), http.StatusAccepted, ""},
		{"signed, token also accepted", "both", signed(body, testSecret), http.StatusAccepted, ""},
		{"token where both are accepted", "both", bearer(testToken), http.StatusAccepted, ""},
		{"wrong secret", "secret", signed(body, "other"), http.StatusUnauthorized, "missing or wrong X-Signature-256 signature"},
		{"signature of another body", "secret", signed(body+" ", testSecret), http.StatusUnauthorized, "missing or wrong X-Signature-256 signature"},
		{"token where only signatures are accepted", "secret", bearer(testToken), http.StatusUnauthorized, "missing or wrong X-Signature-256 signature"},
		{"signature where only tokens are accepted", "token", signed(body, testSecret), http.StatusUnauthorized, "missing or wrong bearer token"},
		{"nothing, both accepted", "both", nil, http.StatusUnauthorized, "missing or wrong bearer token or X-Signature-256 signature"},
		{"wrong token, good signature", "both", with(signed(body, testSecret), "Authorization", "Bearer nope"), http.StatusAccepted, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, answer := send(t, servers[tt.server], http.MethodPost, "/orders", body, tt.header)
			if code != tt.wantCode {
				t.Fatalf("code = %d, want %d (%v)", code, tt.wantCode, answer)
			}
			if tt.wantError != "" && answer["error"] != tt.wantError {
				t.Fatalf("error = %v, want %q", answer["error"], tt.wantError)
			}
		})
	}

	// A signed GET signs its empty body, with its method and path.
	id := e.orderID("SIGNED-GET")
	if code, answer := send(t, servers["secret"], http.MethodPost, "/orders", order(id), signed(order(id), testSecret)); code != http.StatusAccepted {
		t.Fatalf("POST: %d %v", code, answer)
	}
	eventually(t, 20*time.Second, func() bool {
		code, _ := send(t, servers["secret"], http.MethodGet, "/orders/"+id, "", signedAt(testSecret, time.Now(), http.MethodGet, "/orders/"+id, ""))
		return code == http.StatusOK
	})

	// Health needs no credentials, and says nothing more than that.
	for name, srv := range servers {
		code, answer := send(t, srv, http.MethodGet, "/healthz", "", nil)
		if code != http.StatusOK || answer["status"] != "ok" || len(answer) != 1 {
			t.Fatalf("%s: GET /healthz = %d %v", name, code, answer)
		}
		if code, _ := send(t, srv, http.MethodPost, "/healthz", "", nil); code != http.StatusUnauthorized {
			t.Fatalf("%s: POST /healthz = %d, want 401", name, code)
		}
	}
}

func TestWebhookCancel(t *testing.T) {
	e := newTestEnv(t)
	srv := newWebhookServer(t, e.client, e.taskQueue)
	held := e.orderID("WHCANCEL")
	if code, answer, _ := call(t, srv, http.MethodPost, "/orders", testToken, order(held, `"name":"hold"`)); code != http.StatusAccepted {
		t.Fatalf("POST /orders: %d %v", code, answer)
	}
	auth := bearer(testToken)

	t.Run("bad requests", func(t *testing.T) {
		tests := []struct {
			name, method, body string
			wantCode           int
			wantError          string
		}{
			{"GET", http.MethodGet, "", http.StatusMethodNotAllowed, "use POST to cancel an order"},
			{"unknown field", http.MethodPost, `{"reason":"x","force":true}`, http.StatusBadRequest, `the body must be {"reason": "..."} or empty`},
			{"not JSON", http.MethodPost, `reason=x`, http.StatusBadRequest, `the body must be {"reason": "..."} or empty`},
			{"reason too long", http.MethodPost, `{"reason":"` + strings.Repeat("r", maxReasonBytes+1) + `"}`, http.StatusBadRequest, "the reason is over 500 bytes"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code, answer := send(t, srv, tt.method, "/orders/"+held+"/cancel", tt.body, auth)
				if code != tt.wantCode || answer["error"] != tt.wantError {
					t.Fatalf("= %d %v, want %d %q", code, answer["error"], tt.wantCode, tt.wantError)
				}
			})
		}
	})

	t.Run("404 no such order", func(t *testing.T) {
		code, answer := send(t, srv, http.MethodPost, "/orders/NOPE-"+uniqueSuffix()+"/cancel", "", auth)
		if code != http.StatusNotFound || answer["error"] != "no such order" {
			t.Fatalf("= %d %v", code, answer)
		}
	})

	t.Run("202, then 409 once ended", func(t *testing.T) {
		eventually(t, 20*time.Second, func() bool {
			code, answer, _ := call(t, srv, http.MethodGet, "/orders/"+held, testToken, "")
			return code == http.StatusOK && answer["stage"] == string(workflows.StageAwaitingActivation)
		})
		// While it waits, a refresh is accepted. (Before the cancel: once
		// cancelled, the order may end before a refresh gets there.)
		if code, answer := send(t, srv, http.MethodPost, "/orders/"+held+"/refresh", "", auth); code != http.StatusAccepted || answer["outcome"] != "refresh requested" {
			t.Fatalf("refresh = %d %v", code, answer)
		}
		code, answer := send(t, srv, http.MethodPost, "/orders/"+held+"/cancel", `{"reason":"CHG0040012 withdrawn by the customer"}`, auth)
		if code != http.StatusAccepted || answer["outcome"] != "cancel requested" || answer["orderId"] != held || answer["workflowId"] != workflows.WorkflowID(held) {
			t.Fatalf("= %d %v", code, answer)
		}
		var status map[string]any
		eventually(t, 20*time.Second, func() bool {
			_, status, _ = call(t, srv, http.MethodGet, "/orders/"+held, testToken, "")
			return status["stage"] == string(workflows.StageCancelled)
		})
		if status["reason"] != "CHG0040012 withdrawn by the customer" {
			t.Fatalf("status after cancel = %v", status)
		}
		if code, answer := send(t, srv, http.MethodPost, "/orders/"+held+"/refresh", "", auth); code != http.StatusConflict || answer["stage"] != "cancelled" {
			t.Fatalf("refresh of an ended order = %d %v", code, answer)
		}
		if code, _ := send(t, srv, http.MethodGet, "/orders/"+held+"/refresh", "", auth); code != http.StatusMethodNotAllowed {
			t.Fatalf("GET refresh = %d, want 405", code)
		}
		if code, _ := send(t, srv, http.MethodPost, "/orders/NOPE-"+uniqueSuffix()+"/refresh", "", auth); code != http.StatusNotFound {
			t.Fatalf("refresh of no order = %d, want 404", code)
		}
		code, answer = send(t, srv, http.MethodPost, "/orders/"+held+"/cancel", "", auth)
		if code != http.StatusConflict || answer["stage"] != string(workflows.StageCancelled) ||
			answer["error"] != "the order has already ended" {
			t.Fatalf("second cancel = %d %v", code, answer)
		}
	})
}
