package signature

import (
	"testing"

	"github.com/cc-l2/provisioner/internal/config"
)

func TestSign(t *testing.T) {
	// The value GitHub documents for its webhooks: secret "It's a Secret
	// to Everybody", payload "Hello, World!".
	const want = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got := Sign("It's a Secret to Everybody", []byte("Hello, World!")); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestValid(t *testing.T) {
	const secret config.Secret = "s3cret"
	body := []byte(`{"orderId":"A"}`)
	good := Sign(secret, body)
	tests := []struct {
		name   string
		secret config.Secret
		body   string
		value  string
		want   bool
	}{
		{"good", secret, string(body), good, true},
		{"upper-case hex", secret, string(body), "sha256=" + upper(good[len("sha256="):]), true},
		{"other body", secret, `{"orderId":"B"}`, good, false},
		{"other secret", "other", string(body), good, false},
		{"no secret configured", "", string(body), Sign("", body), false},
		{"empty", secret, string(body), "", false},
		{"prefix only", secret, string(body), "sha256=", false},
		{"no prefix", secret, string(body), good[len("sha256="):], false},
		{"other algorithm", secret, string(body), "sha1=" + good[len("sha256="):], false},
		{"not hex", secret, string(body), "sha256=zz", false},
		{"truncated", secret, string(body), good[:len(good)-2], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Valid(tt.secret, []byte(tt.body), tt.value); got != tt.want {
				t.Fatalf("Valid = %v, want %v", got, tt.want)
			}
		})
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
