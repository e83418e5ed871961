package activities_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/cc-l2/provisioner/activities"
)

// Every activity that calls the API names its order in each request (the
// correlation header): the simulator's ledger then attributes every
// request to the order that sent it, and none to nobody.
func TestEveryActivityNamesItsOrder(t *testing.T) {
	ref := func(id string) activities.ConnectionRef {
		return activities.ConnectionRef{OrderID: id, Company: "acme", ConnectionID: legacyConn}
	}
	place := submitInput("ORD-PLACE")
	tests := []struct {
		order string
		fn    func(at *actTest) any
		in    any
	}{
		{"ORD-LOOKUP", func(at *actTest) any { return at.acts.LookupPorts },
			activities.LookupPortsInput{OrderID: "ORD-LOOKUP", Company: "acme", PortID: acmeHKG, DestPortID: acmeSIN}},
		{"ORD-METRO", func(at *actTest) any { return at.acts.ResolveMetro },
			activities.ResolveMetroInput{OrderID: "ORD-METRO", Company: "globex", Metro: "HKG"}},
		{"ORD-DCF", func(at *actTest) any { return at.acts.FindDCF }, activities.FindDCFInput{OrderID: "ORD-DCF", MetroID: metroHKG}},
		{"ORD-PLACE", func(at *actTest) any { return at.acts.PlaceLayer2Order },
			activities.PlaceInput{OrderID: place.OrderID, Company: place.Company, Request: place.Request}},
		{"ORD-SUBMIT", func(at *actTest) any { return at.acts.SubmitLayer2 }, submitInput("ORD-SUBMIT")},
		{"ORD-FIND", func(at *actTest) any { return at.acts.FindOrderConnection },
			activities.FindOrderConnectionInput{OrderID: "ORD-FIND", Company: "acme", PortID: acmeHKG, Name: "X"}},
		{"ORD-READ", func(at *actTest) any { return at.acts.ReadConnection }, ref("ORD-READ")},
		{"ORD-STATUS", func(at *actTest) any { return at.acts.GetConnectionStatus }, ref("ORD-STATUS")},
		{"ORD-PORT", func(at *actTest) any { return at.acts.ReadPort }, activities.PortRef{OrderID: "ORD-PORT", Company: "acme", PortID: acmeHKG}},
		{"ORD-UPDATE", func(at *actTest) any { return at.acts.UpdateSpeed }, activities.SpeedChange{ConnectionRef: ref("ORD-UPDATE"), SpeedMbps: 300}},
		{"ORD-CHANGE", func(at *actTest) any { return at.acts.RequestSpeedChange }, activities.SpeedChange{ConnectionRef: ref("ORD-CHANGE"), SpeedMbps: 400}},
		{"ORD-WITHDRAW", func(at *actTest) any { return at.acts.WithdrawSpeedChange }, ref("ORD-WITHDRAW")},
		{"ORD-DECOMMISSION", func(at *actTest) any { return at.acts.DecommissionConnection }, ref("ORD-DECOMMISSION")},
		{"ORD-DELETE", func(at *actTest) any { return at.acts.DeleteConnection }, ref("ORD-DELETE")},
	}
	for _, tt := range tests {
		t.Run(tt.order, func(t *testing.T) {
			at := newActTest(t)
			_, _ = at.env.ExecuteActivity(tt.fn(at), tt.in) // refusals are fine: the requests count
			got := at.sim.Ledger().OrderRequests
			if len(got[tt.order]) == 0 || len(got) != 1 {
				t.Errorf("requests by order %v, want every one by %s", got, tt.order)
			}
			if slices.Contains(slices.Collect(maps.Keys(got)), "") {
				t.Errorf("requests naming no order: %v", got[""])
			}
		})
	}
}
