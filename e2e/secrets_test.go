package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"

	"github.com/cc-l2/provisioner/internal/dev/devserver"
	"github.com/cc-l2/provisioner/workflows"
)

// Secrets the suite configures beyond the API key and the callback
// secret (main_test.go): credentials in the worker's CALLBACK_URL, and the
// webhook's token, secret and Basic password.
const (
	callbackUser  = "e2e-cb-user-5e1"
	callbackPass  = "e2e-cb-pass-8c4"
	callbackToken = "e2e-cb-token-a07"
	webhookToken  = "e2e-webhook-token-2f9"
	webhookSecret = "e2e-webhook-secret-7d3"
	webhookUser   = "e2e-webhook-user"
	webhookPass   = "e2e-webhook-basic-pass-e06"
)

// suiteSecrets is every secret the suite configures, by what it is.
var suiteSecrets = map[string]string{
	"CC_API_KEY":                     simKey,
	"CALLBACK_SECRET":                callbackSecret,
	"CALLBACK_URL user":              callbackUser,
	"CALLBACK_URL password":          callbackPass,
	"CALLBACK_URL token":             callbackToken,
	"STARTER_WEBHOOK_TOKEN":          webhookToken,
	"STARTER_WEBHOOK_SECRET":         webhookSecret,
	"STARTER_WEBHOOK_BASIC_PASSWORD": webhookPass,
}

// suiteLogs holds every log the suite's processes wrote: workers, the
// starter's runs, the webhook (the dev server's is its own).
var suiteLogs struct {
	mu   sync.Mutex
	logs []suiteLog
}

type suiteLog struct {
	name string
	read func() string
}

// keepLog adds a log to those the secret scan reads.
func keepLog(name string, read func() string) {
	suiteLogs.mu.Lock()
	defer suiteLogs.mu.Unlock()
	suiteLogs.logs = append(suiteLogs.logs, suiteLog{name, read})
}

// secretLeaks reads every history in the suite's namespace and every log
// of the suite for every secret the suite configures, and says where
// each one it finds is.
func secretLeaks(ctx context.Context, c client.Client) ([]string, int, error) {
	var leaks []string
	search := func(where string, text []byte) {
		for what, secret := range suiteSecrets {
			if bytes.Contains(text, []byte(secret)) {
				leaks = append(leaks, fmt.Sprintf("%s (%s) in %s", what, secret, where))
			}
		}
	}
	histories := 0
	var token []byte
	for {
		page, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: env.temporal.Namespace, PageSize: 200, NextPageToken: token})
		if err != nil {
			return nil, 0, fmt.Errorf("listing the workflows: %w", err)
		}
		for _, ex := range page.GetExecutions() {
			id, runID := ex.GetExecution().GetWorkflowId(), ex.GetExecution().GetRunId()
			hist := &historypb.History{}
			iter := c.GetWorkflowHistory(ctx, id, runID, false, 0)
			for iter.HasNext() {
				event, err := iter.Next()
				if err != nil {
					return nil, 0, fmt.Errorf("history of %s: %w", id, err)
				}
				hist.Events = append(hist.Events, event)
			}
			raw, err := proto.Marshal(hist)
			if err != nil {
				return nil, 0, err
			}
			search("the history of "+id+" run "+runID, raw)
			histories++
		}
		if token = page.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	suiteLogs.mu.Lock()
	for _, l := range suiteLogs.logs {
		search("the log of "+l.name, []byte(l.read()))
	}
	suiteLogs.mu.Unlock()
	search("the dev server's log", []byte(env.temporal.Logs()))
	return leaks, histories, nil
}

// receiver is a ticketing system that takes callbacks only with the
// credentials of the worker's CALLBACK_URL.
type receiver struct {
	mu     sync.Mutex
	events []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pass, _ := r.BasicAuth()
	if user != callbackUser || pass != callbackPass || r.URL.Query().Get("token") != callbackToken {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var event struct{ OrderID, Milestone string }
	_ = json.NewDecoder(r.Body).Decode(&event)
	rc.mu.Lock()
	rc.events = append(rc.events, event.OrderID+" "+event.Milestone)
	rc.mu.Unlock()
}

func (rc *receiver) got(event string) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, e := range rc.events {
		if e == event {
			return true
		}
	}
	return false
}

// No secret the suite configures is in any history or any log: orders
// reporting to a CALLBACK_URL with credentials (a dry run and a failed
// one too), orders through the webhook with its token and a signature,
// and whatever the suite ran before. TestMain scans again after every
// test has run.
func TestNoSecretInAnyHistoryOrLog(t *testing.T) {
	need(t)
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	callbackURL := fmt.Sprintf("http://%s:%s@%s/l2?token=%s", callbackUser, callbackPass, u.Host, callbackToken)
	const queue = "e2e-secrets"
	workerFor(t, queue, "CALLBACK_URL="+callbackURL)
	c := env.temporal.Client(t)

	active, dryRun, failing := p2pOrder("E2E-SECRETS-ACTIVE"), p2pOrder("E2E-SECRETS-DRY"), p2pOrder("E2E-SECRETS-FAIL")
	dryRun.DryRun = true
	failing.SpeedMbps = 100000 // beyond the port: fails its pre-checks
	for _, o := range []workflows.Order{active, dryRun, failing} {
		if _, err := result(t, startOn(t, c, queue, o)); err != nil && o.OrderID != failing.OrderID {
			t.Fatalf("%s: %v", o.OrderID, err)
		}
	}
	for _, event := range []string{active.OrderID + " active", failing.OrderID + " failed"} {
		for deadline := time.Now().Add(time.Minute); !rc.got(event); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the receiver never got %q: the worker did not use CALLBACK_URL's credentials", event)
			}
		}
	}

	hook := serveWebhook(t, queue)
	viaToken := `{"orderId":"E2E-SECRETS-WEBHOOK","company":"acme","portId":"` + acmeHKG + `","destPortId":"` + acmeSIN + `","speed":10}`
	hook.send(t, "POST", "/orders", viaToken, map[string]string{"Authorization": "Bearer " + webhookToken}, http.StatusAccepted)
	hook.send(t, "POST", "/orders", viaToken, map[string]string{"Authorization": "Bearer " + webhookToken + "-wrong"}, http.StatusUnauthorized)
	hook.send(t, "GET", "/orders/E2E-SECRETS-WEBHOOK", "", hook.sign("GET", "/orders/E2E-SECRETS-WEBHOOK", ""), http.StatusOK)
	hook.send(t, "POST", "/orders/E2E-SECRETS-WEBHOOK/cancel", "", hook.sign("GET", "/orders/E2E-SECRETS-WEBHOOK", ""), http.StatusUnauthorized)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	leaks, histories, err := secretLeaks(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range leaks {
		t.Error(leak)
	}
	figure(fmt.Sprintf("secret scan: %d secrets, %d histories, %d logs: %d found", len(suiteSecrets), histories, len(suiteLogs.logs)+1, len(leaks)))
}

// webhook is a `starter serve` of the test's own.
type webhook struct {
	base string
}

// serveWebhook runs `starter serve` with a token, a secret and Basic
// credentials, on a free
// port, until the test ends; extraEnv (NAME=value) adds to its
// environment.
func serveWebhook(t *testing.T, queue string, extraEnv ...string) *webhook {
	t.Helper()
	out := &devserver.SyncBuffer{}
	cmd := exec.Command(filepath.Join(env.bin, "starter"), "serve")
	cmd.Env = append(os.Environ(),
		"TEMPORAL_ADDRESS="+env.temporal.HostPort,
		"TEMPORAL_NAMESPACE="+env.temporal.Namespace,
		"TEMPORAL_TASK_QUEUE="+queue,
		"STARTER_LISTEN_ADDR=127.0.0.1:0",
		"STARTER_WEBHOOK_TOKEN="+webhookToken,
		"STARTER_WEBHOOK_SECRET="+webhookSecret,
		"STARTER_WEBHOOK_BASIC_USER="+webhookUser,
		"STARTER_WEBHOOK_BASIC_PASSWORD="+webhookPass,
		"LOG_LEVEL=info",
	)
	cmd.Env = append(cmd.Env, extraEnv...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	keepLog("starter serve ("+t.Name()+")", out.String)
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		t.Fatalf("starter serve said nothing: %s", out.String())
	}
	addr, ok := strings.CutPrefix(lines.Text(), "listening on ")
	if !ok {
		t.Fatalf("starter serve: %q", lines.Text())
	}
	go func() { _, _ = io.Copy(out, stdout) }()
	return &webhook{base: "http://" + addr}
}

// sign is the signature headers of a request, as the README's recipe.
func (*webhook) sign(method, path, body string) map[string]string {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(webhookSecret))
	mac.Write([]byte(ts + "." + method + "." + path + "." + body))
	return map[string]string{"X-Signature-Timestamp": ts, "X-Signature-256": "sha256=" + hex.EncodeToString(mac.Sum(nil))}
}

// send sends one request until it answers want (a status read may come
// before the order's first task; anything else must answer want at
// once), and returns the answer's body.
func (h *webhook) send(t *testing.T, method, path, body string, header map[string]string, want int) []byte {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		req, err := http.NewRequest(method, h.base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == want {
			return answer
		}
		// A status read may come before the order's first task.
		if time.Now().After(deadline) || want != http.StatusOK {
			t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, answer, want)
		}
	}
}
