// Package signature signs HTTP bodies the way GitHub webhooks do: an
// HMAC-SHA256 of the body under a shared secret, in hex, in the
// X-Signature-256 header as "sha256=<hex>". The worker signs the callbacks
// it sends; the starter's webhook accepts requests signed the same way, so
// a ticketing system needs one scheme for both directions.
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"

	"github.com/cc-l2/provisioner/internal/config"
)

// Header names the header that carries a body's signature.
const Header = "X-Signature-256"

// prefix names the algorithm, so that another can follow without ambiguity.
const prefix = "sha256="

// Sign is the Header value for body under secret.
func Sign(secret config.Secret, body []byte) string {
	return prefix + hex.EncodeToString(digest(secret, body))
}

// Valid reports whether value is body's signature under secret. The
// comparison takes the same time however much of it matches.
func Valid(secret config.Secret, body []byte, value string) bool {
	if !secret.IsSet() || len(value) <= len(prefix) || value[:len(prefix)] != prefix {
		return false
	}
	given, err := hex.DecodeString(value[len(prefix):])
	return err == nil && hmac.Equal(given, digest(secret, body))
}

func digest(secret config.Secret, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret.Reveal()))
	mac.Write(body)
	return mac.Sum(nil)
}
