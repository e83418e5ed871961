package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/intake"
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
