package ccapisim

import (
	"encoding/json"
	"io"
	"net/http"
)

// The /_sim routes let a test or demo in another process inspect and steer
// the simulator. They need the API key but are never faulted or counted.
// Their control routes play a connection's other party where the API has
// no call for what a test needs that party to do.

func (s *Server) handleStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

func (s *Server) handleGetFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.currentFaults())
}

func (s *Server) handlePutFaults(w http.ResponseWriter, r *http.Request) {
	var faults Faults
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&faults); err != nil {
		writeCodeError(w, http.StatusBadRequest, "invalid faults: "+err.Error())
		return
	}
	if err := faults.Validate(); err != nil {
		writeCodeError(w, http.StatusBadRequest, "invalid faults: "+err.Error())
		return
	}
	s.SetFaults(faults)
	writeJSON(w, http.StatusOK, s.currentFaults())
}

// handlePartnerApproveChange approves a connection's pending change request
// as the party it waits for: PUT /_sim/connections/{id}/change/approve,
// with an optional {"speed": N} to accept the change at N Mbps, at most
// the speed asked for.
func (s *Server) handlePartnerApproveChange(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		writeCodeError(w, http.StatusBadRequest, "could not read request body: "+err.Error())
		return
	}
	speed, reqErr := decodePartnerApproval(raw)
	if reqErr != nil {
		writeRequestError(w, reqErr)
		return
	}
	s.servePartnerDecision(w, r.PathValue("id"), true, speed)
}

// handlePartnerRejectChange rejects a connection's pending change request
// as the party it waits for: PUT /_sim/connections/{id}/change/reject.
func (s *Server) handlePartnerRejectChange(w http.ResponseWriter, r *http.Request) {
	s.servePartnerDecision(w, r.PathValue("id"), false, 0)
}

func (s *Server) servePartnerDecision(w http.ResponseWriter, id string, approve bool, speed int) {
	s.mu.Lock()
	answer, reqErr := s.partnerDecisionLocked(id, approve, speed)
	s.mu.Unlock()
	if reqErr != nil {
		writeRequestError(w, reqErr)
		return
	}
	writeJSON(w, http.StatusOK, answer)
}
