package ccapisim

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"
)

//go:embed testdata/fixture.json
var defaultFixtureJSON []byte

// Fixture is the initial world of the simulator: who exists, where, with
// which ports and which connections already in place.
type Fixture struct {
	Companies   []Company    `json:"companies"`
	Metros      []Metro      `json:"metros"`
	DCFs        []DCF        `json:"dcfs"`
	Ports       []Port       `json:"ports"`
	Connections []Connection `json:"connections"`
}

// Company is a Console Connect customer, addressed by username in API paths.
type Company struct {
	ID          string   `json:"id"`
	Username    string   `json:"username"`
	Name        string   `json:"name"`
	MetroIDs    []string `json:"metroIds"` // metros where the company has presence (B2B targets)
	AutoApprove bool     `json:"autoApprove"`
	AutoReject  bool     `json:"autoReject"`
}

// Metro is a city-level location.
type Metro struct {
	ID        string   `json:"id"`
	Code      string   `json:"code"`
	Name      string   `json:"name"`
	Country   string   `json:"country"`
	RegionIDs []string `json:"regionIds"`
	Layer2    bool     `json:"layer2"`
}

// DCF is a data center facility.
type DCF struct {
	ID          string   `json:"id"`
	Username    string   `json:"username"`
	Name        string   `json:"name"`
	MetroID     string   `json:"metroId"`
	Ready       bool     `json:"ready"`
	City        string   `json:"city"`
	Country     string   `json:"country"`
	Coordinates []string `json:"coordinates"` // [lon, lat] as strings, as the real API returns them
}

// Port is a physical port owned by a company.
type Port struct {
	ID                string      `json:"id"`
	Company           string      `json:"company"` // owner username
	Name              string      `json:"name"`
	Status            string      `json:"status"`
	SpeedMbps         int         `json:"speed"`    // the port's total capacity
	Utilised          int         `json:"utilised"` // Mbps already used, including fixture connections
	MetroID           string      `json:"metroId"`
	DCFID             string      `json:"dcfId"`
	SupportedServices []string    `json:"supportedServices"`
	VLANRanges        []VLANRange `json:"vlanRanges"`
	FailProvisioning  bool        `json:"failProvisioning"` // connections on it end in ERROR instead of ACTIVE
}

// VLANRange is an inclusive range of VLAN ids.
type VLANRange struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Connection is a pre-existing connection. Its speed must already be
// included in the source port's Utilised.
type Connection struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Company     string    `json:"company"` // source company username
	SrcPortID   string    `json:"srcPortId"`
	DestPortID  string    `json:"destPortId"`
	DestCompany string    `json:"destCompany"`
	SpeedMbps   int       `json:"speed"`
	Status      string    `json:"status"`
	CreatedAt   time.Time `json:"createdAt"`
}

// LoadFixture reads and validates a fixture file.
func LoadFixture(path string) (*Fixture, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read fixture: %w", err)
	}
	fx, err := parseFixture(data)
	if err != nil {
		return nil, fmt.Errorf("fixture %s: %w", path, err)
	}
	return fx, nil
}

// DefaultFixture returns a fresh copy of the embedded fixture, so callers may
// modify it freely.
func DefaultFixture() *Fixture {
	fx, err := parseFixture(defaultFixtureJSON)
	if err != nil {
		// The embedded fixture is validated by the package tests; an empty
		// world is the least surprising fallback if that ever regresses.
		return &Fixture{}
	}
	return fx
}

func parseFixture(data []byte) (*Fixture, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a typo in a fixture should fail loudly, not vanish
	var fx Fixture
	if err := dec.Decode(&fx); err != nil {
		return nil, fmt.Errorf("decode fixture: %w", err)
	}
	if err := fx.Validate(); err != nil {
		return nil, err
	}
	return &fx, nil
}

// Validate checks that ids are unique and every reference resolves.
func (fx *Fixture) Validate() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	ids := map[string]bool{}
	unique := func(kind, id string) {
		if id == "" {
			fail("%s with empty id", kind)
		} else if ids[id] {
			fail("duplicate id %s (%s)", id, kind)
		}
		ids[id] = true
	}
	metros := map[string]bool{}
	for _, m := range fx.Metros {
		unique("metro", m.ID)
		metros[m.ID] = true
	}
	companies := map[string]bool{}
	for _, c := range fx.Companies {
		unique("company", c.ID)
		if companies[c.Username] {
			fail("duplicate company username %q", c.Username)
		}
		companies[c.Username] = true
		for _, m := range c.MetroIDs {
			if !metros[m] {
				fail("company %s: unknown metro %s", c.Username, m)
			}
		}
	}
	dcfs := map[string]string{}
	for _, d := range fx.DCFs {
		unique("dcf", d.ID)
		dcfs[d.ID] = d.MetroID
		if !metros[d.MetroID] {
			fail("dcf %s: unknown metro %s", d.ID, d.MetroID)
		}
	}
	ports := map[string]Port{}
	for _, p := range fx.Ports {
		unique("port", p.ID)
		ports[p.ID] = p
		if !companies[p.Company] {
			fail("port %s: unknown company %q", p.ID, p.Company)
		}
		if !metros[p.MetroID] {
			fail("port %s: unknown metro %s", p.ID, p.MetroID)
		}
		if m, ok := dcfs[p.DCFID]; !ok || m != p.MetroID {
			fail("port %s: dcf %s is unknown or not in metro %s", p.ID, p.DCFID, p.MetroID)
		}
		if p.SpeedMbps <= 0 || p.Utilised < 0 || p.Utilised > p.SpeedMbps {
			fail("port %s: need 0 <= utilised (%d) <= speed (%d)", p.ID, p.Utilised, p.SpeedMbps)
		}
	}
	for _, c := range fx.Connections {
		unique("connection", c.ID)
		src, ok := ports[c.SrcPortID]
		switch {
		case !ok:
			fail("connection %s: unknown source port %s", c.ID, c.SrcPortID)
		case src.Company != c.Company:
			fail("connection %s: source port %s is not owned by %q", c.ID, c.SrcPortID, c.Company)
		}
		if _, ok := ports[c.DestPortID]; c.DestPortID != "" && !ok {
			fail("connection %s: unknown destination port %s", c.ID, c.DestPortID)
		}
		if c.DestCompany != "" && !companies[c.DestCompany] {
			fail("connection %s: unknown destination company %q", c.ID, c.DestCompany)
		}
		if !slices.Contains(knownStatuses, c.Status) {
			fail("connection %s: unknown status %q", c.ID, c.Status)
		}
		if c.SpeedMbps <= 0 {
			fail("connection %s: speed must be positive", c.ID)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid fixture: %w", err)
	}
	return nil
}
