package ccapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Speed is a bandwidth in Mbps. The API sends it as {"value":1000,"name":"1000 Mbps"}
// on ports and connections but as a bare number in a port's inline
// connection list; both decode here.
type Speed struct {
	Mbps int    `json:"value"`
	Name string `json:"name,omitempty"`
}

// UnmarshalJSON accepts an object, a number, a numeric string or null.
func (s *Speed) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case bytes.Equal(data, []byte("null")):
		return nil
	case len(data) > 0 && data[0] == '{':
		type plain Speed
		return json.Unmarshal(data, (*plain)(s))
	}
	var n LooseNumber
	if err := n.UnmarshalJSON(data); err != nil {
		return fmt.Errorf("speed: %w", err)
	}
	s.Mbps = int(n)
	return nil
}

// LooseNumber decodes a JSON number or a string holding one ("114.177216"):
// the API is not consistent about which it sends.
type LooseNumber float64

// UnmarshalJSON accepts 1.5, "1.5" and null.
func (n *LooseNumber) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, []byte("null")) {
		return nil
	}
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		data = []byte(s)
	}
	f, err := strconv.ParseFloat(string(data), 64)
	if err != nil {
		return fmt.Errorf("not a number: %q", data)
	}
	*n = LooseNumber(f)
	return nil
}

// Capacity is a port's bandwidth budget in Mbps.
type Capacity struct {
	Total     int `json:"total"`
	Utilised  int `json:"utilised"`
	Remaining int `json:"remaining"`
}

// VLANRange is an inclusive range of VLAN ids.
type VLANRange struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Port is one of a company's physical ports (only the fields provisioning uses).
type Port struct {
	ID                   string           `json:"id"`
	Name                 string           `json:"name"`
	Status               string           `json:"status"`
	Speed                Speed            `json:"speed"`
	MetroID              string           `json:"metroId"`
	DataCenterFacilityID string           `json:"dataCenterFacilityId"`
	CompanyID            string           `json:"companyId"`
	SupportedServices    []string         `json:"supportedServices"`
	Capacity             Capacity         `json:"capacity"`
	VLANRanges           []VLANRange      `json:"vlanRanges"`
	Connections          []PortConnection `json:"connections"`
	// HasConnections: the answer listed the port's connections (an
	// array, perhaps empty). An answer without the list, or with null,
	// says nothing about which connections the port has.
	HasConnections bool `json:"-"`
}

// SupportsLayer2 reports whether the port can carry Layer 2 connections.
func (p Port) SupportsLayer2() bool {
	for _, s := range p.SupportedServices {
		if s == "L2" {
			return true
		}
	}
	return false
}

// PortConnection is the summary of a connection listed inline on a port.
type PortConnection struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
	Speed  Speed  `json:"speed"`
	Type   string `json:"type"`
}

// Metro is a metro area as seen from one company's presence.
type Metro struct {
	ID           string            `json:"id"`
	Code         string            `json:"code"`
	Name         string            `json:"name"`
	Country      string            `json:"country"`
	RegionIDs    []string          `json:"regionIds"`
	Ready        bool              `json:"ready"`
	Capabilities MetroCapabilities `json:"capabilities"`
	// FirstDCFID is the API's suggestion of a facility in the metro.
	FirstDCFID string `json:"firstDataCenterFacilityIdInMetro"`
}

// MetroCapabilities says which services a metro offers.
type MetroCapabilities struct {
	Layer2 bool `json:"layer2"`
}

// DCF is a data-center facility.
type DCF struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Username string     `json:"username"`
	Facility DCFDetails `json:"dataCenterFacility"`
	Company  DCFCompany `json:"company"`
}

// DCFDetails is the facility-specific part of a DCF record.
type DCFDetails struct {
	ID       string `json:"id"`
	MetroID  string `json:"metroId"`
	Ready    bool   `json:"ready"`
	NNIReady bool   `json:"nniReady"`
}

// DCFCompany holds a DCF's addresses.
type DCFCompany struct {
	Addresses []Address `json:"addresses"`
}

// Address is a postal address with an optional point.
type Address struct {
	City    string `json:"city"`
	Country string `json:"country"`
	Geo     struct {
		// Coordinates arrive as strings in DCF search results.
		Coordinates []LooseNumber `json:"coordinates"`
	} `json:"geo"`
}

// DCFFilter is the LoopBack filter the DCF search takes.
type DCFFilter struct {
	Where map[string]any `json:"where,omitempty"`
	Skip  int            `json:"skip"`
	Limit int            `json:"limit,omitempty"`
}

// CreateLayer2Request is the body of the Layer 2 PUT, field for field as the
// API guide sends it. Port-to-port sets DestPortID; business-to-business sets
// DestCompany, DestDCF, DestMetroID and DestRegionID.
type CreateLayer2Request struct {
	Name           string `json:"name"`
	PortID         string `json:"portId"`
	DestPortID     string `json:"destPortId,omitempty"`
	DestCompany    string `json:"destCompany,omitempty"`
	DestDCF        string `json:"destDcf,omitempty"`
	DestMetroID    string `json:"destMetroId,omitempty"`
	DestRegionID   string `json:"destRegionId,omitempty"`
	Duration       int    `json:"duration"`
	DurationUnit   string `json:"durationUnit"`
	PaymentType    string `json:"paymentType"`
	ClassOfService string `json:"classOfService"`
	SpeedMbps      int    `json:"speed"`
	Type           string `json:"type"`
	Evergreen      bool   `json:"evergreen"`
}

// ConnectionTypeLayer2 is the only connection type this client creates.
const ConnectionTypeLayer2 = "LAYER2"

// Connection is a Layer 2 connection (only the fields provisioning uses).
type Connection struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Type        string    `json:"type"`
	Status      Status    `json:"status"`
	ErrorReason string    `json:"errorReason"`
	Speed       Speed     `json:"speed"`
	SrcPortID   string    `json:"srcPortId"`
	DestPortID  string    `json:"destPortId"`
	DestMetroID string    `json:"destMetroId"`
	CreatedAt   time.Time `json:"createdAt"`
	// SrcCompany and DestCompany are the two parties (the same company
	// for a self-connection).
	SrcCompany  string `json:"srcCompany"`
	DestCompany string `json:"destCompany"`
	// Request is the connection's change request, if it has one.
	Request *ChangeRequest `json:"request,omitempty"`
}

// ListConnectionsOptions pages and filters a connection search.
type ListConnectionsOptions struct {
	Page   int    // 1-based; 0 means 1
	Count  int    // page size; 0 means 20
	Status Status // optional filter
}

// ConnectionPage is one page of a connection list.
type ConnectionPage struct {
	Results []Connection `json:"results"`
	Count   int          `json:"count"` // total matches, when the API says
	// HasResults and HasCount say whether the answer had "results" and
	// "count" at all: a bare array, or an object of another shape, decodes
	// to an empty page that callers must not take for an empty list.
	HasResults bool `json:"-"`
	HasCount   bool `json:"-"`
}

// UnmarshalJSON accepts {"results":[...],"count":n} or a bare array.
func (p *ConnectionPage) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		p.HasResults = true
		return json.Unmarshal(data, &p.Results)
	}
	var shape struct {
		Results *[]Connection `json:"results"`
		Count   *LooseNumber  `json:"count"`
	}
	if err := json.Unmarshal(data, &shape); err != nil {
		return err
	}
	if shape.Results != nil {
		p.Results, p.HasResults = *shape.Results, true
	}
	if shape.Count != nil {
		p.Count, p.HasCount = int(*shape.Count), true
	}
	return nil
}
