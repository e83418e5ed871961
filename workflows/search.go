package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The search attributes an order carries, so that orders can be found,
// listed and followed from Temporal's visibility store without a worker
// (starter list, starter status of a finished order, the UI). All are
// Keyword; a namespace must have them registered (`temporal operator
// search-attribute create`, or --search-attribute on the dev server).
var (
	SearchOrderID      = temporal.NewSearchAttributeKeyKeyword("OrderId")
	SearchCompany      = temporal.NewSearchAttributeKeyKeyword("Company")
	SearchDestCompany  = temporal.NewSearchAttributeKeyKeyword("DestCompany")
	SearchOrderKind    = temporal.NewSearchAttributeKeyKeyword("OrderKind")
	SearchOrderStage   = temporal.NewSearchAttributeKeyKeyword("OrderStage")
	SearchConnectionID = temporal.NewSearchAttributeKeyKeyword("ConnectionId")
)

// SearchAttributeNames lists them, for registering and checking.
func SearchAttributeNames() []string {
	return []string{SearchOrderID.GetName(), SearchCompany.GetName(), SearchDestCompany.GetName(),
		SearchOrderKind.GetName(), SearchOrderStage.GetName(), SearchConnectionID.GetName()}
}

// StartSearchAttributes are the attributes the starter sets when it starts
// an order, so that it can be listed before its first workflow task.
func StartSearchAttributes(o Order) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(orderAttributes(o, StageValidating)...)
}

// orderAttributes are the attributes of an order at a stage.
func orderAttributes(o Order, stage Stage) []temporal.SearchAttributeUpdate {
	kind := Kind("")
	if o.DestPortID != "" || o.DestCompany != "" {
		kind = o.Kind()
	}
	dest := o.DestCompany
	if o.Kind() == PortToPort {
		dest = o.Company
	}
	return []temporal.SearchAttributeUpdate{
		SearchOrderID.ValueSet(o.OrderID), SearchCompany.ValueSet(o.Company), SearchDestCompany.ValueSet(dest),
		SearchOrderKind.ValueSet(string(kind)), SearchOrderStage.ValueSet(string(stage)),
	}
}

// publish upserts the order's search attributes when its stage or
// connection changed (orders started before changeSearchAttributes carry
// none). A namespace without the attributes registered would fail the
// workflow task: the worker checks them at start-up.
func (r *orderRun) publish(ctx workflow.Context) {
	if !r.searchable {
		return
	}
	stage, conn := r.view.Stage, r.view.ConnectionID
	if stage == r.published.stage && conn == r.published.connectionID {
		return
	}
	updates := orderAttributes(r.order, stage)
	if conn != "" {
		updates = append(updates, SearchConnectionID.ValueSet(conn))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		r.logger.Warn("Search attributes not updated", "error", err)
		return
	}
	r.published.stage, r.published.connectionID = stage, conn
}
