package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

// config is everything the simulator binary can be told.
type config struct {
	addr             string
	fixturePath      string // empty: the embedded default fixture
	apiKey           string
	activationDelay  time.Duration
	autoApproveDelay time.Duration
	activationJitter time.Duration
	approveJitter    time.Duration
	faults           ccapisim.Faults
	consistency      ccapisim.Consistency
	seed             int64
}

// parseConfig reads flags; every flag falls back to an environment variable
// named CCSIM_<FLAG_NAME> (e.g. -api-key: CCSIM_API_KEY), and an explicit
// flag beats the environment.
func parseConfig(args []string, getenv func(string) string, usage io.Writer) (config, error) {
	var (
		cfg      config
		dropMode string
		single   ccapisim.Faults // the one-fault flags, applied over -faults
		base     faultsFlag
		cons     consistencyFlag
	)
	fs := flag.NewFlagSet("ccapi-sim", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8081", "listen address (port 0 picks a free port)")
	fs.StringVar(&cfg.fixturePath, "fixture", "", "fixture JSON file (default: the embedded fixture)")
	fs.StringVar(&cfg.apiKey, "api-key", "sim-demo-key", "the only API key accepted")
	fs.DurationVar(&cfg.activationDelay, "activation-delay", 5*time.Second, "CREATING/ACCEPTED -> ACTIVE after this")
	fs.DurationVar(&cfg.autoApproveDelay, "auto-approve-delay", 3*time.Second, "autoApprove/autoReject companies decide after this")
	fs.DurationVar(&cfg.activationJitter, "activation-jitter", 0, "each connection activates up to this much later than -activation-delay")
	fs.DurationVar(&cfg.approveJitter, "auto-approve-jitter", 0, "each automatic decision comes up to this much later than -auto-approve-delay")
	fs.Var(&base, "faults", `every fault setting as JSON, as PUT /_sim/faults takes it, e.g. {"lateCommitRate":0.1,"lateCommitMax":"1m","endpoints":{"listConnections":{"pageCap":20}}}; the flags below override its top-level keys`)
	fs.Var(&cons, "consistency", `the adversarial consistency mode as JSON, as PUT /_sim/consistency takes it, e.g. {"ports":["601000000000000000000001"],"readLag":"10s","pageShiftRate":0.3}`)
	fs.Float64Var(&single.ErrorRate, "error-rate", 0, "fraction of API requests answered 500/502/503/504")
	fs.Float64Var(&single.ThrottleRate, "throttle-rate", 0, "fraction of API requests answered 429")
	fs.DurationVar(&single.RetryAfter, "retry-after", time.Second, "Retry-After of throttled requests")
	fs.DurationVar(&single.Latency, "latency", 0, "latency added to every API request")
	fs.IntVar(&single.CommitThenDrop, "commit-then-drop", 0, "the next N successful layer2 PUTs commit but lose their answer")
	fs.StringVar(&dropMode, "drop-mode", string(ccapisim.DropWith502), `how a dropped answer is lost: "502" or "cut"`)
	fs.Float64Var(&single.RateLimit, "rate-limit", 0, "max API requests per second; 0 = unlimited")
	fs.Int64Var(&cfg.seed, "seed", 1, "seed of the fault random source")

	var envErrs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		f.Usage += " (env " + name + ")"
		if value := getenv(name); value != "" {
			if err := fs.Set(f.Name, value); err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s=%q: %w", name, value, err))
			}
		}
	})
	if err := errors.Join(envErrs...); err != nil {
		return cfg, err
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	single.DropMode = ccapisim.DropMode(dropMode)
	cfg.faults = base.faults
	if base.faults.RetryAfter == 0 {
		cfg.faults.RetryAfter = single.RetryAfter
	}
	if base.faults.DropMode == "" {
		cfg.faults.DropMode = single.DropMode
	}
	overrides := map[string]func(){
		"error-rate":       func() { cfg.faults.ErrorRate = single.ErrorRate },
		"throttle-rate":    func() { cfg.faults.ThrottleRate = single.ThrottleRate },
		"retry-after":      func() { cfg.faults.RetryAfter = single.RetryAfter },
		"latency":          func() { cfg.faults.Latency = single.Latency },
		"commit-then-drop": func() { cfg.faults.CommitThenDrop = single.CommitThenDrop },
		"drop-mode":        func() { cfg.faults.DropMode = single.DropMode },
		"rate-limit":       func() { cfg.faults.RateLimit = single.RateLimit },
	}
	fs.Visit(func(f *flag.Flag) {
		if set, ok := overrides[f.Name]; ok {
			set()
		}
	})
	if err := cfg.faults.Validate(); err != nil {
		return cfg, fmt.Errorf("invalid fault flags: %w", err)
	}
	cfg.consistency = cons.consistency
	if err := cfg.consistency.Validate(); err != nil {
		return cfg, fmt.Errorf("invalid consistency flag: %w", err)
	}
	return cfg, nil
}

func envName(flagName string) string {
	return "CCSIM_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// faultsFlag is -faults: fault settings as JSON.
type faultsFlag struct{ faults ccapisim.Faults }

func (f *faultsFlag) String() string {
	if f == nil {
		return ""
	}
	b, err := json.Marshal(f.faults)
	if err != nil || string(b) == "{}" {
		return ""
	}
	return string(b)
}

func (f *faultsFlag) Set(value string) error { return json.Unmarshal([]byte(value), &f.faults) }

// consistencyFlag is -consistency: the consistency mode as JSON.
type consistencyFlag struct{ consistency ccapisim.Consistency }

func (f *consistencyFlag) String() string {
	if f == nil {
		return ""
	}
	b, err := json.Marshal(f.consistency)
	if err != nil || string(b) == "{}" {
		return ""
	}
	return string(b)
}

func (f *consistencyFlag) Set(value string) error {
	return json.Unmarshal([]byte(value), &f.consistency)
}
