package ccapisim

import (
	"fmt"
	"net/http"
	"time"
)

// recordsCreatedAt stamps fixture records that carry no timestamps of their
// own (ports, metros, DCFs), so responses are stable across runs.
var recordsCreatedAt = time.Date(2021, 6, 8, 1, 4, 59, 457_000_000, time.UTC)

// formatTime renders timestamps like the real API: RFC 3339, UTC, millis.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

type speedJSON struct {
	Value int    `json:"value"`
	Name  string `json:"name"`
}

func speedOf(mbps int) speedJSON { return speedJSON{Value: mbps, Name: fmt.Sprintf("%d Mbps", mbps)} }

type capacityJSON struct {
	Total     int `json:"total"`
	Utilised  int `json:"utilised"`
	Remaining int `json:"remaining"`
}

// portJSON follows the port sample of the API guide (a representative subset
// of its fields, including the null ones clients must tolerate). Its
// connections come last: encodePort streams them after the rest.
type portJSON struct {
	portHeaderJSON
	Connections []portConnectionJSON `json:"connections"`
}

// portHeaderJSON is a port without its connections.
type portHeaderJSON struct {
	ID                   string       `json:"id"`
	Name                 string       `json:"name"`
	Status               string       `json:"status"`
	Speed                speedJSON    `json:"speed"`
	MetroID              string       `json:"metroId"`
	DataCenterFacilityID string       `json:"dataCenterFacilityId"`
	SupportedServices    []string     `json:"supportedServices"`
	Capacity             capacityJSON `json:"capacity"`
	VLANRanges           []VLANRange  `json:"vlanRanges"`
	CompanyID            string       `json:"companyId"`
	DcpCompanyID         *string      `json:"dcpCompanyId"`
	LocationID           *string      `json:"locationId"`
	LinkStateUpSince     *string      `json:"linkStateUpSince"`
	PaymentType          string       `json:"paymentType"`
	Deleted              bool         `json:"deleted"`
	DeletedAt            *string      `json:"deletedAt"`
	CreatedAt            string       `json:"createdAt"`
	UpdatedAt            string       `json:"updatedAt"`
	Metro                *metroJSON   `json:"metro"`
}

// portConnectionJSON is the inline connection summary of a port; note the
// bare number speed, unlike the {value,name} of the connection endpoints.
type portConnectionJSON struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	Status       string  `json:"status"`
	Speed        int     `json:"speed"`
	Type         string  `json:"type"`
	SrcConfigTag *string `json:"srcConfigTag"`
	TypeFriendly string  `json:"typeFriendly"`
}

type metroJSON struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Code      string   `json:"code"`
	Country   string   `json:"country"`
	RegionIDs []string `json:"regionIds"`
	Logo      *string  `json:"logo"`
	Tags      []string `json:"tags"`
	Ready     bool     `json:"ready"`
	Deleted   bool     `json:"deleted"`
	DeletedAt *string  `json:"deletedAt"`
	CreatedAt string   `json:"createdAt"`
	UpdatedAt string   `json:"updatedAt"`
}

// metroCapabilityJSON is a metroJSON plus what a company can do there.
type metroCapabilityJSON struct {
	metroJSON
	Capabilities                     metroCapabilities `json:"capabilities"`
	FirstDataCenterFacilityIDInMetro *string           `json:"firstDataCenterFacilityIdInMetro"`
}

type metroCapabilities struct {
	Layer2 bool `json:"layer2"`
}

type resultsJSON[T any] struct {
	Results []T `json:"results"`
}

func toMetroJSON(m *Metro) *metroJSON {
	if m == nil {
		return nil
	}
	return &metroJSON{
		ID: m.ID, Name: m.Name, Code: m.Code, Country: m.Country, RegionIDs: nonNil(m.RegionIDs),
		Tags: []string{}, Ready: true, CreatedAt: formatTime(recordsCreatedAt), UpdatedAt: formatTime(recordsCreatedAt),
	}
}

func (s *Server) handleListPorts(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.syncLocked()
	company, ok := s.companies[r.PathValue("company")]
	if !ok {
		writeError(w, http.StatusNotFound, msgCompanyNotFound)
		return
	}
	ports := []portJSON{}
	lagged := s.readViewLocked(now, true) // one moment for the whole answer
	for _, id := range s.portOrder {
		if p := s.ports[id]; p.Company == company.Username {
			view := readView{asOf: now}
			if s.inScopeLocked(p.ID) {
				view = lagged
			}
			ports = append(ports, s.portJSONLocked(p, company, EndpointListPorts, now, view))
		}
	}
	// The port list has no paging: a page cap simply cuts it short.
	if limit := s.faults.forEndpoint(EndpointListPorts).PageCap; limit > 0 && len(ports) > limit {
		ports = ports[:limit]
	}
	writeJSON(w, http.StatusOK, resultsJSON[portJSON]{ports})
}

// handleGetPort reads one port: GET /api/company/{company}/ports/{portId}.
// The port is rendered under the lock and encoded after it: a port with
// thousands of connections must not hold every other request up.
func (s *Server) handleGetPort(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	body, notFound := s.getPortLocked(r.PathValue("company"), r.PathValue("portId"))
	s.mu.Unlock()
	if notFound != "" {
		writeError(w, http.StatusNotFound, notFound)
		return
	}
	encoded, err := encodePort(body)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the port: "+err.Error())
		return
	}
	writeJSONBytes(w, http.StatusOK, encoded)
}

// getPortLocked renders a company's port, or says why it is not found.
func (s *Server) getPortLocked(companyName, portID string) (portJSON, string) {
	now := s.syncLocked()
	company, ok := s.companies[companyName]
	if !ok {
		return portJSON{}, msgCompanyNotFound
	}
	p, ok := s.ports[portID]
	if !ok || p.Company != company.Username {
		return portJSON{}, msgPortNotFound
	}
	return s.portJSONLocked(p, company, EndpointGetPort, now, s.portViewLocked(p.ID, now)), ""
}

// portJSONLocked renders a port with its connections inline, as far as
// the endpoint's list lag shows them, as of the view's moment.
func (s *Server) portJSONLocked(p *port, owner *Company, endpoint string, now time.Time, view readView) portJSON {
	at := formatTime(recordsCreatedAt)
	conns := s.portConnectionsLocked(p.ID)
	out := portJSON{
		portHeaderJSON: portHeaderJSON{
			ID: p.ID, Name: p.Name, Status: p.Status, Speed: speedOf(p.SpeedMbps),
			MetroID: p.MetroID, DataCenterFacilityID: p.DCFID,
			SupportedServices: nonNil(p.SupportedServices),
			Capacity:          capacityJSON{Total: p.SpeedMbps, Utilised: p.utilised, Remaining: p.remaining()},
			VLANRanges:        nonNil(p.VLANRanges),
			CompanyID:         owner.ID, PaymentType: "plan",
			CreatedAt: at, UpdatedAt: at,
			Metro: toMetroJSON(s.metros[p.MetroID]),
		},
		Connections: make([]portConnectionJSON, 0, len(conns)),
	}
	for _, c := range conns {
		if status, ok := s.shownLocked(c, endpoint, now, view); ok && status != StatusDeleted {
			out.Connections = append(out.Connections, portConnectionJSON{
				ID: c.id, Name: c.name, Status: status, Speed: c.speed, Type: "LAYER2", TypeFriendly: "Layer 2",
			})
		}
	}
	return out
}

func (s *Server) handleMetroCapabilities(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	company, ok := s.companies[r.PathValue("company")]
	if !ok {
		writeError(w, http.StatusNotFound, msgCompanyNotFound)
		return
	}
	metros := []metroCapabilityJSON{}
	for _, id := range company.MetroIDs {
		m, ok := s.metros[id]
		if !ok {
			continue
		}
		entry := metroCapabilityJSON{metroJSON: *toMetroJSON(m), Capabilities: metroCapabilities{Layer2: m.Layer2}}
		for _, d := range s.dcfs {
			if d.MetroID == m.ID {
				entry.FirstDataCenterFacilityIDInMetro = &d.ID
				break
			}
		}
		metros = append(metros, entry)
	}
	writeJSON(w, http.StatusOK, resultsJSON[metroCapabilityJSON]{metros})
}

// nonNil makes empty lists encode as [] rather than null, as the API does.
func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
