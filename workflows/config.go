package workflows

import (
	"time"

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
}

// DefaultConfig is what the worker runs with unless told otherwise.
func DefaultConfig() Config {
	return Config{
		ActivationTimeoutPortToPort: 2 * time.Hour,
		ActivationTimeoutB2B:        14 * 24 * time.Hour,
		PollInitial:                 10 * time.Second,
		PollMax:                     5 * time.Minute,
		PollsPerRun:                 100,
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
	return c
}

// Register registers the provisioning workflow under WorkflowName.
func Register(r worker.WorkflowRegistry, cfg Config) {
	p := &Provisioner{cfg: cfg.withDefaults()}
	r.RegisterWorkflowWithOptions(p.Run, workflow.RegisterOptions{Name: WorkflowName})
}
