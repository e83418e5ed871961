package bench

import (
	"fmt"
	"time"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
	"github.com/cc-l2/provisioner/workflows"
)

// The world every order of a run lives in: the simulator's default
// fixture plus one big source port of acme, which already carries the
// company's existing connections, and one empty destination port.
const (
	companyOrdering = "acme"
	// partnerApproving approves a business-to-business request at once
	// (autoApprove, and the simulator runs with no decision delay).
	partnerApproving = "globex"
	// partnerSilent never answers a request: the waiting orders' partner.
	partnerSilent = "initech"
	// Both partners have presence in Hong Kong, as both bench ports do.
	destMetroCode = "HKG"
	metroHKG      = "5d1000000000000000000001"
	dcfHKG        = "5f10000000000000000000a1"
	// existingDestPort is where the existing connections go: a port no
	// order reads, so that only the source port is big.
	existingDestPort = "601000000000000000000002" // ACME-SIN-01

	sourcePort = "6b0000000000000000000001"
	destPort   = "6b0000000000000000000002"
	// orderSpeed is every order's bandwidth (Mbps); the source port is
	// sized so that capacity never refuses one.
	orderSpeed      = 1
	sourcePortSpeed = 10_000_000
)

// fixture is the default world plus the bench ports and existing
// connections (each of 1 Mbps, ACTIVE, created long before the run).
func fixture(existing int) *ccapisim.Fixture {
	fx := ccapisim.DefaultFixture()
	port := func(id, name string, utilised int) ccapisim.Port {
		return ccapisim.Port{
			ID: id, Company: companyOrdering, Name: name, Status: ccapisim.StatusActive,
			SpeedMbps: sourcePortSpeed, Utilised: utilised, MetroID: metroHKG, DCFID: dcfHKG,
			SupportedServices: []string{"L2"}, VLANRanges: []ccapisim.VLANRange{{Start: 2, End: 4094}},
		}
	}
	fx.Ports = append(fx.Ports, port(sourcePort, "BENCH-SRC", existing), port(destPort, "BENCH-DST", 0))
	since := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range existing {
		fx.Connections = append(fx.Connections, ccapisim.Connection{
			ID: fmt.Sprintf("6e%022x", i), Name: fmt.Sprintf("EXISTING-%05d", i), Company: companyOrdering,
			SrcPortID: sourcePort, DestPortID: existingDestPort, SpeedMbps: 1, Status: ccapisim.StatusActive,
			CreatedAt: since.Add(time.Duration(i) * time.Minute),
		})
	}
	return fx
}

// Kinds of order a run places; each kind's order ids start with its own
// prefix, so ids and connection names never collide across batches.
type orderKind struct {
	prefix      string
	destPortID  string // port-to-port
	destCompany string // business-to-business
}

var (
	portToPort  = orderKind{prefix: "P2P", destPortID: destPort}
	b2bAccepted = orderKind{prefix: "B2B", destCompany: partnerApproving}
	b2bWaiting  = orderKind{prefix: "WAIT", destCompany: partnerSilent}
	rateLimited = orderKind{prefix: "RATE", destPortID: destPort}
)

// orders are n orders of a kind, all from the big source port.
func (k orderKind) orders(n int) []workflows.Order {
	out := make([]workflows.Order, n)
	for i := range out {
		o := workflows.Order{
			OrderID: fmt.Sprintf("%s-%05d", k.prefix, i), Company: companyOrdering,
			PortID: sourcePort, SpeedMbps: orderSpeed,
		}
		if k.destPortID != "" {
			o.DestPortID = k.destPortID
		} else {
			o.DestCompany, o.DestMetro = k.destCompany, destMetroCode
		}
		out[i] = o
	}
	return out
}

// minimumCalls is the fewest API calls an order of each kind could make,
// by endpoint: one lookup (one port read), one PUT, one status read
// (activation is at once); business-to-business adds the metro and the
// DCF.
var minimumCalls = map[string]struct{ p2p, b2b int }{
	ccapisim.EndpointGetPort:           {1, 1},
	ccapisim.EndpointCreateLayer2:      {1, 1},
	ccapisim.EndpointGetConnection:     {1, 1},
	ccapisim.EndpointMetroCapabilities: {0, 1},
	ccapisim.EndpointSearchDCF:         {0, 1},
}

// minimumCallsOf is the fewest API calls in all of an order of the kind.
func minimumCallsOf(k orderKind) int {
	total := 0
	for _, m := range minimumCalls {
		if k.destPortID != "" {
			total += m.p2p
		} else {
			total += m.b2b
		}
	}
	return total
}
