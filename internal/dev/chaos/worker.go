package chaos

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/cc-l2/provisioner/internal/dev/devserver"
)

// BuildWorker builds the worker binary into dir and returns its path.
func BuildWorker(dir string) (string, error) {
	root, err := devserver.ModuleRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "worker")
	build := exec.Command("go", "build", "-o", out, "./cmd/worker")
	build.Dir = root
	if msg, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the worker: %v\n%s", err, msg)
	}
	return out, nil
}

// workerSupervisor keeps one worker process running, as a process
// manager would: after a kill it starts a new one after a short pause.
type workerSupervisor struct {
	binary string
	env    []string
	log    *os.File

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd exits
	stopped bool
	kills   int
	pids    []int      // every process it started, for telling whose work is whose
	rng     *rand.Rand // pauses before a restart
}

func (s *workerSupervisor) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd := exec.Command(s.binary)
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the worker: %w", err)
	}
	exited := make(chan struct{})
	s.cmd, s.exited = cmd, exited
	s.pids = append(s.pids, cmd.Process.Pid)
	go func() {
		_ = cmd.Wait()
		close(exited)
		s.restartAfterExit(cmd)
	}()
	return nil
}

// restartAfterExit starts a replacement for cmd unless the run is over.
func (s *workerSupervisor) restartAfterExit(cmd *exec.Cmd) {
	s.mu.Lock()
	if s.stopped || s.cmd != cmd {
		s.mu.Unlock()
		return
	}
	pause := time.Duration(200+s.rng.IntN(1300)) * time.Millisecond
	s.mu.Unlock()
	time.Sleep(pause)
	for {
		s.mu.Lock()
		stopped := s.stopped
		s.mu.Unlock()
		if stopped || s.start() == nil {
			return
		}
		time.Sleep(time.Second)
	}
}

// kill crashes the worker (SIGKILL) and waits until it is gone.
func (s *workerSupervisor) kill() bool {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	if s.stopped || cmd == nil || cmd.ProcessState != nil {
		s.mu.Unlock()
		return false
	}
	s.kills++
	s.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-exited
	return true
}

// killCount is how many times it was killed.
func (s *workerSupervisor) killCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kills
}

// processes lists the pids of every process it started.
func (s *workerSupervisor) processes() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.pids)
}

// running reports whether a worker process is up now.
func (s *workerSupervisor) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.exited:
		return false
	default:
		return s.cmd != nil
	}
}

// stop ends supervision and the worker, gracefully.
func (s *workerSupervisor) stop() {
	s.mu.Lock()
	s.stopped = true
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}
