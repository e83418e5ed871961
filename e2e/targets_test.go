package e2e_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/internal/standin"
	"github.com/cc-l2/provisioner/workflows"
)

// Credentials of the recipes' targets, in the worker's environment only.
const (
	jiraEmail          = "network-team@example.com"
	jiraAPIToken       = "e2e-jira-api-token-5c1e"
	serviceNowUser     = "l2.integration"
	serviceNowPassword = "e2e-servicenow-password-8d2a"
	serviceNowClientID = "e2e-servicenow-client-4f0b"
	serviceNowSecret   = "e2e-servicenow-client-secret-a7c3"
)

func init() {
	suiteSecrets["jira API token"] = jiraAPIToken
	suiteSecrets["ServiceNow password"] = serviceNowPassword
	suiteSecrets["ServiceNow OAuth client secret"] = serviceNowSecret
}

// The recipes of examples/callbacks/targets.yaml, on a worker: an order
// whose callback names jira gets its milestones as comments on the issue
// (Basic, Atlassian Document Format); one naming servicenow as work notes
// on the change request (Basic), servicenow-oauth the same with an OAuth2
// client-credentials token. A target that refuses (404) fails the
// milestone for good, and the callbacks workflow says so; an unknown
// target is refused before anything is ordered.
func TestTicketingTargetsReceiveMilestones(t *testing.T) {
	need(t)
	jira := standin.NewJira(t, jiraEmail, jiraAPIToken)
	sn := standin.NewServiceNow(t, serviceNowUser, serviceNowPassword)
	sn.AddOAuthClient(serviceNowClientID, serviceNowSecret)
	const queue = "e2e-targets"
	w := workerFor(t, queue,
		"CALLBACK_TARGETS="+standin.Recipes(t, jira, sn),
		"CALLBACK_ALLOWED_HOSTS=", // the targets' hosts need no entry
		"JIRA_EMAIL="+jiraEmail, "JIRA_API_TOKEN="+jiraAPIToken,
		"SERVICENOW_USER="+serviceNowUser, "SERVICENOW_PASSWORD="+serviceNowPassword,
		"SERVICENOW_CLIENT_ID="+serviceNowClientID, "SERVICENOW_CLIENT_SECRET="+serviceNowSecret,
	)
	c := env.temporal.Client(t)
	const changeBasic, changeOAuth = "a9e9c33dc61122760072455df62663d2", "b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6"
	orders := []struct {
		id, target, ticket string
		landed             func() []string
	}{
		{"E2E-TARGET-JIRA", "jira", "NET-42", func() []string { return jira.Comments("NET-42") }},
		{"E2E-TARGET-SN", "servicenow", changeBasic, func() []string { return sn.WorkNotes("change_request", changeBasic) }},
		{"E2E-TARGET-SN-OAUTH", "servicenow-oauth", changeOAuth, func() []string { return sn.WorkNotes("change_request", changeOAuth) }},
	}
	for _, o := range orders {
		order := p2pOrder(o.id)
		order.Callback = &workflows.Callback{Target: o.target, Ticket: o.ticket}
		res, err := result(t, startOn(t, c, queue, order))
		if err != nil || res.Stage != workflows.StageActive {
			t.Fatalf("%s: %+v, %v", o.id, res, err)
		}
		want := []string{
			"Layer 2 order " + o.id + ": ordered (connection " + res.ConnectionID + ", ",
			"Layer 2 order " + o.id + ": active (connection " + res.ConnectionID + ", ACTIVE)",
		}
		for deadline := time.Now().Add(time.Minute); len(o.landed()) < len(want); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: landed %q; jira refused %q, servicenow refused %q\n%s", o.target, o.landed(), jira.Refused(), sn.Refused(), w.out.String())
			}
		}
		got := o.landed()
		if len(got) != 2 || !strings.HasPrefix(got[0], want[0]) || got[1] != want[1] {
			t.Errorf("%s: landed %q, want %q", o.target, got, want)
		}
		recordAs := ""
		if o.target == "jira" {
			recordAs = "callbacks-target-notified"
		}
		checkHistory(t, c, o.id, recordAs)
		figure("callback target " + o.target + ": " + strings.Join(got, " | "))
	}
	if by := sn.LandedBy("change_request", changeBasic); strings.Join(by, ",") != "basic,basic" {
		t.Errorf("servicenow notes landed by %v", by)
	}
	if by := sn.LandedBy("change_request", changeOAuth); strings.Join(by, ",") != "bearer,bearer" || sn.TokensIssued() != 1 {
		t.Errorf("servicenow-oauth notes landed by %v, %d tokens issued (want one, cached)", by, sn.TokensIssued())
	}
	if r := append(jira.Refused(), sn.Refused()...); len(r) != 0 {
		t.Errorf("refused: %q", r)
	}
	// An OAuth2 access token is a secret too: the scan at the end of the
	// suite looks for it in every history and log.
	for i, token := range sn.IssuedTokens() {
		suiteSecrets["ServiceNow access token "+string(rune('0'+i))] = token
	}

	// A target that answers 404 (the issue is gone): each milestone fails
	// at once, for good, and the callbacks workflow says which and why.
	jira.FailWith(http.StatusNotFound)
	gone := p2pOrder("E2E-TARGET-GONE")
	gone.Callback = &workflows.Callback{Target: "jira", Ticket: "NET-404"}
	if _, err := result(t, startOn(t, c, queue, gone)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.GetWorkflow(ctx, workflows.CallbacksWorkflowID(gone.OrderID), "").Get(ctx, nil); err != nil {
		t.Fatalf("callbacks workflow: %v", err)
	}
	q, err := c.QueryWorkflow(ctx, workflows.CallbacksWorkflowID(gone.OrderID), "", workflows.QueryCallbacks)
	if err != nil {
		t.Fatal(err)
	}
	var view workflows.CallbacksView
	if err := q.Get(&view); err != nil {
		t.Fatal(err)
	}
	if view.Target != "jira" || len(view.Delivered) != 0 || len(view.Failed) != 2 || !strings.Contains(view.Failed[0].Error, `callback target "jira"`) || !strings.Contains(view.Failed[0].Error, "refused: 404") {
		t.Errorf("callbacks view %+v", view)
	}
	jira.FailWith(0)
	// The metrics reach /metrics at the reporter's next flush.
	base := "http://" + monitoringAddr(t, w) + "/metrics"
	for _, m := range []struct {
		target, result string
		want           float64
	}{{"jira", "delivered", 2}, {"jira", "failed", 2}, {"servicenow-oauth", "delivered", 2}} {
		var got float64
		for deadline := time.Now().Add(10 * time.Second); got != m.want && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			_, body := scrape(t, base)
			got = metric(body, "l2_callbacks_total", `target="`+m.target+`"`, `result="`+m.result+`"`)
		}
		if got != m.want {
			t.Errorf("l2_callbacks_total{target=%s,result=%s} = %g, want %g", m.target, m.result, got, m.want)
		}
	}

	// An unknown target: refused before anything is ordered.
	unknown := p2pOrder("E2E-TARGET-UNKNOWN")
	unknown.Callback = &workflows.Callback{Target: "remedy", Ticket: "INC1"}
	_, err = result(t, startOn(t, c, queue, unknown))
	checkHistory(t, c, unknown.OrderID, "callbacks-target-unknown")
	if typ, msg := failureType(t, err); typ != workflows.ErrTypeInvalidOrder || !strings.Contains(msg, `callback.target: "remedy" is not one of the worker's CALLBACK_TARGETS (jira, servicenow, servicenow-oauth)`) {
		t.Errorf("unknown target: %s %s", typ, msg)
	}
}
