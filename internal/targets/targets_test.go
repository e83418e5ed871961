package targets

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"text/template"
	"time"
)

var milestones = []string{"ordered", "awaiting-acceptance", "active", "failed", "cancelled", "withdrawn", "decommissioned", "modified"}

func opts(env map[string]string) Options {
	return Options{
		Getenv:     func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Sign:       func([]byte) string { return "sha256=x" },
		Milestones: milestones,
	}
}

const jira = `
jira:
  url: https://example.atlassian.net/rest/api/3/issue/{{path .Ticket}}/comment
  auth: basic
  username_env: JIRA_USER
  password_env: JIRA_TOKEN
  body: '{"text": {{json .Milestone}}}'
  milestones: [ordered, active]
`

func TestParseRefuses(t *testing.T) {
	env := map[string]string{"JIRA_USER": "u", "JIRA_TOKEN": "p", "TOKEN": "t"}
	tests := []struct {
		name, file, want string
	}{
		{"not yaml", "jira: [", "not a valid targets file"},
		{"unknown key", "jira:\n  url: https://h/x\n  colour: red\n", "field colour not found"},
		{"template does not compile", "jira:\n  url: https://h/{{path .Ticket\n", `target "jira": url:`},
		{"body does not compile", "jira:\n  url: https://h/x\n  body: '{{json'\n", `target "jira": body:`},
		{"unknown auth", "jira:\n  url: https://h/x\n  auth: digest\n", `target "jira": auth: unknown "digest"`},
		{"unknown milestone", "jira:\n  url: https://h/x\n  milestones: [done]\n", `target "jira": milestones: unknown milestone "done"`},
		{"unset variable", "jira:\n  url: https://h/x\n  auth: bearer\n  token_env: NOPE\n", `target "jira": token_env: environment variable NOPE is unset or empty`},
		{"empty variable", "jira:\n  url: https://h/x\n  auth: basic\n  username_env: JIRA_USER\n  password_env: EMPTY\n", `target "jira": password_env: environment variable EMPTY`},
		{"variable not named", "jira:\n  url: https://h/x\n  auth: basic\n  username_env: JIRA_USER\n", `target "jira": password_env: required`},
		{"oauth2 without token_url", "sn:\n  url: https://h/x\n  auth: oauth2\n  client_id_env: JIRA_USER\n  client_secret_env: JIRA_TOKEN\n", `target "sn": token_url`},
		{"templated host", "evil:\n  url: 'https://{{.Ticket}}/x'\n", `target "evil": url: must start with a literal`},
		{"templated host after a literal part", "evil:\n  url: 'https://tickets{{.Ticket}}/x'\n", `target "evil": url: the host must be literal`},
		{"no scheme", "evil:\n  url: '{{.Ticket}}'\n", `target "evil": url: must start`},
		{"credentials in the url", "evil:\n  url: 'https://u:p@h/x'\n", `target "evil": url: must start`},
		{"authorization header", "jira:\n  url: https://h/x\n  headers: {Authorization: Basic abc}\n", `target "jira": headers: Authorization`},
	}
	env["EMPTY"] = ""
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.file), opts(env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse: %v, want an error with %q", err, tt.want)
			}
			for _, secret := range []string{"p", "t"} {
				if strings.Contains(err.Error(), "="+secret) {
					t.Errorf("error %q shows a value", err)
				}
			}
		})
	}
}

func TestRequest(t *testing.T) {
	s, err := Parse([]byte(jira), opts(map[string]string{"JIRA_USER": "me@example.com", "JIRA_TOKEN": "tok"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Names(); len(got) != 1 || got[0] != "jira" {
		t.Fatalf("Names = %v", got)
	}
	target, _ := s.Get("jira")
	if !target.Wants("active") || target.Wants("failed") {
		t.Errorf("Wants: milestones not as listed")
	}
	req, err := target.Request(context.Background(), Event{OrderID: "o-1", Ticket: "NET-42", Milestone: "active", Time: time.Now()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != "POST" || req.URL.String() != "https://example.atlassian.net/rest/api/3/issue/NET-42/comment" {
		t.Errorf("request %s %s", req.Method, req.URL)
	}
	if user, pass, ok := req.BasicAuth(); !ok || user != "me@example.com" || pass != "tok" {
		t.Errorf("basic auth %q %q %v", user, pass, ok)
	}
	body, _ := io.ReadAll(req.Body)
	if string(body) != `{"text": "active"}` {
		t.Errorf("body %s", body)
	}
}

// A ticket comes from outside: it must not reach another path, nor
// another host.
func TestRequestKeepsThePathAndHost(t *testing.T) {
	file := jira + `
raw:
  url: https://example.atlassian.net/rest/api/3/issue/{{.Ticket}}/comment
`
	s, err := Parse([]byte(file), opts(map[string]string{"JIRA_USER": "u", "JIRA_TOKEN": "p"}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ target, ticket, want string }{
		{"jira", "../../x", "/rest/api/3/issue/..%2F..%2Fx/comment"},
		{"jira", "a/b?c#d", "/rest/api/3/issue/a%2Fb%3Fc%23d/comment"},
		{"jira", "..", ""},
		{"jira", ".", ""},
		{"raw", "../../x", ""},        // written without path: the dot segments are refused
		{"raw", "x/../../admin", ""},  // likewise
		{"raw", "x@evil.example", ""}, // stays a path (no // before it): allowed, the host is kept
	}
	for _, tt := range tests {
		target, _ := s.Get(tt.target)
		req, err := target.Request(context.Background(), Event{Ticket: tt.ticket}, nil)
		switch {
		case tt.want == "" && tt.ticket == "x@evil.example":
			if err != nil || req.URL.Host != "example.atlassian.net" {
				t.Errorf("%s %q: %v", tt.target, tt.ticket, err)
			}
		case tt.want == "":
			var re *RenderError
			if err == nil || !asRender(err, &re) {
				t.Errorf("%s %q: err %v, want a RenderError", tt.target, tt.ticket, err)
			}
		case err != nil:
			t.Errorf("%s %q: %v", tt.target, tt.ticket, err)
		case req.URL.EscapedPath() != tt.want || req.URL.Host != "example.atlassian.net":
			t.Errorf("%s %q: %s, want path %s", tt.target, tt.ticket, req.URL, tt.want)
		}
	}
}

func TestRenderedHostMustBeTheLiteral(t *testing.T) {
	s, err := Parse([]byte("t:\n  url: 'https://h.example/{{.Ticket}}'\n"), opts(nil))
	if err != nil {
		t.Fatal(err)
	}
	target, _ := s.Get("t")
	for _, ticket := range []string{"/evil.example/x", "@evil.example"} {
		req, err := target.Request(context.Background(), Event{Ticket: ticket}, nil)
		if err == nil && req.URL.Host != "h.example" {
			t.Errorf("ticket %q reached host %s", ticket, req.URL.Host)
		}
	}
}

func asRender(err error, re **RenderError) bool {
	r, ok := err.(*RenderError)
	*re = r
	return ok
}

// Whatever the url template (Parse refuses one that could), the request
// goes to the target's literal scheme and host or not at all.
func TestRequestRefusesAnotherHost(t *testing.T) {
	target := &Target{name: "t", scheme: "https", host: "h.example", method: "POST",
		url:       template.Must(template.New("url").Funcs(funcs).Parse("https://h.example{{.Ticket}}/x")),
		authorize: func(*http.Request, []byte) error { return nil }}
	for _, ticket := range []string{".evil.example", ":1@evil.example", "@evil.example"} {
		req, err := target.Request(context.Background(), Event{Ticket: ticket}, nil)
		if err == nil {
			t.Errorf("ticket %q: a request to %s", ticket, req.URL.Host)
		}
	}
}

// The recipes' text leaves out what an event does not have.
func TestRecipeText(t *testing.T) {
	data, err := os.ReadFile("../../examples/callbacks/targets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(data, opts(map[string]string{"JIRA_EMAIL": "e", "JIRA_API_TOKEN": "t", "SERVICENOW_USER": "u", "SERVICENOW_PASSWORD": "p",
		"SERVICENOW_CLIENT_ID": "i", "SERVICENOW_CLIENT_SECRET": "s"}))
	if err != nil {
		t.Fatal(err)
	}
	target, _ := s.Get("servicenow")
	for _, tt := range []struct {
		e    Event
		want string
	}{
		{Event{OrderID: "O1", Ticket: "abc", Milestone: "active", ConnectionID: "c1", APIStatus: "ACTIVE"}, "Layer 2 order O1: active (connection c1, ACTIVE)"},
		{Event{OrderID: "O1", Ticket: "abc", Milestone: "failed", Reason: `port "P" is "DISABLED"`}, `Layer 2 order O1: failed. port "P" is "DISABLED"`},
	} {
		req, err := target.Request(context.Background(), tt.e, nil)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			WorkNotes string `json:"work_notes"`
		}
		if err := json.NewDecoder(req.Body).Decode(&body); err != nil || body.WorkNotes != tt.want {
			t.Errorf("work_notes %q (%v), want %q", body.WorkNotes, err, tt.want)
		}
	}
}
