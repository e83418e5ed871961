package workflows

import (
	"fmt"
	"strings"

	"github.com/cc-l2/provisioner/ccapi"
)

// precheck returns every reason the order cannot be placed, or nil. It runs
// before the PUT so that a doomed order costs nothing and says why.
func precheck(o Order, l preorder) []string {
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	src := l.Ports.Source
	switch {
	case !src.Found:
		fail("portId: source port %s not found in company %s", o.PortID, o.Company)
	default:
		if src.Status != "ACTIVE" {
			fail("portId: source port %s (%s) is %s, not ACTIVE", src.ID, src.Name, src.Status)
		}
		if !src.SupportsL2 {
			fail("portId: source port %s (%s) does not support Layer 2 (supports %s)", src.ID, src.Name, strings.Join(src.Services, ", "))
		}
		if src.RemainingMbps < o.SpeedMbps {
			fail("speed: %d Mbps exceeds the %d Mbps remaining on source port %s (%s)", o.SpeedMbps, src.RemainingMbps, src.ID, src.Name)
		}
	}
	for _, c := range l.Ports.SameName {
		if c.Status.Phase() != ccapi.PhaseFailed {
			fail("name: a connection named %q already exists on port %s (id %s, %s); give the order another name", o.Name, o.PortID, c.ID, c.Status)
		}
	}

	if o.Kind() == PortToPort {
		switch dst := l.Ports.Dest; {
		case dst == nil || !dst.Found:
			fail("destPortId: destination port %s not found among company %s's ports", o.DestPortID, o.Company)
		case dst.Status != "ACTIVE":
			fail("destPortId: destination port %s (%s) is %s, not ACTIVE", dst.ID, dst.Name, dst.Status)
		case !dst.SupportsL2:
			fail("destPortId: destination port %s (%s) does not support Layer 2", dst.ID, dst.Name)
		}
		return problems
	}

	switch m := l.Metro; {
	case m == nil || !m.Found:
		known := "none"
		if m != nil && len(m.Known) > 0 {
			known = strings.Join(m.Known, ", ")
		}
		fail("destMetro: metro %q not found among company %s's metros (it has: %s)", o.DestMetro, o.DestCompany, known)
	case !m.Layer2:
		fail("destMetro: metro %s (%s) does not support Layer 2 for company %s", m.Code, m.ID, o.DestCompany)
	case m.RegionID == "":
		fail("destMetro: metro %s (%s) has no region", m.Code, m.ID)
	}
	if l.Metro != nil && l.Metro.Found {
		switch d := l.DCF; {
		case d == nil || !d.Found:
			if o.DestDCF != "" {
				fail("destDcf: data-center facility %s not found", o.DestDCF)
			} else {
				fail("destDcf: no ready data-center facility in metro %s", l.Metro.Code)
			}
		case d.MetroID != l.Metro.ID:
			fail("destDcf: data-center facility %s (%s) is not in metro %s", d.ID, d.Name, l.Metro.Code)
		case !d.Ready:
			fail("destDcf: data-center facility %s (%s) is not ready", d.ID, d.Name)
		}
	}
	return problems
}
