package activities

import (
	"context"
	"fmt"
	"slices"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/ccapi"
)

// FindOrderConnectionInput describes the connection an order's PUT would
// have created.
type FindOrderConnectionInput struct {
	OrderID string `json:"orderId"`
	Company string `json:"company"`
	PortID  string `json:"portId"` // the source port
	Name    string `json:"name"`
	// DestPortID and Speed, when set, must match too (a connection that
	// says otherwise is not the order's).
	DestPortID string `json:"destPortId,omitempty"`
	Speed      int    `json:"speed,omitempty"`
	// Exclude are connections that carried the name before the order's
	// first PUT: never the order's.
	Exclude []string `json:"exclude,omitempty"`
}

// OrderConnections is what the lookup found: only what the workflow needs,
// whatever the size of the port.
type OrderConnections struct {
	Matches []ExistingConnection `json:"matches,omitempty"` // oldest first
	Scanned int                  `json:"scanned"`           // connections on the port
}

// Paging of a port's connections: a real port has dozens, a busy one
// hundreds; past maxLookupPages the lookup gives up as inconclusive.
const (
	lookupPageSize = 100
	maxLookupPages = 200
	// maxListRestarts bounds how often the listing starts over because the
	// port's list changed under it.
	maxListRestarts = 3
)

// FindOrderConnection looks among the source port's own connections (not
// all of the company's) for the one the order's PUT would have created.
//
// It fails closed: anything it cannot fully interpret — a body without
// "results" or "count", a page shorter than the count says, an item
// without an id or a name, one named like the order without a srcPortId —
// is a retryable LookupInconclusive error, never an empty answer. An empty
// answer therefore means the port's whole list was read and nothing in it
// is the order's.
func (a *Activities) FindOrderConnection(ctx context.Context, in FindOrderConnectionInput) (OrderConnections, error) {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	logger := activity.GetLogger(ctx)
	conns, err := a.listPortConnections(ctx, in.Company, in.PortID)
	if err != nil {
		return OrderConnections{}, err
	}
	res := OrderConnections{Scanned: len(conns)}
	var found []ccapi.Connection
	for _, c := range conns {
		switch {
		case c.ID == "" || c.Name == "":
			return OrderConnections{}, inconclusive("port %s lists a connection without an id or a name (%q, %q)", in.PortID, c.ID, c.Name)
		case c.Name != in.Name || slices.Contains(in.Exclude, c.ID):
			continue
		case c.SrcPortID == "":
			return OrderConnections{}, inconclusive("connection %s named %q on port %s has no srcPortId", c.ID, c.Name, in.PortID)
		case c.SrcPortID != in.PortID,
			in.DestPortID != "" && c.DestPortID != "" && c.DestPortID != in.DestPortID,
			in.Speed > 0 && c.Speed.Value > 0 && c.Speed.Value != in.Speed:
			continue // named alike, but another connection
		}
		found = append(found, c)
	}
	slices.SortStableFunc(found, func(x, y ccapi.Connection) int { return x.CreatedAt.Compare(y.CreatedAt) })
	for _, c := range found {
		res.Matches = append(res.Matches, ExistingConnection{ID: c.ID, Status: c.Status, CreatedAt: c.CreatedAt})
	}
	logger.Info("Looked for the order's connection", "orderId", in.OrderID, "portId", in.PortID,
		"scanned", res.Scanned, "matches", len(res.Matches))
	return res, nil
}

// listPortConnections reads every connection of a port, page by page,
// checking that the pages add up to the count the API gives. A server that
// caps its pages below what was asked is paged again at its own size, so
// that page numbers mean what they say; a list that changes while it is
// read is read again.
func (a *Activities) listPortConnections(ctx context.Context, company, portID string) ([]ccapi.Connection, error) {
	size := lookupPageSize
	for restart := 0; ; restart++ {
		if restart > maxListRestarts {
			return nil, inconclusive("the connection list of port %s kept changing while it was read", portID)
		}
		var (
			all   []ccapi.Connection
			seen  = map[string]bool{}
			total = -1
		)
		for page := 1; ; page++ {
			if page > maxLookupPages {
				return nil, inconclusive("port %s has more connections than %d pages of %d", portID, maxLookupPages, size)
			}
			res, err := a.API.ListPortConnections(ctx, company, portID, page, size)
			if err != nil {
				return nil, classify("listing the connections of port "+portID, err)
			}
			if !res.HasResults || !res.HasCount {
				return nil, inconclusive("the connection list of port %s does not say %s", portID, missingParts(res))
			}
			activity.RecordHeartbeat(ctx, page)
			if total >= 0 && res.Count != total {
				break // the list changed under us: read it again
			}
			total = res.Count
			if page == 1 && len(res.Results) < size && len(res.Results) < total {
				if len(res.Results) == 0 {
					return nil, inconclusive("port %s has %d connections but its first page is empty", portID, total)
				}
				if size == lookupPageSize {
					size = len(res.Results) // the server's own page size
					page = 0
					continue
				}
			}
			for _, c := range res.Results {
				if c.ID != "" && seen[c.ID] {
					return nil, inconclusive("connection %s is listed twice on port %s", c.ID, portID)
				}
				seen[c.ID] = true
				all = append(all, c)
			}
			if len(all) >= total {
				if len(all) > total {
					return nil, inconclusive("port %s lists %d connections but says it has %d", portID, len(all), total)
				}
				return all, nil
			}
			if len(res.Results) < size {
				return nil, inconclusive("page %d of port %s's connections has %d of %d, with %d of %d read: the list is cut short",
					page, portID, len(res.Results), size, len(all), total)
			}
		}
	}
}

func missingParts(p *ccapi.ConnectionPage) string {
	switch {
	case !p.HasResults && !p.HasCount:
		return `"results" or "count"`
	case !p.HasResults:
		return `"results"`
	default:
		return `"count" (so it cannot be known to be whole)`
	}
}

// inconclusive is a retryable LookupInconclusive error.
func inconclusive(format string, args ...any) error {
	return temporal.NewApplicationError("lookup inconclusive: "+fmt.Sprintf(format, args...), ErrTypeLookupInconclusive)
}
