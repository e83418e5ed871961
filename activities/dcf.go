package activities

import (
	"cmp"
	"context"
	"slices"

	"go.temporal.io/sdk/activity"

	"github.com/cc-l2/provisioner/ccapi"
)

// FindDCFInput asks for a data-center facility in a metro: the given one,
// or else one the platform has ready there.
type FindDCFInput struct {
	OrderID string `json:"orderId"`
	MetroID string `json:"metroId"`
	DCFID   string `json:"dcfId,omitempty"`
}

// DCFInfo is what the workflow needs of the chosen facility.
type DCFInfo struct {
	Found   bool   `json:"found"`
	ID      string `json:"id,omitempty"`
	Name    string `json:"name,omitempty"`
	MetroID string `json:"metroId,omitempty"`
	Ready   bool   `json:"ready"`
}

// dcfSearchLimit is the page size of the DCF search; a metro has a handful.
const dcfSearchLimit = 100

// FindDCF looks up the order's DCF, or picks the ready DCF with the lowest
// id in the metro so the same order always picks the same facility.
func (a *Activities) FindDCF(ctx context.Context, in FindDCFInput) (DCFInfo, error) {
	ctx = ccapi.WithCorrelationID(ctx, in.OrderID)
	logger := activity.GetLogger(ctx)
	filter := ccapi.DCFFilter{Limit: dcfSearchLimit}
	if in.DCFID != "" {
		filter.Where = map[string]any{"id": in.DCFID}
	} else {
		filter.Where = map[string]any{"dataCenterFacility.metroId": in.MetroID, "dataCenterFacility.ready": true}
	}
	logger.Info("Searching DCFs", "orderId", in.OrderID, "metroId", in.MetroID, "dcfId", in.DCFID)
	dcfs, err := a.API.SearchDCFs(ctx, filter)
	if err != nil {
		return DCFInfo{}, classify("searching data-center facilities", err)
	}
	// The API's order is not documented; sort for a deterministic choice.
	slices.SortFunc(dcfs, func(x, y ccapi.DCF) int { return cmp.Compare(x.ID, y.ID) })
	for _, d := range dcfs {
		if in.DCFID != "" && d.ID != in.DCFID {
			continue
		}
		if in.DCFID == "" && (d.Facility.MetroID != in.MetroID || !d.Facility.Ready) {
			continue
		}
		res := DCFInfo{Found: true, ID: d.ID, Name: d.Name, MetroID: d.Facility.MetroID, Ready: d.Facility.Ready}
		logger.Info("DCF chosen", "orderId", in.OrderID, "dcfId", res.ID, "name", res.Name)
		return res, nil
	}
	logger.Info("No DCF found", "orderId", in.OrderID, "candidates", len(dcfs))
	return DCFInfo{ID: in.DCFID}, nil
}
