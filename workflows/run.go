package workflows

import (
	"fmt"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// orderRun is one run's view of an order: what the status query answers
// and whether a cancel has arrived.
type orderRun struct {
	order  Order
	view   StatusView
	cancel *CancelRequest
	logger log.Logger
}

// startRun answers the status query and listens for the cancel signal for
// the rest of the run.
func startRun(ctx workflow.Context, order Order) (*orderRun, error) {
	r := &orderRun{
		order:  order,
		view:   StatusView{OrderID: order.OrderID, Stage: StageValidating},
		logger: log.With(workflow.GetLogger(ctx), "orderId", order.OrderID),
	}
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (StatusView, error) { return r.view, nil }); err != nil {
		return nil, fmt.Errorf("registering the status query: %w", err)
	}
	cancels := workflow.GetSignalChannel(ctx, SignalCancel)
	workflow.Go(ctx, func(ctx workflow.Context) {
		var req CancelRequest
		cancels.Receive(ctx, &req)
		if req.Reason == "" {
			req.Reason = "no reason given"
		}
		r.logger.Info("Cancel requested", "reason", req.Reason, "stage", r.view.Stage)
		r.cancel = &req
	})
	return r, nil
}

func (r *orderRun) setStage(s Stage) {
	r.view.Stage = s
	r.logger.Info("Order stage", "stage", s)
}

// end finishes the order without error (active, cancelled or dry run).
func (r *orderRun) end(res Result) Result {
	res.OrderID = r.order.OrderID
	if res.ConnectionID == "" {
		res.ConnectionID = r.view.ConnectionID
	}
	if res.APIStatus == "" {
		res.APIStatus = r.view.APIStatus
	}
	r.view.Stage, r.view.Reason, r.view.APIStatus = res.Stage, res.Reason, res.APIStatus
	r.logger.Info("Order ended", "stage", res.Stage, "connectionId", res.ConnectionID, "reason", res.Reason)
	return res
}

// fail ends the order with a non-retryable error of the given type: a
// workflow retry could not change the outcome. The status view rides along
// as the error's details.
func (r *orderRun) fail(errType, msg string) (Result, error) {
	r.view.Stage, r.view.Reason = StageFailed, msg
	r.logger.Warn("Order failed", "type", errType, "reason", msg)
	return Result{}, temporal.NewNonRetryableApplicationError(msg, errType, nil, r.view)
}
