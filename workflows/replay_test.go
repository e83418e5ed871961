package workflows

import (
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/activities"
)

// historyDir holds histories recorded from real runs on the dev server
// (`make record-histories`). Every order in flight has a history like one
// of these; today's code must replay each without a non-determinism error.
// Its subdirectories keep the histories of earlier versions of the
// workflow, which `make record-histories` never rewrites (the rows of
// versions.go name them, by the changes they predate): v1 is from before
// changeOrderStart and the four changes released with it, v2 from before
// changeSearchAttributes and changeCallbacks, v3 from before changePollBudget,
// v4 from before changeRoundTrips, v5 from before revisionMarkerless, v6
// from before revisionWaitAtFloor (the waits' loops, which continue as
// new).
const historyDir = "testdata/histories"

// pathsSinceV4 are the paths of the create order and the actions that
// every set from v4 on covers.
var pathsSinceV4 = []string{
	"port-to-port-active",
	"business-to-business-accepted",
	"business-to-business-denied",
	"failed-precheck",
	"cancelled-after-order", // refreshed while waiting, then cancelled
	"survived-retryable-errors",
	"worker-restarted-mid-wait",
	"name-held-by-another-order",
	"put-outcome-unknown-adopted",
	"temporal-cancel-withdrawn",
	"connection-error-withdrawn",
	"activation-timeout-withdrawn",
	"callbacks-notified",                     // an order with a callback URL
	"callbacks-child-delivered-after-outage", // its callbacks workflow: retried until the receiver was back
	"decommissioned-after-a-lost-answer",     // L2Decommission: its DELETE's answer lost, not sent again
	"modify-approved-at-a-lower-speed",       // L2Modify: a change request the other party approved lower
	"modify-withdrawn-at-the-deadline",       // L2Modify: not approved in time, withdrawn
	"adopt-followed-to-active",               // L2Adopt: a pending request followed until accepted
}

// pathsSinceActionsOnce are the paths of the actions recorded since
// revisionActionsOnce, beside their earlier recordings (which orders in
// flight from before it replay).
var pathsSinceActionsOnce = []string{
	"decommissioned-after-a-lost-answer-once",          // L2Decommission: its DELETE's answer lost, read until it showed
	"decommission-delete-landed-late-once",             // L2Decommission: a DELETE answered 504 that landed seconds later
	"decommission-temporal-cancel-while-deleting-once", // L2Decommission: a Temporal cancel waited for the DELETE in flight
	"modify-approved-at-a-lower-speed-once",
	"modify-withdrawn-at-the-deadline-once",
	"adopt-followed-to-active-once",
}

// pathsSinceAdversarialTiming are the create order's paths recorded since
// issue 22's changes, which send no command of their own: they change
// what a task that continues as new does, and what the lookups and the
// lock's release are asked.
var pathsSinceAdversarialTiming = []string{
	"cancel-in-the-continue-as-new-task", // a status read and a cancel in one task, which would have continued as new
	"name-reserved-after-an-order",       // refused: the name's last order ended within the settle window
}

// pathsSinceWaitAtFloor are the waits' paths recorded since
// revisionWaitAtFloor: one AwaitConnection activity per phase of the
// polling budget, and no continue-as-new. The waiting paths of the lists
// above were recorded again at revision 4 too (activation timeout,
// adopt, business-to-business, cancel after order, connection error, the
// decommissions, the modifies, worker restarted mid-wait); v6 keeps them
// as revision 3 recorded them.
var pathsSinceWaitAtFloor = []string{
	"long-wait-one-run",              // many reads, one run, then accepted
	"cancel-in-the-task-of-a-read",   // a read's news and a cancel in one task
	"refresh-and-cancel-in-one-task", // a refresh and a cancel while a read is pending
}

// pathsSinceCallbackTargets are the paths recorded since
// revisionCallbackTargets: an order whose callback names a worker's
// target, and one naming a target the worker does not have.
var pathsSinceCallbackTargets = []string{
	"callbacks-target-notified", // milestones to the jira target, by name
	"callbacks-target-unknown",  // refused before anything was ordered
}

// longWait are the create order's paths that continued as new, before
// revisionWaitAtFloor.
var longWait = []string{
	"long-wait-continued-as-new", // polled several times, then continued as new
	"long-wait-resumed-run",      // the run after: starts from Input.Wait
}

// recordedPaths are the paths each recorded set must cover.
var recordedPaths = map[string][]string{
	".":  slices.Concat(pathsSinceV4, pathsSinceActionsOnce, pathsSinceAdversarialTiming, pathsSinceWaitAtFloor, pathsSinceCallbackTargets),
	"v6": slices.Concat(pathsSinceV4, longWait, pathsSinceActionsOnce, pathsSinceAdversarialTiming),
	"v5": slices.Concat(pathsSinceV4, longWait),
	// v4 also keeps a lock released by signal: today's locks leave no
	// history to replay.
	"v4": slices.Concat(pathsSinceV4, longWait, []string{"name-lock-released"}),
	"v3": {
		"port-to-port-active",
		"business-to-business-accepted",
		"business-to-business-denied",
		"failed-precheck",
		"cancelled-after-order",
		"survived-retryable-errors",
		"worker-restarted-mid-wait",
		"long-wait-continued-as-new",
		"long-wait-resumed-run",
		"name-held-by-another-order",
		"put-outcome-unknown-adopted",
		"temporal-cancel-withdrawn",
		"connection-error-withdrawn",
		"activation-timeout-withdrawn",
		"name-lock-released",
		"callbacks-notified",
		"callbacks-child-delivered-after-outage",
	},
	"v2": {
		"port-to-port-active",
		"business-to-business-accepted",
		"business-to-business-denied",
		"failed-precheck",
		"cancelled-after-order",
		"survived-retryable-errors",
		"worker-restarted-mid-wait",
		"long-wait-continued-as-new",
		"long-wait-resumed-run",
		"name-held-by-another-order",
		"put-outcome-unknown-adopted",
		"temporal-cancel-withdrawn",
		"connection-error-withdrawn",
		"activation-timeout-withdrawn",
		"name-lock-released",
	},
	"v1": {
		"port-to-port-active",
		"business-to-business-accepted",
		"business-to-business-denied",
		"failed-precheck",
		"cancelled-after-order",
		"survived-retryable-errors",
		"worker-restarted-mid-wait",
		"long-wait-continued-as-new",
		"long-wait-resumed-run",
	},
}

func recordedHistories(t *testing.T) []string {
	t.Helper()
	var all []string
	for dir, paths := range recordedPaths {
		files, err := filepath.Glob(filepath.Join(historyDir, dir, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, f := range files {
			have[strings.TrimSuffix(filepath.Base(f), ".json")] = true
		}
		for _, p := range paths {
			if !have[p] {
				t.Errorf("no recorded history for %q in %s", p, filepath.Join(historyDir, dir))
			}
		}
		all = append(all, files...)
	}
	return all
}

// nondeterminismCode marks the SDK's non-determinism errors (TMPRL1100).
const nondeterminismCode = "TMPRL1100"

// replay replays one recorded history against the given workflow function.
// The replayer's own log is dropped: failures come back as the error.
func replay(t *testing.T, file string, run func(workflow.Context, Input) (Result, error)) error {
	t.Helper()
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflowWithOptions(run, workflow.RegisterOptions{Name: WorkflowName})
	p := &Provisioner{cfg: DefaultConfig()}
	replayer.RegisterWorkflowWithOptions(p.NameLock, workflow.RegisterOptions{Name: NameLockWorkflowName})
	replayer.RegisterWorkflowWithOptions(p.OrderCallbacks, workflow.RegisterOptions{Name: CallbacksWorkflowName})
	replayer.RegisterWorkflowWithOptions(p.Decommission, workflow.RegisterOptions{Name: DecommissionWorkflowName})
	replayer.RegisterWorkflowWithOptions(p.Modify, workflow.RegisterOptions{Name: ModifyWorkflowName})
	replayer.RegisterWorkflowWithOptions(p.Adopt, workflow.RegisterOptions{Name: AdoptWorkflowName})
	quiet := log.NewStructuredLogger(slog.New(slog.DiscardHandler))
	return replayer.ReplayWorkflowHistoryFromJSONFile(quiet, file)
}

func TestReplayRecordedHistories(t *testing.T) {
	p := &Provisioner{cfg: DefaultConfig()}
	for _, file := range recordedHistories(t) {
		t.Run(strings.TrimPrefix(file, historyDir+"/"), func(t *testing.T) {
			if err := replay(t, file, p.Run); err != nil {
				t.Errorf("today's workflow cannot replay %s: %v", file, err)
			}
		})
	}
}

// The archive keeps the histories of retired changes (versions.go): no
// open run can be like them any more, so they are tried and reported, not
// required. One that no longer replays says which legacy code went.
func TestReplayArchivedHistories(t *testing.T) {
	p := &Provisioner{cfg: DefaultConfig()}
	files, err := filepath.Glob(filepath.Join(archiveDir, "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	top, err := filepath.Glob(filepath.Join(archiveDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	replayed := 0
	for _, file := range append(top, files...) {
		if err := replay(t, file, p.Run); err != nil {
			t.Logf("archived %s no longer replays (its change retired): %v", strings.TrimPrefix(file, archiveDir+"/"), err)
			continue
		}
		replayed++
	}
	t.Logf("archive: %d histories, %d still replay", len(top)+len(files), replayed)
}

// The replay test must catch a change that is not replay-safe: here, an
// extra activity before everything else. The same change behind
// workflow.GetVersion replays fine, which is how to change the workflow.
func TestReplayCatchesUnsafeChanges(t *testing.T) {
	p := &Provisioner{cfg: DefaultConfig()}
	var a *activities.Activities
	extraCheck := func(ctx workflow.Context, in Input) error {
		return workflow.ExecuteActivity(lookupOptions(ctx), a.ResolveMetro, activities.ResolveMetroInput{
			OrderID: in.Order.OrderID, Company: in.Order.Company, Metro: "HKG",
		}).Get(ctx, nil)
	}
	unsafe := func(ctx workflow.Context, in Input) (Result, error) {
		if err := extraCheck(ctx, in); err != nil {
			return Result{}, err
		}
		return p.Run(ctx, in)
	}
	versioned := func(ctx workflow.Context, in Input) (Result, error) {
		if workflow.GetVersion(ctx, "extra-source-metro-check", workflow.DefaultVersion, 1) == 1 {
			if err := extraCheck(ctx, in); err != nil {
				return Result{}, err
			}
		}
		return p.Run(ctx, in)
	}
	for _, file := range recordedHistories(t) {
		if otherWorkflowType(filepath.Base(file)) {
			continue // another workflow type: the change is not in it
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			if err := replay(t, file, unsafe); err == nil || !strings.Contains(err.Error(), nondeterminismCode) {
				t.Errorf("an activity added before the others replayed without a non-determinism error: %v", err)
			}
			if err := replay(t, file, versioned); err != nil {
				t.Errorf("the same change behind GetVersion failed to replay: %v", err)
			}
		})
	}
}

// otherWorkflowType reports whether a recorded history is of a workflow
// type other than the create order's.
func otherWorkflowType(file string) bool {
	for _, prefix := range []string{"name-lock", "callbacks-child", "decommission", "modify", "adopt"} {
		if strings.HasPrefix(file, prefix) {
			return true
		}
	}
	return false
}
