package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

func TestRunServesAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdoutReader, stdout := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-activation-delay", "0s"}, env(map[string]string{"CCSIM_API_KEY": "k1"}), stdout, io.Discard)
	}()

	line, err := bufio.NewReader(stdoutReader).ReadString('\n')
	if err != nil {
		t.Fatalf("read announcement: %v", err)
	}
	m := regexp.MustCompile(`^ccapi-sim listening on (http://127\.0\.0\.1:\d+) \(API key: k1\)\n$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("announcement = %q", line)
	}
	go func() { _, _ = io.Copy(io.Discard, stdoutReader) }()

	req, _ := http.NewRequest(http.MethodGet, m[1]+"/api/company/acme/ports", nil)
	req.Header.Set("Authorization", "Bearer k1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("X-Request-Id") == "" {
		t.Fatalf("status %d, request id %q", res.StatusCode, res.Header.Get("X-Request-Id"))
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v, want nil after shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancellation")
	}
}

func TestRunFailsOnBadFixture(t *testing.T) {
	err := run(context.Background(), []string{"-fixture", t.TempDir() + "/missing.json"}, env(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "fixture") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(config) bool
		wantErr string
	}{
		{"defaults", nil, nil, func(c config) bool {
			return c.addr == "127.0.0.1:8081" && c.apiKey == "sim-demo-key" && c.fixturePath == "" &&
				c.activationDelay == 5*time.Second && c.autoApproveDelay == 3*time.Second &&
				c.faults.Equal(ccapisim.Faults{RetryAfter: time.Second, DropMode: ccapisim.DropWith502})
		}, ""},
		{"env fallbacks", nil, map[string]string{
			"CCSIM_ADDR": ":9000", "CCSIM_FIXTURE": "/tmp/f.json", "CCSIM_API_KEY": "env-key",
			"CCSIM_ACTIVATION_DELAY": "1s", "CCSIM_AUTO_APPROVE_DELAY": "2s", "CCSIM_ERROR_RATE": "0.5",
			"CCSIM_DROP_MODE": "cut", "CCSIM_COMMIT_THEN_DROP": "2", "CCSIM_SEED": "9",
		}, func(c config) bool {
			return c.addr == ":9000" && c.fixturePath == "/tmp/f.json" && c.apiKey == "env-key" &&
				c.activationDelay == time.Second && c.autoApproveDelay == 2*time.Second && c.faults.ErrorRate == 0.5 &&
				c.faults.DropMode == ccapisim.DropCut && c.faults.CommitThenDrop == 2 && c.seed == 9
		}, ""},
		{"flags beat env", []string{"-api-key", "flag-key", "-latency", "250ms", "-rate-limit", "3"},
			map[string]string{"CCSIM_API_KEY": "env-key"}, func(c config) bool {
				return c.apiKey == "flag-key" && c.faults.Latency == 250*time.Millisecond && c.faults.RateLimit == 3
			}, ""},
		{"faults as JSON, flags on top", []string{"-faults", `{"errorRate":0.2,"lateCommitRate":0.1,"lateCommitMax":"1m","endpoints":{"listConnections":{"pageCap":20}}}`, "-error-rate", "0.3"},
			map[string]string{"CCSIM_LATENCY": "5ms"}, func(c config) bool {
				return c.faults.ErrorRate == 0.3 && c.faults.LateCommitRate == 0.1 && c.faults.LateCommitMax == time.Minute &&
					c.faults.Latency == 5*time.Millisecond && c.faults.Endpoints["listConnections"].PageCap == 20 &&
					c.faults.RetryAfter == time.Second
			}, ""},
		{"bad faults JSON", []string{"-faults", `{"errorRat":1}`}, nil, nil, "errorRat"},
		{"consistency as JSON", nil, map[string]string{"CCSIM_CONSISTENCY": `{"ports":["p1"],"readLag":"10s","stray404Rate":0.1}`},
			func(c config) bool {
				return len(c.consistency.Ports) == 1 && c.consistency.ReadLag == 10*time.Second && c.consistency.Stray404Rate == 0.1
			}, ""},
		{"bad consistency", []string{"-consistency", `{"lateEffectRate":0.5}`}, nil, nil, "lateEffectMax"},
		{"bad env value", nil, map[string]string{"CCSIM_ACTIVATION_DELAY": "soon"}, nil, "CCSIM_ACTIVATION_DELAY"},
		{"bad drop mode", []string{"-drop-mode", "explode"}, nil, nil, "dropMode"},
		{"rate out of range", []string{"-throttle-rate", "2"}, nil, nil, "throttleRate"},
		{"unknown flag", []string{"-nope"}, nil, nil, "nope"},
		{"stray argument", []string{"extra"}, nil, nil, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(tt.args, env(tt.env), io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want mention of %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(cfg) {
				t.Fatalf("config = %+v, err %v", cfg, err)
			}
		})
	}
}

func env(values map[string]string) func(string) string {
	return func(name string) string { return values[name] }
}
