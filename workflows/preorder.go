package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
)

// preorder is everything the workflow reads before ordering, for the
// prechecks and the PUT body. (A "lookup" is something else: the search
// for the connection a PUT in doubt may have made, FindOrderConnection.)
type preorder struct {
	Ports activities.PortsResult
	Metro *activities.MetroInfo // business-to-business only
	DCF   *activities.DCFInfo   // business-to-business, when the metro was found
}

// readPreorder gathers the ports and, for business-to-business, the
// destination metro and DCF. Ports and metro are independent and read
// together.
func (r *orderRun) readPreorder(ctx workflow.Context) (preorder, error) {
	o := r.order
	opts := lookupActivity()
	var a *activities.Activities
	portsF := r.read(ctx, opts, a.LookupPorts, activities.LookupPortsInput{
		OrderID: o.OrderID, Company: o.Company, PortID: o.PortID, DestPortID: o.DestPortID, ConnectionName: o.Name,
	})
	var metroF workflow.Future
	if o.Kind() == BusinessToBusiness {
		metroF = r.read(ctx, opts, a.ResolveMetro, activities.ResolveMetroInput{
			OrderID: o.OrderID, Company: o.DestCompany, Metro: o.DestMetro,
		})
	}

	var l preorder
	if err := portsF.Get(ctx, &l.Ports); err != nil {
		return l, err
	}
	if metroF == nil {
		return l, nil
	}
	l.Metro = new(activities.MetroInfo)
	if err := metroF.Get(ctx, l.Metro); err != nil {
		return l, err
	}
	if !l.Metro.Found {
		return l, nil
	}
	l.DCF = new(activities.DCFInfo)
	err := r.read(ctx, opts, a.FindDCF, activities.FindDCFInput{
		OrderID: o.OrderID, MetroID: l.Metro.ID, DCFID: o.DestDCF,
	}).Get(ctx, l.DCF)
	return l, err
}

// preexistingIDs are the ids of connections that carried the order's name
// on the source port before the order: the submit activity must not take
// them for its own.
func preexistingIDs(p activities.PortsResult) []string {
	ids := make([]string, 0, len(p.SameName))
	for _, c := range p.SameName {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	return ids
}
