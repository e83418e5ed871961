package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
)

// check reads the order's connection and checks that it is the company's
// own. found is false when the order has failed (the error says why).
func (r *orderRun) check(ctx workflow.Context, cfg Config) (activities.ConnectionFacts, bool, error) {
	r.setStage(StageChecking)
	var a *activities.Activities
	var f activities.ConnectionFacts
	ref := r.connectionRef()
	cctx, stop := r.untilCancelled(ctx)
	defer stop()
	err := workflow.ExecuteActivity(lookupOptions(cctx), a.ReadConnection, ref).Get(cctx, &f)
	nothing := "nothing was " + map[string]string{ActionDecommission: "deleted", ActionModify: "changed", ActionAdopt: "adopted"}[r.order.Action]
	switch {
	case err != nil && r.cancel != nil:
		res := r.end(Result{Stage: StageCancelled, NothingOrdered: true, Reason: "cancelled before anything was done: " + r.cancel.Reason})
		return f, false, errResult{res}
	case err != nil && r.since(ctx, changeActionsOnce) && ctx.Err() != nil:
		return f, false, err // a Temporal cancel: runAction says nothing was done
	case err != nil && isAPIRejection(err):
		_, ferr := r.failNothingOrdered(ErrTypePrecheckFailed, nothing+": "+rootMessage(err))
		return f, false, ferr
	case err != nil:
		_, ferr := r.failNothingOrdered(ErrTypeAPIUnavailable, fmt.Sprintf("reading connection %s, %s: %s", ref.ConnectionID, nothing, rootMessage(err)))
		return f, false, ferr
	case !f.Found:
		_, ferr := r.failNothingOrdered(ErrTypePrecheckFailed, fmt.Sprintf("%s: company %s has no connection %s (an unknown id, another company's, or one deleted long ago)",
			nothing, r.order.Company, ref.ConnectionID))
		return f, false, ferr
	case f.SrcCompany != "" && f.SrcCompany != r.order.Company:
		_, ferr := r.failNothingOrdered(ErrTypePrecheckFailed, fmt.Sprintf("%s: connection %s belongs to company %s; %s is only its other party",
			nothing, ref.ConnectionID, f.SrcCompany, r.order.Company))
		return f, false, ferr
	}
	r.view.APIStatus = f.Status
	if r.since(ctx, changeActionsOnce) {
		if err := r.owned(ctx, cctx, f, nothing); err != nil {
			return f, false, err
		}
		r.srcPortID = f.SrcPortID
	}
	return f, true, nil
}

// owned checks that the connection is the company's own, failing closed:
// the API's connection model names no source company, so the company
// owns a connection only if its source port is one of the company's
// ports, as reading that port for the company shows. When that cannot be
// shown, nothing is sent and the order says why.
func (r *orderRun) owned(ctx, cctx workflow.Context, f activities.ConnectionFacts, nothing string) error {
	o := r.order
	if f.SrcPortID == "" {
		_, err := r.failNothingOrdered(ErrTypePrecheckFailed, fmt.Sprintf("%s: connection %s is not shown to be company %s's own: the API's answer names no source port",
			nothing, o.ConnectionID, o.Company))
		return err
	}
	var a *activities.Activities
	var port activities.PortInfo
	ref := activities.PortRef{OrderID: o.OrderID, Company: o.Company, PortID: f.SrcPortID}
	err := workflow.ExecuteActivity(lookupOptions(cctx), a.ReadPort, ref).Get(cctx, &port)
	switch {
	case err != nil && r.cancel != nil:
		return errResult{r.end(Result{Stage: StageCancelled, NothingOrdered: true, Reason: "cancelled before anything was done: " + r.cancel.Reason})}
	case err != nil && ctx.Err() != nil:
		return err // a Temporal cancel: runAction says nothing was done
	case err != nil:
		_, ferr := r.failNothingOrdered(ErrTypeAPIUnavailable, fmt.Sprintf("%s: could not show that connection %s is company %s's own: reading its source port %s: %s",
			nothing, o.ConnectionID, o.Company, f.SrcPortID, rootMessage(err)))
		return ferr
	case !port.Found:
		_, ferr := r.failNothingOrdered(ErrTypePrecheckFailed, fmt.Sprintf("%s: connection %s is not company %s's own: its source port %s is not one of %s's ports",
			nothing, o.ConnectionID, o.Company, f.SrcPortID, o.Company))
		return ferr
	}
	return nil
}

// errResult carries a result that ended the order without error through
// check's error return.
type errResult struct{ res Result }

func (e errResult) Error() string { return "ended: " + string(e.res.Stage) }

// ended turns check's error into the step's return values.
func ended(err error) (Result, error) {
	var e errResult
	if errors.As(err, &e) {
		return e.res, nil
	}
	return Result{}, err
}
