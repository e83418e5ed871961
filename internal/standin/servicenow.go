package standin

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// ServiceNow is a stand-in ServiceNow instance, for the Table API's
// "Update a record" (PATCH /api/now/table/{tableName}/{sys_id}, JSON body
// of field values, answered 200 with {"result": record}) and, with OAuth2,
// the instance's token endpoint (POST /oauth_token.do, form
// grant_type=client_credentials, the client authenticated in the form or
// with Basic, answered with a bearer access_token). A record must exist
// (404 otherwise); the stand-in knows the tables' work_notes field only.
type ServiceNow struct {
	*server
	user, password         string // Basic; "" with OAuth2
	clientID, clientSecret string // OAuth2
	mu2                    sync.Mutex
	tokens                 map[string]bool
	tokensIssued           int
	notes                  map[string][]string // "table/sys_id" → work notes
	landedBy               map[string][]string // "table/sys_id" → "basic" or "bearer", per note
}

// AddOAuthClient lets the OAuth application clientID, clientSecret in too
// (the instance's users keep Basic).
func (s *ServiceNow) AddOAuthClient(clientID, clientSecret string) {
	s.mu2.Lock()
	defer s.mu2.Unlock()
	s.clientID, s.clientSecret = clientID, clientSecret
}

// LandedBy is how each of the record's work notes was authenticated:
// "basic" or "bearer", in order.
func (s *ServiceNow) LandedBy(table, sysID string) []string {
	s.mu2.Lock()
	defer s.mu2.Unlock()
	return append([]string(nil), s.landedBy[table+"/"+sysID]...)
}

// IssuedTokens are the access tokens the token endpoint gave, for a test
// to look for where they must not be.
func (s *ServiceNow) IssuedTokens() []string {
	s.mu2.Lock()
	defer s.mu2.Unlock()
	var out []string
	for t := range s.tokens {
		out = append(out, t)
	}
	return out
}

// NewServiceNow is a stand-in instance whose user (Basic) may write.
func NewServiceNow(t testing.TB, user, password string) *ServiceNow {
	s := &ServiceNow{user: user, password: password, tokens: map[string]bool{}, notes: map[string][]string{}, landedBy: map[string][]string{}}
	s.server = newServer(t, http.HandlerFunc(s.serve))
	return s
}

// NewServiceNowOAuth is a stand-in instance with an OAuth application
// (client credentials grant): the Table API takes its bearer tokens only.
func NewServiceNowOAuth(t testing.TB, clientID, clientSecret string) *ServiceNow {
	s := &ServiceNow{clientID: clientID, clientSecret: clientSecret, tokens: map[string]bool{}, notes: map[string][]string{}, landedBy: map[string][]string{}}
	s.server = newServer(t, http.HandlerFunc(s.serve))
	return s
}

// WorkNotes are the work notes that landed on the record, in order.
func (s *ServiceNow) WorkNotes(table, sysID string) []string {
	s.mu2.Lock()
	defer s.mu2.Unlock()
	return append([]string(nil), s.notes[table+"/"+sysID]...)
}

// TokensIssued is how many access tokens the token endpoint gave.
func (s *ServiceNow) TokensIssued() int {
	s.mu2.Lock()
	defer s.mu2.Unlock()
	return s.tokensIssued
}

func (s *ServiceNow) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth_token.do" {
		s.token(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/now/table/")
	table, sysID, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || table == "" || sysID == "" || strings.ContainsAny(sysID, "/%") {
		s.refuse(w, r, http.StatusBadRequest, "Invalid table or record")
		return
	}
	if r.Method != http.MethodPatch && r.Method != http.MethodPut {
		s.refuse(w, r, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
		return
	}
	by := s.authorized(r)
	if by == "" {
		s.refuse(w, r, http.StatusUnauthorized, "User Not Authenticated")
		return
	}
	if !jsonContent(r) {
		s.refuse(w, r, http.StatusUnsupportedMediaType, "content type "+r.Header.Get("Content-Type"))
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		s.refuse(w, r, http.StatusBadRequest, fmt.Sprintf("Exception while reading request: %s", raw))
		return
	}
	note, ok := fields["work_notes"].(string)
	if !ok || note == "" || len(fields) != 1 {
		s.refuse(w, r, http.StatusBadRequest, fmt.Sprintf("the stand-in takes one field, work_notes, a string: %s", raw))
		return
	}
	s.mu2.Lock()
	s.notes[table+"/"+sysID] = append(s.notes[table+"/"+sysID], note)
	s.landedBy[table+"/"+sysID] = append(s.landedBy[table+"/"+sysID], by)
	s.mu2.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"result":{"sys_id":%s,"work_notes":""}}`, quote(sysID))
}

// authorized checks Basic (a user's), or a bearer token the endpoint
// issued, and says which ("" for neither).
func (s *ServiceNow) authorized(r *http.Request) string {
	if user, password, ok := r.BasicAuth(); ok && s.user != "" && user == s.user && password == s.password {
		return "basic"
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu2.Lock()
	defer s.mu2.Unlock()
	if ok && s.tokens[token] {
		return "bearer"
	}
	return ""
}

// token is the OAuth2 token endpoint (RFC 6749 4.4): a form POST with
// grant_type=client_credentials and the client's id and secret, in the
// form (as ServiceNow documents it) or as Basic (RFC 6749 2.3.1).
func (s *ServiceNow) token(w http.ResponseWriter, r *http.Request) {
	s.mu2.Lock()
	clientID, clientSecret := s.clientID, s.clientSecret
	s.mu2.Unlock()
	if r.Method != http.MethodPost || clientID == "" {
		s.refuse(w, r, http.StatusMethodNotAllowed, "no token endpoint here")
		return
	}
	if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		s.refuse(w, r, http.StatusBadRequest, "invalid_request: not a form")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.refuse(w, r, http.StatusBadRequest, "invalid_request")
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		s.refuse(w, r, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != clientID || secret != clientSecret {
		s.refuse(w, r, http.StatusUnauthorized, "invalid_client")
		return
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	s.mu2.Lock()
	s.tokens[token] = true
	s.tokensIssued++
	s.mu2.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"access_token":%q,"scope":"useraccount","token_type":"Bearer","expires_in":1799}`, token)
}
