package ccapisim

import (
	"encoding/json"
	"net/http"
)

// The /_sim routes let a test or demo in another process inspect and steer
// the simulator. They need the API key but are never faulted or counted.

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
