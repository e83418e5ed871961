package ccapisim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

// layer2Request is the body of PUT /api/v2/company/{company}/connections/layer2.
// Pointers tell "absent" from zero; unknown fields are ignored, as by the API.
type layer2Request struct {
	Type           string   `json:"type"`
	Name           string   `json:"name"`
	PortID         string   `json:"portId"`
	DestPortID     string   `json:"destPortId"`
	DestCompany    string   `json:"destCompany"`
	DestDCF        string   `json:"destDcf"`
	DestMetroID    string   `json:"destMetroId"`
	DestRegionID   string   `json:"destRegionId"`
	Duration       *float64 `json:"duration"`
	DurationUnit   string   `json:"durationUnit"`
	PaymentType    string   `json:"paymentType"`
	ClassOfService string   `json:"classOfService"`
	Speed          *float64 `json:"speed"`
	Evergreen      bool     `json:"evergreen"`
}

// requestError is a rejection with the status and message to answer with.
type requestError struct {
	status  int
	message string
}

func (e *requestError) Error() string { return e.message }

func badRequest(format string, args ...any) *requestError {
	return &requestError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func notFound(message string) *requestError { return &requestError{http.StatusNotFound, message} }

// maxRequestBody bounds what a client can make the simulator buffer.
const maxRequestBody = 1 << 20

var (
	classesOfService = []string{"GOLD", "SILVERPLUS", "SILVER", "BRONZE"}
	durationUnits    = []string{"d", "w", "m", "y"}
)

func (s *Server) handleCreateLayer2(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("could not read request body: %v", err))
		return
	}
	s.mu.Lock()
	c, reqErr := s.createLayer2Locked(r.PathValue("company"), body)
	var answer connectionJSON
	if reqErr == nil {
		c.orderID = orderOf(r)
		answer = toConnectionJSON(c)
	}
	s.mu.Unlock()

	if reqErr != nil {
		writeError(w, reqErr.status, reqErr.message)
		return
	}
	writeJSON(w, http.StatusOK, answer)
}

// createLayer2Locked validates the request like the real API and stores the
// connection. Callers hold s.mu.
func (s *Server) createLayer2Locked(companyName string, body []byte) (*connection, *requestError) {
	now := s.syncLocked()
	company, ok := s.companies[companyName]
	if !ok {
		return nil, notFound(msgCompanyNotFound)
	}
	req, reqErr := decodeLayer2Request(body)
	if reqErr != nil {
		return nil, reqErr
	}
	src, reqErr := s.validateSourcePortLocked(company, req)
	if reqErr != nil {
		return nil, reqErr
	}
	c := &connection{
		name: req.Name, speed: int(*req.Speed), srcPortID: src.ID, srcCompany: company.Username,
		srcRegionID: s.firstRegion(src.MetroID), classOfService: req.ClassOfService,
		paymentType: req.PaymentType, duration: *req.Duration, durationUnit: req.DurationUnit,
		evergreen: req.Evergreen, createdAt: now, updatedAt: now, created: true,
		// How far into each delay of eventual consistency (list lag, read
		// gap, a partner's decision, activation) this connection falls.
		listDraw: s.rng.Float64(), readDraw: s.rng.Float64(), decisionDraw: s.rng.Float64(), activationDraw: s.rng.Float64(),
	}
	if req.DestPortID != "" {
		reqErr = s.completePortToPortLocked(c, company, req)
	} else {
		reqErr = s.completeBusinessToBusinessLocked(c, company, req)
	}
	if reqErr != nil {
		return nil, reqErr
	}
	c.id = s.newConnectionIDLocked(now)
	s.addConnectionLocked(c)
	s.recountLocked(c)
	s.created[company.Username+"/"+c.name]++
	s.meetWithForeignLocked(c)
	return c, nil
}

// decodeLayer2Request checks everything that can be checked on the body
// alone, filling in the API's defaults.
func decodeLayer2Request(body []byte) (layer2Request, *requestError) {
	var req layer2Request
	if reqErr := decodeJSONBody(body, &req); reqErr != nil {
		return req, reqErr
	}
	req.ClassOfService = strings.ToUpper(req.ClassOfService)
	if req.ClassOfService == "" {
		req.ClassOfService = "SILVER"
	}
	switch {
	case req.Type == "":
		return req, badRequest("type is a required argument")
	case req.Type != "LAYER2":
		return req, badRequest("type must be LAYER2, got %q", req.Type)
	case strings.TrimSpace(req.Name) == "":
		return req, badRequest("name is a required argument")
	case req.PortID == "":
		return req, badRequest("portId is a required argument")
	case req.Speed == nil:
		return req, badRequest("speed is a required argument")
	case !validSpeed(*req.Speed):
		return req, badRequest("speed must be a positive whole number of Mbps, got %v", *req.Speed)
	case !slices.Contains(classesOfService, req.ClassOfService):
		return req, badRequest("classOfService must be one of %s, got %q", strings.Join(classesOfService, ", "), req.ClassOfService)
	case req.PaymentType == "creditcard":
		return req, badRequest("paymentType creditcard is only supported via the Console Connect web application")
	case req.PaymentType != "invoice" && req.PaymentType != "plan":
		return req, badRequest("paymentType must be invoice or plan, got %q", req.PaymentType)
	case req.PaymentType == "invoice" && !slices.Contains(durationUnits, req.DurationUnit):
		return req, badRequest("durationUnit must be one of d, w, m, y, got %q", req.DurationUnit)
	case req.PaymentType == "invoice" && (req.Duration == nil || *req.Duration <= 0):
		return req, badRequest("duration must be a positive number for paymentType invoice")
	}
	if req.Duration == nil {
		zero := 0.0
		req.Duration = &zero
	}
	return req, nil
}

// decodeJSONBody reads a JSON request body into v, saying in the API's
// words what is wrong with one that does not fit.
func decodeJSONBody(body []byte, v any) *requestError {
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return badRequest("request body must be a JSON object, got JSON %s", typeErr.Value)
		}
		return badRequest("%s has the wrong type: got JSON %s", typeErr.Field, typeErr.Value)
	}
	return badRequest("request body is not valid JSON: %v", err)
}

// validSpeed reports whether a requested speed is a positive whole number
// of Mbps the simulator can hold.
func validSpeed(speed float64) bool {
	return speed > 0 && speed == math.Trunc(speed) && speed <= math.MaxInt32
}

func (s *Server) validateSourcePortLocked(company *Company, req layer2Request) (*port, *requestError) {
	src, ok := s.ports[req.PortID]
	if !ok || src.Company != company.Username {
		return nil, notFound(msgPortNotFound)
	}
	speed := int(*req.Speed)
	switch {
	case src.Status != StatusActive:
		return nil, badRequest("portId %s: source port is not ACTIVE (status %s)", src.ID, src.Status)
	case !src.supports("L2"):
		return nil, badRequest("portId %s: source port does not support Layer 2 (supportedServices %v)", src.ID, src.SupportedServices)
	case speed > src.remaining():
		return nil, badRequest("speed %d exceeds remaining capacity %d Mbps on port %s", speed, src.remaining(), src.ID)
	}
	return src, nil
}

func (s *Server) completePortToPortLocked(c *connection, company *Company, req layer2Request) *requestError {
	dest, ok := s.ports[req.DestPortID]
	switch {
	case !ok || dest.Company != company.Username:
		return badRequest("destination port %s (destPortId) is not owned by company %s", req.DestPortID, company.Username)
	case req.DestCompany != "" && req.DestCompany != company.Username:
		return badRequest("destCompany %s does not own destination port %s (destPortId)", req.DestCompany, dest.ID)
	case dest.ID == c.srcPortID:
		return badRequest("destPortId must differ from portId %s", c.srcPortID)
	case dest.Status != StatusActive:
		return badRequest("destination port %s (destPortId) is not ACTIVE (status %s)", dest.ID, dest.Status)
	case req.DestMetroID != "" && req.DestMetroID != dest.MetroID:
		return badRequest("destMetroId %s does not match the metro %s of destination port %s", req.DestMetroID, dest.MetroID, dest.ID)
	}
	c.status = StatusCreating
	c.destPortID = dest.ID
	c.destCompany = company.Username
	c.destMetroID = dest.MetroID
	c.destDCF = dest.DCFID
	c.destRegionID = s.firstRegion(dest.MetroID)
	return nil
}

func (s *Server) completeBusinessToBusinessLocked(c *connection, company *Company, req layer2Request) *requestError {
	switch req.DestCompany {
	case "":
		return badRequest("destPortId or destCompany is required")
	case company.Username:
		return badRequest("destPortId is required for a connection within company %s", company.Username)
	}
	destCompany, ok := s.companies[req.DestCompany]
	if !ok {
		return notFound(msgCompanyNotFound)
	}
	if req.DestMetroID == "" {
		return badRequest("destMetroId is a required argument for a connection to company %s", destCompany.Username)
	}
	metro, ok := s.metros[req.DestMetroID]
	if !ok || !slices.Contains(destCompany.MetroIDs, metro.ID) {
		return badRequest("destMetroId %s is not a metro where company %s has presence", req.DestMetroID, destCompany.Username)
	}
	if !metro.Layer2 {
		return badRequest("destMetroId: metro %s (%s) does not support Layer 2", metro.Code, metro.ID)
	}
	if req.DestDCF != "" && !slices.ContainsFunc(s.dcfs, func(d *DCF) bool { return d.ID == req.DestDCF && d.MetroID == metro.ID }) {
		return badRequest("Invalid destDcf property. This value should be the dcf ID of a facility in metro %s.", metro.Code)
	}
	regionID := req.DestRegionID
	if regionID == "" {
		regionID = s.firstRegion(metro.ID)
	} else if !slices.Contains(metro.RegionIDs, regionID) {
		return badRequest("destRegionId %s is not a region of metro %s", regionID, metro.Code)
	}
	c.status = StatusPending
	c.destCompany = destCompany.Username
	c.destMetroID = metro.ID
	c.destDCF = req.DestDCF
	c.destRegionID = regionID
	return nil
}

// newConnectionIDLocked returns a fresh 24-hex-digit id in the style of a
// MongoDB ObjectId: creation seconds, then a sequence number.
func (s *Server) newConnectionIDLocked(now time.Time) string {
	for {
		s.connSeq++
		id := fmt.Sprintf("%08x%016x", uint32(now.Unix()), s.connSeq)
		if _, taken := s.conns[id]; !taken {
			return id
		}
	}
}
