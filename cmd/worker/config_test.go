package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/stretchr/testify/require"

	"github.com/cc-l2/provisioner/internal/config"
	"github.com/cc-l2/provisioner/internal/temporalclient"
	"github.com/cc-l2/provisioner/workflows"
)

const testKey = "cc-key-7f3a9d"

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := loadConfig(map[string]string{"CC_API_KEY": testKey})
	require.NoError(t, err)
	require.Equal(t, Config{
		Config: temporalclient.Config{
			Address:   "localhost:7233",
			Namespace: "default",
			TaskQueue: workflows.DefaultTaskQueue,
		},
		CCAPIBaseURL:                "https://api.consoleconnect.com",
		CCAPIKey:                    testKey,
		CCAPITimeout:                30 * time.Second,
		LogLevel:                    "info",
		LogFormat:                   "json",
		MaxConcurrentActivities:     20,
		MaxConcurrentWorkflowTasks:  10,
		ShutdownTimeout:             30 * time.Second,
		ActivationTimeoutPortToPort: 2 * time.Hour,
		ActivationTimeoutB2B:        336 * time.Hour,
		PollInitial:                 10 * time.Second,
		PollMax:                     5 * time.Minute,
		PollsPerRun:                 100,
		PutSettleWindow:             10 * time.Minute,
	}, cfg)
	// The defaults here and the workflow's own defaults agree.
	require.Equal(t, workflows.DefaultConfig(), cfg.Workflow())
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
			},
			check: func(t *testing.T, cfg Config) {
				require.Equal(t, "temporal:7233", cfg.Address)
				require.Equal(t, config.Secret("tk"), cfg.APIKey)
				require.Equal(t, 5*time.Second, cfg.CCAPITimeout)
				require.Equal(t, 3, cfg.MaxConcurrentActivities)
				require.Equal(t, time.Minute, cfg.ShutdownTimeout)
				wf := cfg.Workflow()
				require.Equal(t, 30*time.Minute, wf.ActivationTimeoutPortToPort)
				require.Equal(t, 72*time.Hour, wf.ActivationTimeoutB2B)
				require.Equal(t, time.Second, wf.PollInitial)
				require.Equal(t, 20*time.Second, wf.PollMax)
				require.Equal(t, 7, wf.PollsPerRun)
			},
		},
		{name: "empty value means default", env: map[string]string{"CC_API_KEY": testKey, "CC_API_TIMEOUT": ""},
			check: func(t *testing.T, cfg Config) { require.Equal(t, 30*time.Second, cfg.CCAPITimeout) }},
		{name: "missing key", env: map[string]string{}, wantErr: "CC_API_KEY is required"},
		{name: "empty key", env: map[string]string{"CC_API_KEY": ""}, wantErr: "CC_API_KEY must not be empty"},
		{name: "polls per run", env: map[string]string{"CC_API_KEY": testKey, "POLLS_PER_RUN": "0"}, wantErr: "POLLS_PER_RUN must be positive (got 0)"},
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
		{name: "cert without key", env: map[string]string{"CC_API_KEY": testKey, "TEMPORAL_TLS_CERT": "c.pem"},
			wantErr: "TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be given together"},
		{name: "several problems at once", env: map[string]string{"CC_API_KEY": testKey, "POLL_MAX": "soon", "LOG_LEVEL": "x", "LOG_FORMAT": "y"},
			wantErr: `POLL_MAX: invalid duration "soon"; LOG_LEVEL: invalid log level "x": want one of debug, info, warn, error; LOG_FORMAT: invalid log format "y": want one of json, console`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(tt.env)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				require.NotContains(t, err.Error(), testKey)
				return
			}
			require.NoError(t, err)
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
			require.Equal(t, tt.wantCode, code)
			require.Equal(t, tt.wantStderr, stderr.String())
			require.Empty(t, stdout.String())
			require.NotContains(t, stderr.String(), testKey)
		})
	}
}

func TestHelpListsEveryVariable(t *testing.T) {
	params, err := env.GetFieldParams(&Config{})
	require.NoError(t, err)
	require.Len(t, params, 21)
	// Defaults kept outside the tags (the workflow's, the client's) are
	// shown as the loader applies them.
	cfg := defaults()
	vars, err := config.Variables(&cfg)
	require.NoError(t, err)
	defaultOf := map[string]string{}
	for _, v := range vars {
		if v.HasDefault {
			defaultOf[v.Name] = v.Default
		}
	}
	require.Equal(t, "2h", defaultOf["ACTIVATION_TIMEOUT_PORT_TO_PORT"])
	require.Equal(t, workflows.DefaultTaskQueue, defaultOf["TEMPORAL_TASK_QUEUE"])
	for _, arg := range []string{"-h", "--help", "-help"} {
		t.Run(arg, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{arg}, []string{"CC_API_KEY=" + testKey}, &stdout, &stderr)
			require.Equal(t, exitOK, code)
			require.Empty(t, stderr.String())
			out := stdout.String()
			require.True(t, strings.HasPrefix(out, "Usage: worker"))
			require.NotContains(t, out, testKey)
			for _, p := range params {
				switch {
				case p.Required:
					require.Contains(t, out, "  "+p.Key+" (required)\n", p.Key)
				case defaultOf[p.Key] != "":
					require.Contains(t, out, "  "+p.Key+" (default \""+defaultOf[p.Key]+"\")\n", p.Key)
				default:
					require.Contains(t, out, "  "+p.Key+" (optional)\n", p.Key)
				}
			}
		})
	}
}
