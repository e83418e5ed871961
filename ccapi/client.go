// Package ccapi is a client for the parts of the Console Connect REST API that
// Layer 2 provisioning needs: ports, metro capabilities, data-center facility
// search and the Layer 2 connection endpoints.
package ccapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/cc-l2/provisioner/internal/secret"
)

// DefaultBaseURL is the production Console Connect API.
const DefaultBaseURL = "https://api.consoleconnect.com"

const defaultUserAgent = "cc-l2-provisioner/1"

// maxResponseBytes bounds what we read from one response: a company's port
// list is the largest payload we expect (a few KiB per port).
const maxResponseBytes = 64 << 20

// Client talks to one Console Connect API endpoint with one API key.
// Its fields may be changed before first use, not concurrently with it.
type Client struct {
	// BaseURL is the API root, e.g. https://api.consoleconnect.com.
	BaseURL *url.URL
	// HTTPClient sends the requests; its Timeout bounds each call.
	HTTPClient *http.Client
	// UserAgent is sent with every request.
	UserAgent string
	// Observe, when set, is told of every request once it ended: the
	// endpoint's name (Endpoint*), the HTTP status (0 when no answer came)
	// and how long it took. The worker's metrics come from it.
	Observe func(endpoint string, status int, took time.Duration)
	// Limiter, when set, paces the requests: each waits for a token
	// before it is sent (the worker's CC_API_MAX_RPS), so that a client
	// does not spend its calls on the API's own 429s.
	Limiter *rate.Limiter

	apiKey secret.Secret // refuses to be printed, whatever prints it
}

// String describes the client without its key, for %v, %+v and %s.
func (c *Client) String() string {
	return fmt.Sprintf("ccapi.Client{BaseURL: %s, UserAgent: %q, apiKey: %s}", c.BaseURL, c.UserAgent, c.apiKey)
}

// GoString is String, for %#v.
func (c *Client) GoString() string { return c.String() }

// NewClient returns a client for baseURL (DefaultBaseURL when empty) that
// authenticates with apiKey. httpClient may be nil for http.DefaultClient.
func NewClient(baseURL, apiKey string, httpClient *http.Client) (*Client, error) {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("ccapi: invalid base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("ccapi: invalid base URL %q: want http(s)://host", baseURL)
	}
	if apiKey == "" {
		return nil, errors.New("ccapi: API key is empty")
	}
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	return &Client{BaseURL: u, HTTPClient: httpClient, UserAgent: defaultUserAgent, apiKey: secret.Secret(apiKey)}, nil
}

// endpointPath joins escaped path segments: every caller-supplied value
// (company username, ids) goes through url.PathEscape.
func endpointPath(format string, segments ...string) string {
	args := make([]any, len(segments))
	for i, s := range segments {
		args[i] = url.PathEscape(s)
	}
	return fmt.Sprintf(format, args...)
}

// do sends one request and decodes a 2xx JSON body into out (when non-nil).
// Non-2xx answers become *APIError; transport failures become *TransportError.
func (c *Client) do(ctx context.Context, endpoint, method, path string, query url.Values, body, out any) error {
	u := *c.BaseURL
	u.RawPath = c.BaseURL.EscapedPath() + path
	unescaped, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return fmt.Errorf("ccapi: building %s %s: %w", method, path, err)
	}
	u.Path = unescaped
	u.RawQuery = query.Encode()

	var reqBody io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("ccapi: encoding %s %s request: %w", method, path, err)
		}
		reqBody = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), reqBody)
	if err != nil {
		return fmt.Errorf("ccapi: building %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey.Reveal())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.UserAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if id := correlationHeaderValue(ctx); id != "" {
		req.Header.Set(CorrelationHeader, id)
	}

	if c.Limiter != nil {
		if err := c.Limiter.Wait(ctx); err != nil {
			return &TransportError{Method: method, Path: path, Err: err, NotSent: true}
		}
	}
	began := time.Now()
	resp, err := c.HTTPClient.Do(req)
	if c.Observe != nil {
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		defer func() { c.Observe(endpoint, status, time.Since(began)) }()
	}
	if err != nil {
		return &TransportError{Method: method, Path: path, Err: scrubURLError(err), NotSent: neverSent(err)}
	}
	defer resp.Body.Close()
	data, err := readBody(resp)
	if err != nil {
		return &TransportError{Method: method, Path: path, Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return parseAPIError(method, path, resp, data)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := decodeResponse(data, out); err != nil {
		return &DecodeError{Method: method, Path: path, StatusCode: resp.StatusCode, Err: err}
	}
	return nil
}

// readBody reads a response's body, at most maxResponseBytes of it, into
// one buffer of its announced length where there is one: a busy port's
// answer is close to a megabyte, and growing a buffer to that from
// nothing copies it many times over.
func readBody(resp *http.Response) ([]byte, error) {
	n := resp.ContentLength
	if n <= 0 || n > maxResponseBytes {
		return io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(resp.Body, data); err != nil {
		return nil, err
	}
	return data, nil
}

// neverSent reports whether a transport error happened before any byte of
// the request left: the connection could not be made at all (refused,
// unreachable, no such host).
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// scrubURLError drops the full request URL from *url.Error (it can carry
// query filters) while keeping the cause for errors.Is/As.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
