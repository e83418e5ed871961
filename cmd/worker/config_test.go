package main

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/cc-l2/provisioner/internal/config"
	"github.com/cc-l2/provisioner/internal/secret"
	"github.com/cc-l2/provisioner/internal/temporalclient"
	"github.com/cc-l2/provisioner/workflows"
)

const testKey = "cc-key-7f3a9d"

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := loadConfig(map[string]string{"CC_API_KEY": testKey})
	if err != nil {
		t.Fatalf("%v", err)
	}
	if got, want := cfg, (Config{
		// Address and namespace: a profile's, or temporalclient's defaults.
		Config: temporalclient.Config{
			TaskQueue: workflows.DefaultTaskQueue,
		},
		CCAPIBaseURL:                "https://api.consoleconnect.com",
		CCAPIKey:                    testKey,
		CCAPITimeout:                30 * time.Second,
		LogLevel:                    "info",
		LogFormat:                   "json",
		MaxConcurrentActivities:     20,
		MaxConcurrentWorkflowTasks:  10,
		WorkflowCacheSize:           500,
		ShutdownTimeout:             30 * time.Second,
		HTTPAddr:                    "127.0.0.1:9464",
		ActivationTimeoutPortToPort: 2 * time.Hour,
		ActivationTimeoutB2B:        336 * time.Hour,
		PollInitial:                 10 * time.Second,
		PollMax:                     30 * time.Minute,
		PollsPerRun:                 100,
		PutSettleWindow:             10 * time.Minute,
		NameLockCheck:               time.Hour,
	}); !reflect.DeepEqual(got, want) {
		t.Fatalf("cfg = %v, want %v", got, want)
	}
	// The defaults here and the workflow's own defaults agree.
	if got, want := cfg.Workflow(), workflows.DefaultConfig(); !reflect.DeepEqual(got, want) {
		t.Fatalf("cfg.Workflow() = %v, want %v", got, want)
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string // the whole one-line message; "" for success
		check   func(t *testing.T, cfg Config)
	}{
		{
			name: "everything set",
			env: map[string]string{
				"CC_API_KEY": testKey, "TEMPORAL_ADDRESS": "temporal:7233", "TEMPORAL_NAMESPACE": "prod",
				"TEMPORAL_TASK_QUEUE": "q", "TEMPORAL_API_KEY": "tk", "CC_API_BASE_URL": "http://sim:8080",
				"CC_API_TIMEOUT": "5s", "LOG_LEVEL": "debug", "LOG_FORMAT": "console",
				"WORKER_MAX_CONCURRENT_ACTIVITIES": "3", "WORKER_MAX_CONCURRENT_WORKFLOW_TASKS": "4",
				"WORKER_SHUTDOWN_TIMEOUT": "1m", "ACTIVATION_TIMEOUT_PORT_TO_PORT": "30m",
				"ACTIVATION_TIMEOUT_B2B": "72h", "POLL_INITIAL": "1s", "POLL_MAX": "20s", "POLLS_PER_RUN": "7",
				"NAME_LOCK_CHECK": "90s",
			},
			check: func(t *testing.T, cfg Config) {
				if got, want := cfg.Address, "temporal:7233"; got != want {
					t.Fatalf("cfg.Address = %v, want %v", got, want)
				}
				if got, want := cfg.APIKey, secret.Secret("tk"); got != want {
					t.Fatalf("cfg.APIKey = %v, want %v", got, want)
				}
				if got, want := cfg.CCAPITimeout, 5*time.Second; got != want {
					t.Fatalf("cfg.CCAPITimeout = %v, want %v", got, want)
				}
				if got, want := cfg.MaxConcurrentActivities, 3; got != want {
					t.Fatalf("cfg.MaxConcurrentActivities = %v, want %v", got, want)
				}
				if got, want := cfg.ShutdownTimeout, time.Minute; got != want {
					t.Fatalf("cfg.ShutdownTimeout = %v, want %v", got, want)
				}
				wf := cfg.Workflow()
				if got, want := wf.ActivationTimeoutPortToPort, 30*time.Minute; got != want {
					t.Fatalf("wf.ActivationTimeoutPortToPort = %v, want %v", got, want)
				}
				if got, want := wf.ActivationTimeoutB2B, 72*time.Hour; got != want {
					t.Fatalf("wf.ActivationTimeoutB2B = %v, want %v", got, want)
				}
				if got, want := wf.PollInitial, time.Second; got != want {
					t.Fatalf("wf.PollInitial = %v, want %v", got, want)
				}
				if got, want := wf.PollMax, 20*time.Second; got != want {
					t.Fatalf("wf.PollMax = %v, want %v", got, want)
				}
				if got, want := wf.PollsPerRun, 7; got != want {
					t.Fatalf("wf.PollsPerRun = %v, want %v", got, want)
				}
				if got, want := wf.NameLockCheck, 90*time.Second; got != want {
					t.Fatalf("wf.NameLockCheck = %v, want %v", got, want)
				}
			},
		},
		{name: "empty value means default", env: map[string]string{"CC_API_KEY": testKey, "CC_API_TIMEOUT": ""},
			check: func(t *testing.T, cfg Config) {
				if got, want := cfg.CCAPITimeout, 30*time.Second; got != want {
					t.Fatalf("cfg.CCAPITimeout = %v, want %v", got, want)
				}
			}},
		{name: "missing key", env: map[string]string{}, wantErr: "CC_API_KEY is required"},
		{name: "empty key", env: map[string]string{"CC_API_KEY": ""}, wantErr: "CC_API_KEY must not be empty"},
		{name: "polls per run", env: map[string]string{"CC_API_KEY": testKey, "POLLS_PER_RUN": "0"}, wantErr: "POLLS_PER_RUN must be positive (got 0)"},
		{name: "name lock check", env: map[string]string{"CC_API_KEY": testKey, "NAME_LOCK_CHECK": "0s"}, wantErr: "NAME_LOCK_CHECK must be positive (got 0s)"},
		{name: "bad duration", env: map[string]string{"CC_API_KEY": testKey, "CC_API_TIMEOUT": "abc"}, wantErr: `CC_API_TIMEOUT: invalid duration "abc"`},
		{name: "missing key and bad duration", env: map[string]string{"CC_API_TIMEOUT": "abc"},
			wantErr: `CC_API_KEY is required; CC_API_TIMEOUT: invalid duration "abc"`},
		{name: "bad integer", env: map[string]string{"CC_API_KEY": testKey, "WORKER_MAX_CONCURRENT_ACTIVITIES": "lots"},
			wantErr: `WORKER_MAX_CONCURRENT_ACTIVITIES: invalid integer "lots"`},
		{name: "zero activities", env: map[string]string{"CC_API_KEY": testKey, "WORKER_MAX_CONCURRENT_ACTIVITIES": "0"},
			wantErr: "WORKER_MAX_CONCURRENT_ACTIVITIES must be positive (got 0)"},
		{name: "one workflow task", env: map[string]string{"CC_API_KEY": testKey, "WORKER_MAX_CONCURRENT_WORKFLOW_TASKS": "1"},
			wantErr: "WORKER_MAX_CONCURRENT_WORKFLOW_TASKS must be at least 2 (got 1)"},
		{name: "bad level", env: map[string]string{"CC_API_KEY": testKey, "LOG_LEVEL": "loud"},
			wantErr: `LOG_LEVEL: invalid log level "loud": want one of debug, info, warn, error`},
		{name: "bad format", env: map[string]string{"CC_API_KEY": testKey, "LOG_FORMAT": "xml"},
			wantErr: `LOG_FORMAT: invalid log format "xml": want one of json, console`},
		{name: "negative duration", env: map[string]string{"CC_API_KEY": testKey, "WORKER_SHUTDOWN_TIMEOUT": "-1s"},
			wantErr: "WORKER_SHUTDOWN_TIMEOUT must be positive (got -1s)"},
		{name: "poll max below initial", env: map[string]string{"CC_API_KEY": testKey, "POLL_INITIAL": "1m", "POLL_MAX": "10s"},
			wantErr: "POLL_MAX (10s) must not be less than POLL_INITIAL (1m0s)"},
		{name: "settle window shorter than a late commit", env: map[string]string{"CC_API_KEY": testKey, "PUT_SETTLE_WINDOW": "1m"},
			wantErr: "PUT_SETTLE_WINDOW (1m0s) must be at least CC_API_TIMEOUT (30s) + 1m0s: a PUT the client gave up on may still take effect that much later"},
		{name: "callbacks without a secret", env: map[string]string{"CC_API_KEY": testKey, "CALLBACK_ALLOWED_HOSTS": "tickets.example.com"},
			wantErr: "CALLBACK_SECRET is required with CALLBACK_URL or CALLBACK_ALLOWED_HOSTS: every callback is signed"},
		{name: "negative rate", env: map[string]string{"CC_API_KEY": testKey, "CC_API_MAX_RPS": "-5"},
			wantErr: "CC_API_MAX_RPS must not be negative (got -5)"},
		{name: "cert without key", env: map[string]string{"CC_API_KEY": testKey, "TEMPORAL_TLS_CERT": "c.pem"},
			wantErr: "TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be given together"},
		{name: "several problems at once", env: map[string]string{"CC_API_KEY": testKey, "POLL_MAX": "soon", "LOG_LEVEL": "x", "LOG_FORMAT": "y"},
			wantErr: `POLL_MAX: invalid duration "soon"; LOG_LEVEL: invalid log level "x": want one of debug, info, warn, error; LOG_FORMAT: invalid log format "y": want one of json, console`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(tt.env)
			if tt.wantErr != "" {
				if err := err; err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want tt.wantErr", err)
				}
				if s, sub := err.Error(), testKey; strings.Contains(s, sub) {
					t.Fatalf("%q contains %q", s, sub)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v", err)
			}
			if tt.check != nil {
				tt.check(t, cfg)
			}
		})
	}
}

func TestRunConfigErrors(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        []string
		wantCode   int
		wantStderr string
	}{
		{name: "missing key", env: nil, wantCode: exitUsage,
			wantStderr: "worker: invalid configuration: CC_API_KEY is required\n"},
		{name: "invalid duration, key set", env: []string{"CC_API_KEY=" + testKey, "CC_API_TIMEOUT=abc"}, wantCode: exitUsage,
			wantStderr: "worker: invalid configuration: CC_API_TIMEOUT: invalid duration \"abc\"\n"},
		{name: "unknown flag", args: []string{"-verbose"}, wantCode: exitUsage,
			wantStderr: "worker: flag provided but not defined: -verbose (see worker -h)\n"},
		{name: "positional argument", args: []string{"start"}, wantCode: exitUsage,
			wantStderr: "worker: unexpected argument \"start\": the worker is configured by environment variables (see worker -h)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, tt.env, &stdout, &stderr)
			if got, want := code, tt.wantCode; got != want {
				t.Fatalf("code = %v, want %v", got, want)
			}
			if got, want := stderr.String(), tt.wantStderr; got != want {
				t.Fatalf("stderr.String() = %v, want %v", got, want)
			}
			if len(stdout.String()) != 0 {
				t.Fatalf("stdout.String() = %v, want it empty", stdout.String())
			}
			if s, sub := stderr.String(), testKey; strings.Contains(s, sub) {
				t.Fatalf("%q contains %q", s, sub)
			}
		})
	}
}

func TestHelpListsEveryVariable(t *testing.T) {
	params, err := env.GetFieldParams(&Config{})
	if err != nil {
		t.Fatalf("%v", err)
	}
	if n := len(params); n != 31 {
		t.Fatalf("len(params) = %d, want 31", n)
	}
	// Defaults kept outside the tags (the workflow's, the client's) are
	// shown as the loader applies them.
	cfg := defaults()
	vars, err := config.Variables(&cfg)
	if err != nil {
		t.Fatalf("%v", err)
	}
	defaultOf := map[string]string{}
	for _, v := range vars {
		if v.HasDefault {
			defaultOf[v.Name] = v.Default
		}
	}
	if got, want := defaultOf["ACTIVATION_TIMEOUT_PORT_TO_PORT"], "2h"; got != want {
		t.Fatalf("defaultOf[\"ACTIVATION_TIMEOUT_PORT_TO_PORT\"] = %v, want %v", got, want)
	}
	if got, want := defaultOf["TEMPORAL_TASK_QUEUE"], workflows.DefaultTaskQueue; got != want {
		t.Fatalf("defaultOf[\"TEMPORAL_TASK_QUEUE\"] = %v, want %v", got, want)
	}
	for _, arg := range []string{"-h", "--help", "-help"} {
		t.Run(arg, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{arg}, []string{"CC_API_KEY=" + testKey}, &stdout, &stderr)
			if got, want := code, exitOK; got != want {
				t.Fatalf("code = %v, want %v", got, want)
			}
			if len(stderr.String()) != 0 {
				t.Fatalf("stderr.String() = %v, want it empty", stderr.String())
			}
			out := stdout.String()
			if !strings.HasPrefix(out, "Usage: worker") {
				t.Fatal("strings.HasPrefix(out, \"Usage: worker\") is false")
			}
			if s, sub := out, testKey; strings.Contains(s, sub) {
				t.Fatalf("%q contains %q", s, sub)
			}
			for _, p := range params {
				switch {
				case p.Required:
					if s, sub := out, "  "+p.Key+" (required)\n"; !strings.Contains(s, sub) {
						t.Fatalf("%q does not contain %q (%v)", s, sub, p.Key)
					}
				case defaultOf[p.Key] != "":
					if s, sub := out, "  "+p.Key+" (default \""+defaultOf[p.Key]+"\")\n"; !strings.Contains(s, sub) {
						t.Fatalf("%q does not contain %q (%v)", s, sub, p.Key)
					}
				default:
					if s, sub := out, "  "+p.Key+" (optional)\n"; !strings.Contains(s, sub) {
						t.Fatalf("%q does not contain %q (%v)", s, sub, p.Key)
					}
				}
			}
		})
	}
}

// CC_API_MAX_RPS becomes the task queue's server-side activity rate; left
// empty (as .env.example leaves it) there is none.
func TestAPIRateIsTheTaskQueueActivityRate(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  float64
	}{{"", 0}, {"25", 25}, {"0.5", 0.5}} {
		cfg, err := loadConfig(map[string]string{"CC_API_KEY": testKey, "CC_API_MAX_RPS": tt.value})
		if err != nil {
			t.Fatalf("CC_API_MAX_RPS=%q: %v", tt.value, err)
		}
		if got := cfg.workerOptions(nil).TaskQueueActivitiesPerSecond; got != tt.want {
			t.Errorf("CC_API_MAX_RPS=%q: TaskQueueActivitiesPerSecond = %v, want %v", tt.value, got, tt.want)
		}
		// The same cap paces the worker's own calls, and has every API
		// call of an order run as an activity the server's rate counts.
		limiter := cfg.apiLimiter()
		switch {
		case tt.want == 0 && limiter != nil:
			t.Errorf("CC_API_MAX_RPS=%q: a limiter at %v", tt.value, limiter.Limit())
		case tt.want > 0 && (limiter == nil || float64(limiter.Limit()) != tt.want):
			t.Errorf("CC_API_MAX_RPS=%q: limiter %v, want %v/s", tt.value, limiter, tt.want)
		}
		if got := cfg.Workflow().APIRateLimited; got != (tt.want > 0) {
			t.Errorf("CC_API_MAX_RPS=%q: workflow APIRateLimited = %v", tt.value, got)
		}
	}
}

// WORKER_HTTP_ADDR set but empty serves nothing, as its description says;
// unset, it is the default. A test or suite that sets it empty must never
// take the default's fixed port.
func TestHTTPAddrEmptyMeansNone(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unset", map[string]string{"CC_API_KEY": testKey}, "127.0.0.1:9464"},
		{"empty", map[string]string{"CC_API_KEY": testKey, "WORKER_HTTP_ADDR": ""}, ""},
		{"set", map[string]string{"CC_API_KEY": testKey, "WORKER_HTTP_ADDR": ":9464"}, ":9464"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.HTTPAddr != tt.want {
				t.Errorf("HTTPAddr = %q, want %q", cfg.HTTPAddr, tt.want)
			}
		})
	}
}
