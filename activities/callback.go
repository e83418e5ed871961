package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/internal/outbound"
	"github.com/cc-l2/provisioner/internal/secret"
	"github.com/cc-l2/provisioner/internal/signature"
	"github.com/cc-l2/provisioner/internal/targets"
)

// DefaultCallback names the worker's CALLBACK_URL in an event's Target.
const DefaultCallback = "CALLBACK_URL"

// CallbackEvent is one milestone of an order, as a ticketing system
// receives it.
type CallbackEvent struct {
	// URL is where it goes: the order's own callback URL. The body POSTed
	// leaves it out.
	URL string `json:"url,omitempty"`
	// Target, instead of URL, names where it goes: DefaultCallback, the
	// worker's CALLBACK_URL, or one of its CALLBACK_TARGETS. Events are
	// workflow inputs and signals, kept in histories; that URL, and a
	// target's credentials, are secrets, so they are resolved here, from
	// the worker's environment (Callbacks.DefaultURL, Callbacks.Targets).
	Target       string    `json:"target,omitempty"`
	OrderID      string    `json:"orderId"`
	Ticket       string    `json:"ticket,omitempty"`
	Milestone    string    `json:"milestone"`
	ConnectionID string    `json:"connectionId,omitempty"`
	APIStatus    string    `json:"apiStatus,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	Time         time.Time `json:"time"`
}

// body is the JSON POSTed: the event without its URL or target.
func (e CallbackEvent) body() ([]byte, error) {
	e.URL, e.Target = "", ""
	return json.Marshal(e)
}

// Callbacks is how the worker calls ticketing systems back.
type Callbacks struct {
	// Secret signs every body: X-Signature-256: sha256=<hex HMAC-SHA256>.
	Secret secret.Secret
	// DefaultURL is the worker's CALLBACK_URL, where events whose Target
	// is DefaultCallback go. Credentials in it are sent, never logged,
	// never in an error.
	DefaultURL secret.Secret
	// AllowedHosts are the only hosts (host or host:port) called: an order
	// cannot make the worker call an arbitrary internal address. A name
	// that resolves to a non-public address is called only if that
	// address is listed as well (outbound.NewClient).
	AllowedHosts []string
	// HTTP sends them; nil means outbound.NewClient(AllowedHosts), the
	// worker's one policy for outbound HTTP.
	HTTP *http.Client
	// Targets are the operator's named targets (CALLBACK_TARGETS), each
	// with its own client: that policy, its hosts allowed.
	Targets *targets.Set
}

// Callback results, for the metric l2_callbacks_total{target,result}.
const (
	metricCallbacks   = "l2_callbacks"
	callbackDelivered = "delivered" // a 2xx
	callbackRetried   = "retried"   // this attempt failed; the next may not
	callbackFailed    = "failed"    // final: refused, or not to be sent
	// metricTargetURL is the target tag of an order's own callback URL.
	metricTargetURL = "url"
)

// Allowed reports whether a callback URL's host may be called.
func (c Callbacks) Allowed(rawURL string) bool { return HostAllowed(rawURL, c.AllowedHosts) }

// HostAllowed reports whether rawURL's host, or host:port, is listed.
func HostAllowed(rawURL string, allowed []string) bool { return outbound.HostAllowed(rawURL, allowed) }

// DeliverCallback POSTs one event, signed. A host not allowed, an address
// the allow-list does not cover, or a 4xx other than 408 and 429, is
// final; anything else (a 3xx included: redirects are not followed) is
// tried again, with the workflow's backoff, for up to a day.
func (a *Activities) DeliverCallback(ctx context.Context, e CallbackEvent) error {
	err := a.deliverCallback(ctx, e)
	result := callbackDelivered
	var appErr *temporal.ApplicationError
	switch {
	case errors.As(err, &appErr) && appErr.NonRetryable():
		result = callbackFailed
	case err != nil && lastAttempt(activity.GetInfo(ctx), time.Now()):
		result = callbackFailed // the day of retries is over
	case err != nil:
		result = callbackRetried
	}
	target := e.Target
	if target == "" {
		target = metricTargetURL
	}
	activity.GetMetricsHandler(ctx).WithTags(map[string]string{"target": target, "result": result}).Counter(metricCallbacks).Inc(1)
	return err
}

func (a *Activities) deliverCallback(ctx context.Context, e CallbackEvent) error {
	logger := activity.GetLogger(ctx)
	switch e.Target {
	case "":
	case DefaultCallback:
		if !a.Callbacks.DefaultURL.IsSet() {
			// Another worker, configured as this one should be, may take it.
			return temporal.NewApplicationError("this worker has no CALLBACK_URL", ErrTypeAPIUnavailable)
		}
		e.URL = a.Callbacks.DefaultURL.Reveal()
	default:
		return a.deliverToTarget(ctx, e)
	}
	if !a.Callbacks.Allowed(e.URL) {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("callback host %s is not in CALLBACK_ALLOWED_HOSTS", hostOf(e.URL)), "CallbackRefused", nil)
	}
	body, err := e.body()
	if err != nil {
		return temporal.NewNonRetryableApplicationError("encoding the callback: "+err.Error(), "CallbackRefused", nil)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return temporal.NewNonRetryableApplicationError("callback URL of host "+hostOf(e.URL)+" is not valid", "CallbackRefused", nil)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(signature.Header, signature.Sign(a.Callbacks.Secret, body))
	client := a.Callbacks.HTTP
	if client == nil {
		client = outbound.NewClient(a.Callbacks.AllowedHosts)
	}
	resp, err := client.Do(req)
	if err != nil {
		// The transport's error without the URL, which may carry a token.
		cause := outbound.Cause(err)
		var refused *outbound.AddressError
		if errors.As(cause, &refused) {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("callback to %s refused: %v", hostOf(e.URL), refused), "CallbackRefused", nil)
		}
		return temporal.NewApplicationError(fmt.Sprintf("callback to %s: %v", hostOf(e.URL), cause), ErrTypeAPIUnavailable)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	switch code := resp.StatusCode; {
	case code/100 == 2:
		logger.Info("Callback delivered", "orderId", e.OrderID, "milestone", e.Milestone, "host", hostOf(e.URL))
		return nil
	case code/100 == 3:
		return temporal.NewApplicationError(fmt.Sprintf("callback to %s: %d redirect to %s, not followed", hostOf(e.URL), code,
			outbound.Redacted(resp.Header.Get("Location"))), ErrTypeAPIUnavailable)
	case code/100 == 4 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests:
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("callback to %s refused: %d", hostOf(e.URL), code), "CallbackRefused", nil)
	default:
		return temporal.NewApplicationError(fmt.Sprintf("callback to %s: %d", hostOf(e.URL), code), ErrTypeAPIUnavailable)
	}
}

// hostOf names a URL's host for logs, without its path or query.
func hostOf(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		return u.Host
	}
	return "?"
}

// deliverToTarget sends an event to one of the operator's targets, with
// the target's URL, method, body and credentials. The target's host is
// the operator's, so no allow-list is asked; a 4xx other than 408 and 429
// is final, as for a URL. Errors name the target and its host, never a
// credential.
func (a *Activities) deliverToTarget(ctx context.Context, e CallbackEvent) error {
	t, ok := a.Callbacks.Targets.Get(e.Target)
	if !ok {
		// The order checked the name against the settings it recorded; a
		// worker configured as the one that started it may take it.
		return temporal.NewApplicationError(fmt.Sprintf("this worker has no callback target %q in its CALLBACK_TARGETS", e.Target), ErrTypeAPIUnavailable)
	}
	if !t.Wants(e.Milestone) {
		return nil // the target's milestones leave this one out
	}
	body, err := e.body()
	if err != nil {
		return temporal.NewNonRetryableApplicationError("encoding the callback: "+err.Error(), "CallbackRefused", nil)
	}
	resp, err := t.Do(ctx, targets.Event{
		OrderID: e.OrderID, Ticket: e.Ticket, Milestone: e.Milestone, ConnectionID: e.ConnectionID,
		APIStatus: e.APIStatus, Reason: e.Reason, Time: e.Time,
	}, body)
	if err != nil {
		var render *targets.RenderError
		var refused *outbound.AddressError
		var token *targets.TokenError
		switch cause := outbound.Cause(err); {
		case errors.As(err, &render):
			return temporal.NewNonRetryableApplicationError(render.Error(), "CallbackRefused", nil)
		case errors.As(err, &token):
			// Credentials fixed in the worker's environment take effect at
			// its restart, within the day of retries.
			return temporal.NewApplicationError(fmt.Sprintf("callback target %q: %v", t.Name(), token), ErrTypeAPIUnavailable)
		case errors.As(cause, &refused):
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("callback target %q (%s) refused: %v", t.Name(), t.Host(), refused), "CallbackRefused", nil)
		default:
			return temporal.NewApplicationError(fmt.Sprintf("callback target %q (%s): %v", t.Name(), t.Host(), cause), ErrTypeAPIUnavailable)
		}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	switch code := resp.StatusCode; {
	case code/100 == 2:
		activity.GetLogger(ctx).Info("Callback delivered", "orderId", e.OrderID, "milestone", e.Milestone, "target", t.Name())
		return nil
	case code/100 == 3:
		return temporal.NewApplicationError(fmt.Sprintf("callback target %q (%s): %d redirect, not followed", t.Name(), t.Host(), code), ErrTypeAPIUnavailable)
	case code/100 == 4 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests:
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("callback target %q (%s) refused: %d", t.Name(), t.Host(), code), "CallbackRefused", nil)
	default:
		return temporal.NewApplicationError(fmt.Sprintf("callback target %q (%s): %d", t.Name(), t.Host(), code), ErrTypeAPIUnavailable)
	}
}

// lastAttempt reports whether no retry follows a failed attempt: the next
// one, after the retry policy's backoff, would start after the activity's
// schedule-to-close deadline (the day of callbackOptions), so the server
// will not schedule it.
func lastAttempt(info activity.Info, now time.Time) bool {
	p := info.RetryPolicy
	if info.ScheduleToCloseTimeout <= 0 || p == nil {
		return false
	}
	if p.MaximumAttempts > 0 && info.Attempt >= p.MaximumAttempts {
		return true
	}
	backoff := float64(p.InitialInterval)
	for i := int32(1); i < info.Attempt && (p.MaximumInterval <= 0 || backoff < float64(p.MaximumInterval)); i++ {
		backoff *= max(p.BackoffCoefficient, 1)
	}
	next := time.Duration(backoff)
	if p.MaximumInterval > 0 {
		next = min(next, p.MaximumInterval)
	}
	return now.Add(next).After(info.ScheduledTime.Add(info.ScheduleToCloseTimeout))
}
