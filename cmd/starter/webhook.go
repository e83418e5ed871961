package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/intake"
	"github.com/cc-l2/provisioner/internal/secret"
	"github.com/cc-l2/provisioner/internal/signature"
	"github.com/cc-l2/provisioner/workflows"
)

// maxBodyBytes bounds one webhook request: a ticketing system sends a
// handful of orders, a few hundred bytes each.
const maxBodyBytes = 1 << 20

// HTTP server timeouts: generous for a client on a slow link, short enough
// that idle or stalled connections do not pile up.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second // starting an array of orders, one RPC each
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 20 * time.Second // in-flight requests after SIGTERM
)

// webhookTemporal is what the webhook needs from Temporal; client.Client
// has it, and tests may fake it.
type webhookTemporal interface {
	workflowStarter
	orderSignaller
	orderLister
}

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

// webhook serves ticketing systems: POST and GET /orders, POST
// /orders/{mapping}, GET /orders/{orderId}, POST /orders/{orderId}/cancel
// and /refresh, and GET /healthz.
type webhook struct {
	starter  *starter
	temporal webhookTemporal
	auth     webhookAuth
	mappings map[string]*mapping // by name: POST /orders/{name}
	logger   *zap.Logger
	// Credentials are compared as SHA-256 digests, so that neither their
	// content nor their length leaks through timing.
	tokenDigest, userDigest, passwordDigest [sha256.Size]byte
}

// newWebhook builds the handler, serving the given mappings (loaded by
// loadMappings, which refuses a name that clashes with a route).
func newWebhook(temporal webhookTemporal, taskQueue string, auth webhookAuth, mappings []*mapping, logger *zap.Logger) http.Handler {
	return newWebhookFor(newStarter(temporal, taskQueue), temporal, auth, mappings, logger)
}

// newWebhookFor builds the handler around a given starter.
func newWebhookFor(s *starter, temporal webhookTemporal, auth webhookAuth, mappings []*mapping, logger *zap.Logger) http.Handler {
	h := &webhook{
		starter:        s,
		temporal:       temporal,
		auth:           auth,
		mappings:       map[string]*mapping{},
		logger:         logger,
		tokenDigest:    sha256.Sum256([]byte(auth.Token.Reveal())),
		userDigest:     sha256.Sum256([]byte(auth.BasicUser)),
		passwordDigest: sha256.Sum256([]byte(auth.BasicPassword.Reveal())),
	}
	orders := http.NewServeMux()
	for pattern, handler := range h.orderRoutes() {
		orders.HandleFunc(pattern, handler)
	}
	for _, m := range mappings {
		h.mappings[m.name] = m
		orders.HandleFunc(http.MethodPost+" "+m.path(), h.serveMapping(m))
	}
	orders.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, errNoEndpoint)
	})
	mux := http.NewServeMux()
	// A load balancer or orchestrator probes without credentials; the
	// answer says only that the process serves.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	// Authentication comes before everything else, so that without
	// credentials nothing, not even which paths exist, can be learned.
	mux.Handle("/", h.authenticated(orders))
	return withRequestID(mux)
}

// orderRoutes are the webhook's routes under /orders, by pattern; a
// mapping's name must not clash with them (loadMappings).
func (h *webhook) orderRoutes() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"/orders":                   h.orders,
		"/orders/{orderId}":         h.order,
		"/orders/{orderId}/cancel":  h.cancel,
		"/orders/{orderId}/refresh": h.refresh,
	}
}

// requestIDHeader carries the id of every answer; error answers repeat it
// as "requestId", and every log line about the request names it, so a
// caller's report finds the cause the answer does not give.
const requestIDHeader = "X-Request-Id"

// withRequestID gives every request an id of the server's own (a
// caller's X-Request-Id is not taken: it would go to the log as given).
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(requestIDHeader, rand.Text()[:16])
		next.ServeHTTP(w, r)
	})
}

// log is the logger for one request's lines: with its request id.
func (h *webhook) log(w http.ResponseWriter) *zap.Logger {
	return h.logger.With(zap.String("requestId", w.Header().Get(requestIDHeader)))
}

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

// readBody reads a request body of at most maxBodyBytes. When it cannot,
// it has answered and reports false.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, errTooLarge)
			return nil, false
		}
		writeError(w, http.StatusBadRequest, errReadingBody)
		return nil, false
	}
	return body, true
}

// webhookProblem is one problem of one order in a 400 answer. Order counts
// from 0, as array indices do; so does Output, the mapping's output the
// order came from (mapped routes only).
type webhookProblem struct {
	Order   int    `json:"order"`
	Output  *int   `json:"output,omitempty"`
	Line    int    `json:"line,omitempty"`
	OrderID string `json:"orderId,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// orders handles /orders: POST submits orders, GET lists them.
func (h *webhook) orders(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		h.submit(w, r)
	case http.MethodGet, http.MethodHead:
		h.list(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		writeError(w, http.StatusMethodNotAllowed, "use POST to submit orders, GET to list them")
	}
}

// submit handles POST /orders: one order or an array, as JSON or CSV.
func (h *webhook) submit(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	format := intake.JSON
	if mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mediaType == "text/csv" {
		format = intake.CSV
	}
	h.start(w, r, body, format, nil)
}

// start is POST /orders after the body is read, and a mapped route's
// after its mapping ran: every order is decoded and checked first, and
// if any is invalid or repeats another's id, nothing is started;
// otherwise each is started (an order id that exists answers "exists").
// m is the mapping that made the orders, or nil.
func (h *webhook) start(w http.ResponseWriter, r *http.Request, body []byte, format intake.Format, m *mappedOrders) {
	source := "request body"
	if m != nil {
		source = "mapping " + m.name
	}
	orders, errs := intake.Seen{}.Read(source, body, format)
	if len(errs) > 0 {
		problems := make([]webhookProblem, 0, len(errs))
		for _, e := range errs {
			for _, p := range e.Problems() {
				problem := webhookProblem{Order: max(e.Index-1, 0), Line: e.Line, OrderID: e.OrderID, Field: p.Field, Message: p.Message}
				if m != nil {
					// The lines are of the JSON the mapping made, which the
					// caller never saw: the output says where instead.
					problem.Line, problem.Output = 0, m.outputOf(problem.Order)
				}
				problems = append(problems, problem)
			}
		}
		fields := map[string]any{"problems": problems}
		if m != nil {
			fields["mapping"] = m.name
		}
		writeErrorWith(w, http.StatusBadRequest, errInvalidOrders, fields)
		h.log(w).Info("webhook: refused invalid orders", zap.Int("problems", len(problems)))
		return
	}

	results := make([]started, 0, len(orders))
	failed := false
	submitID := newSubmitID()
	logger := h.log(w)
	for _, so := range orders {
		result := h.starter.start(r.Context(), so.Order, false, submitID)
		if result.Outcome == outcomeError {
			// The Temporal client's words name the frontend and the
			// transport: they go to the log, the caller gets a sentence.
			failed = true
			logger.Error("webhook: starting an order failed", zap.String("orderId", result.OrderID), zap.String("error", result.Error))
			result.Error = errStartFailed
			results = append(results, result)
			continue
		}
		results = append(results, result)
		logger.Info("webhook: order", zap.String("orderId", result.OrderID), zap.String("workflowId", result.WorkflowID),
			zap.String("runId", result.RunID), zap.String("outcome", result.Outcome))
	}
	if failed {
		// Some orders may have started: list every outcome so the caller
		// can retry just the failed ones (a retry of a started one
		// answers "exists").
		writeErrorWith(w, http.StatusBadGateway, errNotEveryOrder, map[string]any{"orders": results})
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"orders": results})
}

// list handles GET /orders: the orders as `starter list -o json` prints
// them, an array of the objects `starter list --json` prints one a line,
// newest first. ?stage= and ?limit= are list's --stage and --limit, checked
// as list checks them; any other parameter is refused, so that a typo
// does not silently list everything.
func (h *webhook) list(w http.ResponseWriter, r *http.Request) {
	opts, problem := listRequest(r.URL.Query())
	if problem != "" {
		writeErrorWith(w, http.StatusBadRequest, errBadListQuery, map[string]any{"problem": problem})
		return
	}
	orders, err := listOrders(r.Context(), h.temporal, listQuery(opts), opts.limit)
	if err != nil {
		h.log(w).Error("webhook: listing orders failed", zap.Error(err))
		writeError(w, http.StatusBadGateway, errListFailed)
		return
	}
	var out bytes.Buffer
	if err := writeOrders(&out, orders, outputJSON); err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the answer failed")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Bytes())
}

// listRequest reads GET /orders's parameters into list's options; the
// problem, if any, in list's words with the parameter's name.
func listRequest(query url.Values) (listOptions, string) {
	opts := listOptions{output: outputJSON}
	for _, key := range slices.Sorted(maps.Keys(query)) {
		values := query[key]
		if len(values) > 1 {
			return opts, fmt.Sprintf("%s is given %d times", key, len(values))
		}
		switch key {
		case "stage":
			opts.stage = values[0]
		case "limit":
			n, err := strconv.Atoi(values[0])
			if err != nil {
				return opts, fmt.Sprintf("limit %q: a whole number, 0 for all", values[0])
			}
			opts.limit = n
		default:
			return opts, fmt.Sprintf("%q is not a parameter: use stage and limit", key)
		}
	}
	return opts, strings.TrimPrefix(opts.problem(), "--")
}

// order handles GET /orders/{orderId}: the order's status.
func (h *webhook) order(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		// A POST here is most likely a ticketing system sent to a
		// mapping that is not there: say where mappings come from.
		writeError(w, http.StatusMethodNotAllowed, errNotAnOrderMethod)
		return
	}
	orderID := r.PathValue("orderId")
	view, err := orderStatusWithCallbacks(r.Context(), h.temporal, orderID)
	switch {
	case errors.Is(err, errNoSuchOrder):
		writeErrorWith(w, http.StatusNotFound, errNoOrder, map[string]any{"orderId": orderID})
	case err != nil:
		h.log(w).Error("webhook: status query failed", zap.String("orderId", orderID), zap.Error(err))
		writeError(w, http.StatusBadGateway, errStatusFailed)
	default:
		writeJSON(w, http.StatusOK, view)
	}
}

// cancelRequest is the optional body of POST /orders/{orderId}/cancel.
type cancelRequest struct {
	Reason string `json:"reason"`
}

// cancel handles POST /orders/{orderId}/cancel: before the connection is
// ordered the order ends without ordering; after, it is withdrawn.
func (h *webhook) cancel(w http.ResponseWriter, r *http.Request) {
	if !onlyPost(w, r, "cancel an order") {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var req cancelRequest
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, errCancelBody)
			return
		}
	}
	if checkReason(req.Reason) != nil {
		writeError(w, http.StatusBadRequest, errReasonTooLong)
		return
	}
	orderID := r.PathValue("orderId")
	h.signalled(w, orderID, cancelOrder(r.Context(), h.temporal, orderID, req.Reason), "cancel requested")
}

// refresh handles POST /orders/{orderId}/refresh (any body is ignored):
// a waiting order reads its connection's status at once.
func (h *webhook) refresh(w http.ResponseWriter, r *http.Request) {
	if !onlyPost(w, r, "refresh an order") {
		return
	}
	orderID := r.PathValue("orderId")
	h.signalled(w, orderID, refreshOrder(r.Context(), h.temporal, orderID), "refresh requested")
}

// signalled answers a signal to an order: 202 with the outcome, 404 when
// there is no such order, 409 when it has ended, 502 when Temporal failed.
func (h *webhook) signalled(w http.ResponseWriter, orderID string, err error, outcome string) {
	var ended *orderEndedError
	switch {
	case errors.Is(err, errNoSuchOrder):
		writeErrorWith(w, http.StatusNotFound, errNoOrder, map[string]any{"orderId": orderID})
	case errors.As(err, &ended):
		writeErrorWith(w, http.StatusConflict, errEnded, map[string]any{"orderId": orderID, "stage": string(ended.Stage)})
	case err != nil:
		h.log(w).Error("webhook: signalling an order failed", zap.String("orderId", orderID), zap.String("outcome", outcome), zap.Error(err))
		writeError(w, http.StatusBadGateway, errSignalFailed)
	default:
		h.log(w).Info("webhook: "+outcome, zap.String("orderId", orderID))
		writeJSON(w, http.StatusAccepted, map[string]string{"orderId": orderID, "workflowId": workflows.WorkflowID(orderID), "outcome": outcome})
	}
}

// onlyPost answers 405 to anything but a POST, saying what POST is for,
// and reports whether the request is a POST.
func onlyPost(w http.ResponseWriter, r *http.Request, what string) bool {
	if r.Method == http.MethodPost {
		return true
	}
	w.Header().Set("Allow", http.MethodPost)
	writeError(w, http.StatusMethodNotAllowed, "use POST to "+what)
	return false
}

// The sentences error answers say, each fixed (README, "The webhook"):
// what went wrong inside (Temporal's address, the transport's words) goes
// to the log under the answer's request id, never to the caller.
const (
	errNoEndpoint       = "no such endpoint: use POST or GET /orders, GET /orders/{orderId}, POST /orders/{orderId}/cancel, POST /orders/{orderId}/refresh or POST /orders/{mapping}"
	errStartFailed      = "could not start: Temporal unavailable; retry"
	errNotAnOrderMethod = "use GET to read an order's status; POST /orders/NAME is served when STARTER_MAPPINGS holds NAME.jq"
	errNotEveryOrder    = "could not start every order"
	errInvalidOrders    = "invalid orders"
	errMappingFailed    = "the mapping made no orders"
	errBadListQuery     = "bad list query"
	errListFailed       = "could not list the orders"
	errStatusFailed     = "could not get the order's status"
	errSignalFailed     = "could not signal the order"
	errNoOrder          = "no such order"
	errEnded            = "the order has already ended"
	errCancelBody       = `the body must be {"reason": "..."} or empty`
	errReasonTooLong    = "the reason is over 500 bytes"
	errReadingBody      = "could not read the request body"
	errTooLarge         = "request body over 1 MiB"
)

// writeError answers {"error": message, "requestId": ...}.
func writeError(w http.ResponseWriter, code int, message string) {
	writeErrorWith(w, code, message, nil)
}

// writeErrorWith is writeError with more fields.
func writeErrorWith(w http.ResponseWriter, code int, message string, fields map[string]any) {
	answer := map[string]any{"error": message}
	if id := w.Header().Get(requestIDHeader); id != "" {
		answer["requestId"] = id
	}
	for k, v := range fields {
		answer[k] = v
	}
	writeJSON(w, code, answer)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		code, body = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}

func (a *app) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "accept orders over HTTP from ticketing systems",
		Long: `Serves HTTP on STARTER_LISTEN_ADDR until SIGINT or SIGTERM. Every request but
GET /healthz needs one of, as configured: "Authorization: Bearer
$STARTER_WEBHOOK_TOKEN"; HTTP Basic with $STARTER_WEBHOOK_BASIC_USER and
$STARTER_WEBHOOK_BASIC_PASSWORD; or a signature with $STARTER_WEBHOOK_SECRET:
"X-Signature-Timestamp: <Unix seconds>" and "X-Signature-256: sha256=<hex
HMAC-SHA256 of timestamp.METHOD.path.body>", good for 5 minutes. POST /orders
and POST /orders/{mapping} also take the body's signature alone, as GitHub
("X-Hub-Signature-256: sha256=<hex>") and Jira Cloud ("X-Hub-Signature:
sha256=<hex>") send it.

  POST /orders            one order or an array of orders as JSON, or CSV with a
                          header row (Content-Type: text/csv), at most 1 MiB:
                          202 {"orders":[{"orderId","workflowId","runId","outcome"}]}
                          400 {"error":"invalid orders","problems":[{"order","orderId","field","message"}]}
                          when any order is invalid (then nothing is started; "order" counts from 0)
  POST /orders/{mapping}  a ticketing system's own webhook body, made into orders by
                          STARTER_MAPPINGS/{mapping}.jq, then as POST /orders;
                          400 {"error","mapping","problems":[{"output","message"}]}
                          when the mapping fails (nothing is started); 200 when it
                          makes no order of this event
  GET  /orders            200 the orders as "starter list -o json" prints them;
                          ?stage=STAGE and ?limit=N as list's flags
  GET  /orders/{orderId}  200 the order's status; 404 when there is no such order
  POST /orders/{orderId}/cancel
                          optional body {"reason":"..."}: 202 cancel requested
                          (before the PUT nothing is ordered; after, the
                          connection is withdrawn); 404 no such order;
                          409 {"error","stage"} the order has already ended
  POST /orders/{orderId}/refresh
                          202 a waiting order reads its connection's status now;
                          404 and 409 as for cancel
  GET  /healthz           200 {"status":"ok"}, no credentials needed

Every answer carries X-Request-Id; an error is {"error":"<a fixed sentence>",
"requestId":"..."}, and its cause is in the log under that id.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return a.usageError(cmd, fmt.Sprintf("unexpected argument %q", args[0]))
			}
			return exitCode(a.serve(cmd.Context()))
		},
	}
}

// serve is `starter serve`.
func (a *app) serve(ctx context.Context) int {
	cfg, logger, err := a.setup(Config.serveProblems)
	if err != nil {
		return exitUsage
	}
	defer func() { _ = logger.Sync() }()
	// A mapping that does not compile stops serve before anything else.
	var mappings []*mapping
	if cfg.Mappings != "" {
		if mappings, err = loadMappings(cfg.Mappings); err != nil {
			fmt.Fprintf(a.stderr, "starter: %v\n", err)
			return exitUsage
		}
	}
	temporal, err := a.dial(ctx, cfg, logger)
	if err != nil {
		return exitFailure
	}
	defer temporal.Close()

	auth := webhookAuth{Token: cfg.WebhookToken, Secret: cfg.WebhookSecret, BasicUser: cfg.WebhookBasicUser, BasicPassword: cfg.WebhookBasicPassword}

	listener, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		fmt.Fprintf(a.stderr, "starter: STARTER_LISTEN_ADDR: %v\n", err)
		return exitFailure
	}
	server := &http.Server{
		Handler:           newWebhook(temporal, cfg.TaskQueue, auth, mappings, logger),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          zap.NewStdLog(logger.Named("http")),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	// The address goes to stdout: with port 0 it is the only way to learn it.
	fmt.Fprintf(a.stdout, "listening on %s\n", listener.Addr())
	names := make([]string, len(mappings))
	for i, m := range mappings {
		names[i] = m.path()
	}
	logger.Info("serving orders", zap.String("addr", listener.Addr().String()), zap.String("taskQueue", cfg.TaskQueue), zap.Strings("mappings", names))

	select {
	case err := <-served:
		fmt.Fprintf(a.stderr, "starter: serving: %v\n", err)
		return exitFailure
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintf(a.stderr, "starter: shutting down: %v\n", err)
		return exitFailure
	}
	logger.Info("stopped serving")
	return exitOK
}
