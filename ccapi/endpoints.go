package ccapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Endpoint names, as Client.Observe reports them (and as the simulator
// counts them).
const (
	EndpointListPorts         = "listPorts"
	EndpointGetPort           = "getPort"
	EndpointPortConnections   = "portConnections"
	EndpointMetroCapabilities = "metroCapabilities"
	EndpointSearchDCF         = "searchDCF"
	EndpointCreateLayer2      = "createLayer2"
	EndpointGetConnection     = "getConnection"
	EndpointListConnections   = "listConnections"
	EndpointDeleteConnection  = "deleteConnection"
	EndpointApproveConnection = "approveConnection"
	EndpointRejectConnection  = "rejectConnection"
)

// ListPorts returns the company's ports that are not deleted.
// GET /api/company/{company}/ports?deleted=false
func (c *Client) ListPorts(ctx context.Context, company string) ([]Port, error) {
	var out struct {
		Results []Port `json:"results"`
	}
	q := url.Values{"deleted": {"false"}}
	if err := c.do(ctx, EndpointListPorts, http.MethodGet, endpointPath("/api/company/%s/ports", company), q, nil, &out); err != nil {
		return nil, err
	}
	return out.Results, nil
}

// GetPort reads one of the company's ports, with its connections inline.
// GET /api/company/{company}/ports/{portId}
func (c *Client) GetPort(ctx context.Context, company, portID string) (*Port, error) {
	return c.getPort(ctx, company, portID, nil)
}

// GetPortWithConnectionsNamed reads a port as GetPort does, keeping of its
// inline connections only those named name: a busy port lists thousands,
// and a caller after one name need not pay to decode them all.
// GET /api/company/{company}/ports/{portId}
func (c *Client) GetPortWithConnectionsNamed(ctx context.Context, company, portID, name string) (*Port, error) {
	return c.getPort(ctx, company, portID, &name)
}

// getPort reads a port, keeping the inline connections named named (all
// when nil).
func (c *Client) getPort(ctx context.Context, company, portID string, named *string) (*Port, error) {
	var out Port
	if err := c.do(ctx, EndpointGetPort, http.MethodGet, endpointPath("/api/company/%s/ports/%s", company, portID), nil, nil, portAnswer{&out, named}); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListPortConnections returns one page of a port's connections (either
// end). The reference documents no paging for it; page and count are sent
// as for the connection search, and the answer must say how many there
// are in all (ConnectionPage.HasCount), or a caller cannot know it saw
// them all.
// GET /api/company/{company}/ports/{portId}/connections?page=&count=
func (c *Client) ListPortConnections(ctx context.Context, company, portID string, page, count int) (*ConnectionPage, error) {
	q := url.Values{"page": {strconv.Itoa(max(page, 1))}, "count": {strconv.Itoa(max(count, 1))}}
	var out ConnectionPage
	if err := c.do(ctx, EndpointPortConnections, http.MethodGet, endpointPath("/api/company/%s/ports/%s/connections", company, portID), q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// MetroCapabilities returns the metros where the company is present, with
// what each supports.
// GET /api/company/{company}/metro/capabilities
func (c *Client) MetroCapabilities(ctx context.Context, company string) ([]Metro, error) {
	var out struct {
		Results []Metro `json:"results"`
	}
	if err := c.do(ctx, EndpointMetroCapabilities, http.MethodGet, endpointPath("/api/company/%s/metro/capabilities", company), nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Results, nil
}

// SearchDCFs returns the data-center facilities matching filter.
// GET /v2/data-center-facility?filter=<LoopBack JSON>; the answer is a bare array.
func (c *Client) SearchDCFs(ctx context.Context, filter DCFFilter) ([]DCF, error) {
	f, err := json.Marshal(filter)
	if err != nil {
		return nil, fmt.Errorf("ccapi: encoding DCF filter: %w", err)
	}
	var out []DCF
	if err := c.do(ctx, EndpointSearchDCF, http.MethodGet, "/v2/data-center-facility", url.Values{"filter": {string(f)}}, nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// CreateLayer2 orders a Layer 2 connection. It creates a billable resource
// and the API has no idempotency key: callers must not retry it blindly.
// PUT /api/v2/company/{company}/connections/layer2
func (c *Client) CreateLayer2(ctx context.Context, company string, req CreateLayer2Request) (*Connection, error) {
	if req.Type == "" {
		req.Type = ConnectionTypeLayer2
	}
	var out Connection
	if err := c.do(ctx, EndpointCreateLayer2, http.MethodPut, endpointPath("/api/v2/company/%s/connections/layer2", company), nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetConnection reads one connection.
// GET /api/v2/company/{company}/connections/{id}
func (c *Client) GetConnection(ctx context.Context, company, id string) (*Connection, error) {
	var out Connection
	if err := c.do(ctx, EndpointGetConnection, http.MethodGet, endpointPath("/api/v2/company/%s/connections/%s", company, id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListConnections returns one page of the company's connections.
// GET /api/v2/company/{company}/connections?page=&count=&status=
func (c *Client) ListConnections(ctx context.Context, company string, opts ListConnectionsOptions) (*ConnectionPage, error) {
	page, count := opts.Page, opts.Count
	if page <= 0 {
		page = 1
	}
	if count <= 0 {
		count = 20
	}
	q := url.Values{"page": {strconv.Itoa(page)}, "count": {strconv.Itoa(count)}}
	if opts.Status != "" {
		q.Set("status", string(opts.Status))
	}
	var out ConnectionPage
	if err := c.do(ctx, EndpointListConnections, http.MethodGet, endpointPath("/api/v2/company/%s/connections", company), q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteConnection deletes (or withdraws, while pending) a connection.
// DELETE /api/v2/company/{company}/connections/{id}
func (c *Client) DeleteConnection(ctx context.Context, company, id string) error {
	return c.do(ctx, EndpointDeleteConnection, http.MethodDelete, endpointPath("/api/v2/company/%s/connections/%s", company, id), nil, nil, nil)
}

// ApproveConnection accepts a connection request as its destination company.
// PUT /api/v2/company/{company}/connections/{id}/approve
func (c *Client) ApproveConnection(ctx context.Context, company, id string) (*Connection, error) {
	return c.decide(ctx, company, id, "approve")
}

// RejectConnection refuses a connection request as its destination company.
// PUT /api/v2/company/{company}/connections/{id}/reject
func (c *Client) RejectConnection(ctx context.Context, company, id string) (*Connection, error) {
	return c.decide(ctx, company, id, "reject")
}

func (c *Client) decide(ctx context.Context, company, id, verb string) (*Connection, error) {
	var out Connection
	if err := c.do(ctx, verb+"Connection", http.MethodPut, endpointPath("/api/v2/company/%s/connections/%s/", company, id)+verb, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
