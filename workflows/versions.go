package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"
)

// Versions: every change ever made to what the workflows do, and how a run
// knows whether it takes it. Orders already running when the worker is
// upgraded replay their recorded steps as they were taken; a change applies
// to a run from its own point on. Every decision by version goes through
// one function, orderRun.since, which reads the change's row in versions
// below; search for `since(` to find every gate. The tests of
// versions_test.go hold the table to the code (TestVersionTable), to
// testdata/histories (TestVersionTableHistories,
// TestRetiringAChangeReplaysTheOtherHistories) and to the README.
//
// A run records a change in one of three ways, all kept for the runs that
// recorded them (never reuse or rename an id, never renumber a revision):
//
//   - a marker: workflow.GetVersion(ctx, id) — one marker event and one
//     TemporalChangeVersion upsert (a visibility write) per run that asks;
//   - the umbrella changeRoundTrips: a run that took it takes every marker
//     change before it without asking for each (row field impliedBy);
//   - a revision: the code's revision (codeRevision), recorded in the
//     worker settings' SideEffect every run takes first (Config.Revision),
//     and so free. A revision stands for every change before it. For the
//     next change, add a revision, a row, and raise codeRevision.
//
// Retirement (README, "Versions and retirement"): a change's legacy code
// goes when no open run started before the change was rolled out remains
// (make retire-check BEFORE=<rollout>), oldest first; its row then says
// retired and why, since answers true for it, and the histories it names
// move to testdata/histories/archive/, which the replay test still tries
// but no longer requires.

// workflowChange is one row of versions: a change to what the workflows do.
type workflowChange int

// The changes, oldest first.
const (
	noChange workflowChange = iota
	// changeOrderStart: strict validation, the connection-name lock, and
	// lookups a cancel can stop.
	changeOrderStart
	// changeOrdering: the PUT is its own activity, sent only by the
	// workflow, which holds any PUT whose outcome is unknown as a state of
	// its own (instead of SubmitLayer2 retrying inside Temporal).
	changeOrdering
	// changeWithdrawOnEnd: an activation timeout (unless the order says
	// onTimeout keep), an ERROR or DISABLED connection, and status reads
	// refused for AuthFailureLimit withdraw the connection.
	changeWithdrawOnEnd
	// changeTemporalCancel: a Temporal cancel withdraws what was ordered,
	// from a disconnected context, before the workflow ends cancelled.
	changeTemporalCancel
	// changeHistoryBudget: a wait also continues as new once its history
	// reaches historyBudget bytes, whatever PollsPerRun says.
	changeHistoryBudget
	// changeSearchAttributes: every run publishes the order's search
	// attributes (search.go) at its start and at every change of stage.
	changeSearchAttributes
	// changeCallbacks: the order reports its milestones to its callback URL
	// (or the worker's CALLBACK_URL) through a callbacks workflow.
	changeCallbacks
	// changePollBudget: status reads back off within the caps of poll.go
	// (30 s, then 5 min after 10 minutes, 30 min after a day) instead of
	// doubling straight to PollMax.
	changePollBudget
	// changeRoundTrips is the order as it runs since, in fewer round trips
	// through the Temporal server (issue 13): a run that takes it takes
	// every change above without asking for each; reads of the API run as
	// local activities, inside the workflow task that asks for them,
	// unless the worker caps API calls across workers (CC_API_MAX_RPS);
	// the name lock is a workflow started delayed, released by
	// terminating it.
	changeRoundTrips
	// changeMarkerless (revision 1): the run takes changeRoundTrips, and
	// with it every change above, without asking GetVersion.
	changeMarkerless
	// changeRevision2: revision 2, set aside for the create order's part
	// of issue 22 and never used (retired).
	changeRevision2
	// changeActionsOnce (revision 3): the decommission, modify and adopt
	// orders send each side effect once (issue 22): a DELETE, update or
	// change request is one attempt, and one whose outcome is unknown is
	// read for until it shows or the settle window passes before any
	// other goes out; a cancel waits for a side effect in flight, then says
	// what it did; the connection is the company's only if its source port
	// is; an order ends from one decision about what happened to the
	// connection. Orders of every kind, the create order too, take the
	// signals of a workflow task before they send a PUT, a DELETE, an
	// update or a change request (takeSignals): a cancel that came in the
	// same task as the answer before it stops it.
	changeActionsOnce
	// changeCallbacksRestart: a milestone the callbacks workflow can no
	// longer take (it ended on an earlier final one) starts it again. A
	// marker recorded only when that happens, in any workflow type: runs
	// of any revision may meet it, so it is not a revision.
	changeCallbacksRestart
	// changeWaitAtFloor (revision 4): every wait (create, modify,
	// decommission, adopt) reads its connection through one activity per
	// phase of the polling budget, retried by the server at that phase's
	// interval (issue 26, wait_floor.go): no workflow task, timer or marker
	// per read, and no continue-as-new. A run continued as new from an
	// older run records this revision in its own settings and takes the
	// new wait from its start.
	changeWaitAtFloor
	// changeFirstReadTimer (revision 5): a wait's first read comes after
	// a timer of the phase's interval, then reads at once, instead of a
	// first attempt that only defers (AwaitInput.Delayed). That attempt's
	// retry went through the task queue, never eagerly, behind a burst of
	// other orders' activities, and counted against CC_API_MAX_RPS without
	// an API call (make bench: ratio 0.44, rate_use 0.78 at revision 4).
	// Later phases still defer their first attempt: a timer costs a
	// workflow task, a deferred attempt nothing in the history.
	changeFirstReadTimer
	// changeOneNameRelease (revision 6): a create order whose take of its
	// name failed or was cancelled gives the name back as every other
	// order does, by identity (ReleaseConnectionName), not by the older
	// signal (namelock.go, nameHold.bySignal).
	changeOneNameRelease
	// changeCallbackTargets (revision 7): an order whose callback names one
	// of the worker's CALLBACK_TARGETS (Config.CallbackTargets) reports its
	// milestones there, and one naming a target the worker does not have
	// is refused before anything is ordered. Runs of older revisions that
	// named a target report nowhere, as they began.
	changeCallbackTargets
	// changeWithdrawAfterSettle (revision 8): a withdrawal believes a 404
	// (that its port agrees with) for the DELETE's effect only once the
	// settle window after the PUT that made the connection has passed:
	// before, a read can miss a new connection and its port's list not
	// show it yet, and an ERROR connection whose DELETE was refused was
	// said withdrawn.
	changeWithdrawAfterSettle
	// changeDeleteNotFoundUnknown (revision 9): a withdrawal's DELETE
	// answered 404 is an unknown outcome (ConnectionRef.NotFoundUnknown),
	// read for like a lost answer, not taken for the connection being
	// gone: a gateway's stray 404 would have ended a withdrawal
	// "withdrawn" over a live connection.
	changeDeleteNotFoundUnknown
)

// Revisions recorded in Config.Revision.
const (
	revisionMarkerless  = 1
	revisionActionsOnce = 3
	revisionWaitAtFloor = 4

	revisionFirstReadTimer  = 5
	revisionOneNameRelease  = 6
	revisionCallbackTargets = 7
	revisionWithdrawSettle  = 8
	revisionDelete404       = 9

	// codeRevision is this code's revision: the highest above.
	codeRevision = revisionDelete404
)

// version is one row of the table: a change, how runs record it, what it
// gates, the recorded histories that need its legacy code, and when that
// code may go.
type version struct {
	change workflowChange
	// marker is the GetVersion change id of a change recorded by a marker;
	// revision the Config.Revision of one recorded by revision (one of
	// the two is set).
	marker   string
	revision int
	// impliedBy: a run that takes that change takes this one without
	// asking (noChange for none).
	impliedBy workflowChange
	// gates are the functions that ask since for the change; TestVersionTable
	// holds them to the code, both ways.
	gates []string
	// legacy is the code only runs without the change take: what goes
	// when it retires.
	legacy string
	// histories are the recorded histories (globs under testdata/histories,
	// without .json) of runs started before the change: they replay its
	// legacy code, and move to the archive when it retires.
	histories []string
	// released is the commit on main that released the change, and when.
	released string
	// removable says when the legacy code may go, by the rule in the
	// README: the condition, and the earliest date it can hold.
	removable string
	// retired says why the change's legacy code is gone ("" while it is
	// not): since then answers true without asking.
	retired string
}

// The history sets, by the code that recorded them (replay_test.go): v1
// before the first changes; v2 before search attributes and callbacks; v3
// before the polling budget; v4 before changeRoundTrips; v5 before
// revision 1; at revision 1 and 3 in v6 and, the same files, at the top
// level where make record-histories has not recorded them again.
var (
	historiesV1 = []string{"v1/*"}
	historiesV2 = slices.Concat(historiesV1, []string{"v2/*"})
	historiesV3 = slices.Concat(historiesV2, []string{"v3/*"})
	historiesV4 = slices.Concat(historiesV3, []string{"v4/*"})
	historiesV5 = slices.Concat(historiesV4, []string{"v5/*"})
	// historiesRevision1 are those of runs started at revision 1, or of a
	// callbacks workflow such a run started.
	historiesRevision1 = []string{
		"v6/activation-timeout-withdrawn", "v6/adopt-followed-to-active", "v6/business-to-business-accepted",
		"v6/business-to-business-denied", "v6/callbacks-child-delivered-after-outage", "v6/callbacks-notified",
		"v6/cancelled-after-order", "v6/connection-error-withdrawn", "v6/decommissioned-after-a-lost-answer",
		"v6/failed-precheck", "v6/long-wait-continued-as-new", "v6/long-wait-resumed-run",
		"v6/modify-approved-at-a-lower-speed", "v6/modify-withdrawn-at-the-deadline", "v6/name-held-by-another-order",
		"v6/port-to-port-active", "v6/put-outcome-unknown-adopted", "v6/survived-retryable-errors",
		"v6/temporal-cancel-withdrawn", "v6/worker-restarted-mid-wait",
		"adopt-followed-to-active", "business-to-business-denied", "callbacks-child-delivered-after-outage",
		"callbacks-notified", "decommissioned-after-a-lost-answer", "failed-precheck",
		"modify-approved-at-a-lower-speed", "modify-withdrawn-at-the-deadline", "name-held-by-another-order",
		"port-to-port-active", "put-outcome-unknown-adopted", "survived-retryable-errors", "temporal-cancel-withdrawn",
	}
	// historiesRevision3 are those of runs started at revision 3.
	historiesRevision3 = []string{
		"v6/*-once", "v6/cancel-in-the-continue-as-new-task", "v6/name-reserved-after-an-order",
		"cancel-in-the-continue-as-new-task", "name-reserved-after-an-order",
	}
	historiesBeforeRevision3 = slices.Concat(historiesV5, historiesRevision1)
	historiesBeforeRevision4 = slices.Concat(historiesBeforeRevision3, historiesRevision3)
	// historiesRevision4 are those of runs started at revision 4.
	historiesRevision4 = []string{
		"activation-timeout-withdrawn",
		"adopt-followed-to-active-once",
		"business-to-business-accepted",
		"cancel-in-the-task-of-a-read",
		"cancelled-after-order",
		"connection-error-withdrawn",
		"decommission-delete-landed-late-once",
		"decommission-temporal-cancel-while-deleting-once",
		"decommissioned-after-a-lost-answer-once",
		"long-wait-one-run",
		"modify-approved-at-a-lower-speed-once",
		"modify-withdrawn-at-the-deadline-once",
		"refresh-and-cancel-in-one-task",
		"worker-restarted-mid-wait",
	}
	historiesBeforeRevision5 = slices.Concat(historiesBeforeRevision4, historiesRevision4)
	// historiesRevision7 are those of runs started at revision 7 (none at
	// 5 or 6).
	historiesRevision7       = []string{"callbacks-target-notified", "callbacks-target-unknown"}
	historiesBeforeRevision8 = slices.Concat(historiesBeforeRevision5, historiesRevision7)
)

// longestRun is the longest a run started since changeOrderStart can stay
// open with the default settings: the ordering (OrderingTimeout, a doubt's
// settle window and OrderingTimeout again), the longest activationTimeout
// an order may ask (30 days), and a withdrawal (withdrawBudget). The
// dates in removable are a release plus this; the query decides.
const longestRun = "33 days"

// versions is the table, one row per change, in the order of the
// constants above.
var versions = []version{
	{change: noChange},
	{
		change: changeOrderStart, marker: "order-start-v2", impliedBy: changeRoundTrips,
		gates:     []string{"provision"},
		legacy:    "validate(strict=false) (no bounds on activationTimeout, onTimeout), an explicit duration 0 meaning the default, no name lock, lookups a cancel cannot stop (provision)",
		histories: historiesV1,
		released:  "04e641a, 2026-11-27",
		removable: "no open order run started before 2026-11-27 20:52 UTC (and its rollout); such a run had no bound on activationTimeout, so there is no date: only the query",
	},
	{
		change: changeOrdering, marker: "ordering-v2", impliedBy: changeRoundTrips,
		gates:     []string{"provision"},
		legacy:    "submitLegacy, submitOptions, activities.SubmitLayer2 (a PUT Temporal retries)",
		histories: historiesV1,
		released:  "04e641a, 2026-11-27",
		removable: "as changeOrderStart",
	},
	{
		change: changeWithdrawOnEnd, marker: "withdraw-on-end", impliedBy: changeRoundTrips,
		gates:     []string{"connectionFailed", "timedOut"},
		legacy:    "an ERROR or DISABLED connection and an activation timeout left in place",
		histories: historiesV1,
		released:  "04e641a, 2026-11-27",
		removable: "as changeOrderStart",
	},
	{
		change: changeTemporalCancel, marker: "temporal-cancel-withdraws", impliedBy: changeRoundTrips,
		gates:     []string{"finish"},
		legacy:    "a Temporal cancel that withdraws nothing",
		histories: historiesV1,
		released:  "04e641a, 2026-11-27",
		removable: "as changeOrderStart",
	},
	{
		change: changeHistoryBudget, marker: "history-size-budget", impliedBy: changeRoundTrips,
		gates:     []string{"await"},
		legacy:    "await's loop without historyBudget",
		histories: historiesV1,
		released:  "04e641a, 2026-11-27",
		removable: "as changeOrderStart; the loop itself goes with changeWaitAtFloor",
	},
	{
		change: changeSearchAttributes, marker: "search-attributes", impliedBy: changeRoundTrips,
		gates:     []string{"provision"},
		legacy:    "orderRun.searchable false: a run that publishes no search attributes",
		histories: historiesV2,
		released:  "2ae9778, 2026-11-27",
		removable: "no open order run started before 2026-11-27 21:14 UTC; not before 2026-12-30 (release + " + longestRun + ")",
	},
	{
		change: changeCallbacks, marker: "callbacks", impliedBy: changeRoundTrips,
		gates:     []string{"provision"},
		legacy:    "a create order without callbacks (orderRun.callbackURL empty)",
		histories: historiesV2,
		released:  "d95a162, 2026-11-27",
		removable: "no open order run started before 2026-11-27 21:34 UTC; not before 2026-12-30",
	},
	{
		change: changePollBudget, marker: "poll-budget", impliedBy: changeRoundTrips,
		gates:     []string{"await"},
		legacy:    "await's interval doubling straight to PollMax",
		histories: historiesV3,
		released:  "887897a, 2026-11-27",
		removable: "no open order run started before 2026-11-27 21:49 UTC; not before 2026-12-30",
	},
	{
		change: changeRoundTrips, marker: "fewer-round-trips", impliedBy: changeMarkerless,
		gates:     []string{"provision", "Hold", "newNameLock"},
		legacy:    "the GetVersion markers of every change above; reads as activities (orderRun.localReads false); a lock taken by activity and released by signal (Hold, nameHold.bySignal, NameLock's release channel)",
		histories: historiesV4,
		released:  "febbee7, 2026-11-27",
		removable: "no open order run started before 2026-11-27 23:56 UTC; not before 2026-12-30; with changeMarkerless",
	},
	{
		change: changeMarkerless, revision: revisionMarkerless,
		legacy:    "since asking GetVersion(\"fewer-round-trips\") in runs of revision 0: goes with changeRoundTrips and every marker change above",
		histories: historiesV5,
		released:  "ee2e21e, 2026-11-28",
		removable: "no open order run started before 2026-11-28 01:47 UTC; not before 2026-12-31",
	},
	{
		change: changeRevision2, revision: 2,
		legacy:    "none: the create order's part of issue 22 sends no command of its own (pathsSinceAdversarialTiming in replay_test.go), so nothing was gated and no run records revision 2",
		released:  "45bb3f4, 2026-12-06 (set aside, never used)",
		removable: "now",
		retired:   "never used: no code tests it, no run records it (workers went from revision 1 to 3); the number stays taken",
	},
	{
		change: changeActionsOnce, revision: revisionActionsOnce,
		gates: []string{"runAction", "check", "awaitAction", "actionTimedOut", "actionCancelled",
			"decommission", "modify", "deleteConnection", "place"},
		legacy:    "actionOptions and the actions' sends Temporal retries (decommission's and modify's tails), withdrawChange, deleteConnection's retried DELETE, actionCancelled's and awaitAction's paths without a sent side effect, a PUT sent without takeSignals",
		histories: historiesBeforeRevision3,
		released:  "7315d1f (merge of d420af8), 2026-12-06",
		removable: "no open run of an order type started before 2026-12-06 13:58 UTC; not before 2027-01-08",
	},
	{
		change: changeCallbacksRestart, marker: "callbacks-restart",
		gates:     []string{"notify"},
		legacy:    "notify's milestone lost when the callbacks workflow has ended",
		histories: historiesBeforeRevision3,
		released:  "7315d1f (merge of d420af8), 2026-12-06",
		removable: "as changeActionsOnce; the marker itself stays (runs of every revision since record it when it happens)",
	},
	{
		change: changeWaitAtFloor, revision: revisionWaitAtFloor,
		gates:     []string{"await", "awaitAction"},
		legacy:    "await's and awaitAction's loops of timers that continue as new, with Config.PollsPerRun, PollInitial, historyBudget, WaitState.NextPoll, pollActivity and pollOptions",
		histories: historiesBeforeRevision4,
		released:  "6b5765c (merge of f1a0681), 2026-12-06",
		removable: "no open run of an order type started before 2026-12-06 14:46 UTC; not before 2027-01-08",
	},
	{
		change: changeFirstReadTimer, revision: revisionFirstReadTimer,
		gates:     []string{"read"},
		legacy:    "waiter.read's deferred first attempt for a wait's first read (AwaitInput.Delayed with no read before it)",
		histories: historiesBeforeRevision5,
		released:  "e292a1a (merge of firstread), 2026-12-06",
		removable: "no open run of an order type started before its rollout; not before 2027-01-08",
	},
	{
		change: changeOneNameRelease, revision: revisionOneNameRelease,
		gates:     []string{"newNameLock"},
		legacy:    "nameHold.bySignal for a failed or cancelled take in a run of a create order (the lock's signal channel stays for changeRoundTrips)",
		histories: historiesBeforeRevision5,
		released:  "2e17f61 (merge of lock), 2026-12-06",
		removable: "no open create order run started before its rollout (such a run fails or ends within the lock activity's hour of retries); not before 2027-01-08",
	},
	{
		change: changeCallbackTargets, revision: revisionCallbackTargets,
		gates:     []string{"provision", "runAction", "action"},
		legacy:    "none but a branch: a run before it that named a target reports nowhere and refuses nothing (callbackTarget's and unknownTarget's since false)",
		histories: historiesBeforeRevision5,
		released:  "merge of targets, 2026-12-06",
		removable: "no open run of an order type started before its rollout; not before 2027-01-08",
	},
	{
		change: changeWithdrawAfterSettle, revision: revisionWithdrawSettle,
		gates:     []string{"deleteConnection"},
		legacy:    "deleteConnection's shows believing a 404 the port agrees with at any time",
		histories: historiesBeforeRevision8,
		released:  "2026-12-06",
		removable: "no open create order run started before its rollout; not before 2027-01-08",
	},
	{
		change: changeDeleteNotFoundUnknown, revision: revisionDelete404,
		gates:     []string{"deleteConnection"},
		legacy:    "a withdrawal's DeleteConnection sent without NotFoundUnknown: a 404 taken for the connection gone",
		histories: historiesBeforeRevision8,
		released:  "2026-12-06",
		removable: "no open create order run started before its rollout; not before 2027-01-08; the activity's branch for an unset NotFoundUnknown goes with it",
	},
}

// assumeRetired is the key of a context value, a workflowChange, with
// which a replay runs the workflows as if that change were retired:
// TestRetiringAChangeReplaysTheOtherHistories sets it on the root context
// to show that the histories its row names are all that would stop
// replaying. Workers never set it.
type assumeRetired struct{}

// since reports whether this run takes change c, asking the way the run
// recorded it (its row in versions): a retired change always; a revision
// from the run's settings; a change implied by another if the run took
// that one; else its own marker.
func (r *orderRun) since(ctx workflow.Context, c workflowChange) bool {
	v := versions[c]
	switch {
	case v.retired != "" || ctx.Value(assumeRetired{}) == c:
		return true
	case v.revision > 0:
		return r.revision >= v.revision
	case v.impliedBy != noChange && r.since(ctx, v.impliedBy):
		return true
	}
	return workflow.GetVersion(ctx, v.marker, workflow.DefaultVersion, 1) >= 1
}
