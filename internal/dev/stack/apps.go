package stack

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/cc-l2/provisioner/internal/dev/devserver"
)

// SimKey is the simulator's API key on the stack.
const SimKey = "sim-stack-key"

// Apps are the project's own processes on a stack: the simulator and the
// workers, built from this checkout.
type Apps struct {
	SimAddr string
	Workers []*Process
	Sim     *Process

	binDir string
	env    []string
}

// Process is one child process and its log.
type Process struct {
	Name string
	// HTTPAddr is a worker's /metrics, /healthz and /readyz.
	HTTPAddr string
	Cmd      *exec.Cmd
	done     chan struct{}
	log      *os.File
}

// Build builds the worker, the starter and the simulator into dir.
func Build(dir string) error {
	root, err := devserver.ModuleRoot()
	if err != nil {
		return err
	}
	build := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./cmd/worker", "./cmd/starter", "./cmd/ccapi-sim")
	build.Dir = root
	if msg, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building the worker, starter and simulator: %v\n%s", err, msg)
	}
	return nil
}

// TaskQueue is the workers' task queue on the stack (the worker's default).
const TaskQueue = "l2-provisioning"

// StartApps starts the simulator (binaries in binDir, see Build) and
// workers workers on the stack, each with its own HTTP port and log in
// s.Dir. env adds to or overrides the workers' settings.
func (s *Stack) StartApps(ctx context.Context, binDir string, workers int, env []string) (*Apps, error) {
	a := &Apps{binDir: binDir, env: env}
	if err := s.startSimulator(ctx, a); err != nil {
		return a, err
	}
	for range workers {
		if _, err := s.AddWorker(a); err != nil {
			return a, err
		}
	}
	return a, nil
}

func (s *Stack) startSimulator(ctx context.Context, a *Apps) error {
	simPort, err := FreePort()
	if err != nil {
		return err
	}
	a.SimAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(simPort))
	a.Sim, err = s.startProcess("ccapi-sim", filepath.Join(a.binDir, "ccapi-sim"), nil,
		"-addr", a.SimAddr, "-api-key", SimKey, "-activation-delay", "4s", "-auto-approve-delay", "3s")
	if err != nil {
		return err
	}
	for deadline := time.Now().Add(time.Minute); ; {
		conn, err := net.DialTimeout("tcp", a.SimAddr, time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("the simulator did not come up on %s", a.SimAddr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// AddWorker starts one more worker on the stack, named worker-N.
func (s *Stack) AddWorker(a *Apps) (*Process, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	httpAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	env := append([]string{
		// No profile of the developer's own Temporal configuration.
		"TEMPORAL_CONFIG_FILE=" + os.DevNull,
		"TEMPORAL_ADDRESS=" + s.HostPort(),
		"TEMPORAL_NAMESPACE=" + s.Namespace,
		"TEMPORAL_TASK_QUEUE=" + TaskQueue,
		"CC_API_BASE_URL=http://" + a.SimAddr,
		"CC_API_KEY=" + SimKey,
		"WORKER_HTTP_ADDR=" + httpAddr,
		"POLL_INITIAL=1s", "POLL_MAX=5s", "LOG_FORMAT=console",
	}, a.env...)
	w, err := s.startProcess(fmt.Sprintf("worker-%d", len(a.Workers)+1), filepath.Join(a.binDir, "worker"), env)
	if err != nil {
		return nil, err
	}
	w.HTTPAddr = httpAddr
	a.Workers = append(a.Workers, w)
	return w, nil
}

func (s *Stack) startProcess(name, binary string, env []string, args ...string) (*Process, error) {
	log, err := s.logFile(name + ".log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &Process{Name: name, Cmd: cmd, done: make(chan struct{}), log: log}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

// Stop stops the process with SIGTERM (SIGKILL after 40 s).
func (p *Process) Stop() {
	if p == nil {
		return
	}
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		_ = p.Cmd.Process.Kill()
		<-p.done
	}
}

// Log is the process's log file.
func (p *Process) Log() string { return p.log.Name() }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop stops the workers first (they stop polling a live server), then the
// simulator.
func (a *Apps) Stop() {
	if a == nil {
		return
	}
	for _, w := range a.Workers {
		w.Stop()
	}
	a.Sim.Stop()
}
