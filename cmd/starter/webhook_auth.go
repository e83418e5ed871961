package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/secret"
	"github.com/cc-l2/provisioner/internal/signature"
)

// webhookAuth is how a ticketing system proves who it is: a bearer token,
// HTTP Basic credentials, or an HMAC-SHA256 signature made with a shared
// secret (see authenticated). Whichever are set are accepted.
type webhookAuth struct {
	Token         secret.Secret
	Secret        secret.Secret
	BasicUser     string
	BasicPassword secret.Secret
}

// basic reports whether Basic credentials are configured: both halves.
func (a webhookAuth) basic() bool { return a.BasicUser != "" && a.BasicPassword.IsSet() }

// authenticated passes on only requests with "Authorization: Bearer
// <token>", good Basic credentials, or a valid signature. The token and
// the Basic credentials are compared as SHA-256 digests in constant time,
// so neither their content nor their length leaks through timing, and
// the user and the password are both compared whatever the other's
// outcome, so that timing does not tell which was wrong; signatures with
// hmac.Equal.
//
// A signature (X-Signature-256 with X-Signature-Timestamp) covers the
// time, the method, the path and the body: it authorises the one request
// it was made for, for 5 minutes, so a signed GET of one order cannot
// cancel another, nor a cancel of one order another order. A body-only
// signature, GitHub's X-Hub-Signature-256 or Jira Cloud's
// X-Hub-Signature, is taken for POST /orders and the mapped routes alone,
// where a replay starts nothing new (the order id exists).
func (h *webhook) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.bearer(r) || h.basic(r) {
			next.ServeHTTP(w, r)
			return
		}
		refusal := h.unauthorized()
		if h.auth.Secret.IsSet() && (r.Header.Get(signature.Header) != "" || bodySignature(r) != "") {
			body, ok := readBody(w, r)
			if !ok {
				return
			}
			var signed bool
			if signed, refusal = h.signed(r, body); signed {
				r.Body = io.NopCloser(bytes.NewReader(body))
				next.ServeHTTP(w, r)
				return
			}
		}
		if h.auth.Token.IsSet() {
			w.Header().Add("WWW-Authenticate", `Bearer realm="orders"`)
		}
		if h.auth.basic() {
			w.Header().Add("WWW-Authenticate", `Basic realm="orders", charset="UTF-8"`)
		}
		writeError(w, http.StatusUnauthorized, refusal)
		h.log(w).Warn("webhook: unauthenticated request", zap.String("method", r.Method), zap.String("path", r.URL.Path),
			zap.String("remote", r.RemoteAddr), zap.String("refused", refusal))
	})
}

// bearer reports whether the request carries the bearer token.
func (h *webhook) bearer(r *http.Request) bool {
	if !h.auth.Token.IsSet() {
		return false
	}
	given, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	digest := sha256.Sum256([]byte(given))
	return ok && given != "" && subtle.ConstantTimeCompare(digest[:], h.tokenDigest[:]) == 1
}

// basic reports whether the request carries the Basic credentials. Both
// halves are compared every time, and the outcomes combined without a
// branch.
func (h *webhook) basic(r *http.Request) bool {
	if !h.auth.basic() {
		return false
	}
	user, password, ok := r.BasicAuth()
	userDigest, passwordDigest := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(password))
	same := subtle.ConstantTimeCompare(userDigest[:], h.userDigest[:]) & subtle.ConstantTimeCompare(passwordDigest[:], h.passwordDigest[:])
	return ok && same == 1
}

// bodySignature is the request's body-only signature: GitHub's
// X-Hub-Signature-256, or else X-Hub-Signature as Jira Cloud sends it
// (GitHub sends its SHA-1 one there too, beside the SHA-256 one, so the
// SHA-256 header wins).
func bodySignature(r *http.Request) string {
	if v := r.Header.Get(signature.GitHubHeader); v != "" {
		return v
	}
	return r.Header.Get(signature.HubHeader)
}

// Why a signed request is refused, beyond a signature that does not
// match.
const (
	refusedNoTimestamp = signature.Header + " needs " + signature.TimestampHeader + " (Unix seconds): sign timestamp.method.path.body"
	refusedStale       = signature.TimestampHeader + " is more than 5 minutes from the server's time"
	refusedBodyRoute   = signature.GitHubHeader + " and " + signature.HubHeader + " (the body's signature) are accepted for POST /orders and POST /orders/{mapping} only; sign other requests with " +
		signature.Header + " and " + signature.TimestampHeader
)

// signed reports whether the request carries a good signature of itself;
// if not, the sentence that says why.
func (h *webhook) signed(r *http.Request, body []byte) (bool, string) {
	if value := r.Header.Get(signature.Header); value != "" {
		err := signature.ValidRequest(h.auth.Secret, signature.Request{
			Timestamp: r.Header.Get(signature.TimestampHeader), Method: r.Method, Path: r.RequestURI, Body: body,
		}, value, time.Now())
		switch {
		case err == nil:
			return true, ""
		case errors.Is(err, signature.ErrNoTimestamp):
			return false, refusedNoTimestamp
		case errors.Is(err, signature.ErrStale):
			return false, refusedStale
		}
		return false, h.unauthorized()
	}
	if !h.takesBodySignature(r) {
		return false, refusedBodyRoute
	}
	if signature.Valid(h.auth.Secret, body, bodySignature(r)) {
		return true, ""
	}
	return false, h.unauthorized()
}

// takesBodySignature reports whether the request may be authorised by
// its body's signature alone: a POST that submits orders, where a replay
// starts nothing new.
func (h *webhook) takesBodySignature(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	if r.URL.Path == "/orders" {
		return true
	}
	name, ok := strings.CutPrefix(r.URL.Path, "/orders/")
	return ok && h.mappings[name] != nil
}

// unauthorized says what a refused request lacked, naming only the
// schemes this server accepts, never a credential.
func (h *webhook) unauthorized() string {
	var accepted []string
	if h.auth.Token.IsSet() {
		accepted = append(accepted, "bearer token")
	}
	if h.auth.basic() {
		accepted = append(accepted, "Basic credentials")
	}
	if h.auth.Secret.IsSet() {
		accepted = append(accepted, signature.Header+" signature")
	}
	return "missing or wrong " + strings.Join(accepted, " or ")
}
