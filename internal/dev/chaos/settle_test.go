package chaos

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

// (a) A PUT whose answer was a 504 lands later: the order, believing
// nothing was ordered, ends before its connection exists. A ledger read
// as soon as the last order ended shows nothing wrong; the settled one,
// read once the simulator has nothing pending, shows the connection, and
// the order's claim is caught.
func TestCheckerWaitsForLateEffects(t *testing.T) {
	sim := ccapisim.New(fixture(nil), ccapisim.Options{APIKey: simKey, ActivationDelay: 50 * time.Millisecond, Seed: 1,
		Faults: ccapisim.Faults{Endpoints: map[string]ccapisim.Faults{
			ccapisim.EndpointCreateLayer2: {LateCommitRate: 1, LateCommitMax: 400 * time.Millisecond},
		}}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client, err := ccapi.NewClient(srv.URL, simKey, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	order := p2pOrder("CX-LATE")
	o := order.Order
	ctx, cancel := context.WithTimeout(ccapi.WithCorrelationID(context.Background(), o.OrderID), 20*time.Millisecond)
	defer cancel()
	if _, err := client.CreateLayer2(ctx, o.Company, ccapi.CreateLayer2Request{Name: o.Name, PortID: o.PortID, DestPortID: o.DestPortID,
		DestCompany: o.Company, DestMetroID: metroHKG, Duration: 1, DurationUnit: "m", PaymentType: "invoice",
		ClassOfService: "SILVER", SpeedMbps: o.SpeedMbps, Evergreen: true}); err == nil {
		t.Fatal("the PUT succeeded; want a 504 or no answer")
	}
	orders, outcomes := []plannedOrder{order}, []outcome{nothingOrdered("failed: OrderRejected")}

	// What a checker reading the ledger at once saw.
	early := reconcile(orders, outcomes, sim.Ledger())
	t.Logf("read at once: %s", early.Summary())

	ledger, pending := settledLedger(context.Background(), sim, 100*time.Millisecond, time.Now().Add(10*time.Second))
	if pending.Total() != 0 {
		t.Fatalf("still pending at the deadline: %+v", pending)
	}
	if rep := reconcile(orders, outcomes, ledger); rep.Untruthful != 1 {
		t.Errorf("settled: %s, want the late connection caught (untruthful=1); problems %v", rep.Summary(), rep.Problems)
	}
}

// A simulator that never settles is reported, not waited for forever.
func TestSettledLedgerGivesUp(t *testing.T) {
	sim := ccapisim.New(fixture(nil), ccapisim.Options{APIKey: simKey, ActivationDelay: time.Hour})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client, err := ccapi.NewClient(srv.URL, simKey, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	o := p2pOrder("CX-SLOW").Order
	if _, err := client.CreateLayer2(context.Background(), o.Company, ccapi.CreateLayer2Request{Name: o.Name, PortID: o.PortID,
		DestPortID: o.DestPortID, DestCompany: o.Company, DestMetroID: metroHKG, Duration: 1, DurationUnit: "m",
		PaymentType: "invoice", ClassOfService: "SILVER", SpeedMbps: o.SpeedMbps, Evergreen: true}); err != nil {
		t.Fatal(err)
	}
	_, pending := settledLedger(context.Background(), sim, 10*time.Millisecond, time.Now().Add(200*time.Millisecond))
	if pending.Transitions != 1 {
		t.Errorf("pending %+v at the deadline, want the activation still ahead", pending)
	}
}
