package ccapisim

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// The real API answers errors in three different shapes depending on which
// layer produced them; the simulator reproduces each where the API uses it.

// loopbackError is the LoopBack framework shape:
// {"error":{"statusCode":404,"name":"Error","message":"..."}}.
type loopbackError struct {
	Error loopbackErrorBody `json:"error"`
}

type loopbackErrorBody struct {
	StatusCode int    `json:"statusCode"`
	Name       string `json:"name"`
	Message    string `json:"message"`
}

// codeMessage is the {"code":400,"message":"..."} shape of hand-written
// validations.
type codeMessage struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// statusMessage is the ErrorResponseSchema shape used by auth failures:
// {"message":"...","status":401,"statusCode":401}.
type statusMessage struct {
	Message    string `json:"message"`
	Status     int    `json:"status"`
	StatusCode int    `json:"statusCode"`
}

const (
	msgCompanyNotFound    = "A company can not be found with the given username"
	msgPortNotFound       = "A port can not be found with the given id"
	msgConnectionNotFound = "Connection not found"
	msgNotAuthorized      = "You are not authorized to do that."
)

// writeJSONBytes answers with a body already encoded, and its length.
func writeJSONBytes(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	// The status line is already sent, so an encoding error (a client that
	// went away) has nowhere to be reported.
	_ = json.NewEncoder(w).Encode(body)
}

// writeError answers in the LoopBack error shape.
func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, loopbackError{loopbackErrorBody{StatusCode: status, Name: "Error", Message: message}})
}

func writeCodeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, codeMessage{Code: status, Message: message})
}

func writeForbidden(w http.ResponseWriter) {
	writeJSON(w, http.StatusForbidden, statusMessage{msgNotAuthorized, http.StatusForbidden, http.StatusForbidden})
}

func forbidden() *requestError { return &requestError{http.StatusForbidden, msgNotAuthorized} }

// writeRequestError answers a rejection in the shape the API gives it: a
// refused permission like every other 403, the rest in the LoopBack shape.
func writeRequestError(w http.ResponseWriter, e *requestError) {
	if e.status == http.StatusForbidden {
		writeForbidden(w)
		return
	}
	writeError(w, e.status, e.message)
}
