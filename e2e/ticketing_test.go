package e2e_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/cc-l2/provisioner/internal/standin"
	"github.com/cc-l2/provisioner/workflows"
)

// ticketingMappings is a directory of examples/mappings as an operator
// deploys it, with servicenow-oauth.jq: servicenow.jq whose orders call
// back through the servicenow-oauth target.
func ticketingMappings(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"jira.jq", "servicenow.jq"} {
		data, err := os.ReadFile(filepath.Join(env.root, "examples", "mappings", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
		if name != "servicenow.jq" {
			continue
		}
		oauth := strings.Replace(string(data), `callback: {target: "servicenow",`, `callback: {target: "servicenow-oauth",`, 1)
		if oauth == string(data) {
			t.Fatal("servicenow.jq names no servicenow callback target")
		}
		if err := os.WriteFile(filepath.Join(dir, "servicenow-oauth.jq"), []byte(oauth), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// ticketingWorker is a worker of its own on queue whose CALLBACK_TARGETS
// are the recipes of examples/callbacks/targets.yaml, sent to the
// stand-ins (nil: to the placeholder sites), with their credentials.
func ticketingWorker(t *testing.T, queue string, jira *standin.Jira, sn *standin.ServiceNow) *workerProcess {
	t.Helper()
	return workerFor(t, queue,
		"CALLBACK_TARGETS="+standin.Recipes(t, jira, sn),
		"CALLBACK_ALLOWED_HOSTS=", // the targets' hosts need no entry
		"JIRA_EMAIL="+jiraEmail, "JIRA_API_TOKEN="+jiraAPIToken,
		"SERVICENOW_USER="+serviceNowUser, "SERVICENOW_PASSWORD="+serviceNowPassword,
		"SERVICENOW_CLIENT_ID="+serviceNowClientID, "SERVICENOW_CLIENT_SECRET="+serviceNowSecret,
	)
}

// sample is a payload of examples/mappings/testdata with one field of
// one object set (the issue's key, the record's sys_id).
func sample(t *testing.T, file string, set func(map[string]any)) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(env.root, "examples", "mappings", "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var payload map[string]any
	if err := json.Unmarshal(raw, &payload); err != nil {
		t.Fatal(err)
	}
	set(payload)
	body, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// jiraSends is the headers of a Jira Cloud webhook: X-Hub-Signature,
// the HMAC-SHA256 of the body with the webhook's secret.
func jiraSends(body string) map[string]string {
	mac := hmac.New(sha256.New, []byte(webhookSecret))
	mac.Write([]byte(body))
	return map[string]string{"Content-Type": "application/json", "User-Agent": "Atlassian Webhook HTTP Client",
		"X-Hub-Signature": "sha256=" + hex.EncodeToString(mac.Sum(nil))}
}

// serviceNowSends is the headers of a ServiceNow REST Message: Basic.
func serviceNowSends() map[string]string {
	req, _ := http.NewRequest(http.MethodPost, "/", nil)
	req.SetBasicAuth(webhookUser, webhookPass)
	return map[string]string{"Content-Type": "application/json", "Authorization": req.Header.Get("Authorization")}
}

// statusOf is the order's status as GET /orders/{orderId} answers it.
func statusOf(t *testing.T, hook *webhook, orderID string) workflows.StatusView {
	t.Helper()
	path := "/orders/" + orderID
	var view workflows.StatusView
	if err := json.Unmarshal(hook.send(t, http.MethodGet, path, "", hook.sign(http.MethodGet, path, ""), http.StatusOK), &view); err != nil {
		t.Fatal(err)
	}
	return view
}

// Issue 28, end to end: a ticket, as Jira Cloud or ServiceNow sends it to
// the starter's webhook (Jira signed with X-Hub-Signature, ServiceNow with
// Basic), becomes a running order through examples/mappings (jira.jq,
// servicenow.jq); its milestones land back on the ticket through the
// targets of examples/callbacks/targets.yaml (a comment on the Jira issue
// with Basic; a work note on the change request with Basic, or with an
// OAuth2 token), and the order's status shows them delivered. A Jira that
// answers 404 fails the milestones for good, and the order's status
// (GET /orders/{orderId}, `starter status`) says which and why.
func TestTicketsBecomeOrdersAndHearBack(t *testing.T) {
	need(t)
	jira := standin.NewJira(t, jiraEmail, jiraAPIToken)
	sn := standin.NewServiceNow(t, serviceNowUser, serviceNowPassword)
	sn.AddOAuthClient(serviceNowClientID, serviceNowSecret)
	const queue = "e2e-ticketing"
	w := ticketingWorker(t, queue, jira, sn)
	hook := serveWebhook(t, queue, "STARTER_MAPPINGS="+ticketingMappings(t))
	c := env.temporal.Client(t)

	issue := func(key string) string {
		return sample(t, "jira-issue-created.json", func(p map[string]any) { p["issue"].(map[string]any)["key"] = key })
	}
	// Each change its own number: the connection is named after it.
	change := func(sysID string) string {
		return sample(t, "servicenow-change_request.json", func(p map[string]any) { p["sys_id"], p["number"] = sysID, "CHG-"+sysID[len(sysID)-4:] })
	}
	const changeBasic, changeOAuth = "e2e0000000000000000000000000b451", "e2e00000000000000000000000000a17"
	tickets := []struct {
		mapping, body string
		header        map[string]string
		orderID       string
		landed        func() []string
	}{
		{"jira", issue("NET-E2E-2"), jiraSends(issue("NET-E2E-2")), "JIRA-NET-E2E-2", func() []string { return jira.Comments("NET-E2E-2") }},
		{"servicenow", change(changeBasic), serviceNowSends(), "SN-" + changeBasic, func() []string { return sn.WorkNotes("change_request", changeBasic) }},
		{"servicenow-oauth", change(changeOAuth), serviceNowSends(), "SN-" + changeOAuth, func() []string { return sn.WorkNotes("change_request", changeOAuth) }},
	}
	for _, tk := range tickets {
		res := ticketOrder(t, hook, c, tk.mapping, tk.body, tk.header, tk.orderID)
		want := []string{
			"Layer 2 order " + tk.orderID + ": ordered (connection " + res.ConnectionID + ", ",
			"Layer 2 order " + tk.orderID + ": active (connection " + res.ConnectionID + ", ACTIVE)",
		}
		var view workflows.StatusView
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
			view = statusOf(t, hook, tk.orderID)
			if len(tk.landed()) >= len(want) && view.Callbacks != nil && len(view.Callbacks.Delivered) == len(want) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: landed %q, status %+v; jira refused %q, servicenow refused %q\n%s", tk.mapping, tk.landed(), view.Callbacks, jira.Refused(), sn.Refused(), w.out.String())
			}
		}
		got := tk.landed()
		if len(got) != 2 || !strings.HasPrefix(got[0], want[0]) || got[1] != want[1] {
			t.Errorf("%s: landed %q, want %q", tk.mapping, got, want)
		}
		if cb := view.Callbacks; cb.Target != tk.mapping || strings.Join(cb.Delivered, ",") != "ordered,active" || len(cb.Failed) != 0 {
			t.Errorf("%s: status shows callbacks %+v", tk.mapping, cb)
		}
		figure("ticketing " + tk.mapping + ": ticket became order " + tk.orderID + "; landed " + strings.Join(got, " | "))
	}
	if by := sn.LandedBy("change_request", changeBasic); strings.Join(by, ",") != "basic,basic" {
		t.Errorf("servicenow notes landed by %v", by)
	}
	if by := sn.LandedBy("change_request", changeOAuth); strings.Join(by, ",") != "bearer,bearer" {
		t.Errorf("servicenow-oauth notes landed by %v", by)
	}
	if r := append(jira.Refused(), sn.Refused()...); len(r) != 0 {
		t.Errorf("refused: %q", r)
	}
	for i, token := range sn.IssuedTokens() {
		suiteSecrets["ServiceNow access token (ticketing) "+string(rune('0'+i))] = token
	}

	// The issue is gone by the time the order reports: Jira answers 404,
	// the milestones fail for good, and the order's status says so.
	jira.FailWith(http.StatusNotFound)
	defer jira.FailWith(0)
	const gone = "JIRA-NET-E2E-404"
	ticketOrder(t, hook, c, "jira", issue("NET-E2E-404"), jiraSends(issue("NET-E2E-404")), gone)
	var view workflows.StatusView
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		view = statusOf(t, hook, gone)
		if view.Callbacks != nil && len(view.Callbacks.Failed) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /orders/%s never showed two failed callbacks: %+v\n%s", gone, view.Callbacks, w.out.String())
		}
	}
	if cb := view.Callbacks; cb.Target != "jira" || len(cb.Delivered) != 0 || cb.Failed[1].Milestone != "active" || !strings.Contains(cb.Failed[1].Error, "refused: 404") {
		t.Errorf("GET /orders/%s: callbacks %+v", gone, cb)
	}
	out, code := starter(t, "", "status", gone)
	if words := strings.Join(strings.Fields(out), " "); code != 0 || !strings.Contains(words, `callbackTarget jira callbacksFailed ordered, active callbackError active: callback target "jira"`) {
		t.Errorf("starter status %s: %d\n%s", gone, code, out)
	}
	out, code = starter(t, "", "status", gone, "--json")
	var asJSON workflows.StatusView
	if err := json.Unmarshal([]byte(out), &asJSON); err != nil || code != 0 || asJSON.Callbacks == nil || len(asJSON.Callbacks.Failed) != 2 {
		t.Errorf("starter status %s --json: %d %s", gone, code, out)
	}
	figure("ticketing jira 404: status shows " + view.Callbacks.Failed[1].Milestone + ": " + view.Callbacks.Failed[1].Error)
}

// ticketOrder posts a ticket to its mapping's route, which must start
// orderID, and waits for the order to become active.
func ticketOrder(t *testing.T, hook *webhook, c client.Client, mapping, body string, header map[string]string, orderID string) workflows.Result {
	t.Helper()
	var started struct {
		Orders []struct{ OrderID, RunID, Outcome string }
	}
	if err := json.Unmarshal(hook.send(t, http.MethodPost, "/orders/"+mapping, body, header, http.StatusAccepted), &started); err != nil {
		t.Fatal(err)
	}
	if len(started.Orders) != 1 || started.Orders[0].OrderID != orderID || started.Orders[0].Outcome != "started" {
		t.Fatalf("POST /orders/%s started %+v, want %s", mapping, started.Orders, orderID)
	}
	res, err := result(t, c.GetWorkflow(context.Background(), workflows.WorkflowID(orderID), started.Orders[0].RunID))
	if err != nil || res.Stage != workflows.StageActive || res.ConnectionID == "" {
		t.Fatalf("%s ended %+v, %v; want active", orderID, res, err)
	}
	return res
}
