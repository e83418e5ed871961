package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The search attributes an order carries, so that orders can be found,
// listed and followed from Temporal's visibility store without a worker
// (starter list, starter status of a finished order, the UI). A namespace
// must have them registered (`temporal operator search-attribute create`,
// or --search-attribute on the dev server; the worker adds missing ones
// where it may).
var (
	SearchOrderID      = temporal.NewSearchAttributeKeyKeyword("OrderId")
	SearchCompany      = temporal.NewSearchAttributeKeyKeyword("Company")
	SearchDestCompany  = temporal.NewSearchAttributeKeyKeyword("DestCompany")
	SearchOrderKind    = temporal.NewSearchAttributeKeyKeyword("OrderKind")
	SearchOrderStage   = temporal.NewSearchAttributeKeyKeyword("OrderStage")
	SearchConnectionID = temporal.NewSearchAttributeKeyKeyword("ConnectionId")
	// SearchOrderedAt is when the connection was ordered: how long an
	// order has been waiting for ACTIVE or a partner's acceptance, kept
	// across continue-as-new (a run's StartTime is not).
	SearchOrderedAt = temporal.NewSearchAttributeKeyTime("OrderedAt")
)

// SearchAttribute is one of the orders' search attributes and its type,
// as the temporal CLI spells it (Keyword, Datetime).
type SearchAttribute struct {
	Name, Type string
}

// SearchAttributes lists them, for registering and checking.
func SearchAttributes() []SearchAttribute {
	var all []SearchAttribute
	for _, k := range []temporal.SearchAttributeKeyKeyword{SearchOrderID, SearchCompany, SearchDestCompany, SearchOrderKind, SearchOrderStage, SearchConnectionID} {
		all = append(all, SearchAttribute{k.GetName(), "Keyword"})
	}
	return append(all, SearchAttribute{SearchOrderedAt.GetName(), "Datetime"})
}

// SearchAttributeNames lists their names.
func SearchAttributeNames() []string {
	var names []string
	for _, a := range SearchAttributes() {
		names = append(names, a.Name)
	}
	return names
}

// StartSearchAttributes are the attributes the starter sets when it starts
// an order, so that it can be listed before its first workflow task.
func StartSearchAttributes(o Order) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(orderAttributes(o, StageValidating)...)
}

// orderAttributes are the attributes of an order at a stage.
func orderAttributes(o Order, stage Stage) []temporal.SearchAttributeUpdate {
	kind := Kind("")
	switch {
	case !o.IsCreate():
		kind = Kind(o.Action)
	case o.DestPortID != "" || o.DestCompany != "":
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

// markStartAttributesPublished takes the search attributes the run started with
// (the starter's, or those a run continued as new carries over) as
// published: an upsert of the same values would only cost the server a
// visibility write.
func (r *orderRun) markStartAttributesPublished(ctx workflow.Context) {
	sa := workflow.GetTypedSearchAttributes(ctx)
	if id, _ := sa.GetKeyword(SearchOrderID); id != r.order.OrderID {
		return
	}
	stage, _ := sa.GetKeyword(SearchOrderStage)
	conn, _ := sa.GetKeyword(SearchConnectionID)
	r.published.stage, r.published.connectionID = Stage(stage), conn
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
	if conn != "" && !r.orderedAt.IsZero() {
		// In the same upsert: the replayer matches upsert commands by
		// kind, not content, so this needs no version.
		updates = append(updates, SearchOrderedAt.ValueSet(r.orderedAt))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		r.logger.Warn("Search attributes not updated", "error", err)
		return
	}
	r.published.stage, r.published.connectionID = stage, conn
}
