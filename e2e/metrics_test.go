package e2e_test

import (
	"bufio"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cc-l2/provisioner/workflows"
)

// monitoringAddr is where a worker serves /metrics: it listens on a free
// port and says which in its log.
func monitoringAddr(t *testing.T, w *workerProcess) string {
	t.Helper()
	re := regexp.MustCompile(`monitoring on /metrics.*"addr": "([^"]+)"`)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if m := re.FindStringSubmatch(w.out.String()); m != nil {
			return m[1]
		}
	}
	t.Fatal("the worker never said where it serves /metrics")
	return ""
}

func scrape(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// metric sums the samples of a metric whose labels include every one given.
func metric(body, name string, labels ...string) float64 {
	var sum float64
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		match := true
		for _, l := range labels {
			match = match && strings.Contains(line, l)
		}
		if i := strings.LastIndexByte(line, ' '); match && i > 0 {
			v, _ := strconv.ParseFloat(line[i+1:], 64)
			sum += v
		}
	}
	return sum
}

// The worker's /metrics moves as orders do, and it says it is ready.
func TestMetricsFollowTheOrders(t *testing.T) {
	need(t)
	base := "http://" + monitoringAddr(t, shared)
	if code, _ := scrape(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz %d", code)
	}
	if code, body := scrape(t, base+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz %d: %s", code, body)
	}
	_, before := scrape(t, base+"/metrics")

	c := env.temporal.Client(t)
	if res, err := result(t, start(t, c, p2pOrder("E2E-METRICS"))); err != nil || res.Stage != workflows.StageActive {
		t.Fatalf("order: %+v, %v", res, err)
	}

	type series struct {
		name   string
		labels []string
	}
	moved := []series{
		{"l2_orders_started_total", []string{`kind="port-to-port"`}},
		{"l2_orders_ended_total", []string{`kind="port-to-port"`, `outcome="active"`}},
		{"l2_puts_total", []string{`result="sent"`}},
		{"l2_api_requests_total", []string{`endpoint="createLayer2"`, `code="200"`}},
		{"l2_api_requests_total", []string{`endpoint="getConnection"`}},
		{"l2_api_request_duration_seconds_count", []string{`endpoint="getPort"`}},
		{"l2_time_to_active_seconds_count", []string{`kind="port-to-port"`}},
		{"temporal_workflow_completed_total", nil},
	}
	// The scope reports every second; Prometheus then has it.
	var after string
	var stuck []series
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, after = scrape(t, base+"/metrics")
		stuck = nil
		for _, s := range moved {
			if metric(after, s.name, s.labels...) <= metric(before, s.name, s.labels...) {
				stuck = append(stuck, s)
			}
		}
		if len(stuck) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, s := range stuck {
		t.Errorf("%s%v did not move: %v before, %v after", s.name, s.labels, metric(before, s.name, s.labels...), metric(after, s.name, s.labels...))
	}
	if !strings.Contains(after, "l2_orders_awaiting{") {
		t.Error("no l2_orders_awaiting gauge")
	}
}
