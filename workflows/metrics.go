package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The workflow's metrics. They go through workflow.GetMetricsHandler,
// which emits nothing while a history replays: a worker restart, a query
// or a continue-as-new never counts an order twice. The worker serves them
// on /metrics, where counters end in _total and timers are histograms in
// seconds (l2_time_to_active_seconds).
const (
	metricOrdersStarted = "l2_orders_started" // {kind}
	metricOrdersEnded   = "l2_orders_ended"   // {kind, outcome}
	metricPuts          = "l2_puts"           // {result}: sent, recovered, refused
	metricTimeToActive  = "l2_time_to_active" // {kind}, from the order's start to ACTIVE
)

// Results of a PUT, for l2_puts.
const (
	putSent      = "sent"      // a PUT went out
	putRecovered = "recovered" // a connection a PUT in doubt made was found
	putRefused   = "refused"   // the API refused it: nothing was made
)

// orderMetrics is where every metric of an order goes: the handler the SDK
// gives the workflow, which is silent while a history replays. Any other
// handler, the worker's own say, would count a replayed order again on
// every worker restart and query (TestMetricsGoThroughTheWorkflowsHandler).
func orderMetrics(ctx workflow.Context) client.MetricsHandler {
	return workflow.GetMetricsHandler(ctx)
}

// kindLabel is the order's kind, for metric tags: port-to-port or
// business-to-business for a create order, else its action.
func (r *orderRun) kindLabel() string {
	if !r.order.IsCreate() {
		return r.order.Action // decommission, modify, adopt
	}
	if r.order.DestPortID == "" && r.order.DestCompany == "" {
		return "unknown"
	}
	return string(r.order.Kind())
}

func (r *orderRun) countStarted(ctx workflow.Context) {
	orderMetrics(ctx).WithTags(map[string]string{"kind": r.kindLabel()}).Counter(metricOrdersStarted).Inc(1)
}

func (r *orderRun) countPut(ctx workflow.Context, result string) {
	orderMetrics(ctx).WithTags(map[string]string{"result": result}).Counter(metricPuts).Inc(1)
}

// countEnded counts how the order ended: its stage when it did not fail
// (active, cancelled, dry-run), its failure type when it did, cancelled
// after a Temporal cancel; and, when ACTIVE, how long that took.
func (r *orderRun) countEnded(ctx workflow.Context, res Result, err error, startedAt time.Time) {
	outcome := string(res.Stage)
	var appErr *temporal.ApplicationError
	switch {
	case errors.As(err, &appErr):
		outcome = appErr.Type()
	case temporal.IsCanceledError(err):
		outcome = string(StageCancelled)
	case err != nil:
		outcome = "error"
	}
	metrics := orderMetrics(ctx).WithTags(map[string]string{"kind": r.kindLabel()})
	metrics.WithTags(map[string]string{"outcome": outcome}).Counter(metricOrdersEnded).Inc(1)
	if res.Stage == StageActive && !startedAt.IsZero() {
		metrics.Timer(metricTimeToActive).Record(workflow.Now(ctx).Sub(startedAt))
	}
}
