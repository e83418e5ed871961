package activities

import (
	"context"
	"strings"

	"go.temporal.io/sdk/activity"

	"github.com/cc-l2/provisioner/ccapi"
)

// ResolveMetroInput asks for one metro of the destination company.
type ResolveMetroInput struct {
	OrderID string `json:"orderId"`
	Company string `json:"company"` // the destination company
	Metro   string `json:"metro"`   // metro id or code (e.g. HKG)
}

// MetroInfo is what the workflow needs of the destination metro.
type MetroInfo struct {
	Found    bool   `json:"found"`
	ID       string `json:"id,omitempty"`
	Code     string `json:"code,omitempty"`
	Name     string `json:"name,omitempty"`
	RegionID string `json:"regionId,omitempty"`
	Layer2   bool   `json:"layer2"`
	// Known lists the company's metro codes when the metro was not found,
	// so the error can say what would have worked.
	Known []string `json:"known,omitempty"`
}

// maxKnownMetros bounds MetroInfo.Known: enough for a helpful message.
const maxKnownMetros = 20

// ResolveMetro finds the metro by id or code (case-insensitive) among the
// metros where the destination company is present.
func (a *Activities) ResolveMetro(ctx context.Context, in ResolveMetroInput) (MetroInfo, error) {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	logger := activity.GetLogger(ctx)
	logger.Info("Resolving metro", "orderId", in.OrderID, "company", in.Company, "metro", in.Metro)
	metros, err := a.API.MetroCapabilities(ctx, in.Company)
	if err != nil {
		return MetroInfo{}, classify("listing metros of company "+in.Company, err)
	}
	var res MetroInfo
	for _, m := range metros {
		if m.ID == in.Metro || strings.EqualFold(m.Code, in.Metro) {
			res = MetroInfo{Found: true, ID: m.ID, Code: m.Code, Name: m.Name, Layer2: m.Capabilities.Layer2}
			if len(m.RegionIDs) > 0 {
				res.RegionID = m.RegionIDs[0]
			}
			break
		}
	}
	if !res.Found {
		for _, m := range metros[:min(len(metros), maxKnownMetros)] {
			res.Known = append(res.Known, m.Code)
		}
	}
	logger.Info("Metro resolved", "orderId", in.OrderID, "found", res.Found, "metroId", res.ID, "layer2", res.Layer2)
	return res, nil
}
