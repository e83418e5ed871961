package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

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
	ID        string       `json:"id"`
	Status    ccapi.Status `json:"status"`
	CreatedAt time.Time    `json:"createdAt,omitzero"`
}

// PortsResult is the outcome of LookupPorts.
type PortsResult struct {
	Source PortInfo  `json:"source"`
	Dest   *PortInfo `json:"dest,omitempty"`
	// SameName are connections on the source port already named like the
	// order's connection.
	SameName []ExistingConnection `json:"sameName,omitempty"`
	// PortCount was how many ports the company has; histories recorded
	// before ports were read one by one carry it.
	PortCount int `json:"portCount,omitempty"`
}

// LookupPorts reads the order's source (and destination) port, one by one:
// the cost does not grow with the company's size, and a port list the API
// caps or cuts short cannot hide a port. A port the API does not know
// (404) is reported as not found.
func (a *Activities) LookupPorts(ctx context.Context, in LookupPortsInput) (PortsResult, error) {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	logger := activity.GetLogger(ctx)
	logger.Info("Reading ports", "orderId", in.OrderID, "company", in.Company, "portId", in.PortID, "destPortId", in.DestPortID)
	src, err := a.readPort(ctx, in.Company, in.PortID, in.ConnectionName)
	if err != nil {
		return PortsResult{}, err
	}
	res := PortsResult{Source: PortInfo{ID: in.PortID}}
	if src != nil {
		res.Source = portInfo(*src)
		for _, c := range src.Connections {
			if c.Name == in.ConnectionName {
				res.SameName = append(res.SameName, ExistingConnection{ID: c.ID, Status: ccapi.Status(c.Status)})
			}
		}
	}
	if in.DestPortID != "" {
		res.Dest = &PortInfo{ID: in.DestPortID}
		dest, err := a.readPort(ctx, in.Company, in.DestPortID, in.ConnectionName)
		if err != nil {
			return PortsResult{}, err
		}
		if dest != nil {
			info := portInfo(*dest)
			res.Dest = &info
		}
	}
	logger.Info("Ports looked up", "orderId", in.OrderID, "sourceFound", res.Source.Found, "sameName", len(res.SameName))
	return res, nil
}

// readPort reads one port; nil when the API does not know it. Of the
// connections the port lists, it keeps those named connectionName, or
// all with connectionName empty: a busy port lists thousands.
func (a *Activities) readPort(ctx context.Context, company, portID, connectionName string) (*ccapi.Port, error) {
	var p *ccapi.Port
	var err error
	if connectionName == "" {
		p, err = a.API.GetPort(ctx, company, portID)
	} else {
		p, err = a.API.GetPortWithConnectionsNamed(ctx, company, portID, connectionName)
	}
	switch {
	case ccapi.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, classify(fmt.Sprintf("reading port %s of company %s", portID, company), err)
	case p.ID != portID:
		return nil, temporal.NewApplicationError(fmt.Sprintf("reading port %s of company %s: the API answered port %q", portID, company, p.ID), ErrTypeAPIUnavailable)
	}
	return p, nil
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

// PortRef names one port of a company.
type PortRef struct {
	OrderID string `json:"orderId"`
	Company string `json:"company"`
	PortID  string `json:"portId"`
}

// ReadPort reads one port (Found false when the API does not know it).
func (a *Activities) ReadPort(ctx context.Context, in PortRef) (PortInfo, error) {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	p, err := a.readPort(ctx, in.Company, in.PortID, "")
	if err != nil || p == nil {
		return PortInfo{ID: in.PortID}, err
	}
	return portInfo(*p), nil
}
