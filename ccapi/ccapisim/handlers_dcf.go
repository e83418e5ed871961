package ccapisim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

const (
	dcfDefaultLimit = 100
	dcfMaxLimit     = 100
)

// dcfJSON follows the DCF search sample of the API guide.
type dcfJSON struct {
	Company             dcfCompanyJSON `json:"company"`
	Username            string         `json:"username"`
	Name                string         `json:"name"`
	Tags                []string       `json:"tags"`
	DataCenterFacility  dcfDetailsJSON `json:"dataCenterFacility"`
	Provider            []string       `json:"provider"`
	ExternalID          *string        `json:"externalId"`
	DestinationPortOnly bool           `json:"destinationPortOnly"`
	Verified            bool           `json:"verified"`
	ID                  string         `json:"id"`
	DeletedAt           *string        `json:"deletedAt"`
	CreatedAt           string         `json:"createdAt"`
	UpdatedAt           string         `json:"updatedAt"`
}

type dcfCompanyJSON struct {
	Addresses []addressJSON `json:"addresses"`
}

type addressJSON struct {
	Registered bool    `json:"registered"`
	Address    string  `json:"address"`
	City       string  `json:"city"`
	Country    string  `json:"country"`
	Email      *string `json:"email"`
	Phone      *string `json:"phone"`
	Geo        geoJSON `json:"geo"`
}

// geoJSON carries coordinates as strings, as the real API does.
type geoJSON struct {
	Type        string   `json:"type"`
	Coordinates []string `json:"coordinates"`
}

type dcfDetailsJSON struct {
	AirportCodes          []string    `json:"airportCodes"`
	Speeds                []speedJSON `json:"speeds"`
	MetroID               string      `json:"metroId"`
	Ready                 bool        `json:"ready"`
	ID                    string      `json:"id"` // a UUID, distinct from the top-level id
	NNIReady              bool        `json:"nniReady"`
	BrandID               *string     `json:"brandId"`
	CanBundleCrossConnect bool        `json:"canBundleCrossConnect"`
}

// dcfFilter is the supported subset of a LoopBack filter.
type dcfFilter struct {
	Where map[string]json.RawMessage `json:"where"`
	Skip  int                        `json:"skip"`
	Limit int                        `json:"limit"`
}

func (s *Server) handleSearchDCF(w http.ResponseWriter, r *http.Request) {
	filter, match, err := parseDCFFilter(r.URL.Query().Get("filter"))
	if err != nil {
		writeCodeError(w, http.StatusBadRequest, "Invalid filter: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	found := []dcfJSON{}
	for _, d := range s.dcfs {
		if match(d) {
			found = append(found, toDCFJSON(d))
		}
	}
	found = found[min(filter.Skip, len(found)):]
	found = found[:min(filter.Limit, len(found))]
	writeJSON(w, http.StatusOK, found) // a bare array, unlike the other list endpoints
}

// parseDCFFilter decodes the filter and compiles its where clause into a
// predicate. Only equality on a few keys is supported; anything else is
// rejected so a client never silently gets unfiltered results.
func parseDCFFilter(raw string) (dcfFilter, func(*DCF) bool, error) {
	var filter dcfFilter
	if raw == "" {
		return filter, nil, fmt.Errorf("the filter query parameter is required")
	}
	if err := json.Unmarshal([]byte(raw), &filter); err != nil {
		return filter, nil, fmt.Errorf("filter is not valid JSON: %w", err)
	}
	if filter.Skip < 0 || filter.Limit < 0 {
		return filter, nil, fmt.Errorf("skip and limit must not be negative")
	}
	if filter.Limit == 0 {
		filter.Limit = dcfDefaultLimit
	}
	filter.Limit = min(filter.Limit, dcfMaxLimit)

	var preds []func(*DCF) bool
	for key, value := range filter.Where {
		switch key {
		case "id", "username", "dataCenterFacility.metroId":
			var want string
			if err := json.Unmarshal(value, &want); err != nil {
				return filter, nil, fmt.Errorf("where.%s must be a string", key)
			}
			field := map[string]func(*DCF) string{
				"id":                         func(d *DCF) string { return d.ID },
				"username":                   func(d *DCF) string { return d.Username },
				"dataCenterFacility.metroId": func(d *DCF) string { return d.MetroID },
			}[key]
			preds = append(preds, func(d *DCF) bool { return field(d) == want })
		case "dataCenterFacility.ready":
			var want bool
			if err := json.Unmarshal(value, &want); err != nil {
				return filter, nil, fmt.Errorf("where.%s must be a boolean", key)
			}
			preds = append(preds, func(d *DCF) bool { return d.Ready == want })
		default:
			return filter, nil, fmt.Errorf("unsupported where property %q", key)
		}
	}
	match := func(d *DCF) bool {
		for _, pred := range preds {
			if !pred(d) {
				return false
			}
		}
		return true
	}
	return filter, match, nil
}

func toDCFJSON(d *DCF) dcfJSON {
	at := formatTime(recordsCreatedAt)
	return dcfJSON{
		Company: dcfCompanyJSON{Addresses: []addressJSON{{
			City: d.City, Country: d.Country,
			Geo: geoJSON{Type: "Point", Coordinates: nonNil(d.Coordinates)},
		}}},
		Username: d.Username,
		Name:     d.Name,
		Tags:     []string{},
		DataCenterFacility: dcfDetailsJSON{
			AirportCodes: []string{}, Speeds: []speedJSON{speedOf(1000), speedOf(10000)},
			MetroID: d.MetroID, Ready: d.Ready, ID: uuidFromHex(d.ID), NNIReady: d.Ready,
		},
		Provider:  []string{"PCCWGLOBAL"},
		Verified:  true,
		ID:        d.ID,
		CreatedAt: at,
		UpdatedAt: at,
	}
}

// uuidFromHex derives a stable UUID-shaped id from a hex object id.
func uuidFromHex(id string) string {
	h := strings.Repeat("0", max(0, 32-len(id))) + id
	if len(h) != 32 {
		return id
	}
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
