package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cc-l2/provisioner/workflows"
)

// listedOrder is one order as starter list prints it.
type listedOrder struct {
	OrderID      string          `json:"orderId"`
	Kind         workflows.Kind  `json:"kind,omitempty"`
	Status       string          `json:"status"` // the workflow's: running, completed, failed, cancelled, terminated, timed-out
	Stage        workflows.Stage `json:"stage,omitempty"`
	ConnectionID string          `json:"connectionId,omitempty"`
	Company      string          `json:"company,omitempty"`
	Started      time.Time       `json:"started"`
	Ended        *time.Time      `json:"ended,omitempty"`
	WorkflowID   string          `json:"workflowId"`
	RunID        string          `json:"runId"`
}

// listOptions are list's flags.
type listOptions struct {
	stage, company, query, output string
	limit                         int
}

// Outputs of list: an aligned table, one JSON array, or JSON lines.
const (
	outputText  = "text"
	outputJSON  = "json"
	outputJSONL = "jsonl"
)

// stages are every stage an order can be at, create and action orders
// alike, in the order an order meets them: what --stage may name.
var stages = []workflows.Stage{
	workflows.StageValidating, workflows.StageChecking, workflows.StageOrdering, workflows.StageAwaitingActivation,
	workflows.StageDeleting, workflows.StageModifying, workflows.StageAwaitingApproval, workflows.StageFollowing,
	workflows.StageWithdrawing, workflows.StageActive, workflows.StageDecommissioned, workflows.StageModified,
	workflows.StageFailed, workflows.StageCancelled, workflows.StageDryRun,
}

func stageNames() string {
	names := make([]string, len(stages))
	for i, s := range stages {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// filterValue is what --company may hold: the characters of company
// usernames, nothing that could end a quoted string.
var filterValue = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

func (a *app) listCommand() *cobra.Command {
	var opts listOptions
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--stage STAGE] [--company COMPANY] [--query QUERY] [--limit N] [-o text|json|jsonl]",
		Short: "list orders of every kind from Temporal's visibility store, no worker needed",
		Long: `Lists orders of every kind (create, decommission, modify, adopt; dry runs
too), newest first, from Temporal's visibility store by the orders' own search
attributes: ORDER, KIND, STATUS (running, completed, failed, cancelled,
terminated, timed-out), STAGE, CONNECTION, COMPANY, STARTED and ENDED (UTC).
--stage and --company narrow it; --query adds any visibility query, e.g.
--query "DestCompany = 'globex' AND StartTime > '2026-11-01T00:00:00Z'".
--limit keeps the newest N; -o json prints one array, -o jsonl (or --json)
one object per line. Stages: ` + stageNames() + `.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return a.usageError(cmd, fmt.Sprintf("unexpected argument %q", args[0]))
			}
			if asJSON && !cmd.Flags().Changed("output") {
				opts.output = outputJSONL
			}
			if msg := opts.problem(); msg != "" {
				return a.usageError(cmd, msg)
			}
			return a.withTemporal(cmd, func(ctx context.Context, temporal client.Client) int { return a.list(ctx, temporal, opts) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.stage, "stage", "", "only orders at this stage: "+stageNames())
	f.StringVar(&opts.company, "company", "", "only this company's orders")
	f.StringVar(&opts.query, "query", "", "a visibility query the orders must also match")
	f.IntVar(&opts.limit, "limit", 0, "at most this many orders, the newest; 0 for all")
	f.StringVarP(&opts.output, "output", "o", outputText, "text (an aligned table), json (one array) or jsonl (one object per line)")
	f.BoolVar(&asJSON, "json", false, "the same as -o jsonl")
	return cmd
}

// problem says what is wrong with the options, or "".
func (opts listOptions) problem() string {
	if opts.stage != "" && !slices.Contains(stages, workflows.Stage(opts.stage)) {
		return fmt.Sprintf("--stage %q is no stage; stages: %s", opts.stage, stageNames())
	}
	if opts.company != "" && !filterValue.MatchString(opts.company) {
		return fmt.Sprintf("--company %q: letters, digits, '.', '_' and '-' only", opts.company)
	}
	if opts.limit < 0 {
		return fmt.Sprintf("--limit %d: 0 for all, or more", opts.limit)
	}
	switch opts.output {
	case outputText, outputJSON, outputJSONL:
	default:
		return fmt.Sprintf("-o %q: text, json or jsonl", opts.output)
	}
	return ""
}

// listQuery is the visibility query for the options: every order's latest
// run (continued runs excluded), whatever its workflow type, selected by
// the OrderId every order carries from its start (name locks and
// callbacks workflows carry none).
func listQuery(opts listOptions) string {
	q := fmt.Sprintf("%s IS NOT NULL AND ExecutionStatus != 'ContinuedAsNew'", workflows.SearchOrderID.GetName())
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
	orders, err := listOrders(ctx, temporal, listQuery(opts), opts.limit)
	if err != nil {
		fmt.Fprintf(a.stderr, "starter: listing orders: %v\n", queryError(ctx, temporal, opts.query, err))
		return exitFailure
	}
	if err := writeOrders(a.stdout, orders, opts.output); err != nil {
		fmt.Fprintf(a.stderr, "starter: writing the list: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// queryError words a refused list: when the user's --query alone is
// refused, the server's words are about it (a position in it, not in the
// query list adds around it).
func queryError(ctx context.Context, temporal orderLister, userQuery string, err error) error {
	var invalid *serviceerror.InvalidArgument
	if userQuery == "" || !errors.As(err, &invalid) {
		return err
	}
	if _, alone := temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: userQuery, PageSize: 1}); alone != nil {
		return fmt.Errorf("--query %q: %w", userQuery, alone)
	}
	return err
}

// listOrders reads the query's answer, page by page, up to limit orders
// (0: all).
func listOrders(ctx context.Context, temporal orderLister, query string, limit int) ([]listedOrder, error) {
	var orders []listedOrder
	var token []byte
	pageSize := int32(1000)
	if limit > 0 && limit < int(pageSize) {
		pageSize = int32(limit)
	}
	for {
		page, err := temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token, PageSize: pageSize})
		if err != nil {
			return nil, err
		}
		for _, e := range page.GetExecutions() {
			if limit > 0 && len(orders) == limit {
				return orders, nil
			}
			orders = append(orders, listed(e))
		}
		if token = page.GetNextPageToken(); len(token) == 0 || (limit > 0 && len(orders) == limit) {
			return orders, nil
		}
	}
}

// listed is one execution as an order. Orders started before they carried
// search attributes show their id from the workflow id, and no stage.
func listed(e *workflowpb.WorkflowExecutionInfo) listedOrder {
	view := publishedView("", e.GetSearchAttributes())
	keyword := func(name string) string {
		var v string
		if p := e.GetSearchAttributes().GetIndexedFields()[name]; p != nil {
			_ = decodePayload(p, &v)
		}
		return v
	}
	o := listedOrder{
		OrderID: keyword(workflows.SearchOrderID.GetName()),
		Company: keyword(workflows.SearchCompany.GetName()),
		Kind:    workflows.Kind(keyword(workflows.SearchOrderKind.GetName())),
		Stage:   view.Stage, ConnectionID: view.ConnectionID,
		Status:     statusName(e.GetStatus()),
		Started:    e.GetStartTime().AsTime().UTC(),
		WorkflowID: e.GetExecution().GetWorkflowId(), RunID: e.GetExecution().GetRunId(),
	}
	if o.OrderID == "" { // an order from before search attributes
		o.OrderID = strings.TrimPrefix(e.GetExecution().GetWorkflowId(), workflows.WorkflowID(""))
	}
	if e.GetCloseTime() != nil && e.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		ended := e.GetCloseTime().AsTime().UTC()
		o.Ended = &ended
	}
	return o
}

// statusName is WORKFLOW_EXECUTION_STATUS_CANCELED as cancelled: the
// words the stages use.
func statusName(s enumspb.WorkflowExecutionStatus) string {
	name := strings.ToLower(strings.TrimPrefix(s.String(), "WORKFLOW_EXECUTION_STATUS_"))
	if name == "canceled" {
		return "cancelled"
	}
	return strings.ReplaceAll(name, "_", "-")
}

// writeOrders prints the orders as an aligned table, one JSON array, or
// JSON lines.
func writeOrders(w io.Writer, orders []listedOrder, output string) error {
	switch output {
	case outputJSON:
		if orders == nil {
			orders = []listedOrder{}
		}
		body, err := json.MarshalIndent(orders, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", body)
		return err
	case outputJSONL:
		enc := json.NewEncoder(w)
		for _, o := range orders {
			if err := enc.Encode(o); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ORDER\tKIND\tSTATUS\tSTAGE\tCONNECTION\tCOMPANY\tSTARTED\tENDED")
	orNone := func(s string) string {
		if s == "" {
			return "-"
		}
		return oneLine(s)
	}
	for _, o := range orders {
		ended := "-"
		if o.Ended != nil {
			ended = o.Ended.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", orNone(o.OrderID), orNone(string(o.Kind)), o.Status, orNone(string(o.Stage)),
			orNone(o.ConnectionID), orNone(o.Company), o.Started.Format(time.RFC3339), ended)
	}
	return tw.Flush()
}
