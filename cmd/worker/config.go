package main

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/worker"
	"golang.org/x/time/rate"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/internal/config"
	"github.com/cc-l2/provisioner/internal/logging"
	"github.com/cc-l2/provisioner/internal/outbound"
	"github.com/cc-l2/provisioner/internal/secret"
	"github.com/cc-l2/provisioner/internal/signature"
	"github.com/cc-l2/provisioner/internal/targets"
	"github.com/cc-l2/provisioner/internal/temporalclient"
	"github.com/cc-l2/provisioner/workflows"
)

// Config is everything the worker reads from its environment. The desc tags
// feed `worker -h`. Defaults that belong to the worker are in its envDefault
// tags; those of the workflow, the API client and the task queue are theirs
// (see defaults).
type Config struct {
	temporalclient.Config

	CCAPIBaseURL string        `env:"CC_API_BASE_URL" desc:"Console Connect API root"`
	CCAPIKey     secret.Secret `env:"CC_API_KEY,required,notEmpty" desc:"Console Connect API key (never logged or printed)"`
	CCAPITimeout time.Duration `env:"CC_API_TIMEOUT" desc:"timeout of one Console Connect API call"`
	CCAPIMaxRPS  float64       `env:"CC_API_MAX_RPS" desc:"caps the rate of Console Connect API calls: activities started per second on the task queue across every worker (Temporal's server-side rate), and calls per second from each worker; 0 for no cap"`

	LogLevel  string `env:"LOG_LEVEL" envDefault:"info" desc:"debug, info, warn or error"`
	LogFormat string `env:"LOG_FORMAT" envDefault:"json" desc:"json or console"`

	MaxConcurrentActivities    int           `env:"WORKER_MAX_CONCURRENT_ACTIVITIES" envDefault:"20" desc:"activities run at once: bounds parallel calls to the Console Connect API"`
	MaxConcurrentWorkflowTasks int           `env:"WORKER_MAX_CONCURRENT_WORKFLOW_TASKS" envDefault:"10" desc:"workflow tasks run at once"`
	WorkflowCacheSize          int           `env:"WORKER_WORKFLOW_CACHE_SIZE" envDefault:"500" desc:"orders kept in memory between their workflow tasks (the SDK's sticky cache): bounds the worker's memory however many orders wait; one not kept replays its history at its next task"`
	ShutdownTimeout            time.Duration `env:"WORKER_SHUTDOWN_TIMEOUT" envDefault:"30s" desc:"how long running activities may finish after SIGTERM"`
	HTTPAddr                   string        `env:"WORKER_HTTP_ADDR" desc:"host:port of /metrics (Prometheus), /healthz and /readyz; set but empty to serve none"`

	CallbackURL          secret.Secret `env:"CALLBACK_URL" desc:"where orders without a callback of their own report their milestones (POST, signed); empty for nowhere; may hold credentials (user:password@, ?token=), never printed nor recorded"`
	CallbackSecret       secret.Secret `env:"CALLBACK_SECRET" desc:"HMAC-SHA256 key signing every callback (X-Signature-256); required with CALLBACK_URL or CALLBACK_ALLOWED_HOSTS (never printed)"`
	CallbackAllowedHosts []string      `env:"CALLBACK_ALLOWED_HOSTS" envSeparator:"," desc:"comma-separated hosts (or host:port) an order's own callback.url may name; CALLBACK_URL's host always may"`
	CallbackTargets      string        `env:"CALLBACK_TARGETS" desc:"path of a YAML file of named callback targets (a ticketing system's own API: URL and body templates, method, auth from environment variables it names) an order's callback.target may name; the worker refuses to start if it does not load"`
	// targets is CALLBACK_TARGETS loaded (loadConfig): credentials read,
	// templates compiled.
	targets *targets.Set

	ActivationTimeoutPortToPort time.Duration `env:"ACTIVATION_TIMEOUT_PORT_TO_PORT" desc:"how long a port-to-port order may take to become ACTIVE"`
	ActivationTimeoutB2B        time.Duration `env:"ACTIVATION_TIMEOUT_B2B" desc:"how long a business-to-business order may wait for the partner to accept"`
	PollInitial                 time.Duration `env:"POLL_INITIAL" desc:"first status poll interval while waiting for ACTIVE (doubles each poll, within the caps of POLL_MAX)"`
	PollMax                     time.Duration `env:"POLL_MAX" desc:"longest status poll interval; before it, at most 30s in a wait's first 10 minutes and 5m in its first day"`
	PollsPerRun                 int           `env:"POLLS_PER_RUN" desc:"status polls before the workflow continues as new (bounds one run's history)"`
	PutSettleWindow             time.Duration `env:"PUT_SETTLE_WINDOW" desc:"after a PUT whose outcome is unknown, how long it may still take effect and show in the port's list; no other PUT goes out before (at least CC_API_TIMEOUT + 1m)"`
	NameLockCheck               time.Duration `env:"NAME_LOCK_CHECK" desc:"how often a connection-name lock checks that its order still runs: a name held by an order that was terminated (which runs no code, so cannot give it back) is free again within this"`
}

// defaultHTTPAddr is where the worker serves /metrics, /healthz and
// /readyz unless WORKER_HTTP_ADDR says otherwise. It lives here, not in a
// struct tag, because worker -healthcheck needs it too.
const defaultHTTPAddr = "127.0.0.1:9464"

// httpAddrVar, set to the empty string, turns the HTTP side off: the
// environment reader cannot tell empty from unset, so loadConfig and
// worker -healthcheck both ask httpAddr.
const httpAddrVar = "WORKER_HTTP_ADDR"

// httpAddr is the address the worker with this environment serves on: ""
// for none (the variable set but empty), the default when it is unset.
func httpAddr(environ map[string]string) string {
	addr, set := environ[httpAddrVar]
	if !set {
		return defaultHTTPAddr
	}
	return strings.TrimSpace(addr)
}

// lateCommitMargin is how much later than the client gave up a PUT may
// still take effect, by our reading of the API (README, "Assumptions about
// the API"): PUT_SETTLE_WINDOW must cover CC_API_TIMEOUT plus this.
const lateCommitMargin = time.Minute

// defaults is the configuration before the environment is read: the
// workflow's own defaults (workflows.DefaultConfig), the API client's base
// URL and the default task queue, each kept in one place.
func defaults() Config {
	wf := workflows.DefaultConfig()
	return Config{
		Config:                      temporalclient.Config{TaskQueue: workflows.DefaultTaskQueue},
		CCAPIBaseURL:                ccapi.DefaultBaseURL,
		HTTPAddr:                    defaultHTTPAddr,
		CCAPITimeout:                wf.APITimeout,
		ActivationTimeoutPortToPort: wf.ActivationTimeoutPortToPort,
		ActivationTimeoutB2B:        wf.ActivationTimeoutB2B,
		PollInitial:                 wf.PollInitial,
		PollMax:                     wf.PollMax,
		PollsPerRun:                 wf.PollsPerRun,
		PutSettleWindow:             wf.PutSettleWindow,
		NameLockCheck:               wf.NameLockCheck,
	}
}

// loadConfig reads the configuration from environ over the defaults. Its
// error is a *config.Error naming every bad variable; it never contains a
// secret's value.
func loadConfig(environ map[string]string) (Config, error) {
	cfg := defaults()
	err := config.Load(&cfg, environ)
	cfg.HTTPAddr = httpAddr(environ)
	if err == nil && cfg.CallbackTargets != "" {
		if cfg.targets, err = cfg.loadTargets(environ); err != nil {
			return cfg, new(config.Error).Add(err.Error()).Err()
		}
	}
	return cfg, err
}

// loadTargets loads CALLBACK_TARGETS, with the credentials it names from
// environ; its error names the target and the field, never a value.
func (c Config) loadTargets(environ map[string]string) (*targets.Set, error) {
	var sign func([]byte) string
	if c.CallbackSecret.IsSet() {
		sign = func(body []byte) string { return signature.Sign(c.CallbackSecret, body) }
	}
	return targets.Load(c.CallbackTargets, targets.Options{
		Getenv:       func(name string) (string, bool) { v, ok := environ[name]; return v, ok },
		Sign:         sign,
		Milestones:   workflows.Milestones(),
		AllowedHosts: c.CallbackAllowedHosts,
	})
}

// Problems checks what the tags cannot express.
func (c Config) Problems() []string {
	problems := append(c.Config.Problems(), logging.Problems(c.LogLevel, c.LogFormat)...)
	positive := []struct {
		name  string
		value time.Duration
	}{
		{"CC_API_TIMEOUT", c.CCAPITimeout},
		{"WORKER_SHUTDOWN_TIMEOUT", c.ShutdownTimeout},
		{"ACTIVATION_TIMEOUT_PORT_TO_PORT", c.ActivationTimeoutPortToPort},
		{"ACTIVATION_TIMEOUT_B2B", c.ActivationTimeoutB2B},
		{"POLL_INITIAL", c.PollInitial},
		{"POLL_MAX", c.PollMax},
		{"NAME_LOCK_CHECK", c.NameLockCheck},
	}
	for _, p := range positive {
		if p.value <= 0 {
			problems = append(problems, fmt.Sprintf("%s must be positive (got %s)", p.name, p.value))
		}
	}
	if c.PollInitial > 0 && c.PollMax > 0 && c.PollMax < c.PollInitial {
		problems = append(problems, fmt.Sprintf("POLL_MAX (%s) must not be less than POLL_INITIAL (%s)", c.PollMax, c.PollInitial))
	}
	if c.PutSettleWindow < c.CCAPITimeout+lateCommitMargin {
		problems = append(problems, fmt.Sprintf("PUT_SETTLE_WINDOW (%s) must be at least CC_API_TIMEOUT (%s) + %s: a PUT the client gave up on may still take effect that much later",
			c.PutSettleWindow, c.CCAPITimeout, lateCommitMargin))
	}
	if c.CCAPITimeout > 5*time.Minute {
		problems = append(problems, fmt.Sprintf("CC_API_TIMEOUT must be at most 5m (got %s)", c.CCAPITimeout))
	}
	if c.CallbackURL.IsSet() {
		// The value is not printed: it may carry credentials.
		if u, err := url.Parse(c.CallbackURL.Reveal()); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, "CALLBACK_URL must be an http or https URL with a host (its value is not printed: it may hold credentials)")
		}
	}
	if (c.CallbackURL.IsSet() || len(c.CallbackAllowedHosts) > 0) && !c.CallbackSecret.IsSet() {
		problems = append(problems, "CALLBACK_SECRET is required with CALLBACK_URL or CALLBACK_ALLOWED_HOSTS: every callback is signed")
	}
	if c.CCAPIMaxRPS < 0 {
		problems = append(problems, fmt.Sprintf("CC_API_MAX_RPS must not be negative (got %g)", c.CCAPIMaxRPS))
	}
	if c.PollsPerRun <= 0 {
		problems = append(problems, fmt.Sprintf("POLLS_PER_RUN must be positive (got %d)", c.PollsPerRun))
	}
	if c.MaxConcurrentActivities <= 0 {
		problems = append(problems, fmt.Sprintf("WORKER_MAX_CONCURRENT_ACTIVITIES must be positive (got %d)", c.MaxConcurrentActivities))
	}
	if c.WorkflowCacheSize <= 0 {
		problems = append(problems, fmt.Sprintf("WORKER_WORKFLOW_CACHE_SIZE must be positive (got %d)", c.WorkflowCacheSize))
	}
	if c.MaxConcurrentWorkflowTasks <= 1 {
		// The SDK needs two slots: one for the sticky queue, one for the
		// normal queue.
		problems = append(problems, fmt.Sprintf("WORKER_MAX_CONCURRENT_WORKFLOW_TASKS must be at least 2 (got %d)", c.MaxConcurrentWorkflowTasks))
	}
	return problems
}

// Workflow is the workflow behaviour this configuration asks for; what it
// does not set keeps workflows.DefaultConfig.
func (c Config) Workflow() workflows.Config {
	wf := workflows.DefaultConfig()
	wf.ActivationTimeoutPortToPort = c.ActivationTimeoutPortToPort
	wf.ActivationTimeoutB2B = c.ActivationTimeoutB2B
	wf.PollInitial = c.PollInitial
	wf.PollMax = c.PollMax
	wf.PollsPerRun = c.PollsPerRun
	wf.PutSettleWindow = c.PutSettleWindow
	wf.NameLockCheck = c.NameLockCheck
	wf.APITimeout = c.CCAPITimeout
	// The workflow records its settings in every history: it learns only
	// that there is a CALLBACK_URL and its host; the URL itself stays
	// here, for the callback activity (Callbacks).
	wf.DefaultCallbackHost = c.callbackHost()
	wf.CallbackAllowedHosts = c.CallbackAllowedHosts
	wf.CallbackTargets = c.targets.Names() // names only: the rest holds secrets
	wf.APIRateLimited = c.CCAPIMaxRPS > 0
	return wf
}

// Callbacks is how the worker's activities call ticketing systems back.
func (c Config) Callbacks() activities.Callbacks {
	hosts := slices.Clone(c.CallbackAllowedHosts)
	if host := c.callbackHost(); host != "" {
		hosts = append(hosts, host)
	}
	return activities.Callbacks{Secret: c.CallbackSecret, DefaultURL: c.CallbackURL, AllowedHosts: hosts, HTTP: outbound.NewClient(hosts), Targets: c.targets}
}

// callbackHost is CALLBACK_URL's host (and port), without its
// credentials; "" for none.
func (c Config) callbackHost() string {
	if u, err := url.Parse(c.CallbackURL.Reveal()); err == nil {
		return u.Host
	}
	return ""
}

// apiLimiter paces this worker's API calls at CC_API_MAX_RPS (nil for no
// cap). The server's task-queue rate caps activities across workers, but
// one activity may make more than one call (the port lookup reads two
// ports); this keeps a worker's own calls within the cap, so they are not
// spent on the API's 429s.
func (c Config) apiLimiter() *rate.Limiter {
	if c.CCAPIMaxRPS <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(c.CCAPIMaxRPS), 1)
}

// workerOptions are the SDK worker's options; onFatal hears of an error
// that stopped it.
func (c Config) workerOptions(onFatal func(error)) worker.Options {
	return worker.Options{
		MaxConcurrentActivityExecutionSize:     c.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize: c.MaxConcurrentWorkflowTasks,
		// The server hands out at most this many activity tasks a second
		// on the task queue, to all its workers together: one budget
		// toward the API however many workers run (0 leaves it unset).
		TaskQueueActivitiesPerSecond: c.CCAPIMaxRPS,
		WorkerStopTimeout:            c.ShutdownTimeout,
		OnFatalError:                 onFatal,
	}
}
