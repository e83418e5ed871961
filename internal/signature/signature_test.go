package signature

import (
	"testing"
	"time"

	"github.com/cc-l2/provisioner/internal/secret"
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
	const key secret.Secret = "s3cret"
	body := []byte(`{"orderId":"A"}`)
	good := Sign(key, body)
	tests := []struct {
		name   string
		secret secret.Secret
		body   string
		value  string
		want   bool
	}{
		{"good", key, string(body), good, true},
		{"upper-case hex", key, string(body), "sha256=" + upper(good[len("sha256="):]), true},
		{"other body", key, `{"orderId":"B"}`, good, false},
		{"other secret", "other", string(body), good, false},
		{"no secret configured", "", string(body), Sign("", body), false},
		{"empty", key, string(body), "", false},
		{"prefix only", key, string(body), "sha256=", false},
		{"no prefix", key, string(body), good[len("sha256="):], false},
		{"other algorithm", key, string(body), "sha1=" + good[len("sha256="):], false},
		{"not hex", key, string(body), "sha256=zz", false},
		{"truncated", key, string(body), good[:len(good)-2], false},
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

func TestValidRequest(t *testing.T) {
	const key secret.Secret = "s3cret"
	now := time.Unix(1_800_000_000, 0)
	cancel := Request{Timestamp: "1800000000", Method: "POST", Path: "/orders/A/cancel", Body: []byte(`{"reason":"x"}`)}
	good := SignRequest(key, cancel)
	// The README's openssl recipe computes exactly this.
	mac := Sign(key, []byte(`1800000000.POST./orders/A/cancel.{"reason":"x"}`))
	if good != mac {
		t.Fatalf("SignRequest = %s, want the HMAC of timestamp.method.path.body %s", good, mac)
	}
	with := func(change func(*Request)) Request {
		r := cancel
		change(&r)
		return r
	}
	tests := []struct {
		name string
		r    Request
		now  time.Time
		want error
	}{
		{"good", cancel, now, nil},
		{"4m59s later", cancel, now.Add(4*time.Minute + 59*time.Second), nil},
		{"5m01s later", cancel, now.Add(5*time.Minute + time.Second), ErrStale},
		{"5m01s earlier", cancel, now.Add(-5*time.Minute - time.Second), ErrStale},
		{"other path", with(func(r *Request) { r.Path = "/orders/B/cancel" }), now, ErrMismatch},
		{"other method", with(func(r *Request) { r.Method = "GET" }), now, ErrMismatch},
		{"other body", with(func(r *Request) { r.Body = nil }), now, ErrMismatch},
		{"other timestamp", with(func(r *Request) { r.Timestamp = "1800000001" }), now, ErrMismatch},
		{"no timestamp", with(func(r *Request) { r.Timestamp = "" }), now, ErrNoTimestamp},
		{"timestamp not a number", with(func(r *Request) { r.Timestamp = "soon" }), now, ErrNoTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ValidRequest(key, tt.r, good, tt.now); err != tt.want {
				t.Fatalf("ValidRequest = %v, want %v", err, tt.want)
			}
		})
	}
	if err := ValidRequest("", cancel, SignRequest("", cancel), now); err != ErrMismatch {
		t.Fatalf("no secret configured: %v, want ErrMismatch", err)
	}
}
