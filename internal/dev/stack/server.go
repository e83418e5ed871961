package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
)

// serverPorts are the env variables of the configuration file naming a
// port; each gets a free one, kept across restarts.
var serverPorts = []string{
	"FRONTEND_GRPC_PORT", "FRONTEND_HTTP_PORT", "FRONTEND_MEMBERSHIP_PORT",
	"HISTORY_GRPC_PORT", "HISTORY_MEMBERSHIP_PORT",
	"MATCHING_GRPC_PORT", "MATCHING_MEMBERSHIP_PORT",
	"WORKER_GRPC_PORT", "WORKER_MEMBERSHIP_PORT",
}

// Server is bin/temporal-server run from ConfigFile as a child process,
// every service in one process, so that it can be killed and started again
// on the same ports and database.
type Server struct {
	Binary string
	// Root is the module root; the configuration is Root/ConfigFile.
	Root string
	// Env are the configuration's variables (database, ports); Ports fills
	// the port ones.
	Env map[string]string
	// Output receives what the server prints; nil discards it.
	Output io.Writer

	cmd  *exec.Cmd
	done chan error
}

// HostPort is the frontend's gRPC address.
func (s *Server) HostPort() string {
	return net.JoinHostPort("127.0.0.1", s.Env["FRONTEND_GRPC_PORT"])
}

// pickPorts gives every port variable not set yet a free port.
func (s *Server) pickPorts() error {
	for _, name := range serverPorts {
		if s.Env[name] != "" {
			continue
		}
		port, err := freeLowPort()
		if err != nil {
			return err
		}
		s.Env[name] = strconv.Itoa(port)
	}
	return nil
}

// Start starts the server and waits until its frontend answers.
func (s *Server) Start(ctx context.Context) error {
	if s.cmd != nil {
		return errors.New("temporal server already running")
	}
	if err := s.pickPorts(); err != nil {
		return err
	}
	env := strings.TrimSuffix(filepath.Base(ConfigFile), ".yaml")
	cmd := exec.Command(s.Binary, "--root", s.Root, "--config", filepath.Dir(ConfigFile), "--env", env, "start")
	cmd.Env = os.Environ()
	for k, v := range s.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out := s.Output
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group: a Ctrl-C reaches it through Stop, in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the temporal server: %w", err)
	}
	s.cmd, s.done = cmd, make(chan error, 1)
	go func() { s.done <- cmd.Wait() }()
	return s.waitHealthy(ctx)
}

// waitHealthy dials until the frontend answers, or the process dies.
func (s *Server) waitHealthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	for {
		dialCtx, dialCancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := client.DialContext(dialCtx, client.Options{HostPort: s.HostPort(), Logger: quietLogger{}})
		if err == nil {
			_, err = c.CheckHealth(dialCtx, &client.CheckHealthRequest{})
			c.Close()
		}
		dialCancel()
		if err == nil {
			return nil
		}
		select {
		case err := <-s.done:
			s.cmd = nil
			return fmt.Errorf("temporal server exited while starting: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("temporal server on %s not healthy: %w", s.HostPort(), ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Stop stops the server: SIGTERM, or SIGKILL when kill is true (a crash);
// it waits for the process to exit.
func (s *Server) Stop(kill bool) {
	if s.cmd == nil {
		return
	}
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// FreePort asks the kernel for a port nobody listens on.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// freeLowPort finds a free port below 32768: the server records its
// services' ports in a smallint column (cluster_membership.rpc_port), and
// the kernel's own free ports (FreePort) are above it.
func freeLowPort() (int, error) {
	for range 200 {
		port := 20000 + rand.IntN(12000)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue // taken
		}
		_ = l.Close()
		return port, nil
	}
	return 0, errors.New("finding a free port below 32768: 200 tries, all taken")
}

// quietLogger drops the SDK's lines while health checks retry.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}

// Pid is the running server's process id (0 when it is not running).
func (s *Server) Pid() int {
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}
