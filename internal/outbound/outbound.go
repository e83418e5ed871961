// Package outbound is the one policy for HTTP the worker sends anywhere
// but the Console Connect API (today: callbacks to ticketing systems).
// Where a request may go is decided by the operator's allow-list, and an
// order names the URL, so nothing a receiver answers may widen it:
//
//   - redirects are never followed: a 3xx is the receiver's answer, and the
//     caller treats it as a failed delivery;
//   - the allow-list holds on the address actually dialled, not only on the
//     URL's name: a listed name that resolves to a loopback, link-local,
//     private or otherwise non-public address is refused unless that
//     address is itself listed (so DNS cannot point a listed name inside);
//   - no proxy from the environment (it would dial in the policy's place);
//   - every phase has a timeout: dial, TLS handshake, response headers, and
//     the whole exchange.
package outbound

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Timeouts of each phase of one request.
const (
	DialTimeout           = 5 * time.Second
	TLSHandshakeTimeout   = 5 * time.Second
	ResponseHeaderTimeout = 10 * time.Second
	// RequestTimeout bounds the whole exchange, body included.
	RequestTimeout = 15 * time.Second
)

// NewClient is an HTTP client that follows no redirect and dials only
// public addresses, or non-public ones that allowed lists (as "ip" or
// "ip:port"). allowed is the allow-list of hosts (host or host:port);
// names in it are checked by the caller against the URL (HostAllowed),
// addresses here against what a name resolved to.
func NewClient(allowed []string) *http.Client {
	dialer := &net.Dialer{
		Timeout:   DialTimeout,
		KeepAlive: 30 * time.Second,
		Control:   addressCheck(allowed),
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   TLSHandshakeTimeout,
		ResponseHeaderTimeout: ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   RequestTimeout,
		// The 3xx comes back as the answer; its Location is the caller's
		// to report, never to call.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// AddressError is a dial the policy refused: the name resolved to a
// non-public address that is not on the allow-list.
type AddressError struct {
	Addr netip.Addr
	Kind string // "loopback", "private", ...
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("%s is a %s address, not on the allow-list", e.Addr, e.Kind)
}

// addressCheck runs after the name is resolved and before the connection
// is made, on the very address dialled.
func addressCheck(allowed []string) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("outbound: unexpected address %q: %w", address, err)
		}
		addr := ap.Addr().Unmap()
		kind := nonPublic(addr)
		if kind == "" || listed(addr, ap.Port(), allowed) {
			return nil
		}
		return &AddressError{Addr: addr, Kind: kind}
	}
}

// sharedAddressSpace is 100.64.0.0/10 (RFC 6598, carrier-grade NAT): not
// private by net/netip's definition, yet not reachable from the Internet.
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// nonPublic names what kind of non-public address addr is, or "".
func nonPublic(addr netip.Addr) string {
	switch {
	case addr.IsLoopback():
		return "loopback"
	case addr.IsLinkLocalUnicast(), addr.IsLinkLocalMulticast():
		return "link-local"
	case addr.IsPrivate(), sharedAddressSpace.Contains(addr):
		return "private"
	case addr.IsUnspecified():
		return "unspecified"
	case addr.IsMulticast(), addr.IsInterfaceLocalMulticast():
		return "multicast"
	case !addr.IsGlobalUnicast():
		return "non-public"
	}
	return ""
}

// listed reports whether addr (and port) is on the allow-list as an
// address, with or without a port.
func listed(addr netip.Addr, port uint16, allowed []string) bool {
	for _, entry := range allowed {
		host, p := entry, ""
		if h, hp, err := net.SplitHostPort(entry); err == nil {
			host, p = h, hp
		}
		a, err := netip.ParseAddr(strings.Trim(host, "[]"))
		if err != nil || a.Unmap() != addr {
			continue
		}
		if p == "" || p == fmt.Sprint(port) {
			return true
		}
	}
	return false
}

// HostAllowed reports whether rawURL's host, or host:port, is on the
// allow-list, by name (case-insensitive).
func HostAllowed(rawURL string, allowed []string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return false
	}
	for _, h := range allowed {
		if strings.EqualFold(h, u.Host) || strings.EqualFold(h, u.Hostname()) {
			return true
		}
	}
	return false
}

// Redacted is rawURL for a log or an error: scheme, host and path, never
// its user information, query or fragment, which may carry credentials.
func Redacted(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(an unreadable URL)"
	}
	clean := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return clean.String()
}

// Cause is err without the request's URL: net/http wraps a transport
// error in a *url.Error that quotes the whole URL, query included.
func Cause(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
