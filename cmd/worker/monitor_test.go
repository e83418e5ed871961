package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestMonitorServesMetricsAndHealth(t *testing.T) {
	m, err := newMonitor("127.0.0.1:0", zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer m.close()
	base := "http://" + m.listener.Addr().String()

	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz %d", code)
	}
	if code, _ := get(t, base+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz %d before the worker polls", code)
	}
	var stderr strings.Builder
	if code := checkReady(context.Background(), map[string]string{"WORKER_HTTP_ADDR": m.listener.Addr().String()}, &stderr); code != exitFailure {
		t.Errorf("-healthcheck of a worker not ready: %d", code)
	}

	m.observeAPI("getPort", 200, 30*time.Millisecond)
	m.observeAPI("createLayer2", 0, 2*time.Second)
	m.metricsHandler().WithTags(map[string]string{"kind": "port-to-port", "task_queue": "l2-provisioning"}).Counter("l2_orders_started").Inc(1)
	m.metricsHandler().WithTags(map[string]string{"kind": "business-to-business", "outcome": "dry-run"}).Counter("l2_orders_ended").Inc(1)
	wants := []string{
		`l2_api_requests_total{code="200",endpoint="getPort"} 1`,
		`l2_api_requests_total{code="none",endpoint="createLayer2"} 1`,
		`l2_api_request_duration_seconds_bucket{endpoint="getPort",le="0.05"} 1`,
		// Label values as the README and the orders spell them.
		`l2_orders_started_total{kind="port-to-port",task_queue="l2-provisioning"} 1`,
		`l2_orders_ended_total{kind="business-to-business",outcome="dry-run"} 1`,
		// Help that says what is counted, not the name again.
		"# HELP l2_orders_started_total Orders started, by kind",
		"# HELP l2_api_requests_total Console Connect API calls, by endpoint and answer",
	}
	// The scope reports to Prometheus every second.
	var body string
	missing := wants
	for deadline := time.Now().Add(5 * time.Second); len(missing) > 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		_, body = get(t, base+"/metrics")
		missing = nil
		for _, want := range wants {
			if !strings.Contains(body, want) {
				missing = append(missing, want)
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("/metrics lacks %q:\n%s", missing, body)
	}
}

// worker -healthcheck asks the address the worker serves on, the default
// one included, and says plainly when the environment turned it off.
func TestCheckReadyAddress(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    string // in stderr
		notWant string
	}{
		{"unset: the default", map[string]string{}, "127.0.0.1:9464", "no port to check"},
		{"empty: none served", map[string]string{"WORKER_HTTP_ADDR": ""}, "WORKER_HTTP_ADDR is empty", "no port to check"},
		{"any host: loopback", map[string]string{"WORKER_HTTP_ADDR": ":1"}, "127.0.0.1:1", "no port to check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			code := checkReady(context.Background(), tt.env, &stderr)
			if tt.name == "unset: the default" && code == exitOK {
				return // a worker of this machine's own is ready there
			}
			if code != exitFailure || !strings.Contains(stderr.String(), tt.want) || strings.Contains(stderr.String(), tt.notWant) {
				t.Errorf("checkReady = %d, %q; want %d naming %q", code, stderr.String(), exitFailure, tt.want)
			}
		})
	}
}
