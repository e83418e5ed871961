// Package signature signs HTTP requests with an HMAC-SHA256 under a shared
// secret, in hex, as "sha256=<hex>".
//
// Two schemes share the format:
//
//   - a body's signature (Sign, Valid), the way GitHub webhooks sign: the
//     worker's callbacks carry it in X-Signature-256 (their body names the
//     order, the milestone and the time, so a receiver can tell a replay),
//     and the starter's webhook takes it in X-Hub-Signature-256 (GitHub's
//     header) or X-Hub-Signature (Jira Cloud's) for POST /orders and its
//     mapped routes alone, where a replay starts nothing new;
//   - a request's signature (SignRequest, ValidRequest), which the webhook
//     needs for everything else: the HMAC of
//     "<timestamp>.<method>.<path>.<body>", the timestamp (Unix seconds) in
//     X-Signature-Timestamp. It binds the signature to what the request
//     does (a cancel names its order in the path) and when: it is good for
//     MaxAge either side of the server's clock.
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/cc-l2/provisioner/internal/secret"
)

// Headers.
const (
	// Header carries a request's signature (webhook) or a body's
	// (callbacks).
	Header = "X-Signature-256"
	// TimestampHeader carries the Unix time a request was signed at.
	TimestampHeader = "X-Signature-Timestamp"
	// GitHubHeader carries a body's signature, as GitHub sends it.
	GitHubHeader = "X-Hub-Signature-256"
	// HubHeader carries a body's signature as Jira Cloud sends it
	// ("sha256=<hex>"); GitHub sends its SHA-1 signature there, which
	// Valid refuses.
	HubHeader = "X-Hub-Signature"
)

// MaxAge is how far a request's timestamp may be from the server's clock,
// either way.
const MaxAge = 5 * time.Minute

// prefix names the algorithm, so that another can follow without ambiguity.
const prefix = "sha256="

// Sign is the signature of body under secret.
func Sign(secret secret.Secret, body []byte) string {
	return prefix + hex.EncodeToString(digest(secret, body))
}

// Valid reports whether value is body's signature under secret. The
// comparison takes the same time however much of it matches.
func Valid(secret secret.Secret, body []byte, value string) bool {
	if !secret.IsSet() || len(value) <= len(prefix) || value[:len(prefix)] != prefix {
		return false
	}
	given, err := hex.DecodeString(value[len(prefix):])
	return err == nil && hmac.Equal(given, digest(secret, body))
}

// Request is what a request's signature covers. Path is the request
// target as sent: the path, and its query if it has one.
type Request struct {
	Timestamp string // Unix seconds, as in TimestampHeader
	Method    string
	Path      string
	Body      []byte
}

// message is the signed text: timestamp.method.path.body.
func (r Request) message() []byte {
	m := make([]byte, 0, len(r.Timestamp)+len(r.Method)+len(r.Path)+len(r.Body)+3)
	m = append(m, r.Timestamp...)
	m = append(m, '.')
	m = append(m, r.Method...)
	m = append(m, '.')
	m = append(m, r.Path...)
	m = append(m, '.')
	return append(m, r.Body...)
}

// SignRequest is the signature of r under secret.
func SignRequest(secret secret.Secret, r Request) string { return Sign(secret, r.message()) }

// Why a request's signature is refused.
var (
	// ErrNoTimestamp: the request has a signature but no timestamp, or
	// one that is not Unix seconds.
	ErrNoTimestamp = errors.New("signature: no valid " + TimestampHeader)
	// ErrMismatch: the signature is not r's under the secret.
	ErrMismatch = errors.New("signature: does not match the request")
	// ErrStale: the signature is r's, but its timestamp is more than
	// MaxAge from now.
	ErrStale = errors.New("signature: timestamp more than 5 minutes from the server's time")
)

// ValidRequest checks value as r's signature under secret at time now:
// nil, or ErrNoTimestamp, ErrMismatch or ErrStale. The timestamp is
// judged only once the signature is known good, so that a refusal for
// staleness tells nothing to whoever lacks the secret.
func ValidRequest(secret secret.Secret, r Request, value string, now time.Time) error {
	ts, err := strconv.ParseInt(r.Timestamp, 10, 64)
	if err != nil || ts <= 0 {
		return ErrNoTimestamp
	}
	if !Valid(secret, r.message(), value) {
		return ErrMismatch
	}
	if age := now.Sub(time.Unix(ts, 0)); age > MaxAge || age < -MaxAge {
		return ErrStale
	}
	return nil
}

func digest(secret secret.Secret, message []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret.Reveal()))
	mac.Write(message)
	return mac.Sum(nil)
}
