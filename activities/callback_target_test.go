package activities_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/internal/standin"
	"github.com/cc-l2/provisioner/internal/targets"
)

var milestones = []string{"ordered", "awaiting-acceptance", "active", "failed", "cancelled", "withdrawn", "decommissioned", "modified"}

func loadRecipes(t *testing.T, path string, env map[string]string) *targets.Set {
	t.Helper()
	set, err := targets.Load(path, targets.Options{
		Getenv:     func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Sign:       func([]byte) string { return "sha256=unused" },
		Milestones: milestones,
	})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// The recipes' targets deliver to their products, through no allow-list
// entry; a 4xx is final, and no error names a credential.
func TestDeliverCallbackToTargets(t *testing.T) {
	const email, apiToken, snUser, snPassword, clientID, clientSecret = "ops@example.com", "jira-token-7", "svc", "sn-pass-7", "client-1", "client-secret-7"
	jira := standin.NewJira(t, email, apiToken)
	sn := standin.NewServiceNow(t, snUser, snPassword)
	snOAuth := standin.NewServiceNowOAuth(t, clientID, clientSecret)
	env := map[string]string{"JIRA_EMAIL": email, "JIRA_API_TOKEN": apiToken, "SERVICENOW_USER": snUser, "SERVICENOW_PASSWORD": snPassword,
		"SERVICENOW_CLIENT_ID": clientID, "SERVICENOW_CLIENT_SECRET": clientSecret}
	set := loadRecipes(t, standin.Recipes(t, jira, sn), env)
	oauthSet := loadRecipes(t, standin.Recipes(t, nil, snOAuth), env)

	at := newActTest(t)
	event := activities.CallbackEvent{OrderID: "CHG1", Milestone: "active", ConnectionID: "c1", APIStatus: "ACTIVE", Time: time.Now()}
	deliver := func(set *targets.Set, target, ticket string) error {
		at.acts.Callbacks = activities.Callbacks{Targets: set} // no allowed host: the targets need none
		e := event
		e.Target, e.Ticket = target, ticket
		_, err := at.env.ExecuteActivity(at.acts.DeliverCallback, e)
		return err
	}
	const sysID = "a9e9c33dc61122760072455df62663d2"
	for _, d := range []struct {
		set            *targets.Set
		target, ticket string
	}{{set, "jira", "NET-42"}, {set, "servicenow", sysID}, {oauthSet, "servicenow-oauth", sysID}, {oauthSet, "servicenow-oauth", sysID}} {
		if err := deliver(d.set, d.target, d.ticket); err != nil {
			t.Fatalf("%s: %v", d.target, err)
		}
	}
	want := "Layer 2 order CHG1: active (connection c1, ACTIVE)"
	if got := jira.Comments("NET-42"); len(got) != 1 || got[0] != want {
		t.Errorf("jira comments %q, refused %q", got, jira.Refused())
	}
	if got := sn.WorkNotes("change_request", sysID); len(got) != 1 || got[0] != want {
		t.Errorf("servicenow notes %q, refused %q", got, sn.Refused())
	}
	if got := snOAuth.WorkNotes("change_request", sysID); len(got) != 2 || snOAuth.TokensIssued() != 1 {
		t.Errorf("servicenow-oauth notes %q, %d tokens (want 2 notes, 1 token, cached), refused %q", got, snOAuth.TokensIssued(), snOAuth.Refused())
	}

	// A ticket that would climb out of the path stays one segment
	// of it (no such issue: final), or, a bare "..", never goes out.
	err := deliver(set, "jira", "../../x")
	if appErr := appError(t, err); !appErr.NonRetryable() || len(jira.Refused()) != 1 || !strings.HasPrefix(jira.Refused()[0], "POST /rest/api/3/issue/..%2F..%2Fx/comment:") {
		t.Errorf("a ../ ticket: %v, refused %q", err, jira.Refused())
	}
	err = deliver(set, "jira", "..")
	if appErr := appError(t, err); !appErr.NonRetryable() || len(jira.Refused()) != 1 {
		t.Errorf("a .. ticket: %v, refused %q", err, jira.Refused())
	}

	for _, f := range []struct {
		code  int
		final bool
	}{{http.StatusUnauthorized, true}, {http.StatusNotFound, true}, {http.StatusTooManyRequests, false}, {http.StatusRequestTimeout, false}, {http.StatusBadGateway, false}} {
		jira.FailWith(f.code)
		err := deliver(set, "jira", "NET-42")
		if appErr := appError(t, err); appErr.NonRetryable() != f.final {
			t.Errorf("%d: %v, want final %v", f.code, err, f.final)
		}
		for _, secret := range []string{apiToken, snPassword, clientSecret} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%d: error %q shows a secret", f.code, err)
			}
		}
	}
	jira.FailWith(0)

	// A target this worker does not have: another worker may.
	err = deliver(oauthSet, "jira", "NET-42")
	if appErr := appError(t, err); appErr.NonRetryable() {
		t.Errorf("an unknown target is final here: %v", err)
	}
}

// A token endpoint that refuses the client is tried again (credentials
// fixed in the worker's environment take effect at its restart), and its
// error names the endpoint's host and status, never the secret.
func TestDeliverCallbackTokenRefused(t *testing.T) {
	sn := standin.NewServiceNowOAuth(t, "client-1", "the-right-secret")
	set := loadRecipes(t, standin.Recipes(t, nil, sn), map[string]string{"JIRA_EMAIL": "e", "JIRA_API_TOKEN": "t", "SERVICENOW_USER": "u", "SERVICENOW_PASSWORD": "p",
		"SERVICENOW_CLIENT_ID": "client-1", "SERVICENOW_CLIENT_SECRET": "a-wrong-secret-3"})
	at := newActTest(t)
	at.acts.Callbacks = activities.Callbacks{Targets: set}
	_, err := at.env.ExecuteActivity(at.acts.DeliverCallback, activities.CallbackEvent{Target: "servicenow-oauth", Ticket: "abc", OrderID: "O1", Milestone: "active"})
	appErr := appError(t, err)
	if appErr.NonRetryable() || !strings.Contains(err.Error(), "oauth2 token request to "+sn.Host()+": 401") || strings.Contains(err.Error(), "a-wrong-secret-3") {
		t.Errorf("error %v", err)
	}
	if len(sn.WorkNotes("change_request", "abc")) != 0 {
		t.Errorf("a note landed without a token")
	}
}
