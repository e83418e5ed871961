package outbound

import (
	"errors"
	"net/netip"
	"testing"
)

func TestAddressCheck(t *testing.T) {
	tests := []struct {
		address string
		allowed []string
		refused string // the kind refused, "" for allowed
	}{
		{"93.184.216.34:443", nil, ""},
		{"[2606:2800:220:1::]:443", nil, ""},
		{"127.0.0.1:80", []string{"localhost"}, "loopback"},
		{"127.0.0.1:80", []string{"127.0.0.1"}, ""},
		{"127.0.0.1:80", []string{"127.0.0.1:80"}, ""},
		{"127.0.0.1:80", []string{"127.0.0.1:81"}, "loopback"},
		{"[::1]:80", []string{"[::1]"}, ""},
		{"[::1]:80", nil, "loopback"},
		{"[::ffff:127.0.0.1]:80", nil, "loopback"},
		{"169.254.169.254:80", []string{"metadata.example"}, "link-local"},
		{"[fe80::1]:80", nil, "link-local"},
		{"10.0.0.5:443", nil, "private"},
		{"192.168.1.1:443", nil, "private"},
		{"172.16.0.1:443", nil, "private"},
		{"100.64.0.1:443", nil, "private"},
		{"[fd00::1]:443", nil, "private"},
		{"0.0.0.0:80", nil, "unspecified"},
		{"239.1.1.1:80", nil, "multicast"},
		{"10.0.0.5:443", []string{"10.0.0.5"}, ""},
	}
	for _, tt := range tests {
		err := addressCheck(tt.allowed)("tcp", tt.address, nil)
		var refused *AddressError
		switch {
		case tt.refused == "" && err != nil:
			t.Errorf("%s with %v: refused: %v", tt.address, tt.allowed, err)
		case tt.refused != "" && (!errors.As(err, &refused) || refused.Kind != tt.refused):
			t.Errorf("%s with %v: got %v, want a %s address refused", tt.address, tt.allowed, err, tt.refused)
		}
	}
	if refused := (&AddressError{Addr: netip.MustParseAddr("10.0.0.5"), Kind: "private"}).Error(); refused != "10.0.0.5 is a private address, not on the allow-list" {
		t.Errorf("message %q", refused)
	}
}

func TestRedacted(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pw@tickets.example.com:8443/hooks/l2?token=abc#x": "https://tickets.example.com:8443/hooks/l2",
		"http://10.0.0.1/admin": "http://10.0.0.1/admin",
		"":                      "",
		"/relative?token=abc":   "/relative",
	} {
		if got := Redacted(in); got != want {
			t.Errorf("Redacted(%q) = %q, want %q", in, got, want)
		}
	}
}
