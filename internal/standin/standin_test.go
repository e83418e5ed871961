package standin

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const adfBody = `{"body":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"hello"}]}]}}`

type call struct {
	name, method, path, contentType, body string
	auth                                  func(*http.Request)
	want                                  int
}

func basic(user, password string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(user, password) }
}

func do(t *testing.T, base string, c call) int {
	t.Helper()
	req, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.auth != nil {
		c.auth(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The stand-in Jira takes what Jira Cloud's Add comment takes, and
// refuses what it refuses.
func TestJira(t *testing.T) {
	j := NewJira(t, "me@example.com", "tok")
	good := basic("me@example.com", "tok")
	const path = "/rest/api/3/issue/NET-42/comment"
	for _, c := range []call{
		{"lands", "POST", path, "application/json", adfBody, good, 201},
		{"wrong method", "PUT", path, "application/json", adfBody, good, 405},
		{"wrong path", "POST", "/rest/api/2/issue/NET-42/comment", "application/json", adfBody, good, 404},
		{"escaped segment", "POST", "/rest/api/3/issue/..%2Fx/comment", "application/json", adfBody, good, 404},
		{"no auth", "POST", path, "application/json", adfBody, nil, 401},
		{"wrong token", "POST", path, "application/json", adfBody, basic("me@example.com", "nope"), 401},
		{"not JSON", "POST", path, "text/plain", adfBody, good, 415},
		{"plain text body", "POST", path, "application/json", `{"body":"hello"}`, good, 400},
		{"not a doc", "POST", path, "application/json", `{"body":{"type":"paragraph","version":1,"content":[]}}`, good, 400},
		{"text at the top", "POST", path, "application/json", `{"body":{"type":"doc","version":1,"content":[{"type":"text","text":"x"}]}}`, good, 400},
	} {
		if got := do(t, j.URL(), c); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	if got := j.Comments("NET-42"); len(got) != 1 || got[0] != "hello" {
		t.Errorf("comments %q", got)
	}
	if len(j.Refused()) != 9 {
		t.Errorf("refused %q", j.Refused())
	}
}

// The stand-in ServiceNow takes a Table API update of work_notes with
// Basic or a token its endpoint issued for client credentials.
func TestServiceNow(t *testing.T) {
	s := NewServiceNow(t, "svc", "pw")
	s.AddOAuthClient("cid", "csecret")
	good := basic("svc", "pw")
	const path = "/api/now/table/change_request/abc123"
	for _, c := range []call{
		{"lands", "PATCH", path, "application/json", `{"work_notes":"hello"}`, good, 200},
		{"wrong method", "POST", path, "application/json", `{"work_notes":"hello"}`, good, 405},
		{"no record", "PATCH", "/api/now/table/change_request", "application/json", `{"work_notes":"hello"}`, good, 400},
		{"no auth", "PATCH", path, "application/json", `{"work_notes":"hello"}`, nil, 401},
		{"a made-up token", "PATCH", path, "application/json", `{"work_notes":"hello"}`, func(r *http.Request) { r.Header.Set("Authorization", "Bearer x") }, 401},
		{"not JSON", "PATCH", path, "text/plain", `{"work_notes":"hello"}`, good, 415},
		{"no work_notes", "PATCH", path, "application/json", `{"comments":"hello"}`, good, 400},
		{"token: not a form", "POST", "/oauth_token.do", "application/json", `{}`, nil, 400},
		{"token: wrong grant", "POST", "/oauth_token.do", "application/x-www-form-urlencoded", "grant_type=password&client_id=cid&client_secret=csecret", nil, 400},
		{"token: wrong secret", "POST", "/oauth_token.do", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=cid&client_secret=no", nil, 401},
	} {
		if got := do(t, s.URL(), c); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	// A token, then a note with it.
	resp, err := http.PostForm(s.URL()+"/oauth_token.do", url.Values{"grant_type": {"client_credentials"}, "client_id": {"cid"}, "client_secret": {"csecret"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" || tok.TokenType != "Bearer" {
		t.Fatalf("token %+v, %v", tok, err)
	}
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok.AccessToken) }
	if got := do(t, s.URL(), call{method: "PATCH", path: path, contentType: "application/json", body: `{"work_notes":"again"}`, auth: bearer}); got != 200 {
		t.Errorf("with the token: %d", got)
	}
	if got, by := s.WorkNotes("change_request", "abc123"), s.LandedBy("change_request", "abc123"); strings.Join(got, ",") != "hello,again" || strings.Join(by, ",") != "basic,bearer" {
		t.Errorf("notes %q by %q", got, by)
	}
}
