package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.uber.org/zap"
)

// queryingTemporal records the visibility queries it is asked.
type queryingTemporal struct {
	recordingTemporal
	queries []string
	sizes   []int32
}

func (f *queryingTemporal) ListWorkflow(_ context.Context, r *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	f.queries = append(f.queries, r.GetQuery())
	f.sizes = append(f.sizes, r.GetPageSize())
	return &workflowservice.ListWorkflowExecutionsResponse{}, nil
}

// GET /orders takes list's --stage and --limit as ?stage= and ?limit=,
// checked as list checks them, and nothing else: a bad value is a 400
// and lists nothing.
func TestWebhookListQuery(t *testing.T) {
	tests := []struct {
		name        string
		query       string
		wantCode    int
		wantProblem string
		wantQuery   string // what the visibility store is asked
		wantSize    int32
	}{
		{"all", "", http.StatusOK, "", listQuery(listOptions{}), 1000},
		{"a stage", "?stage=awaiting-activation", http.StatusOK, "", listQuery(listOptions{stage: "awaiting-activation"}), 1000},
		{"a limit", "?limit=5", http.StatusOK, "", listQuery(listOptions{}), 5},
		{"both", "?stage=failed&limit=20", http.StatusOK, "", listQuery(listOptions{stage: "failed"}), 20},
		{"no such stage", "?stage=done", http.StatusBadRequest, `stage "done" is no stage; stages: ` + stageNames(), "", 0},
		{"a quote in the stage", "?stage=it's", http.StatusBadRequest, `stage "it's" is no stage; stages: ` + stageNames(), "", 0},
		{"a limit that is no number", "?limit=ten", http.StatusBadRequest, `limit "ten": a whole number, 0 for all`, "", 0},
		{"a negative limit", "?limit=-1", http.StatusBadRequest, "limit -1: 0 for all, or more", "", 0},
		{"a limit twice", "?limit=1&limit=2", http.StatusBadRequest, "limit is given 2 times", "", 0},
		{"another parameter", "?company=acme", http.StatusBadRequest, `"company" is not a parameter: use stage and limit`, "", 0},
		{"a query of its own", "?query=true", http.StatusBadRequest, `"query" is not a parameter: use stage and limit`, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			temporal := &queryingTemporal{}
			srv := httptest.NewServer(newWebhook(temporal, "q", webhookAuth{Token: testToken}, nil, zap.NewNop()))
			defer srv.Close()
			resp, raw := roundTrip(t, srv, http.MethodGet, "/orders"+tt.query, "", bearer(testToken))
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("= %d %s, want %d", resp.StatusCode, raw, tt.wantCode)
			}
			if tt.wantCode != http.StatusOK {
				code, answer := send(t, srv, http.MethodGet, "/orders"+tt.query, "", bearer(testToken))
				if code != tt.wantCode || answer["error"] != errBadListQuery || answer["problem"] != tt.wantProblem {
					t.Fatalf("= %d %v, want %q: %q", code, answer, errBadListQuery, tt.wantProblem)
				}
				if len(temporal.queries) > 0 {
					t.Fatalf("a bad query listed: %v", temporal.queries)
				}
				return
			}
			if string(raw) != "[]\n" || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("answer %q (%s), want [] as JSON", raw, resp.Header.Get("Content-Type"))
			}
			if len(temporal.queries) != 1 || temporal.queries[0] != tt.wantQuery || temporal.sizes[0] != tt.wantSize {
				t.Fatalf("asked %v (page sizes %v), want %q (%d)", temporal.queries, temporal.sizes, tt.wantQuery, tt.wantSize)
			}
		})
	}
}

// GET /orders answers what `starter list -o json` prints, byte for byte.
func TestWebhookListIsStarterList(t *testing.T) {
	e := newTestEnv(t)
	srv := newWebhookServer(t, e.client, e.taskQueue)
	id := e.orderID("WHLIST")
	// A held order stays running, awaiting activation, while both list.
	if code, answer, _ := call(t, srv, http.MethodPost, "/orders", testToken, order(id, `"name":"hold"`)); code != http.StatusAccepted {
		t.Fatalf("POST /orders: %d %v", code, answer)
	}
	defer send(t, srv, http.MethodPost, "/orders/"+id+"/cancel", "", bearer(testToken))
	var listed string
	eventually(t, 20*time.Second, func() bool {
		_, raw := roundTrip(t, srv, http.MethodGet, "/orders?stage=awaiting-activation&limit=1000", "", bearer(testToken))
		listed = string(raw)
		return strings.Contains(listed, `"orderId": "`+id+`"`)
	})
	printed := e.run("", "list", "--stage", "awaiting-activation", "--limit", "1000", "-o", "json")
	if printed.code != exitOK || printed.stdout != listed {
		t.Fatalf("GET /orders answered\n%s\nstarter list -o json printed (%d)\n%s", listed, printed.code, printed.stdout)
	}
}
