// Package targets is the operator's named callback targets
// (CALLBACK_TARGETS): a ticketing system's own API, called with its own
// URL, method, body and credentials when an order's callback names the
// target instead of a URL.
//
// The file is the operator's, so a target's host needs no allow-list entry;
// an order only names the target and a ticket. What comes from the order
// (the ticket above all) fills templates, and may not choose where the
// request goes: the URL's scheme and host are literal in the file, and the
// rendered URL must keep them; the `path` function escapes a URL segment
// and refuses "." and "..". Credentials are read from the environment
// variables a target names, once, at load: they never leave this package
// but in the request's headers.
package targets

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/cc-l2/provisioner/internal/outbound"
	"github.com/cc-l2/provisioner/internal/secret"
)

// Auth schemes a target may use.
const (
	AuthHMAC   = "hmac"   // X-Signature-256 with CALLBACK_SECRET, as a callback URL gets (the default)
	AuthBearer = "bearer" // Authorization: Bearer <token_env>
	AuthBasic  = "basic"  // Authorization: Basic <username_env>:<password_env>
	AuthOAuth2 = "oauth2" // OAuth2 client credentials at token_url
)

var auths = []string{AuthHMAC, AuthBearer, AuthBasic, AuthOAuth2}

// spec is one target as the file writes it. Unknown keys are errors.
type spec struct {
	URL             string            `yaml:"url"`
	Method          string            `yaml:"method"`
	Headers         map[string]string `yaml:"headers"`
	Auth            string            `yaml:"auth"`
	TokenEnv        string            `yaml:"token_env"`
	UsernameEnv     string            `yaml:"username_env"`
	PasswordEnv     string            `yaml:"password_env"`
	ClientIDEnv     string            `yaml:"client_id_env"`
	ClientSecretEnv string            `yaml:"client_secret_env"`
	TokenURL        string            `yaml:"token_url"`
	Scopes          []string          `yaml:"scopes"`
	Body            string            `yaml:"body"`
	Milestones      []string          `yaml:"milestones"`
}

// Event is what a target's templates see: one milestone of an order.
type Event struct {
	OrderID      string
	Ticket       string
	Milestone    string
	ConnectionID string
	APIStatus    string
	Reason       string
	Time         time.Time
}

// Options are what loading needs from the worker.
type Options struct {
	// Getenv reads the environment variables targets name (os.LookupEnv
	// when nil).
	Getenv func(string) (string, bool)
	// Sign signs a body for the hmac scheme: the X-Signature-256 value.
	// Nil: a target with auth hmac is refused (no CALLBACK_SECRET).
	Sign func(body []byte) string
	// Milestones are the names a target's milestones may list.
	Milestones []string
	// AllowedHosts are added to every target's client, as the worker's
	// other callbacks allow them (addresses a listed name resolves to).
	AllowedHosts []string
}

// Set is the loaded targets, by name.
type Set struct {
	targets map[string]*Target
}

// Target is one loaded target: templates compiled, credentials read.
type Target struct {
	name       string
	scheme     string
	host       string
	url        *template.Template
	body       *template.Template // nil: the default JSON event
	method     string
	headers    map[string]string
	milestones []string // nil: all
	authorize  func(req *http.Request, body []byte) error
	client     *http.Client
}

// Load reads and checks the targets file at path.
func Load(path string, o Options) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("CALLBACK_TARGETS: %w", err)
	}
	s, err := Parse(data, o)
	if err != nil {
		return nil, fmt.Errorf("CALLBACK_TARGETS %s: %w", path, err)
	}
	return s, nil
}

// Parse checks a targets file: it parses strictly, its templates compile,
// its auth and milestones are known, and every variable it names is set.
// An error names the target and the field, never a variable's value.
func Parse(data []byte, o Options) (*Set, error) {
	if o.Getenv == nil {
		o.Getenv = os.LookupEnv
	}
	var specs map[string]spec
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&specs); err != nil {
		return nil, fmt.Errorf("not a valid targets file: %w", err)
	}
	if len(specs) == 0 {
		return nil, errors.New("no targets")
	}
	s := &Set{targets: map[string]*Target{}}
	for name, sp := range specs {
		t, err := build(name, sp, o)
		if err != nil {
			return nil, fmt.Errorf("target %q: %w", name, err)
		}
		s.targets[name] = t
	}
	return s, nil
}

// Names are the targets' names, sorted: what the workflow records.
func (s *Set) Names() []string {
	if s == nil {
		return nil
	}
	names := make([]string, 0, len(s.targets))
	for n := range s.targets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Get is the target named name.
func (s *Set) Get(name string) (*Target, bool) {
	if s == nil {
		return nil, false
	}
	t, ok := s.targets[name]
	return t, ok
}

// Name is the target's name.
func (t *Target) Name() string { return t.name }

// Host is the target's host (and port), literal in its url.
func (t *Target) Host() string { return t.host }

// Wants reports whether the target takes milestone m.
func (t *Target) Wants(m string) bool { return t.milestones == nil || slices.Contains(t.milestones, m) }

// funcs are the templates' functions.
var funcs = template.FuncMap{
	// json writes s as a JSON string, quotes included.
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	// path escapes s as one URL path segment; "", "." and ".." are
	// refused: they would name another path.
	"path": func(s string) (string, error) {
		if s == "" || s == "." || s == ".." {
			return "", fmt.Errorf("%q is not a path segment", s)
		}
		return url.PathEscape(s), nil
	},
}

func build(name string, sp spec, o Options) (*Target, error) {
	t := &Target{name: name, method: strings.ToUpper(sp.Method), headers: sp.Headers}
	if t.method == "" {
		t.method = http.MethodPost
	}
	var err error
	if t.scheme, t.host, err = literalHost(sp.URL); err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	if t.url, err = template.New("url").Funcs(funcs).Option("missingkey=error").Parse(sp.URL); err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	if sp.Body != "" {
		if t.body, err = template.New("body").Funcs(funcs).Option("missingkey=error").Parse(sp.Body); err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
	}
	for _, m := range sp.Milestones {
		if !slices.Contains(o.Milestones, m) {
			return nil, fmt.Errorf("milestones: unknown milestone %q (one of %s)", m, strings.Join(o.Milestones, ", "))
		}
	}
	if sp.Milestones != nil {
		t.milestones = slices.Clone(sp.Milestones)
	}
	for h := range sp.Headers {
		if strings.EqualFold(h, "Authorization") {
			return nil, errors.New("headers: Authorization is the auth field's, and a secret in the file would be read by anyone who reads it")
		}
	}
	hosts := append(slices.Clone(o.AllowedHosts), t.host)
	env := func(field, name string) (secret.Secret, error) {
		if name == "" {
			return secret.Secret(""), fmt.Errorf("%s: required with auth %s", field, sp.Auth)
		}
		v, ok := o.Getenv(name)
		if !ok || v == "" {
			return secret.Secret(""), fmt.Errorf("%s: environment variable %s is unset or empty", field, name)
		}
		return secret.Secret(v), nil
	}
	switch sp.Auth {
	case "", AuthHMAC:
		if o.Sign == nil {
			return nil, errors.New("auth: hmac (the default) signs with CALLBACK_SECRET, which is not set")
		}
		t.authorize = func(req *http.Request, body []byte) error {
			req.Header.Set("X-Signature-256", o.Sign(body))
			return nil
		}
	case AuthBearer:
		token, err := env("token_env", sp.TokenEnv)
		if err != nil {
			return nil, err
		}
		t.authorize = func(req *http.Request, _ []byte) error {
			req.Header.Set("Authorization", "Bearer "+token.Reveal())
			return nil
		}
	case AuthBasic:
		user, err := env("username_env", sp.UsernameEnv)
		if err != nil {
			return nil, err
		}
		password, err := env("password_env", sp.PasswordEnv)
		if err != nil {
			return nil, err
		}
		t.authorize = func(req *http.Request, _ []byte) error {
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user.Reveal()+":"+password.Reveal())))
			return nil
		}
	case AuthOAuth2:
		id, err := env("client_id_env", sp.ClientIDEnv)
		if err != nil {
			return nil, err
		}
		secret, err := env("client_secret_env", sp.ClientSecretEnv)
		if err != nil {
			return nil, err
		}
		u, err := url.Parse(sp.TokenURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return nil, errors.New("token_url: must be an http or https URL with a host and no user information")
		}
		hosts = append(hosts, u.Host)
		t.client = outbound.NewClient(hosts)
		cc := clientcredentials.Config{ClientID: id.Reveal(), ClientSecret: secret.Reveal(), TokenURL: sp.TokenURL, Scopes: sp.Scopes}
		// The token source caches the token until it expires; its requests
		// go through the target's client, as the target's own do.
		tokens := cc.TokenSource(context.WithValue(context.Background(), oauth2.HTTPClient, t.client))
		tokenHost := u.Host
		t.authorize = func(req *http.Request, _ []byte) error {
			tok, err := tokens.Token()
			if err != nil {
				return tokenError(tokenHost, err)
			}
			tok.SetAuthHeader(req)
			return nil
		}
	default:
		return nil, fmt.Errorf("auth: unknown %q (one of %s)", sp.Auth, strings.Join(auths, ", "))
	}
	if sp.Auth != AuthOAuth2 {
		for field, v := range map[string]string{"token_url": sp.TokenURL, "client_id_env": sp.ClientIDEnv, "client_secret_env": sp.ClientSecretEnv} {
			if v != "" {
				return nil, fmt.Errorf("%s: only with auth oauth2", field)
			}
		}
	}
	if t.client == nil {
		t.client = outbound.NewClient(hosts)
	}
	return t, nil
}

// literalHost is the scheme and host of a url template, which must be
// written before any template action: the file chooses the host, never a
// value from an order.
func literalHost(tmpl string) (scheme, host string, err error) {
	prefix, _, templated := strings.Cut(tmpl, "{{")
	u, perr := url.Parse(prefix)
	if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", "", errors.New("must start with a literal http:// or https:// and a host, with no user information")
	}
	if templated && !strings.Contains(strings.TrimPrefix(prefix, u.Scheme+"://"), "/") {
		return "", "", errors.New("the host must be literal: no template before the first / of the path")
	}
	return u.Scheme, u.Host, nil
}

// RenderError is an event the target's templates cannot make a request
// of (a ticket that is not a path segment, say): final, it never will.
type RenderError struct {
	Target string
	Err    error
}

func (e *RenderError) Error() string { return fmt.Sprintf("callback target %q: %v", e.Target, e.Err) }
func (e *RenderError) Unwrap() error { return e.Err }

// TokenError is an OAuth2 token request that failed. It names the token
// endpoint's host and status, never the response, which may echo the
// client's credentials.
type TokenError struct {
	Host   string
	Status int // 0: no answer
	Cause  error
}

func (e *TokenError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("oauth2 token request to %s: %d", e.Host, e.Status)
	}
	return fmt.Sprintf("oauth2 token request to %s: %v", e.Host, e.Cause)
}

func tokenError(host string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		return &TokenError{Host: host, Status: re.Response.StatusCode}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &TokenError{Host: host, Cause: ue.Err}
	}
	return &TokenError{Host: host, Cause: errors.New("no token")}
}

// Request is the request the target makes of e: defaultBody (the JSON
// event) unless the target has a body template.
func (t *Target) Request(ctx context.Context, e Event, defaultBody []byte) (*http.Request, error) {
	var u bytes.Buffer
	if err := t.url.Execute(&u, e); err != nil {
		return nil, &RenderError{Target: t.name, Err: fmt.Errorf("url: %w", err)}
	}
	if err := t.checkURL(u.String()); err != nil {
		return nil, &RenderError{Target: t.name, Err: err}
	}
	body := defaultBody
	if t.body != nil {
		var b bytes.Buffer
		if err := t.body.Execute(&b, e); err != nil {
			return nil, &RenderError{Target: t.name, Err: fmt.Errorf("body: %w", err)}
		}
		body = b.Bytes()
	}
	req, err := http.NewRequestWithContext(ctx, t.method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, &RenderError{Target: t.name, Err: errors.New("url: not a valid request URL")}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for k, v := range t.headers {
		req.Header.Set(k, v)
	}
	if err := t.authorize(req, body); err != nil {
		return nil, err
	}
	return req, nil
}

// checkURL holds a rendered URL to the target's literal scheme and host,
// and refuses dot segments (a value that was not written with path).
func (t *Target) checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("url: the rendered URL does not parse")
	}
	if u.Scheme != t.scheme || u.Host != t.host || u.User != nil {
		return fmt.Errorf("url: the rendered URL goes to %s://%s, not the target's %s://%s", u.Scheme, u.Host, t.scheme, t.host)
	}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if seg == "." || seg == ".." || strings.EqualFold(seg, "%2e") || strings.EqualFold(seg, "%2e%2e") || strings.EqualFold(seg, ".%2e") || strings.EqualFold(seg, "%2e.") {
			return errors.New("url: the rendered path has a dot segment (write values from the order with path)")
		}
	}
	return nil
}

// Do sends e to the target: its request, through its client (the
// worker's outbound policy with the target's hosts allowed).
func (t *Target) Do(ctx context.Context, e Event, defaultBody []byte) (*http.Response, error) {
	req, err := t.Request(ctx, e, defaultBody)
	if err != nil {
		return nil, err
	}
	return t.client.Do(req)
}
