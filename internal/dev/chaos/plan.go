package chaos

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
	"github.com/cc-l2/provisioner/workflows"
)

// Kinds of order in a run, each with the outcome the world gives it.
const (
	kindPortToPort   = "p2p"          // activates
	kindPortToError  = "p2p-error"    // provisioning fails: ERROR
	kindB2BAccepted  = "b2b-accept"   // globex approves
	kindB2BRejected  = "b2b-reject"   // umbrella rejects: DENIED
	kindB2BSilent    = "b2b-silent"   // initech never answers; short activation timeout
	kindPrecheck     = "precheck"     // fails its checks: nothing may be ordered
	kindSameName     = "same-name"    // a second order for another's name and port, started together
	kindDecommission = "decommission" // deletes a connection of the fixture
	kindModify       = "modify"       // changes a fixture connection's speed
	kindAdopt        = "adopt"        // adopts a fixture connection
	companyOrdering  = "acme"         // every order is acme's
	metroHKG         = "5d1000000000000000000001"
	chaosPortPrefix  = "6c0000000000000000000"
)

// How an order is cancelled mid-way, if at all.
type cancelKind int

const (
	cancelNone     cancelKind = iota
	cancelSignal              // the workflow's cancel signal
	cancelTemporal            // a Temporal cancel request (UI, temporal workflow cancel)
)

func (c cancelKind) String() string {
	return [...]string{"", "signal", "temporal"}[c]
}

// plannedOrder is one order of the run and what will happen to it.
type plannedOrder struct {
	Order       workflows.Order
	Kind        string
	StartAt     time.Duration // after the run starts
	Cancel      cancelKind
	CancelAfter time.Duration // after the order starts
	// Twin is the index of the order whose name and port a same-name
	// order takes, -1 otherwise; both start at the same instant.
	Twin int
	// Target is the connection an action order (decommission, modify,
	// adopt) acts on, as the fixture holds it before the run; nil for an
	// order that creates one.
	Target *ccapisim.Connection
	// Adversary: the order's source port is in the scope of the
	// simulator's consistency mode (see adversary.go).
	Adversary bool
}

// The ports orders use: sources big enough for every order of a run, p2p
// destinations, and one port on which provisioning fails.
func chaosPortID(n int) string { return fmt.Sprintf("%s%03d", chaosPortPrefix, n) }

const (
	sourcePorts  = 6
	destPorts    = 2
	faultyPortNo = 99
	// The adversarial API's ports, as sourcePorts and faultyPortNo are the
	// others': fewer of them, so that their connection lists run to
	// several pages.
	adversarySourceNo = 100
	adversarySources  = 2
	adversaryFaultyNo = 98
)

// fixture is the default world plus the chaos ports, and the connections
// the action orders act on, as they stand before the run.
func fixture(orders []plannedOrder) *ccapisim.Fixture {
	fx := ccapisim.DefaultFixture()
	add := func(n int, name string, failing bool) {
		fx.Ports = append(fx.Ports, ccapisim.Port{
			ID: chaosPortID(n), Company: companyOrdering, Name: name, Status: "ACTIVE", SpeedMbps: 1_000_000,
			MetroID: metroHKG, DCFID: "5f10000000000000000000a1", SupportedServices: []string{"L2"},
			VLANRanges: []ccapisim.VLANRange{{Start: 100, End: 4000}}, FailProvisioning: failing,
		})
	}
	for i := range sourcePorts {
		add(i, fmt.Sprintf("CHAOS-SRC-%02d", i), false)
	}
	for i := range destPorts {
		add(sourcePorts+i, fmt.Sprintf("CHAOS-DST-%02d", i), false)
	}
	add(faultyPortNo, "CHAOS-FAULTY", true)
	for i := range adversarySources {
		add(adversarySourceNo+i, fmt.Sprintf("CHAOS-ADV-SRC-%02d", i), false)
	}
	add(adversaryFaultyNo, "CHAOS-ADV-FAULTY", true)
	for _, p := range orders {
		if p.Target == nil {
			continue
		}
		fx.Connections = append(fx.Connections, *p.Target)
		for i := range fx.Ports {
			if fx.Ports[i].ID == p.Target.SrcPortID {
				fx.Ports[i].Utilised += p.Target.SpeedMbps // a fixture connection's bandwidth is in its port's
			}
		}
	}
	return fx
}

// plan draws the run's orders from the seed: kinds, start times spread
// over arrival, cancels. The same seed always gives the same plan.
func plan(rng *rand.Rand, n int, arrival time.Duration) []plannedOrder {
	orders := make([]plannedOrder, 0, n)
	for i := 0; len(orders) < n; i++ {
		id := fmt.Sprintf("CX-%04d", i)
		p := plannedOrder{StartAt: time.Duration(rng.Float64() * float64(arrival)), Twin: -1}
		o := workflows.Order{OrderID: id, Company: companyOrdering, Name: id,
			PortID: chaosPortID(rng.IntN(sourcePorts)), SpeedMbps: 1 + rng.IntN(5)}
		switch draw := rng.Float64(); {
		case draw < 0.34:
			p.Kind, o.DestPortID = kindPortToPort, chaosPortID(sourcePorts+rng.IntN(destPorts))
		case draw < 0.39:
			p.Kind, o.PortID, o.DestPortID = kindPortToError, chaosPortID(faultyPortNo), chaosPortID(sourcePorts)
		case draw < 0.56:
			p.Kind, o.DestCompany, o.DestMetro = kindB2BAccepted, "globex", "HKG"
		case draw < 0.65:
			p.Kind, o.DestCompany, o.DestMetro = kindB2BRejected, "umbrella", "HKG"
		case draw < 0.77:
			p.Kind, o.DestCompany, o.DestMetro = kindB2BSilent, "initech", "HKG"
			o.ActivationTimeout = workflows.Duration(time.Minute + time.Duration(rng.IntN(30))*time.Second)
		case draw < 0.80:
			p.Kind, o.DestPortID = kindPrecheck, chaosPortID(sourcePorts)
			o.PortID = "601000000000000000000005" // ACME-LON-L3ONLY: no Layer 2
		case draw < 0.92:
			p.Kind, p.Target, o = planAction(rng, id, len(orders), draw)
		default:
			p.Kind, o.DestPortID = kindPortToPort, chaosPortID(sourcePorts+rng.IntN(destPorts))
			if len(orders) > 0 && len(orders) < n-1 {
				// A twin: the same name on the same port as an order
				// already planned, started at the same instant.
				twin := rng.IntN(len(orders))
				if orders[twin].Twin < 0 && orders[twin].Kind == kindPortToPort {
					p.Kind, p.Twin, p.StartAt = kindSameName, twin, orders[twin].StartAt
					o.Name, o.PortID = orders[twin].Order.Name, orders[twin].Order.PortID
				}
			}
		}
		switch draw := rng.Float64(); {
		case p.Kind == kindPrecheck || p.Kind == kindSameName:
		case draw < 0.07:
			p.Cancel = cancelSignal
		case draw < 0.13:
			p.Cancel = cancelTemporal
		}
		// Mid-way: before, around and after the PUT.
		p.CancelAfter = time.Duration(rng.Float64() * float64(8*time.Second))
		p.Order = o
		orders = append(orders, p)
	}
	return orders
}

// fixtureConnID is the id of the n-th connection the fixture holds for the
// action orders.
func fixtureConnID(n int) string { return fmt.Sprintf("6c00000000000000000c%04d", n) }

// planAction draws an order acting on a connection of the fixture, made
// for it alone (n numbers it): a decommission (one in five naming the
// connection wrongly, which must change nothing), a modify (of a
// self-connection, updated at once, or of one to globex, whose increase
// is a change request globex approves), or an adopt.
func planAction(rng *rand.Rand, id string, n int, draw float64) (string, *ccapisim.Connection, workflows.Order) {
	target := &ccapisim.Connection{ID: fixtureConnID(n), Name: fmt.Sprintf("CHAOS-OLD-%04d", n), Company: companyOrdering,
		SrcPortID: chaosPortID(rng.IntN(sourcePorts)), SpeedMbps: 2 + rng.IntN(4), Status: ccapisim.StatusActive,
		CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if rng.IntN(2) == 0 {
		target.DestPortID, target.DestCompany = chaosPortID(sourcePorts+rng.IntN(destPorts)), companyOrdering
	} else {
		target.DestCompany = "globex"
	}
	o := workflows.Order{OrderID: id, Company: companyOrdering, ConnectionID: target.ID}
	switch {
	case draw < 0.84:
		o.Action, o.Name = workflows.ActionDecommission, target.Name
		if rng.IntN(5) == 0 {
			o.Name += "-MISTYPED"
		}
		return kindDecommission, target, o
	case draw < 0.89:
		o.Action, o.SpeedMbps = workflows.ActionModify, 1+rng.IntN(8)
		if o.SpeedMbps == target.SpeedMbps {
			o.SpeedMbps++ // a change; "already at" is checked by the tests
		}
		return kindModify, target, o
	}
	o.Action = workflows.ActionAdopt
	return kindAdopt, target, o
}
