package workflows

import (
	"net/url"
	"slices"
	"time"

	"github.com/cc-l2/provisioner/activities"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Config is the worker-wide behaviour of the workflow. An order's own
// activationTimeout overrides the defaults here.
type Config struct {
	// How long to wait for ACTIVE after ordering. A partner may take days
	// to accept a business-to-business request; a port-to-port one is
	// provisioned by the platform alone.
	ActivationTimeoutPortToPort time.Duration `json:"activationTimeoutPortToPort"`
	ActivationTimeoutB2B        time.Duration `json:"activationTimeoutB2B"`
	// Status polling starts at PollInitial and doubles up to PollMax.
	PollInitial time.Duration `json:"pollInitial"`
	PollMax     time.Duration `json:"pollMax"`
	// PollsPerRun bounds the history of one run: after that many polls the
	// workflow continues as new with its wait state.
	PollsPerRun int `json:"pollsPerRun"`
	// PutSettleWindow is how long after a PUT whose outcome is unknown
	// that PUT may still take effect and show in the port's connection
	// list. Until it has passed, and a lookup begun after it still finds
	// nothing, no other PUT goes out. It must cover the API client's
	// timeout plus a late commit and the list's lag (see README).
	PutSettleWindow time.Duration `json:"putSettleWindow,omitempty"`
	// APITimeout is the API client's timeout; the timeouts of activities
	// that make one call are derived from it.
	APITimeout time.Duration `json:"apiTimeout,omitempty"`
	// OrderingTimeout is how long an order keeps trying to place its PUT
	// through API trouble before it gives up.
	OrderingTimeout time.Duration `json:"orderingTimeout,omitempty"`
	// AuthFailureLimit is how long status reads may be refused (401/403)
	// before the order fails, naming the connection and what to check.
	AuthFailureLimit time.Duration `json:"authFailureLimit,omitempty"`
	// NameLockCheck is how often a connection-name lock checks that its
	// order still runs (a terminated order cannot release it).
	NameLockCheck time.Duration `json:"nameLockCheck,omitempty"`
	// DefaultCallbackHost is the host of the worker's CALLBACK_URL, where
	// orders without a callback of their own report their milestones (""
	// for nowhere). The settings are recorded in every history, and that
	// URL may carry credentials, so the workflow knows only that it exists
	// and its host; the callback activity finds the URL in the worker's
	// environment (activities.DefaultCallback). CallbackAllowedHosts are
	// the hosts an order's own callback may name (DefaultCallbackHost
	// always may).
	DefaultCallbackHost  string   `json:"defaultCallbackHost,omitempty"`
	CallbackAllowedHosts []string `json:"callbackAllowedHosts,omitempty"`
	// CallbackTargets are the names of the worker's CALLBACK_TARGETS, which
	// an order's callback.target may name. Names only: a target's URL,
	// body and credentials stay in the worker, for the callback activity.
	CallbackTargets []string `json:"callbackTargets,omitempty"`
	// CallbackURL is the whole CALLBACK_URL, as workers recorded it before
	// DefaultCallbackHost: read from their histories, so that their runs
	// replay and report as they began; never set now.
	CallbackURL string `json:"callbackUrl,omitempty"`
	// APIRateLimited: the worker caps API calls across workers
	// (CC_API_MAX_RPS, a rate the server applies to the task queue's
	// activities), so every API call runs as an activity it counts, none
	// as a local activity.
	APIRateLimited bool `json:"apiRateLimited,omitempty"`
	// Revision is the revision of this code (codeRevision), set by
	// Register, never from the environment: recorded with the rest of the
	// settings, it tells a run, on replay too, which changes it was
	// started with, without a GetVersion marker of its own (versions.go).
	// Histories recorded before it existed decode it as 0.
	Revision int `json:"revision,omitempty"`
}

// callbackHosts are the hosts callbacks may go to.
func (c Config) callbackHosts() []string {
	hosts := slices.Clone(c.CallbackAllowedHosts)
	if c.DefaultCallbackHost != "" {
		hosts = append(hosts, c.DefaultCallbackHost)
	}
	if u, err := url.Parse(c.CallbackURL); err == nil && u.Host != "" {
		hosts = append(hosts, u.Host)
	}
	return hosts
}

// DefaultConfig is what the worker runs with unless told otherwise.
func DefaultConfig() Config {
	return Config{
		ActivationTimeoutPortToPort: 2 * time.Hour,
		ActivationTimeoutB2B:        14 * 24 * time.Hour,
		PollInitial:                 10 * time.Second,
		PollMax:                     30 * time.Minute,
		PollsPerRun:                 100,
		PutSettleWindow:             activities.DefaultSettleWindow,
		APITimeout:                  30 * time.Second,
		OrderingTimeout:             24 * time.Hour,
		AuthFailureLimit:            time.Hour,
		NameLockCheck:               time.Hour,
	}
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.ActivationTimeoutPortToPort <= 0 {
		c.ActivationTimeoutPortToPort = d.ActivationTimeoutPortToPort
	}
	if c.ActivationTimeoutB2B <= 0 {
		c.ActivationTimeoutB2B = d.ActivationTimeoutB2B
	}
	if c.PollInitial <= 0 {
		c.PollInitial = d.PollInitial
	}
	if c.PollMax < c.PollInitial {
		c.PollMax = max(d.PollMax, c.PollInitial)
	}
	if c.PollsPerRun <= 0 {
		c.PollsPerRun = d.PollsPerRun
	}
	// Histories recorded before a setting existed decode it as zero.
	for _, f := range []struct{ v, def *time.Duration }{
		{&c.PutSettleWindow, &d.PutSettleWindow}, {&c.APITimeout, &d.APITimeout}, {&c.OrderingTimeout, &d.OrderingTimeout},
		{&c.AuthFailureLimit, &d.AuthFailureLimit}, {&c.NameLockCheck, &d.NameLockCheck},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	return c
}

// Register registers the provisioning workflow under WorkflowName, the
// connection-name lock, the callbacks workflow, and the workflows of the
// decommission, modify and adopt actions.
func Register(r worker.WorkflowRegistry, cfg Config) {
	RegisterAt(r, cfg, codeRevision)
}

// RegisterAt is Register with new runs started at an older revision
// (versions.go), for tests of the paths runs of that revision still take
// while they are in flight. Workers use Register.
func RegisterAt(r worker.WorkflowRegistry, cfg Config, revision int) {
	p := &Provisioner{cfg: cfg.withDefaults()}
	p.cfg.Revision = revision
	r.RegisterWorkflowWithOptions(p.Run, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterWorkflowWithOptions(p.NameLock, workflow.RegisterOptions{Name: NameLockWorkflowName})
	r.RegisterWorkflowWithOptions(p.OrderCallbacks, workflow.RegisterOptions{Name: CallbacksWorkflowName})
	r.RegisterWorkflowWithOptions(p.Decommission, workflow.RegisterOptions{Name: DecommissionWorkflowName})
	r.RegisterWorkflowWithOptions(p.Modify, workflow.RegisterOptions{Name: ModifyWorkflowName})
	r.RegisterWorkflowWithOptions(p.Adopt, workflow.RegisterOptions{Name: AdoptWorkflowName})
}
