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
	"mime"
	"net"
	"net/http"
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
}

// webhookAuth is how a ticketing system proves who it is: a bearer token,
// or an HMAC-SHA256 signature of the request made with a shared secret
// (see authenticated). Whichever is set is accepted.
type webhookAuth struct {
	Token  secret.Secret
	Secret secret.Secret
}

// webhook serves ticketing systems: POST /orders, GET /orders/{orderId},
// POST /orders/{orderId}/cancel, and GET /healthz.
type webhook struct {
	starter     *starter
	temporal    orderSignaller
	auth        webhookAuth
	tokenDigest [sha256.Size]byte
	logger      *zap.Logger
}

// newWebhook builds the handler.
func newWebhook(temporal webhookTemporal, taskQueue string, auth webhookAuth, logger *zap.Logger) http.Handler {
	return newWebhookFor(newStarter(temporal, taskQueue), temporal, auth, logger)
}

// newWebhookFor builds the handler around a given starter.
func newWebhookFor(s *starter, temporal webhookTemporal, auth webhookAuth, logger *zap.Logger) http.Handler {
	h := &webhook{
		starter:     s,
		temporal:    temporal,
		auth:        auth,
		tokenDigest: sha256.Sum256([]byte(auth.Token.Reveal())),
		logger:      logger,
	}
	orders := http.NewServeMux()
	orders.HandleFunc("/orders", h.orders)
	orders.HandleFunc("/orders/{orderId}", h.order)
	orders.HandleFunc("/orders/{orderId}/cancel", h.cancel)
	orders.HandleFunc("/orders/{orderId}/refresh", h.refresh)
	orders.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: use POST /orders, GET /orders/{orderId}, POST /orders/{orderId}/cancel or POST /orders/{orderId}/refresh")
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
// <token>" or a valid signature. The token is compared as SHA-256 digests
// in constant time, so neither its content nor its length leaks through
// timing; signatures with hmac.Equal.
//
// A signature (X-Signature-256 with X-Signature-Timestamp) covers the
// time, the method, the path and the body: it authorises the one request
// it was made for, for 5 minutes, so a signed GET of one order cannot
// cancel another, nor a cancel of one order another order. GitHub's
// body-only X-Hub-Signature-256 is taken for POST /orders alone, where a
// replay starts nothing new (the order id exists).
func (h *webhook) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.auth.Token.IsSet() {
			given, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			digest := sha256.Sum256([]byte(given))
			if ok && given != "" && subtle.ConstantTimeCompare(digest[:], h.tokenDigest[:]) == 1 {
				next.ServeHTTP(w, r)
				return
			}
		}
		refusal := h.unauthorized()
		if h.auth.Secret.IsSet() && (r.Header.Get(signature.Header) != "" || r.Header.Get(signature.GitHubHeader) != "") {
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
			w.Header().Set("WWW-Authenticate", `Bearer realm="orders"`)
		}
		writeError(w, http.StatusUnauthorized, refusal)
		h.log(w).Warn("webhook: unauthenticated request", zap.String("method", r.Method), zap.String("path", r.URL.Path),
			zap.String("remote", r.RemoteAddr), zap.String("refused", refusal))
	})
}

// Why a signed request is refused, beyond a signature that does not
// match.
const (
	refusedNoTimestamp = signature.Header + " needs " + signature.TimestampHeader + " (Unix seconds): sign timestamp.method.path.body"
	refusedStale       = signature.TimestampHeader + " is more than 5 minutes from the server's time"
	refusedGitHubRoute = signature.GitHubHeader + " (the body's signature) is accepted for POST /orders only; sign other requests with " +
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
	if r.Method != http.MethodPost || r.URL.Path != "/orders" {
		return false, refusedGitHubRoute
	}
	if signature.Valid(h.auth.Secret, body, r.Header.Get(signature.GitHubHeader)) {
		return true, ""
	}
	return false, h.unauthorized()
}

// unauthorized says what a refused request lacked, naming only the
// schemes this server accepts.
func (h *webhook) unauthorized() string {
	switch {
	case h.auth.Token.IsSet() && h.auth.Secret.IsSet():
		return "missing or wrong bearer token or " + signature.Header + " signature"
	case h.auth.Secret.IsSet():
		return "missing or wrong " + signature.Header + " signature"
	default:
		return "missing or wrong bearer token"
	}
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
// from 0, as array indices do.
type webhookProblem struct {
	Order   int    `json:"order"`
	Line    int    `json:"line,omitempty"`
	OrderID string `json:"orderId,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// orders handles POST /orders: one order or an array. Every order is
// checked first; if any is invalid, nothing is started.
func (h *webhook) orders(w http.ResponseWriter, r *http.Request) {
	if !onlyPost(w, r, "submit orders") {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}

	const source = "request body"
	format := intake.JSON
	if mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mediaType == "text/csv" {
		format = intake.CSV
	}
	orders, errs := intake.Seen{}.Read(source, body, format)
	if len(errs) > 0 {
		problems := make([]webhookProblem, 0, len(errs))
		for _, e := range errs {
			for _, p := range e.Problems() {
				problems = append(problems, webhookProblem{Order: max(e.Index-1, 0), Line: e.Line, OrderID: e.OrderID, Field: p.Field, Message: p.Message})
			}
		}
		writeErrorWith(w, http.StatusBadRequest, errInvalidOrders, map[string]any{"problems": problems})
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

// order handles GET /orders/{orderId}: the order's status.
func (h *webhook) order(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "use GET to read an order's status")
		return
	}
	orderID := r.PathValue("orderId")
	view, err := orderStatus(r.Context(), h.temporal, orderID)
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
	errStartFailed   = "could not start: Temporal unavailable; retry"
	errNotEveryOrder = "could not start every order"
	errInvalidOrders = "invalid orders"
	errStatusFailed  = "could not get the order's status"
	errSignalFailed  = "could not signal the order"
	errNoOrder       = "no such order"
	errEnded         = "the order has already ended"
	errCancelBody    = `the body must be {"reason": "..."} or empty`
	errReasonTooLong = "the reason is over 500 bytes"
	errReadingBody   = "could not read the request body"
	errTooLarge      = "request body over 1 MiB"
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
GET /healthz needs "Authorization: Bearer $STARTER_WEBHOOK_TOKEN", or a
signature with $STARTER_WEBHOOK_SECRET: "X-Signature-Timestamp: <Unix
seconds>" and "X-Signature-256: sha256=<hex HMAC-SHA256 of
timestamp.METHOD.path.body>", good for 5 minutes; POST /orders also takes
GitHub's "X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>".

  POST /orders            one order or an array of orders as JSON, or CSV with a
                          header row (Content-Type: text/csv), at most 1 MiB:
                          202 {"orders":[{"orderId","workflowId","runId","outcome"}]}
                          400 {"error":"invalid orders","problems":[{"order","orderId","field","message"}]}
                          when any order is invalid (then nothing is started; "order" counts from 0)
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
	temporal, err := a.dial(ctx, cfg, logger)
	if err != nil {
		return exitFailure
	}
	defer temporal.Close()

	listener, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		fmt.Fprintf(a.stderr, "starter: STARTER_LISTEN_ADDR: %v\n", err)
		return exitFailure
	}
	server := &http.Server{
		Handler:           newWebhook(temporal, cfg.TaskQueue, webhookAuth{Token: cfg.WebhookToken, Secret: cfg.WebhookSecret}, logger),
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
	logger.Info("serving orders", zap.String("addr", listener.Addr().String()), zap.String("taskQueue", cfg.TaskQueue))

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
