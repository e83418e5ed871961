package workflows

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// fakeAPI is one connection as the API holds it, behind activities that
// act as the real ones do (each attempt of a send reads the connection
// first), for the worst moments issue 22 names: an answer lost while its
// effect lands a read later, a partner deciding while the answer is lost.
type fakeAPI struct {
	env interface{ Now() time.Time }
	mu  sync.Mutex
	c   activities.ConnectionFacts
	// land is an effect that lands once landAfter more reads have seen
	// the connection without it.
	land      func(*activities.ConnectionFacts)
	landAfter int
	// after runs after every read: the API's own progress (DELETING
	// becomes DELETED, a partner decides).
	after                                 func(*activities.ConnectionFacts)
	reads, deletes, updates, changes, wds int
	// lose: the n-th send of its kind (from 1) loses its answer.
	loseDelete, loseUpdate, loseChange int
	// onChange runs as a change request lands: a partner deciding at once.
	onChange func(*activities.ConnectionFacts)
	// beforeWithdraw runs as a withdrawal reaches the API: a partner
	// deciding between the order's last read and its withdrawal.
	beforeWithdraw func(*activities.ConnectionFacts)
	// ports are the company's ports (ReadPort finds only those), unless
	// portErr says reading them fails.
	ports   map[string]bool
	portErr error
}

var errLost = temporal.NewApplicationError("the API answered 504 Gateway Timeout", activities.ErrTypeAPIUnavailable)

func newFakeAPI(w *wfTest, c activities.ConnectionFacts) *fakeAPI {
	f := fake(w, c)
	f.register(w)
	return f
}

func fake(w *wfTest, c activities.ConnectionFacts) *fakeAPI {
	return &fakeAPI{env: w.env, c: c, ports: map[string]bool{"p1": true}}
}

// register answers the activities from f (after any mock registered
// before, which testify tries first).
func (f *fakeAPI) register(w *wfTest) {
	w.onFacts(func(context.Context, activities.ConnectionRef) (activities.ConnectionFacts, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.read(), nil
	})
	w.env.OnActivity(a.ReadPort, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.PortRef) (activities.PortInfo, error) {
			if f.portErr != nil {
				return activities.PortInfo{}, f.portErr
			}
			if !f.ports[in.PortID] {
				return activities.PortInfo{ID: in.PortID}, nil
			}
			return activities.PortInfo{Found: true, ID: in.PortID, Name: "ACME-HKG", RemainingMbps: 1000}, nil
		}).Maybe()
	w.env.OnActivity(a.DecommissionConnection, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.ConnectionRef) (activities.Decommissioned, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			if c := f.read(); !c.Found || c.Gone() || c.Status == ccapi.StatusDeleting {
				return activities.Decommissioned{}, nil
			}
			f.deletes++
			deleting := func(c *activities.ConnectionFacts) { c.Status = ccapi.StatusDeleting }
			if f.deletes == f.loseDelete {
				f.land, f.landAfter = deleting, 1
				return activities.Decommissioned{}, errLost
			}
			deleting(&f.c)
			return activities.Decommissioned{}, nil
		}).Maybe()
	w.env.OnActivity(a.UpdateSpeed, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SpeedChange) (activities.ConnectionFacts, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			if c := f.read(); c.SpeedMbps == in.SpeedMbps {
				return c, nil
			}
			f.updates++
			f.c.SpeedMbps = in.SpeedMbps
			if f.updates == f.loseUpdate {
				return activities.ConnectionFacts{}, errLost
			}
			return f.c, nil
		}).Maybe()
	w.env.OnActivity(a.RequestSpeedChange, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SpeedChange) (activities.ConnectionFacts, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			if c := f.read(); c.Change != nil && c.Change.Status == ccapi.ChangeRequestPending && c.Change.SpeedMbps == in.SpeedMbps || c.SpeedMbps == in.SpeedMbps {
				return c, nil
			}
			f.changes++
			f.c.Change = &activities.ChangeFacts{Status: ccapi.ChangeRequestPending, SpeedMbps: in.SpeedMbps, UpdatedAt: f.env.Now()}
			if f.onChange != nil {
				f.onChange(&f.c)
			}
			if f.changes == f.loseChange {
				return activities.ConnectionFacts{}, errLost
			}
			return f.c, nil
		}).Maybe()
	w.env.OnActivity(a.WithdrawSpeedChange, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.ConnectionRef) (activities.ConnectionFacts, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.beforeWithdraw != nil {
				f.beforeWithdraw(&f.c)
			}
			c := f.read()
			if c.Change == nil || c.Change.Status != ccapi.ChangeRequestPending {
				return c, nil
			}
			f.wds++
			f.c.Change.Status = ccapi.ChangeRequestWithdrawn
			return f.c, nil
		}).Maybe()
}

// read is what one read of the API answers.
func (f *fakeAPI) read() activities.ConnectionFacts {
	f.reads++
	c := f.c
	if f.land != nil {
		if f.landAfter--; f.landAfter < 0 {
			f.land(&f.c)
			f.land = nil
			c = f.c
		}
	}
	if f.after != nil {
		f.after(&f.c)
	}
	if c.Change != nil {
		ch := *c.Change
		c.Change = &ch
	}
	return c
}

// approve is the partner approving the pending change at speed.
func approve(speed int) func(*activities.ConnectionFacts) {
	return func(c *activities.ConnectionFacts) {
		if c.Change != nil && c.Change.Status == ccapi.ChangeRequestPending {
			c.Change.Status, c.Change.SpeedMbps, c.SpeedMbps = ccapi.ChangeRequestApproved, speed, speed
		}
	}
}

func reject(c *activities.ConnectionFacts) {
	if c.Change != nil && c.Change.Status == ccapi.ChangeRequestPending {
		c.Change.Status = ccapi.ChangeRequestRejected
	}
}

// deletedAfterDeleting: the API finishes a DELETE by the next read.
func deletedAfterDeleting(c *activities.ConnectionFacts) {
	if c.Status == ccapi.StatusDeleting {
		c.Status = ccapi.StatusDeleted
	}
}

// Issue 22, scenario 3: a DELETE answered 504 whose effect lands a read
// later is not sent again; the order reads until the effect shows.
func TestDecommissionLateLandingDeleteSentOnce(t *testing.T) {
	w := newWFTest(t, Config{})
	f := newFakeAPI(w, conn())
	f.loseDelete, f.after = 1, deletedAfterDeleting
	res, err := w.run(decommission())
	if f.deletes != 1 {
		t.Errorf("%d DELETEs, want 1", f.deletes)
	}
	outcome(t, res, err, StageDecommissioned, "", "connection c1 deleted")
}

// Issue 22, scenario 3 for the other side effects: an update or a change
// request whose answer is lost is not sent again once its effect shows.
func TestModifyLostAnswerSentOnce(t *testing.T) {
	t.Run("update", func(t *testing.T) {
		w := newWFTest(t, Config{})
		f := newFakeAPI(w, conn())
		f.loseUpdate = 1
		res, err := w.run(modify(200))
		if f.updates != 1 {
			t.Errorf("%d updates, want 1", f.updates)
		}
		outcome(t, res, err, StageModified, "", "changed from 100 to 200 Mbps")
	})
	t.Run("change request", func(t *testing.T) {
		w := newWFTest(t, Config{})
		f := newFakeAPI(w, conn(b2b))
		f.loseChange = 1
		f.after = func(c *activities.ConnectionFacts) {
			if f.reads > 6 {
				approve(200)(c)
			}
		}
		res, err := w.run(modify(200))
		if f.changes != 1 {
			t.Errorf("%d change requests, want 1", f.changes)
		}
		outcome(t, res, err, StageModified, "", "changed from 100 to 200 Mbps")
	})
}

// Issue 22, scenario 8: a change request whose answer is lost while the
// partner decides is reported as decided, never sent again.
func TestModifyPartnerDecidedWhileTheAnswerWasLost(t *testing.T) {
	tests := []struct {
		name        string
		decide      func(*activities.ConnectionFacts)
		wantStage   Stage
		wantErrType string
		want        string
	}{
		{"approved lower", approve(150), StageModified, "", "changed from 100 to 150 Mbps: the other party accepted 150 Mbps, lower than the 200 Mbps asked"},
		{"rejected", reject, "", ErrTypeOrderRejected, "the other party rejected the change of connection c1 to 200 Mbps; it stays at 100 Mbps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWFTest(t, Config{})
			f := newFakeAPI(w, conn(b2b))
			f.loseChange, f.onChange = 1, tt.decide
			res, err := w.run(modify(200, func(o *Order) { o.ActivationTimeout = Duration(time.Hour) }))
			if f.changes != 1 || f.wds != 0 {
				t.Errorf("%d change requests, %d withdrawals; want 1, 0", f.changes, f.wds)
			}
			outcome(t, res, err, tt.wantStage, tt.wantErrType, tt.want)
		})
	}
}

// Issue 22, scenarios 4 and 8: a Temporal cancel while a side effect is
// in flight waits for it, then says what it did; a change request it
// interrupted is withdrawn.
func TestTemporalCancelWhileASideEffectIsInFlight(t *testing.T) {
	tests := []struct {
		name      string
		conn      activities.ConnectionFacts
		order     Order
		slow      func(*wfTest, *fakeAPI)
		wantStage Stage
		want      string
		check     func(*testing.T, *fakeAPI)
	}{
		{"DELETE", conn(), decommission(), func(w *wfTest, f *fakeAPI) {
			w.env.OnActivity(a.DecommissionConnection, mock.Anything, mock.Anything).After(time.Minute).Return(
				func(context.Context, activities.ConnectionRef) (activities.Decommissioned, error) {
					f.mu.Lock()
					defer f.mu.Unlock()
					f.deletes++
					f.c.Status = ccapi.StatusDeleting
					return activities.Decommissioned{}, nil
				}).Once()
		}, StageCancelled, "the DELETE of connection c1 was sent and taken", func(t *testing.T, f *fakeAPI) {
			if f.deletes != 1 {
				t.Errorf("%d DELETEs, want 1", f.deletes)
			}
		}},
		{"speed update", conn(), modify(200), func(w *wfTest, f *fakeAPI) {
			w.env.OnActivity(a.UpdateSpeed, mock.Anything, mock.Anything).After(time.Minute).Return(
				func(_ context.Context, in activities.SpeedChange) (activities.ConnectionFacts, error) {
					f.mu.Lock()
					defer f.mu.Unlock()
					f.updates++
					f.c.SpeedMbps = in.SpeedMbps
					return f.c, nil
				}).Once()
		}, StageModified, "changed from 100 to 200 Mbps", func(t *testing.T, f *fakeAPI) {
			if f.updates != 1 {
				t.Errorf("%d updates, want 1", f.updates)
			}
		}},
		{"change request", conn(b2b), modify(200), func(w *wfTest, f *fakeAPI) {
			w.env.OnActivity(a.RequestSpeedChange, mock.Anything, mock.Anything).After(time.Minute).Return(
				func(_ context.Context, in activities.SpeedChange) (activities.ConnectionFacts, error) {
					f.mu.Lock()
					defer f.mu.Unlock()
					f.changes++
					f.c.Change = &activities.ChangeFacts{Status: ccapi.ChangeRequestPending, SpeedMbps: in.SpeedMbps}
					return f.c, nil
				}).Once()
		}, StageCancelled, "its change request was withdrawn; connection c1 stays at 100 Mbps", func(t *testing.T, f *fakeAPI) {
			if f.changes != 1 || f.wds != 1 {
				t.Errorf("%d change requests, %d withdrawals; want 1, 1", f.changes, f.wds)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWFTest(t, Config{CallbackURL: "https://itsm.example.com/l2"})
			got := w.milestones()
			f := fake(w, tt.conn)
			tt.slow(w, f)
			f.register(w)
			w.env.RegisterDelayedCallback(w.env.CancelWorkflow, 10*time.Second)
			res, err := w.run(tt.order)
			if err != nil || res.Stage != tt.wantStage || !strings.Contains(res.Reason, tt.want) || strings.Contains(res.Reason, "nothing was done") {
				t.Errorf("result %+v, %v; want %s saying %q", res, err, tt.wantStage, tt.want)
			}
			tt.check(t, f)
			if names := milestoneNames(*got); names != string(res.Stage) {
				t.Errorf("milestones %s, want %s alone", names, res.Stage)
			}
		})
	}
}

// Issue 22, scenario 7: ownership fails closed. The API's connection
// model has no source company: the company owns a connection only if its
// source port is one of the company's ports.
func TestActionsOwnershipFailsClosed(t *testing.T) {
	noCompany := func(c *activities.ConnectionFacts) { c.SrcCompany, c.DestCompany = "", "" }
	tests := []struct {
		name    string
		order   Order
		conn    activities.ConnectionFacts
		portErr error
		errType string
		want    string
	}{
		{"decommission: another company's port", decommission(), conn(noCompany, func(c *activities.ConnectionFacts) { c.SrcPortID = "globex-p9" }),
			nil, ErrTypePrecheckFailed, "nothing was deleted: connection c1 is not company acme's own: its source port globex-p9 is not one of acme's ports"},
		{"modify: another company's port", modify(50), conn(noCompany, func(c *activities.ConnectionFacts) { c.SrcPortID = "globex-p9" }),
			nil, ErrTypePrecheckFailed, "nothing was changed: connection c1 is not company acme's own: its source port globex-p9 is not one of acme's ports"},
		{"adopt: another company's port", adopt(), conn(noCompany, func(c *activities.ConnectionFacts) { c.SrcPortID = "globex-p9" }),
			nil, ErrTypePrecheckFailed, "nothing was adopted: connection c1 is not company acme's own: its source port globex-p9 is not one of acme's ports"},
		{"decommission: no source port", decommission(), conn(noCompany, func(c *activities.ConnectionFacts) { c.SrcPortID = "" }),
			nil, ErrTypePrecheckFailed, "nothing was deleted: connection c1 is not shown to be company acme's own: the API's answer names no source port"},
		{"decommission: the port cannot be read", decommission(), conn(noCompany), errLost,
			ErrTypeAPIUnavailable, "nothing was deleted: could not show that connection c1 is company acme's own: reading its source port p1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWFTest(t, Config{})
			f := newFakeAPI(w, tt.conn)
			f.portErr = tt.portErr
			res, err := w.run(tt.order)
			outcome(t, res, err, "", tt.errType, tt.want)
			if f.deletes+f.updates+f.changes+f.wds != 0 {
				t.Errorf("%d DELETEs, %d updates, %d change requests, %d withdrawals; want none", f.deletes, f.updates, f.changes, f.wds)
			}
		})
	}
}

// Issue 22, scenario 9: one decision, one truth. A change the partner
// approves as a cancel or the deadline arrives was applied: the order
// ends modified, in its result, its status, and its last milestone.
func TestModifyApprovedAsItEnds(t *testing.T) {
	tests := []struct {
		name  string
		stop  func(w *wfTest)
		at    time.Duration
		order Order
	}{
		{"cancel signal", func(w *wfTest) { w.env.SignalWorkflow(SignalCancel, CancelRequest{Reason: "ticket closed"}) }, 10*time.Minute + 7*time.Second, modify(200)},
		{"Temporal cancel", func(w *wfTest) { w.env.CancelWorkflow() }, 10*time.Minute + 7*time.Second, modify(200)},
		{"deadline", nil, 0, modify(200, func(o *Order) { o.ActivationTimeout = Duration(time.Hour) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWFTest(t, Config{CallbackURL: "https://itsm.example.com/l2"})
			got := w.milestones()
			f := newFakeAPI(w, conn(b2b))
			// The partner approves just as the order stops waiting: only
			// the withdrawal's own read can see it.
			f.beforeWithdraw = approve(200)
			if tt.stop != nil {
				w.env.RegisterDelayedCallback(func() { tt.stop(w) }, tt.at)
			}
			res, err := w.run(tt.order)
			outcome(t, res, err, StageModified, "", "changed from 100 to 200 Mbps")
			if s := w.status(); s.Stage != StageModified {
				t.Errorf("status %+v, want stage modified", s)
			}
			if names := milestoneNames(*got); names != MilestoneModified {
				t.Errorf("milestones %s, want modified alone", names)
			}
			if f.wds != 0 {
				t.Errorf("%d withdrawals of an approved change", f.wds)
			}
		})
	}
}

// Issue 22, scenario 9: every milestone the order sends is delivered,
// the final one last, also one sent after the callbacks workflow ended
// on an earlier final milestone.
func TestCallbacksDeliverAMilestoneAfterTheFinalOne(t *testing.T) {
	w := &wfTest{t: t}
	w.env = w.NewTestWorkflowEnvironment()
	Register(w.env, Config{})
	w.env.RegisterActivity(&activities.Activities{})
	w.env.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		r, err := startRun(ctx, Order{OrderID: "CHG1"})
		if err != nil {
			return err
		}
		r.callbackURL = "https://itsm.example.com/l2"
		r.notify(MilestoneFailed)
		if err := workflow.Sleep(ctx, time.Hour); err != nil {
			return err
		}
		r.notify(MilestoneCancelled)
		return workflow.Sleep(ctx, time.Hour)
	}, workflow.RegisterOptions{Name: "twoFinals"})
	got := w.milestones()
	w.env.ExecuteWorkflow("twoFinals")
	if names := milestoneNames(*got); names != "failed,cancelled" {
		t.Errorf("milestones %s, want failed,cancelled", names)
	}
}

// Issue 22, scenario 3 for the create order's withdrawal: a DELETE whose
// answer is lost while its effect lands a read later is not sent again.
func TestWithdrawalLateLandingDeleteSentOnce(t *testing.T) {
	w := newWFTest(t, Config{})
	w.b2bLookups(goodB2BLookups())
	w.submit(ccapi.StatusPending)
	w.statuses(st(ccapi.StatusPending))
	f := fake(w, activities.ConnectionFacts{Found: true, ID: "conn-1", Name: "CHG0040012", Status: ccapi.StatusPending, SpeedMbps: 100, SrcPortID: "p1"})
	w.env.OnActivity(a.DeleteConnection, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.ConnectionRef) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.deletes++
			cancelled := func(c *activities.ConnectionFacts) { c.Status = ccapi.StatusCancelled }
			if f.deletes == 1 {
				f.land, f.landAfter = cancelled, 1
				return errLost
			}
			cancelled(&f.c)
			return nil
		})
	f.register(w)
	// The reads for the DELETE's effect carry the order's port: a 404 the
	// port does not agree with is no withdrawal (issue 22, point 8; a
	// 1,000-order chaos run on the stack caught a stray 404 believed).
	var readPorts []string
	w.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
		var ref activities.ConnectionRef
		if info.ActivityType.Name == "ReadConnection" && args.Get(&ref) == nil {
			readPorts = append(readPorts, ref.PortID)
		}
	})
	w.env.RegisterDelayedCallback(func() { w.env.SignalWorkflow(SignalCancel, CancelRequest{Reason: "no longer needed"}) }, time.Hour)
	res, err := w.run(validB2B())
	if f.deletes != 1 {
		t.Errorf("%d DELETEs, want 1", f.deletes)
	}
	if len(readPorts) == 0 || slices.ContainsFunc(readPorts, func(p string) bool { return p != validB2B().PortID }) {
		t.Errorf("the reads for the DELETE's effect named ports %q, want the order's %s", readPorts, validB2B().PortID)
	}
	if err != nil || res.Stage != StageCancelled || !res.Withdrawn {
		t.Errorf("result %+v, %v; want cancelled and withdrawn", res, err)
	}
}

// A refused key (401/403) did nothing: the update is sent again after a
// pause, with no reading for an effect that cannot show.
func TestModifyUpdateRefusedKeyIsSentAgain(t *testing.T) {
	w := newWFTest(t, Config{})
	f := fake(w, conn())
	refused := 0
	w.env.OnActivity(a.UpdateSpeed, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.SpeedChange) (activities.ConnectionFacts, error) {
			refused++
			return activities.ConnectionFacts{}, temporal.NewApplicationError("the API answered 401", activities.ErrTypeAPIAuth)
		}).Twice()
	f.register(w)
	res, err := w.run(modify(200))
	outcome(t, res, err, StageModified, "", "changed from 100 to 200 Mbps")
	if refused != 2 || f.updates != 1 || f.reads != 2 {
		t.Errorf("%d refused, %d updates, %d reads; want 2, 1, 2 (the check's and the update's own)", refused, f.updates, f.reads)
	}
}

// A Temporal cancel while the connection is read, before anything is
// sent: cancelled, nothing done, one milestone.
func TestTemporalCancelWhileChecking(t *testing.T) {
	w := newWFTest(t, Config{CallbackURL: "https://itsm.example.com/l2"})
	got := w.milestones()
	w.env.OnActivity(a.ReadConnection, mock.Anything, mock.Anything).After(time.Minute).Return(conn(), nil)
	w.env.RegisterDelayedCallback(w.env.CancelWorkflow, 10*time.Second)
	res, err := w.run(decommission())
	if err != nil || res.Stage != StageCancelled || !res.NothingOrdered || !strings.Contains(res.Reason, "nothing was done") {
		t.Errorf("result %+v, %v", res, err)
	}
	if names := milestoneNames(*got); names != MilestoneCancelled {
		t.Errorf("milestones %s, want cancelled alone", names)
	}
}

// A withdrawal is what a cancel asks for: a DELETE the API refuses for
// its key (401/403, nothing done) is sent again after a pause, though a
// cancel came. (A 1,000-order chaos run caught a cancelled order that gave
// up at the first 401 and left its request PENDING.)
func TestWithdrawalAfterACancelOutlastsARefusedKey(t *testing.T) {
	w := newWFTest(t, Config{})
	w.b2bLookups(goodB2BLookups())
	w.submit(ccapi.StatusPending)
	w.statuses(st(ccapi.StatusPending))
	refusals := 0
	w.env.OnActivity(a.DeleteConnection, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.ConnectionRef) error {
			w.deletes++
			if refusals < 2 {
				refusals++
				return temporal.NewApplicationError("the API answered 401", activities.ErrTypeAPIAuth)
			}
			return nil
		})
	w.env.RegisterDelayedCallback(func() { w.env.SignalWorkflow(SignalCancel, CancelRequest{Reason: "ticket closed"}) }, time.Hour)
	res, err := w.run(validB2B())
	if err != nil || res.Stage != StageCancelled || !res.Withdrawn || w.deletes != 3 {
		t.Errorf("result %+v, %v after %d DELETEs; want cancelled and withdrawn after 3", res, err, w.deletes)
	}
}
