package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cc-l2/provisioner/internal/config"
	"github.com/cc-l2/provisioner/internal/dev/devserver"
	"github.com/cc-l2/provisioner/workflows"
)

func TestEveryVariableIsDescribed(t *testing.T) {
	vars, err := config.Variables(&Config{})
	if err != nil {
		t.Fatalf("%v", err)
	}
	for _, v := range vars {
		if len(v.Description) == 0 {
			t.Fatalf("%s has no description", v.Name)
		}
	}
}

// TestRunPollsAndStopsCleanly starts the worker against a dev server, waits
// until it polls both the workflow and the activity queue, then cancels the
// context as SIGTERM would and expects exit 0.
func TestRunPollsAndStopsCleanly(t *testing.T) {
	srv := devserver.Start(t)
	c := srv.Client(t)
	const taskQueue = "worker-run-test"
	environ := []string{
		"TEMPORAL_CONFIG_FILE=" + os.DevNull, // no profile of the developer's own
		"TEMPORAL_ADDRESS=" + srv.HostPort,
		"TEMPORAL_NAMESPACE=" + srv.Namespace,
		"TEMPORAL_TASK_QUEUE=" + taskQueue,
		"CC_API_KEY=" + testKey,
		"CC_API_BASE_URL=http://127.0.0.1:1",
		"WORKER_SHUTDOWN_TIMEOUT=2s",
		"WORKER_HTTP_ADDR=127.0.0.1:0",
		"LOG_LEVEL=debug",
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr devserver.SyncBuffer
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, nil, environ, &stdout, &stderr) }()

	pollers := func(kind enumspb.TaskQueueType) int {
		resp, err := c.WorkflowService().DescribeTaskQueue(context.Background(), &workflowservice.DescribeTaskQueueRequest{
			Namespace:     srv.Namespace,
			TaskQueue:     &taskqueue.TaskQueue{Name: taskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
			TaskQueueType: kind,
		})
		if err != nil {
			return 0
		}
		return len(resp.GetPollers())
	}
	for deadline := time.Now().Add(30 * time.Second); pollers(enumspb.TASK_QUEUE_TYPE_WORKFLOW) == 0 || pollers(enumspb.TASK_QUEUE_TYPE_ACTIVITY) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("worker never polled; log:\n%s", stderr.String())
		}
	}

	stopAsked := time.Now()
	cancel()
	select {
	case code := <-exit:
		if got, want := code, exitOK; got != want {
			t.Fatalf("code = %v, want %v (%v)", got, want, "log:\n"+stderr.String())
		}
		t.Logf("worker stopped %v after cancel", time.Since(stopAsked))
	case <-time.After(30 * time.Second):
		t.Fatalf("worker did not stop; log:\n%s", stderr.String())
	}

	log := stderr.String()
	if len(stdout.String()) != 0 {
		t.Fatalf("stdout.String() = %v, want it empty", stdout.String())
	}
	if s, sub := log, testKey; strings.Contains(s, sub) {
		t.Fatalf("%q contains %q", s, sub)
	}
	if s, sub := log, `"msg":"worker starting"`; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
	if s, sub := log, `"CC_API_KEY":"[redacted]"`; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
	if s, sub := log, `"TEMPORAL_TASK_QUEUE":"`+taskQueue+`"`; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
	if s, sub := log, `"msg":"worker stopped"`; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
	// SDK lines come through the same JSON logger.
	if !strings.Contains(log, `"msg":"Started Worker"`) {
		t.Fatalf("no SDK line in log:\n%s", log)
	}
}

func TestRunUnreachableTemporal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout, stderr devserver.SyncBuffer
	code := run(ctx, nil, []string{"CC_API_KEY=" + testKey, "TEMPORAL_CONFIG_FILE=" + os.DevNull, "TEMPORAL_ADDRESS=127.0.0.1:1", "WORKER_HTTP_ADDR="}, &stdout, &stderr)
	if got, want := code, exitFailure; got != want {
		t.Fatalf("code = %v, want %v", got, want)
	}
	if s, sub := stderr.String(), "127.0.0.1:1"; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
	if s, sub := stderr.String(), testKey; strings.Contains(s, sub) {
		t.Fatalf("%q contains %q", s, sub)
	}
}

// TestShutdownLetsRunningActivitiesFinish cancels the worker while an
// activity is inside a Console Connect API call and checks that the call
// is allowed to complete (WORKER_SHUTDOWN_TIMEOUT) instead of being cut.
func TestShutdownLetsRunningActivitiesFinish(t *testing.T) {
	const callTime = 1500 * time.Millisecond
	type call struct{ cut bool }
	inCall := make(chan struct{}, 1)
	calls := make(chan call, 16)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case inCall <- struct{}{}:
		default:
		}
		select {
		case <-time.After(callTime):
			calls <- call{cut: false}
			w.WriteHeader(http.StatusServiceUnavailable)
		case <-r.Context().Done():
			calls <- call{cut: true}
		}
	}))
	defer api.Close()

	srv := devserver.Start(t)
	c := srv.Client(t)
	const taskQueue = "worker-shutdown-test"
	environ := []string{
		"TEMPORAL_CONFIG_FILE=" + os.DevNull, // no profile of the developer's own
		"TEMPORAL_ADDRESS=" + srv.HostPort,
		"TEMPORAL_TASK_QUEUE=" + taskQueue,
		"CC_API_KEY=" + testKey,
		"CC_API_BASE_URL=" + api.URL,
		"WORKER_SHUTDOWN_TIMEOUT=10s",
		"WORKER_HTTP_ADDR=127.0.0.1:0",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr devserver.SyncBuffer
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, nil, environ, &stdout, &stderr) }()

	startCtx, startCancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer startCancel()
	order := workflows.Order{OrderID: "SHUTDOWN1", Company: "acme", PortID: "p1", DestPortID: "p2", SpeedMbps: 100}
	_, err := c.ExecuteWorkflow(startCtx, client.StartWorkflowOptions{ID: workflows.WorkflowID(order.OrderID), TaskQueue: taskQueue},
		workflows.WorkflowName, workflows.Input{Order: order})
	if err != nil {
		t.Fatalf("%v", err)
	}

	select {
	case <-inCall:
	case <-time.After(30 * time.Second):
		t.Fatalf("no activity called the API; log:\n%s", stderr.String())
	}
	cancel() // SIGTERM
	select {
	case code := <-exit:
		if got, want := code, exitOK; got != want {
			t.Fatalf("code = %v, want %v (%v)", got, want, "log:\n"+stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("worker did not stop; log:\n%s", stderr.String())
	}
	first := <-calls
	if first.cut {
		t.Fatal("the running API call was cut short by shutdown")
	}
}

func TestVersion(t *testing.T) {
	var stdout, stderr strings.Builder
	code := run(context.Background(), []string{"-version"}, nil, &stdout, &stderr)
	if code != exitOK || !strings.HasPrefix(stdout.String(), "worker ") || !strings.Contains(stdout.String(), "go1.") {
		t.Errorf("worker -version: %d %q %q", code, stdout.String(), stderr.String())
	}
}
