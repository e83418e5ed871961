package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cc-l2/provisioner/workflows"
)

// listedOrder is one order as starter list prints it.
type listedOrder struct {
	OrderID      string          `json:"orderId"`
	Kind         workflows.Kind  `json:"kind,omitempty"`
	Stage        workflows.Stage `json:"stage,omitempty"`
	ConnectionID string          `json:"connectionId,omitempty"`
	Status       string          `json:"status"` // the workflow's: Running, Completed, Failed, ...
	Started      time.Time       `json:"started"`
	Ended        *time.Time      `json:"ended,omitempty"`
	WorkflowID   string          `json:"workflowId"`
	RunID        string          `json:"runId"`
}

// listOptions are list's flags.
type listOptions struct {
	stage, company, query string
	asJSON                bool
}

// filterValue is what --stage and --company may hold: the characters of
// stages and company usernames, nothing that could end a quoted string.
var filterValue = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

func (a *app) listCommand() *cobra.Command {
	var opts listOptions
	cmd := &cobra.Command{
		Use:   "list [--stage STAGE] [--company COMPANY] [--query QUERY] [--json]",
		Short: "list orders from Temporal's visibility store, no worker needed",
		Long: `Lists orders, newest first, from Temporal's visibility store by their search
attributes: ORDER, KIND, STAGE, CONNECTION, STARTED and ENDED (UTC). --stage
and --company narrow it; --query adds any visibility query, e.g.
--query "DestCompany = 'globex' AND StartTime > '2026-11-01T00:00:00Z'".
Stages: validating, ordering, awaiting-activation, withdrawing, active,
failed, cancelled, dry-run.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return a.usageError(cmd, fmt.Sprintf("unexpected argument %q", args[0]))
			}
			for name, v := range map[string]string{"--stage": opts.stage, "--company": opts.company} {
				if v != "" && !filterValue.MatchString(v) {
					return a.usageError(cmd, fmt.Sprintf("%s %q: letters, digits, '.', '_' and '-' only", name, v))
				}
			}
			return a.withTemporal(cmd, func(ctx context.Context, temporal client.Client) int { return a.list(ctx, temporal, opts) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.stage, "stage", "", "only orders at this stage")
	f.StringVar(&opts.company, "company", "", "only this company's orders")
	f.StringVar(&opts.query, "query", "", "a visibility query the orders must also match")
	f.BoolVar(&opts.asJSON, "json", false, "print one JSON object per line")
	return cmd
}

// listQuery is the visibility query for the options: every run of the
// workflow that is an order's latest (continued runs excluded).
func listQuery(opts listOptions) string {
	q := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus != 'ContinuedAsNew'", workflows.WorkflowName)
	if opts.stage != "" {
		q += fmt.Sprintf(" AND %s = '%s'", workflows.SearchOrderStage.GetName(), opts.stage)
	}
	if opts.company != "" {
		q += fmt.Sprintf(" AND %s = '%s'", workflows.SearchCompany.GetName(), opts.company)
	}
	if opts.query != "" {
		q += " AND (" + opts.query + ")"
	}
	return q
}

// orderLister is the part of client.Client that list needs.
type orderLister interface {
	ListWorkflow(ctx context.Context, request *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
}

func (a *app) list(ctx context.Context, temporal orderLister, opts listOptions) int {
	orders, err := listOrders(ctx, temporal, listQuery(opts))
	if err != nil {
		fmt.Fprintf(a.stderr, "starter: listing orders: %v\n", err)
		return exitFailure
	}
	if err := writeOrders(a.stdout, orders, opts.asJSON); err != nil {
		fmt.Fprintf(a.stderr, "starter: writing the list: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// listOrders reads every page of the query's answer.
func listOrders(ctx context.Context, temporal orderLister, query string) ([]listedOrder, error) {
	var orders []listedOrder
	var token []byte
	for {
		page, err := temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token, PageSize: 1000})
		if err != nil {
			return nil, err
		}
		for _, e := range page.GetExecutions() {
			orders = append(orders, listed(e))
		}
		if token = page.GetNextPageToken(); len(token) == 0 {
			return orders, nil
		}
	}
}

// listed is one execution as an order. Orders started before they carried
// search attributes show their id from the workflow id, and no stage.
func listed(e *workflowpb.WorkflowExecutionInfo) listedOrder {
	view := publishedView("", e.GetSearchAttributes())
	o := listedOrder{
		OrderID: strings.TrimPrefix(e.GetExecution().GetWorkflowId(), workflows.WorkflowID("")),
		Stage:   view.Stage, ConnectionID: view.ConnectionID,
		Status:     statusName(e.GetStatus()),
		Started:    e.GetStartTime().AsTime().UTC(),
		WorkflowID: e.GetExecution().GetWorkflowId(), RunID: e.GetExecution().GetRunId(),
	}
	var kind string
	if p := e.GetSearchAttributes().GetIndexedFields()[workflows.SearchOrderKind.GetName()]; p != nil {
		_ = decodePayload(p, &kind)
		o.Kind = workflows.Kind(kind)
	}
	if e.GetCloseTime() != nil && e.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		ended := e.GetCloseTime().AsTime().UTC()
		o.Ended = &ended
	}
	return o
}

// statusName is WORKFLOW_EXECUTION_STATUS_COMPLETED as Completed.
func statusName(s enumspb.WorkflowExecutionStatus) string {
	name := strings.TrimPrefix(s.String(), "WORKFLOW_EXECUTION_STATUS_")
	words := strings.Split(strings.ToLower(name), "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, "")
}

// writeOrders prints the orders as an aligned table, or JSON lines.
func writeOrders(w io.Writer, orders []listedOrder, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, o := range orders {
			if err := enc.Encode(o); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ORDER\tKIND\tSTAGE\tCONNECTION\tSTARTED\tENDED")
	orNone := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	for _, o := range orders {
		ended := "-"
		if o.Ended != nil {
			ended = o.Ended.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", o.OrderID, orNone(string(o.Kind)), orNone(string(o.Stage)),
			orNone(o.ConnectionID), o.Started.Format(time.RFC3339), ended)
	}
	return tw.Flush()
}
