package workflows

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// lookups is everything the workflow learned before ordering.
type lookups struct {
	Ports activities.PortsResult
	Metro *activities.MetroInfo // business-to-business only
	DCF   *activities.DCFInfo   // business-to-business, when the metro was found
}

// precheck returns every reason the order cannot be placed, or nil. It runs
// before the PUT so that a doomed order costs nothing and says why.
func precheck(o Order, l lookups) []string {
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
		if src.RemainingMbps < o.Speed {
			fail("speed: %d Mbps exceeds the %d Mbps remaining on source port %s (%s)", o.Speed, src.RemainingMbps, src.ID, src.Name)
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

// layer2Request is the exact PUT body for the order, in the API guide's shape.
func layer2Request(o Order, l lookups) ccapi.CreateLayer2Request {
	req := ccapi.CreateLayer2Request{
		Name:           o.Name,
		PortID:         o.PortID,
		Duration:       *o.Duration,
		DurationUnit:   o.DurationUnit,
		PaymentType:    o.PaymentType,
		ClassOfService: o.ClassOfService,
		Speed:          o.Speed,
		Type:           ccapi.ConnectionTypeLayer2,
		Evergreen:      o.Evergreen == nil || *o.Evergreen,
	}
	if o.Kind() == PortToPort {
		// As in the guide: port-to-port names the own company as destination
		// and the destination port's metro.
		req.DestPortID = o.DestPortID
		req.DestCompany = o.Company
		if l.Ports.Dest != nil {
			req.DestMetroID = l.Ports.Dest.MetroID
		}
		return req
	}
	req.DestCompany = o.DestCompany
	if l.Metro != nil {
		req.DestMetroID = l.Metro.ID
		req.DestRegionID = l.Metro.RegionID
	}
	if l.DCF != nil {
		req.DestDCF = l.DCF.ID
	}
	return req
}
