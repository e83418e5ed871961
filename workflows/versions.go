package workflows

// Change ids for workflow.GetVersion. Orders already running when the
// worker is upgraded replay their recorded steps as they were taken; each
// change applies from its own point on, so such an order gets the new
// behaviour for every step it has not taken yet. Never reuse or rename an
// id; add a new one for the next change.
const (
	// changeOrderStart marks orders started since: strict validation, the
	// connection-name lock, and lookups a cancel can stop.
	changeOrderStart = "order-start-v2"
	// changeOrdering: the PUT is its own activity, sent only by the
	// workflow, which holds any PUT whose outcome is unknown as a state of
	// its own (instead of SubmitLayer2 retrying inside Temporal).
	changeOrdering = "ordering-v2"
	// changeWithdrawOnEnd: an activation timeout (unless the order says
	// onTimeout keep), an ERROR or DISABLED connection, and status reads
	// refused for AuthFailureLimit withdraw the connection.
	changeWithdrawOnEnd = "withdraw-on-end"
	// changeTemporalCancel: a Temporal cancel withdraws what was ordered,
	// from a disconnected context, before the workflow ends cancelled.
	changeTemporalCancel = "temporal-cancel-withdraws"
	// changeHistoryBudget: a wait also continues as new once its history
	// reaches historyBudget bytes, whatever PollsPerRun says.
	changeHistoryBudget = "history-size-budget"
	// changeSearchAttributes: every run publishes the order's search
	// attributes (search.go) at its start and at every change of stage.
	changeSearchAttributes = "search-attributes"
	// changeCallbacks: the order reports its milestones to its callback URL
	// (or the worker's CALLBACK_URL) through a callbacks workflow.
	changeCallbacks = "callbacks"
	// changePollBudget: status reads back off within the caps of
	// poll.go (30 s, then 5 min after 10 minutes, 30 min after a day)
	// instead of doubling straight to PollMax.
	changePollBudget = "poll-budget"
	// changeCallbacksRestart: a milestone the callbacks workflow can no
	// longer take (it ended on an earlier final one) starts it again. A
	// marker recorded only when that happens, in any workflow type.
	changeCallbacksRestart = "callbacks-restart"
)

// changeRoundTrips is the order as it runs since, in fewer round trips
// through the Temporal server (issue 13): a run that takes it takes every
// change above without asking for each (each GetVersion is a marker and a
// search attribute upsert, seven per order); reads of the API run as
// local activities, inside the workflow task that asks for them, unless
// the worker caps API calls across workers (CC_API_MAX_RPS); the name
// lock is a workflow started delayed, released by terminating it.
const changeRoundTrips = "fewer-round-trips"

// Revisions of the code, recorded in each run's settings (Config.Revision,
// a SideEffect every run records anyway). A revision stands for every
// change before it, as changeRoundTrips does, but costs nothing: a
// GetVersion is a marker and an upsert of TemporalChangeVersion, one more
// visibility write for every order. For the next change, add a revision
// and test cfg.Revision against it; never renumber one.
const (
	// revisionMarkerless: the run takes changeRoundTrips, and with it
	// every change above, without asking GetVersion.
	revisionMarkerless = 1

	// revisionActionsOnce: the decommission, modify and adopt orders send
	// each side effect once (issue 22): a DELETE, update or change request
	// is one attempt, and one whose outcome is unknown is read for until
	// it shows or the settle window passes before any other goes out; a
	// cancel waits for a side effect in flight, then says what it did; the
	// connection is the company's only if its source port is; an order
	// ends from one decision about what happened to the connection.
	// Orders of every kind, the create order too, take the signals of a
	// workflow task before they send a PUT, a DELETE, an update or a
	// change request (takeSignals): a cancel that came in the same task
	// as the answer before it stops it.
	// Revision 2 was set aside for the create order's part of issue 22
	// and never used: those changes send no command of their own (see
	// pathsSinceAdversarialTiming in replay_test.go), so none is gated.
	revisionActionsOnce = 3

	// revisionWaitAtFloor: every wait (create, modify, decommission,
	// adopt) reads its connection through one activity per phase of the
	// polling budget, retried by the server at that phase's interval
	// (issue 26, wait_floor.go): no workflow task, timer or marker per
	// read, and no continue-as-new. A run continued as new from an older
	// run records this revision in its own settings and takes the new
	// wait from its start.
	//
	// Retiring the old loops (await's and awaitAction's loops below
	// revisionWaitAtFloor, with PollsPerRun, historyBudget and
	// WaitState.NextPoll): once no run recorded before revision 4 is open
	// — the longest wait is the order's activationTimeout (14 days by
	// default; check `temporal workflow list --query "ExecutionStatus =
	// 'Running'"` for older starts) — a run of an older revision can only
	// be replayed, never resumed; the loops may then go, together with
	// the histories under testdata/histories that only they replay.
	revisionWaitAtFloor = 4

	// revisionCallbackTargets: an order whose callback names one of the
	// worker's CALLBACK_TARGETS (Config.CallbackTargets) reports its
	// milestones there, and one naming a target the worker does not have
	// is refused before anything is ordered. Runs of older revisions that
	// named a target report nowhere, as they began.
	revisionCallbackTargets = 5

	// codeRevision is this code's revision: the highest above.
	codeRevision = revisionCallbackTargets
)

// actionsOnce reports whether the run takes revisionActionsOnce.
func (c Config) actionsOnce() bool { return c.Revision >= revisionActionsOnce }

// waitsAtFloor reports whether the run takes revisionWaitAtFloor.
func (c Config) waitsAtFloor() bool { return c.Revision >= revisionWaitAtFloor }
