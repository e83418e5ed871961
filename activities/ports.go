package activities

import (
	"context"

	"go.temporal.io/sdk/activity"

	"github.com/cc-l2/provisioner/ccapi"
)

// LookupPortsInput names the ports an order uses.
type LookupPortsInput struct {
	OrderID    string `json:"orderId"`
	Company    string `json:"company"`
	PortID     string `json:"portId"`
	DestPortID string `json:"destPortId,omitempty"` // port-to-port only
	// ConnectionName is the name the order will give its connection; the
	// result lists connections on the source port that already carry it.
	ConnectionName string `json:"connectionName"`
}

// PortInfo is what the workflow needs of one port, and nothing more: a
// company may have hundreds of ports of several KiB each, and all of them
// would otherwise land in the workflow history.
type PortInfo struct {
	Found         bool     `json:"found"`
	ID            string   `json:"id"`
	Name          string   `json:"name,omitempty"`
	Status        string   `json:"status,omitempty"`
	MetroID       string   `json:"metroId,omitempty"`
	SupportsL2    bool     `json:"supportsL2"`
	Services      []string `json:"services,omitempty"`
	RemainingMbps int      `json:"remainingMbps"`
}

// ExistingConnection is a connection found on a port.
type ExistingConnection struct {
	ID     string       `json:"id"`
	Status ccapi.Status `json:"status"`
}

// PortsResult is the outcome of LookupPorts.
type PortsResult struct {
	Source PortInfo  `json:"source"`
	Dest   *PortInfo `json:"dest,omitempty"`
	// SameName are connections on the source port already named like the
	// order's connection.
	SameName []ExistingConnection `json:"sameName,omitempty"`
	// PortCount is how many ports the company has, for error messages.
	PortCount int `json:"portCount"`
}

// LookupPorts finds the order's source (and destination) port in the
// company's port list.
func (a *Activities) LookupPorts(ctx context.Context, in LookupPortsInput) (PortsResult, error) {
	logger := activity.GetLogger(ctx)
	logger.Info("Listing ports", "orderId", in.OrderID, "company", in.Company)
	ports, err := a.API.ListPorts(ctx, in.Company)
	if err != nil {
		return PortsResult{}, classify("listing ports of company "+in.Company, err)
	}
	res := PortsResult{Source: PortInfo{ID: in.PortID}, PortCount: len(ports)}
	if in.DestPortID != "" {
		res.Dest = &PortInfo{ID: in.DestPortID}
	}
	for _, p := range ports {
		switch p.ID {
		case in.PortID:
			res.Source = portInfo(p)
			for _, c := range p.Connections {
				if c.Name == in.ConnectionName {
					res.SameName = append(res.SameName, ExistingConnection{ID: c.ID, Status: ccapi.Status(c.Status)})
				}
			}
		case in.DestPortID:
			info := portInfo(p)
			res.Dest = &info
		}
	}
	logger.Info("Ports looked up", "orderId", in.OrderID, "ports", len(ports),
		"sourceFound", res.Source.Found, "sameName", len(res.SameName))
	return res, nil
}

func portInfo(p ccapi.Port) PortInfo {
	return PortInfo{
		Found:         true,
		ID:            p.ID,
		Name:          p.Name,
		Status:        p.Status,
		MetroID:       p.MetroID,
		SupportsL2:    p.SupportsLayer2(),
		Services:      p.SupportedServices,
		RemainingMbps: p.Capacity.Remaining,
	}
}
