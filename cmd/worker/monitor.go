package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/uber-go/tally/v4"
	promreporter "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
	"go.temporal.io/sdk/converter"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/workflows"
)

// The worker's own metric names. The Temporal SDK's are its own
// (temporal_...); the workflow's are in workflows/metrics.go.
const (
	metricAPIRequests          = "l2_api_requests"                   // counter {endpoint, code}
	metricAPIDuration          = "l2_api_request_duration"           // histogram {endpoint}, seconds
	metricOrdersAwaiting       = "l2_orders_awaiting"                // gauge {kind}
	metricOrdersAwaitingOldest = "l2_orders_awaiting_oldest_seconds" // gauge {kind}
	awaitingCountInterval      = 30 * time.Second
)

// metricHelp is the HELP line of each of the project's metrics on /metrics
// (the reporter would only repeat the name). The README's metrics table
// lists the same names; a test keeps them together.
var metricHelp = map[string]string{
	"l2_orders_started_total":           "Orders started, by kind (port-to-port, business-to-business, decommission, modify, adopt); a worker restart or a continue-as-new never counts one twice",
	"l2_orders_ended_total":             "Orders ended, by kind and outcome: active, cancelled, dry-run, decommissioned, modified, or the failure type (PrecheckFailed, ConnectionFailed, ActivationTimeout, OutcomeUnknown, ...)",
	"l2_puts_total":                     "Layer 2 PUTs (billable orders), by result: sent, recovered (a PUT in doubt whose connection was found), refused (nothing was created)",
	"l2_callbacks_total":                "callback delivery attempts, by target (a CALLBACK_TARGETS name, CALLBACK_URL, or url) and result: delivered, retried, failed (final)",
	"l2_time_to_active_seconds":         "Seconds from an order's start until its connection was ACTIVE, by kind",
	"l2_orders_awaiting":                "Orders now waiting for ACTIVE or a partner's acceptance, by kind, from Temporal's visibility store (every worker reports the same)",
	"l2_orders_awaiting_oldest_seconds": "Seconds the longest-waiting of those orders has waited since its connection was ordered, by kind",
	"l2_api_requests_total":             "Console Connect API calls, by endpoint and answer (the HTTP status code, or none: no answer)",
	"l2_api_request_duration_seconds":   "Seconds one Console Connect API call took, by endpoint",
}

// sanitizeOptions are Prometheus's naming rules for names and label keys;
// label values may hold any character, and keep the ones the orders and
// the README use (port-to-port, dry-run, l2-provisioning, ns.acct), where
// the SDK's own options would write l2_provisioning.
var sanitizeOptions = tally.SanitizeOptions{
	NameCharacters: sdktally.PrometheusSanitizeOptions.NameCharacters,
	KeyCharacters:  sdktally.PrometheusSanitizeOptions.KeyCharacters,
	ValueCharacters: tally.ValidCharacters{
		Ranges:     tally.AlphanumericRange,
		Characters: []rune{'_', '-', '.', ':', '/', '@', '+'},
	},
	ReplacementCharacter: tally.DefaultReplacementCharacter,
}

// withHelp gathers from g with the help of the project's metrics in place
// of the reporter's.
func withHelp(g prom.Gatherer) prom.Gatherer {
	return prom.GathererFunc(func() ([]*dto.MetricFamily, error) {
		families, err := g.Gather()
		for _, f := range families {
			if help, ok := metricHelp[f.GetName()]; ok {
				f.Help = &help
			}
		}
		return families, err
	})
}

// histogramBuckets serve every timer: API calls take milliseconds to
// seconds, orders minutes to weeks (l2_time_to_active_seconds).
var histogramBuckets = []float64{
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
	60, 300, 900, 1800, 3600, 7200, 21600, 43200, 86400, 172800, 604800, 1209600,
}

// monitor is the worker's HTTP side: /metrics in the Prometheus text
// format (the SDK's metrics through its tally contrib handler, and ours),
// /healthz (the process is alive) and /readyz (connected to Temporal and
// polling).
type monitor struct {
	scope    tally.Scope // Prometheus naming: counters end _total, timers _seconds
	closer   io.Closer
	reporter promreporter.Reporter
	server   *http.Server
	listener net.Listener
	ready    atomic.Bool
	temporal atomic.Pointer[client.Client]
	logger   *zap.Logger
}

// newMonitor builds the metrics scope and listens on addr ("" disables
// the HTTP side; the metrics are then kept but not served).
func newMonitor(addr string, logger *zap.Logger) (*monitor, error) {
	m := &monitor{logger: logger}
	registry := prom.NewRegistry()
	m.reporter = promreporter.NewReporter(promreporter.Options{
		Registerer:              registry,
		DefaultTimerType:        promreporter.HistogramTimerType,
		DefaultHistogramBuckets: histogramBuckets,
		OnRegisterError: func(err error) {
			logger.Warn("metric not registered", zap.Error(err))
		},
	})
	root, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  m.reporter,
		Separator:       promreporter.DefaultSeparator,
		SanitizeOptions: &sanitizeOptions,
	}, time.Second)
	m.scope, m.closer = sdktally.NewPrometheusNamingScope(root), closer
	if addr == "" {
		return m, nil
	}
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		closer.Close()
		return nil, fmt.Errorf("WORKER_HTTP_ADDR: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(withHelp(registry), promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", m.readyz)
	m.listener = listener
	m.server = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := m.server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("monitoring server failed", zap.Error(err))
		}
	}()
	logger.Info("monitoring on /metrics, /healthz, /readyz", zap.String("addr", listener.Addr().String()))
	return m, nil
}

// metricsHandler is the SDK's view of the scope.
func (m *monitor) metricsHandler() client.MetricsHandler { return sdktally.NewMetricsHandler(m.scope) }

// readyz answers 200 once the worker polls and Temporal answers its health
// check, 503 otherwise.
func (m *monitor) readyz(w http.ResponseWriter, r *http.Request) {
	c := m.temporal.Load()
	if !m.ready.Load() || c == nil {
		http.Error(w, "not polling", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := (*c).CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		http.Error(w, "Temporal unreachable: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	_, _ = io.WriteString(w, "ready\n")
}

// setReady says whether the worker polls Temporal through c.
func (m *monitor) setReady(c client.Client, ready bool) {
	m.temporal.Store(&c)
	m.ready.Store(ready)
}

// observeAPI records one Console Connect API call (ccapi.Client.Observe).
func (m *monitor) observeAPI(endpoint string, status int, took time.Duration) {
	code := strconv.Itoa(status)
	if status == 0 {
		code = "none"
	}
	m.scope.Tagged(map[string]string{"endpoint": endpoint, "code": code}).Counter(metricAPIRequests).Inc(1)
	m.scope.Tagged(map[string]string{"endpoint": endpoint}).Timer(metricAPIDuration).Record(took)
}

// countAwaiting keeps l2_orders_awaiting{kind} at the number of orders
// waiting for ACTIVE or a partner's acceptance, and
// l2_orders_awaiting_oldest_seconds{kind} at how long the oldest of them
// has waited since its connection was ordered, from Temporal's visibility
// store: right across worker restarts and the same from every worker.
func (m *monitor) countAwaiting(ctx context.Context, c visibilityLister) {
	for {
		for _, kind := range []workflows.Kind{workflows.PortToPort, workflows.BusinessToBusiness} {
			count, oldest, err := awaitingOrders(ctx, c, kind)
			if err != nil {
				if ctx.Err() == nil {
					m.logger.Debug("counting awaiting orders", zap.Error(err))
				}
				continue
			}
			tagged := m.scope.Tagged(map[string]string{"kind": string(kind)})
			tagged.Gauge(metricOrdersAwaiting).Update(float64(count))
			var age time.Duration
			if !oldest.IsZero() {
				age = time.Since(oldest)
			}
			tagged.Gauge(metricOrdersAwaitingOldest).Update(age.Seconds())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(awaitingCountInterval):
		}
	}
}

// visibilityLister is the part of client.Client that listing orders needs.
type visibilityLister interface {
	ListWorkflow(ctx context.Context, request *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
}

// awaitingOrders counts the running orders of a kind waiting for ACTIVE,
// and finds when the longest-waiting of them was ordered (zero when none
// says: orders from before OrderedAt was published). The visibility
// store cannot sort on a custom attribute everywhere, so every page is
// read: a thousand orders a page, every awaitingCountInterval.
func awaitingOrders(ctx context.Context, c visibilityLister, kind workflows.Kind) (count int, oldest time.Time, err error) {
	query := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running' AND %s = '%s' AND %s = '%s'",
		workflows.WorkflowName, workflows.SearchOrderStage.GetName(), workflows.StageAwaitingActivation,
		workflows.SearchOrderKind.GetName(), kind)
	orderedAt := workflows.SearchOrderedAt.GetName()
	var token []byte
	for {
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		res, err := c.ListWorkflow(callCtx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: 1000, NextPageToken: token})
		cancel()
		if err != nil {
			return 0, time.Time{}, fmt.Errorf("listing awaiting %s orders: %w", kind, err)
		}
		for _, info := range res.GetExecutions() {
			count++
			var at time.Time
			if p := info.GetSearchAttributes().GetIndexedFields()[orderedAt]; p != nil &&
				converter.GetDefaultDataConverter().FromPayload(p, &at) == nil && !at.IsZero() && (oldest.IsZero() || at.Before(oldest)) {
				oldest = at
			}
		}
		if token = res.GetNextPageToken(); len(token) == 0 {
			return count, oldest, nil
		}
	}
}

// close stops the HTTP side and the scope.
func (m *monitor) close() {
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = m.server.Shutdown(ctx)
	}
	_ = m.closer.Close()
}

// checkReady is `worker -healthcheck`: it asks the /readyz of the worker
// running with this environment.
func checkReady(ctx context.Context, environ map[string]string, stderr io.Writer) int {
	addr := httpAddr(environ)
	if addr == "" {
		fmt.Fprintf(stderr, "worker: %s is empty: this worker serves no /readyz to check\n", httpAddrVar)
		return exitFailure
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		fmt.Fprintf(stderr, "worker: %s %q: no port to check\n", httpAddrVar, addr)
		return exitFailure
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	if err != nil {
		fmt.Fprintf(stderr, "worker: %v\n", err)
		return exitFailure
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "worker: not ready: %v\n", err)
		return exitFailure
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		fmt.Fprintf(stderr, "worker: not ready: %d %s", resp.StatusCode, body)
		return exitFailure
	}
	return exitOK
}
