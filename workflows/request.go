package workflows

import (
	"github.com/cc-l2/provisioner/ccapi"
)

// layer2Request is the exact PUT body for the order, in the API guide's
// shape; the order carries its defaults (Run applied them to its input).
func layer2Request(o Order, l preorder) ccapi.CreateLayer2Request {
	req := ccapi.CreateLayer2Request{
		Name:           o.Name,
		PortID:         o.PortID,
		Duration:       *o.Duration,
		DurationUnit:   o.DurationUnit,
		PaymentType:    o.PaymentType,
		ClassOfService: o.ClassOfService,
		SpeedMbps:      o.SpeedMbps,
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
