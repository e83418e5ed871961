package workflows

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// actionTest is a workflow test of an action order, with the connection's
// reads answered in turn and every changing call counted.
type actionTest struct {
	*wfTest
	reads                          []activities.ConnectionFacts // answered in turn, the last repeating
	deletes, updates, changes, wds int
	port                           activities.PortInfo
}

func newActionTest(t *testing.T, reads ...activities.ConnectionFacts) *actionTest {
	return newActionTestAt(t, codeRevision, reads...)
}

// newActionTestAt runs the actions as runs started at revision do.
func newActionTestAt(t *testing.T, revision int, reads ...activities.ConnectionFacts) *actionTest {
	at := &actionTest{wfTest: newWFTestAt(t, Config{}, revision), reads: reads, port: activities.PortInfo{Found: true, ID: "p1", Name: "ACME-HKG", RemainingMbps: 1000}}
	at.mockActions()
	return at
}

// mockActions answers the action's activities from at.
func (at *actionTest) mockActions() {
	n := 0
	at.onFacts(func(context.Context, activities.ConnectionRef) (activities.ConnectionFacts, error) {
		f := at.reads[min(n, len(at.reads)-1)]
		n++
		return f, nil
	})
	at.env.OnActivity(a.ReadPort, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.PortRef) (activities.PortInfo, error) { return at.port, nil }).Maybe()
	at.env.OnActivity(a.DecommissionConnection, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.ConnectionRef) (activities.Decommissioned, error) {
			at.deletes++
			return activities.Decommissioned{}, nil
		}).Maybe()
	at.env.OnActivity(a.UpdateSpeed, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SpeedChange) (activities.ConnectionFacts, error) {
			at.updates++
			f := at.reads[0]
			f.SpeedMbps = in.SpeedMbps
			return f, nil
		}).Maybe()
	at.env.OnActivity(a.RequestSpeedChange, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SpeedChange) (activities.ConnectionFacts, error) {
			at.changes++
			f := at.reads[0]
			f.Change = &activities.ChangeFacts{Status: ccapi.ChangeRequestPending, SpeedMbps: in.SpeedMbps}
			return f, nil
		}).Maybe()
	at.env.OnActivity(a.WithdrawSpeedChange, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.ConnectionRef) (activities.ConnectionFacts, error) {
			at.wds++
			f := at.reads[0]
			f.Change = &activities.ChangeFacts{Status: ccapi.ChangeRequestWithdrawn}
			return f, nil
		}).Maybe()
}

func (at *actionTest) run(o Order) (Result, error) {
	at.env.ExecuteWorkflow(WorkflowType(o), Input{Order: o})
	if !at.env.IsWorkflowCompleted() {
		at.t.Fatal("workflow did not complete")
	}
	if err := at.env.GetWorkflowError(); err != nil {
		return Result{}, err
	}
	var res Result
	if err := at.env.GetWorkflowResult(&res); err != nil {
		at.t.Fatal(err)
	}
	return res, nil
}

// conn is acme's connection c1, ACTIVE at 100 Mbps.
func conn(mutate ...func(*activities.ConnectionFacts)) activities.ConnectionFacts {
	f := activities.ConnectionFacts{Found: true, ID: "c1", Name: "HKG-SYD-1", Status: ccapi.StatusActive, SpeedMbps: 100,
		SrcPortID: "p1", SrcCompany: "acme", DestCompany: "acme", DestPortID: "p2"}
	for _, m := range mutate {
		m(&f)
	}
	return f
}

func b2b(f *activities.ConnectionFacts) { f.DestCompany, f.DestPortID = "globex", "" }
func status(s ccapi.Status) func(*activities.ConnectionFacts) {
	return func(f *activities.ConnectionFacts) { f.Status = s }
}
func notFound(f *activities.ConnectionFacts) { *f = activities.ConnectionFacts{ID: f.ID} }
func change(s string, speed int) func(*activities.ConnectionFacts) {
	return func(f *activities.ConnectionFacts) {
		f.Change = &activities.ChangeFacts{Status: s, SpeedMbps: speed}
		if s == ccapi.ChangeRequestApproved {
			f.SpeedMbps = speed
		}
	}
}

// outcome asserts the order failed with errType, or else ended at stage,
// saying want.
func outcome(t *testing.T, res Result, err error, stage Stage, errType, want string) {
	t.Helper()
	if errType != "" {
		failure(t, err, errType, want)
	} else if err != nil || res.Stage != stage || !strings.Contains(res.Reason, want) {
		t.Errorf("result %+v, %v; want stage %s with %q", res, err, stage, want)
	}
}

func decommission(mutate ...func(*Order)) Order {
	o := Order{OrderID: "CHG0050001", Action: ActionDecommission, Company: "acme", ConnectionID: "c1", Name: "HKG-SYD-1"}
	for _, m := range mutate {
		m(&o)
	}
	return o
}

func TestDecommission(t *testing.T) {
	tests := []struct {
		name        string
		order       Order
		reads       []activities.ConnectionFacts
		wantStage   Stage
		wantErrType string
		wantDeletes int
		want        string // in the reason or error
	}{
		{"deleted once, then waited for", decommission(), []activities.ConnectionFacts{conn(), conn(status(ccapi.StatusDeleting)), conn(status(ccapi.StatusDeleted))},
			StageDecommissioned, "", 1, "connection c1 deleted"},
		{"gone from the API counts as deleted", decommission(), []activities.ConnectionFacts{conn(), conn(notFound)}, StageDecommissioned, "", 1, "deleted"},
		{"already gone", decommission(), []activities.ConnectionFacts{conn(status(ccapi.StatusDeleted))}, StageDecommissioned, "", 0, "already gone"},
		{"another name: a mistyped id deletes nothing", decommission(func(o *Order) { o.Name = "HKG-SYD-2" }), []activities.ConnectionFacts{conn()},
			"", ErrTypePrecheckFailed, 0, `nothing was deleted: connection c1 is named "HKG-SYD-1", not "HKG-SYD-2"`},
		{"unknown", decommission(), []activities.ConnectionFacts{conn(notFound)}, "", ErrTypePrecheckFailed, 0, "company acme has no connection c1"},
		{"another company's", decommission(), []activities.ConnectionFacts{conn(func(f *activities.ConnectionFacts) { f.SrcCompany = "globex" })},
			"", ErrTypePrecheckFailed, 0, "belongs to company globex"},
		{"dry run", decommission(func(o *Order) { o.DryRun = true }), []activities.ConnectionFacts{conn()}, StageDryRun, "", 0, `would delete connection c1 ("HKG-SYD-1", 100 Mbps, ACTIVE)`},
		{"no name", decommission(func(o *Order) { o.Name = "" }), []activities.ConnectionFacts{conn()}, "", ErrTypeInvalidOrder, 0, "name is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := newActionTest(t, tt.reads...)
			res, err := at.run(tt.order)
			outcome(t, res, err, tt.wantStage, tt.wantErrType, tt.want)
			if at.deletes != tt.wantDeletes {
				t.Errorf("%d DELETEs, want %d", at.deletes, tt.wantDeletes)
			}
		})
	}
}

func modify(speed int, mutate ...func(*Order)) Order {
	o := Order{OrderID: "CHG0050002", Action: ActionModify, Company: "acme", ConnectionID: "c1", SpeedMbps: speed}
	for _, m := range mutate {
		m(&o)
	}
	return o
}

func TestModify(t *testing.T) {
	tests := []struct {
		name                            string
		order                           Order
		reads                           []activities.ConnectionFacts
		remaining                       int
		wantStage                       Stage
		wantErrType                     string
		wantUpdates, wantChanges, wdraw int
		want                            string
	}{
		{"self-connection increase: updated", modify(200), []activities.ConnectionFacts{conn()}, 500, StageModified, "", 1, 0, 0, "changed from 100 to 200 Mbps"},
		{"no capacity for the increase", modify(700), []activities.ConnectionFacts{conn()}, 500, "", ErrTypePrecheckFailed, 0, 0, 0,
			"needs 600 Mbps more on source port p1 (ACME-HKG), which has 500 Mbps remaining"},
		{"decrease to another company: updated", modify(50), []activities.ConnectionFacts{conn(b2b)}, 0, StageModified, "", 1, 0, 0, "changed from 100 to 50 Mbps"},
		{"increase to another company: approved", modify(200), []activities.ConnectionFacts{conn(b2b), conn(b2b, change(ccapi.ChangeRequestPending, 200)), conn(b2b, change(ccapi.ChangeRequestApproved, 200))},
			500, StageModified, "", 0, 1, 0, "changed from 100 to 200 Mbps"},
		{"approved at a lower speed", modify(200), []activities.ConnectionFacts{conn(b2b), conn(b2b, change(ccapi.ChangeRequestApproved, 150))},
			500, StageModified, "", 0, 1, 0, "the other party accepted 150 Mbps, lower than the 200 Mbps asked"},
		{"rejected", modify(200), []activities.ConnectionFacts{conn(b2b), conn(b2b, change(ccapi.ChangeRequestRejected, 200))},
			500, "", ErrTypeOrderRejected, 0, 1, 0, "the other party rejected the change of connection c1 to 200 Mbps; it stays at 100 Mbps"},
		{"not approved by the deadline: withdrawn", modify(200, func(o *Order) { o.ActivationTimeout = Duration(time.Hour) }),
			[]activities.ConnectionFacts{conn(b2b), conn(b2b, change(ccapi.ChangeRequestPending, 200))},
			500, "", ErrTypeActivationTimeout, 0, 1, 1, "its change request was withdrawn; connection c1 stays at 100 Mbps"},
		{"already at that speed", modify(100), []activities.ConnectionFacts{conn()}, 500, StageModified, "", 0, 0, 0, "already at 100 Mbps"},
		{"not ACTIVE", modify(200), []activities.ConnectionFacts{conn(status(ccapi.StatusPending))}, 500, "", ErrTypePrecheckFailed, 0, 0, 0, "only an ACTIVE connection"},
		{"a change already pending", modify(200), []activities.ConnectionFacts{conn(b2b, change(ccapi.ChangeRequestPending, 300))}, 500, "", ErrTypePrecheckFailed, 0, 0, 0,
			"already has a change request pending (300 Mbps)"},
		{"dry run", modify(200, func(o *Order) { o.DryRun = true }), []activities.ConnectionFacts{conn(b2b)}, 500, StageDryRun, "", 0, 0, 0,
			"would change connection c1 from 100 to 200 Mbps by change request to the other party"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := newActionTest(t, tt.reads...)
			at.port.RemainingMbps = tt.remaining
			res, err := at.run(tt.order)
			outcome(t, res, err, tt.wantStage, tt.wantErrType, tt.want)
			if at.updates != tt.wantUpdates || at.changes != tt.wantChanges || at.wds != tt.wdraw {
				t.Errorf("%d updates, %d change requests, %d withdrawals; want %d, %d, %d", at.updates, at.changes, at.wds, tt.wantUpdates, tt.wantChanges, tt.wdraw)
			}
		})
	}
}

// A cancel while the change waits for approval withdraws it.
func TestModifyCancelledWhileAwaitingApproval(t *testing.T) {
	at := newActionTest(t, conn(b2b), conn(b2b, change(ccapi.ChangeRequestPending, 200)))
	at.env.RegisterDelayedCallback(func() {
		at.env.SignalWorkflow(SignalCancel, CancelRequest{Reason: "ticket closed"})
	}, 10*time.Minute)
	res, err := at.run(modify(200))
	if err != nil || res.Stage != StageCancelled || !strings.Contains(res.Reason, "its change request was withdrawn") || at.wds != 1 {
		t.Errorf("result %+v, %v; %d withdrawals", res, err, at.wds)
	}
}

func adopt(mutate ...func(*Order)) Order {
	o := Order{OrderID: "CHG0050003", Action: ActionAdopt, Company: "acme", ConnectionID: "c1"}
	for _, m := range mutate {
		m(&o)
	}
	return o
}

func TestAdopt(t *testing.T) {
	tests := []struct {
		name        string
		order       Order
		reads       []activities.ConnectionFacts
		wantStage   Stage
		wantErrType string
		want        string
	}{
		{"ACTIVE", adopt(), []activities.ConnectionFacts{conn()}, StageActive, "", `adopted connection c1 ("HKG-SYD-1", 100 Mbps, port-to-port from port p1, ACTIVE)`},
		{"followed to ACTIVE", adopt(), []activities.ConnectionFacts{conn(b2b, status(ccapi.StatusPending)), conn(b2b, status(ccapi.StatusAccepted)), conn(b2b)},
			StageActive, "", "adopted connection c1 is ACTIVE"},
		{"DENIED", adopt(), []activities.ConnectionFacts{conn(b2b, status(ccapi.StatusPending)), conn(b2b, status(ccapi.StatusDenied))},
			"", ErrTypeConnectionFailed, "adopted connection c1 ended DENIED"},
		{"never withdrawn at the deadline", adopt(func(o *Order) { o.ActivationTimeout = Duration(time.Hour) }), []activities.ConnectionFacts{conn(b2b, status(ccapi.StatusPending))},
			"", ErrTypeActivationTimeout, "left as it is (an adopted connection is never withdrawn)"},
		{"another company's", adopt(), []activities.ConnectionFacts{conn(func(f *activities.ConnectionFacts) { f.SrcCompany = "globex" })},
			"", ErrTypePrecheckFailed, "nothing was adopted: connection c1 belongs to company globex"},
		{"speed does not apply", adopt(func(o *Order) { o.SpeedMbps = 100 }), []activities.ConnectionFacts{conn()}, "", ErrTypeInvalidOrder, "speed does not apply to adopt orders"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := newActionTest(t, tt.reads...)
			res, err := at.run(tt.order)
			outcome(t, res, err, tt.wantStage, tt.wantErrType, tt.want)
			if at.deletes+at.updates+at.changes+at.wds != 0 {
				t.Errorf("adopting changed something: %d deletes, %d updates, %d changes, %d withdrawals", at.deletes, at.updates, at.changes, at.wds)
			}
		})
	}
}

// A cancel while the connection is being checked stops the decommission
// before anything is deleted.
func TestDecommissionCancelledBeforeTheDelete(t *testing.T) {
	at := newWFTest(t, Config{})
	at.env.OnActivity(a.ReadConnection, mock.Anything, mock.Anything).After(time.Minute).Return(conn(), nil)
	deletes := 0
	at.env.OnActivity(a.DecommissionConnection, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.ConnectionRef) (activities.Decommissioned, error) {
			deletes++
			return activities.Decommissioned{}, nil
		}).Maybe()
	at.env.RegisterDelayedCallback(func() {
		at.env.SignalWorkflow(SignalCancel, CancelRequest{Reason: "wrong ticket"})
	}, 10*time.Second)
	at.env.ExecuteWorkflow(DecommissionWorkflowName, Input{Order: decommission()})
	var res Result
	if err := at.env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Stage != StageCancelled || !res.NothingOrdered || !strings.Contains(res.Reason, "wrong ticket") || deletes != 0 {
		t.Errorf("result %+v, %d DELETEs", res, deletes)
	}
}
