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
	"reflect"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"

	"github.com/cc-l2/provisioner/internal/standin"
	"github.com/cc-l2/provisioner/workflows"
)

// A Jira Cloud issue, as Jira Cloud's webhook sends it and signed as it
// signs (X-Hub-Signature: sha256=<HMAC of the body>), becomes a running
// order through examples/mappings/jira.jq at POST /orders/jira; sent
// again it starts nothing new; it ends as the simulator makes it, and
// GET /orders lists it.
func TestJiraIssueBecomesAnOrderThroughItsMapping(t *testing.T) {
	need(t)
	// The mapping's orders call back through the target jira: a worker
	// without it would refuse them as invalid.
	const queue = "e2e-mappings"
	ticketingWorker(t, queue, standin.NewJira(t, jiraEmail, jiraAPIToken), nil)
	hook := serveWebhook(t, queue, "STARTER_MAPPINGS="+filepath.Join(env.root, "examples", "mappings"))
	c := env.temporal.Client(t)

	raw, err := os.ReadFile(filepath.Join(env.root, "examples", "mappings", "testdata", "jira-issue-created.json"))
	if err != nil {
		t.Fatal(err)
	}
	var issue map[string]any
	if err := json.Unmarshal(raw, &issue); err != nil {
		t.Fatal(err)
	}
	const key = "NET-E2E-1" // the sample's ports are the simulator's acme HKG and SIN
	issue["issue"].(map[string]any)["key"] = key
	body, err := json.Marshal(issue)
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(webhookSecret))
	mac.Write(body)
	jira := map[string]string{
		"Content-Type":    "application/json",
		"User-Agent":      "Atlassian Webhook HTTP Client",
		"X-Hub-Signature": "sha256=" + hex.EncodeToString(mac.Sum(nil)),
	}

	var first, again struct {
		Orders []struct{ OrderID, WorkflowID, RunID, Outcome string }
	}
	if err := json.Unmarshal(hook.send(t, http.MethodPost, "/orders/jira", string(body), jira, http.StatusAccepted), &first); err != nil {
		t.Fatal(err)
	}
	const orderID = "JIRA-" + key
	if len(first.Orders) != 1 || first.Orders[0].OrderID != orderID || first.Orders[0].Outcome != "started" {
		t.Fatalf("POST /orders/jira started %+v, want %s", first.Orders, orderID)
	}
	// Jira delivers again when it hears no answer in time: nothing new.
	if err := json.Unmarshal(hook.send(t, http.MethodPost, "/orders/jira", string(body), jira, http.StatusAccepted), &again); err != nil {
		t.Fatal(err)
	}
	if len(again.Orders) != 1 || again.Orders[0].Outcome != "exists" {
		t.Fatalf("the same issue again: %+v, want exists", again.Orders)
	}
	// The body signed for another path or with another secret is refused.
	hook.send(t, http.MethodPost, "/orders/jira", string(body)+" ", jira, http.StatusUnauthorized)
	hook.send(t, http.MethodPost, "/orders/"+orderID+"/cancel", string(body), jira, http.StatusUnauthorized)

	// The order started is the one the mapping made.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	events := c.GetWorkflowHistory(ctx, workflows.WorkflowID(orderID), first.Orders[0].RunID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	startedEvent, err := events.Next()
	if err != nil {
		t.Fatal(err)
	}
	var in workflows.Input
	if err := converter.GetDefaultDataConverter().FromPayloads(startedEvent.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in); err != nil {
		t.Fatal(err)
	}
	want := workflows.Order{OrderID: orderID, Company: "acme", PortID: acmeHKG, DestPortID: acmeSIN, SpeedMbps: 10,
		Callback: &workflows.Callback{Target: "jira", Ticket: key}}.WithDefaults() // applied once, at intake
	if !reflect.DeepEqual(in.Order, want) {
		t.Fatalf("started %+v, want %+v", in.Order, want)
	}

	res, err := result(t, c.GetWorkflow(context.Background(), workflows.WorkflowID(orderID), first.Orders[0].RunID))
	if err != nil || res.Stage != workflows.StageActive || res.ConnectionID == "" {
		t.Fatalf("the order ended %+v, %v; want active", res, err)
	}

	// GET /orders, signed as any request: the order, ended active.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var listed []struct{ OrderID, Status, Stage, ConnectionID string }
		path := "/orders?stage=active&limit=100"
		if err := json.Unmarshal(hook.send(t, http.MethodGet, path, "", hook.sign(http.MethodGet, path, ""), http.StatusOK), &listed); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, o := range listed {
			found = found || o.OrderID == orderID && o.Status == "completed" && o.ConnectionID == res.ConnectionID
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /orders never listed %s completed: %+v", orderID, listed)
		}
	}
	// Basic, as ServiceNow sends it, lists too; a wrong password does not.
	basic := func(user, password string) map[string]string {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		req.SetBasicAuth(user, password)
		return map[string]string{"Authorization": req.Header.Get("Authorization")}
	}
	hook.send(t, http.MethodGet, "/orders?limit=1", "", basic(webhookUser, webhookPass), http.StatusOK)
	hook.send(t, http.MethodGet, "/orders?limit=1", "", basic(webhookUser, webhookPass+"x"), http.StatusUnauthorized)
	figure("jira mapping: issue " + key + " became order " + orderID + ", ended " + string(res.Stage) + "; sent again: exists")
}
