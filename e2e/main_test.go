package e2e_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"github.com/cc-l2/provisioner/ccapi"
	"github.com/cc-l2/provisioner/ccapi/ccapisim"
	"github.com/cc-l2/provisioner/internal/dev/devserver"
)

// record re-records workflows/testdata/histories from these runs.
var record = flag.Bool("record", false, "write each run's history to workflows/testdata/histories")

const (
	simKey         = "e2e-sim-key-91f0c2"
	callbackSecret = "e2e-callback-secret-3b7d"
	taskQueue      = "e2e"
	// extraPorts makes acme a company with hundreds of ports, as real ones
	// are, so every test also shows that histories stay small.
	extraPorts = 500
)

// suite is what every test shares: one dev server, one simulator, the
// built binaries and one worker process.
type suite struct {
	temporal *devserver.Server
	sim      *ccapisim.Server
	simURL   string
	api      *ccapi.Client // the simulator, as any company (one key sees all)
	bin      string        // directory holding worker and starter
	root     string        // module root
	figures  *os.File      // measurements, see figure
}

var env suite

// The suite is started by the first test that needs it (need), so that a
// -run filter that selects none of them starts nothing and stops nothing.
var (
	setupOnce sync.Once
	setupErr  error
	teardown  []func() // in reverse order of start
	shared    *workerProcess
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if shared != nil {
		code = stopSharedWorker(code)
		code = scanForSecrets(code)
	}
	for i := len(teardown) - 1; i >= 0; i-- {
		teardown[i]()
	}
	os.Exit(code)
}

// need starts the shared dev server, simulator, binaries and worker on
// first use.
func need(t *testing.T) {
	t.Helper()
	setupOnce.Do(func() { setupErr = startSuite() })
	if setupErr != nil {
		t.Fatalf("starting the end-to-end suite: %v", setupErr)
	}
}

func startSuite() error {
	srv, stop, err := devserver.StartMain()
	if err != nil {
		return err
	}
	teardown = append(teardown, stop)
	env.temporal = srv

	fx := ccapisim.DefaultFixture()
	for i := range extraPorts {
		fx.Ports = append(fx.Ports, ccapisim.Port{
			ID: fmt.Sprintf("602%021d", i), Company: "acme", Name: fmt.Sprintf("ACME-BULK-%03d", i),
			Status: "ACTIVE", SpeedMbps: 1000, MetroID: "5d1000000000000000000001", DCFID: "5f10000000000000000000a1",
			SupportedServices: []string{"L2"}, VLANRanges: []ccapisim.VLANRange{{Start: 100, End: 200}},
		})
	}
	env.sim = ccapisim.New(fx, ccapisim.Options{
		APIKey: simKey, ActivationDelay: time.Second, AutoApproveDelay: 500 * time.Millisecond, Seed: 42,
	})
	simSrv := httptest.NewServer(env.sim)
	teardown = append(teardown, simSrv.Close)
	env.simURL = simSrv.URL
	if env.api, err = ccapi.NewClient(simSrv.URL, simKey, nil); err != nil {
		return err
	}

	if env.root, err = devserver.ModuleRoot(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(env.root, ".data"), 0o755); err != nil {
		return err
	}
	if env.figures, err = os.Create(filepath.Join(env.root, ".data", "e2e-figures.txt")); err != nil {
		return err
	}
	teardown = append(teardown, func() { env.figures.Close() })
	if env.bin, err = os.MkdirTemp("", "e2e-bin-"); err != nil {
		return err
	}
	teardown = append(teardown, func() { os.RemoveAll(env.bin) })
	build := exec.Command("go", "build", "-o", env.bin+string(filepath.Separator), "./cmd/worker", "./cmd/starter")
	build.Dir = env.root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building the binaries: %v\n%s", err, out)
	}
	shared, err = startWorkerProcess(taskQueue)
	return err
}

// stopSharedWorker stops the shared worker and checks what it logged.
func stopSharedWorker(code int) int {
	if err := shared.stop(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: worker did not stop cleanly:", err)
		code = 1
	}
	// The worker logged every call it made to the API: never with the key.
	if strings.Contains(shared.out.String(), simKey) {
		fmt.Fprintln(os.Stderr, "e2e: the Console Connect API key appears in the worker's log")
		code = 1
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- shared worker output:\n%s\n", shared.out.String())
	}
	return code
}

// scanForSecrets reads, once every test has run, every history and log
// of the suite for every secret it configures (secretLeaks).
func scanForSecrets(code int) int {
	c, err := client.Dial(client.Options{HostPort: env.temporal.HostPort, Namespace: env.temporal.Namespace, Logger: log.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: secret scan:", err)
		return 1
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	leaks, histories, err := secretLeaks(ctx, c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: secret scan:", err)
		return 1
	}
	for _, leak := range leaks {
		fmt.Fprintln(os.Stderr, "e2e: a secret is out:", leak)
	}
	if len(leaks) > 0 {
		return 1
	}
	fmt.Fprintf(env.figures, "secret scan of the whole suite: %d secrets, %d histories, every log: none found\n", len(suiteSecrets), histories)
	return code
}

// workerEnv is the environment of a worker process talking to the suite's
// dev server and simulator, polling fast so tests finish quickly.
func workerEnv(queue string) []string {
	return append(os.Environ(),
		// No profile of the developer's own Temporal configuration.
		"TEMPORAL_CONFIG_FILE="+os.DevNull,
		"TEMPORAL_ADDRESS="+env.temporal.HostPort,
		"TEMPORAL_NAMESPACE="+env.temporal.Namespace,
		"TEMPORAL_TASK_QUEUE="+queue,
		"CC_API_BASE_URL="+env.simURL,
		"CC_API_KEY="+simKey,
		"CC_API_TIMEOUT=5s",
		"POLL_INITIAL=200ms",
		"POLL_MAX=1s",
		"WORKER_SHUTDOWN_TIMEOUT=5s",
		"LOG_FORMAT=console",
		"LOG_LEVEL=info",
		"WORKER_HTTP_ADDR=127.0.0.1:0",
		"CALLBACK_SECRET="+callbackSecret,
		"CALLBACK_ALLOWED_HOSTS=127.0.0.1",
	)
}

// workerProcess is a running worker binary.
type workerProcess struct {
	cmd  *exec.Cmd
	out  *devserver.SyncBuffer
	done chan error
}

// startWorkerProcess starts a worker binary polling queue; extraEnv
// (NAME=value) adds to or overrides workerEnv.
func startWorkerProcess(queue string, extraEnv ...string) (*workerProcess, error) {
	w := &workerProcess{out: &devserver.SyncBuffer{}, done: make(chan error, 1)}
	w.cmd = exec.Command(filepath.Join(env.bin, "worker"))
	w.cmd.Env = append(workerEnv(queue), extraEnv...)
	w.cmd.Stdout, w.cmd.Stderr = w.out, w.out
	if err := w.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the worker: %w", err)
	}
	keepLog(fmt.Sprintf("worker %d on %s", w.cmd.Process.Pid, queue), w.out.String)
	go func() { w.done <- w.cmd.Wait() }()
	return w, nil
}

// workerFor starts a worker of its own on queue for one test, with env
// added to the usual, and stops it when the test ends, failing the test
// if it does not stop cleanly.
func workerFor(t *testing.T, queue string, env ...string) *workerProcess {
	t.Helper()
	w, err := startWorkerProcess(queue, env...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.stop(); err != nil {
			t.Errorf("worker on %s: %v\n%s", queue, err, w.out.String())
		}
	})
	return w
}

// stop asks the worker to shut down as an operator would (SIGTERM) and
// expects exit code 0.
func (w *workerProcess) stop() error {
	if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-w.done:
		return err
	case <-time.After(30 * time.Second):
		_ = w.cmd.Process.Kill()
		return fmt.Errorf("worker still running 30s after SIGTERM")
	}
}

// kill ends the worker abruptly, as a crash or a lost machine would.
func (w *workerProcess) kill() {
	_ = w.cmd.Process.Kill()
	<-w.done
}

// starter runs the starter binary against the suite's dev server and
// returns its standard output and exit code.
func starter(t *testing.T, stdin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(env.bin, "starter"), args...)
	cmd.Env = append(os.Environ(),
		"TEMPORAL_CONFIG_FILE="+os.DevNull,
		"TEMPORAL_ADDRESS="+env.temporal.HostPort,
		"TEMPORAL_NAMESPACE="+env.temporal.Namespace,
		"TEMPORAL_TASK_QUEUE="+taskQueue,
	)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	go func() {
		<-ctx.Done()
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
	}()
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("running starter %v: %v", args, err)
	}
	if stderr.Len() > 0 {
		t.Logf("starter %v stderr:\n%s", args, stderr.String())
	}
	out := stdout.String() + stderr.String()
	keepLog(fmt.Sprintf("starter %v (%s)", args, t.Name()), func() string { return out })
	return stdout.String(), code
}
