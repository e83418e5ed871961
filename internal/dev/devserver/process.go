package devserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
)

// Process is a dev server run as a child process with its state in a
// SQLite file, so it can be stopped, even killed, and started again on the
// same port without losing a workflow: what the chaos suite does to it.
type Process struct {
	// CLI is the Temporal CLI binary (see CLIPath).
	CLI string
	// DBFile holds the server's state across restarts.
	DBFile string
	// Port is the frontend's port on 127.0.0.1; 0 picks a free one on the
	// first Start and keeps it.
	Port int
	// Output receives what the server prints; nil discards it.
	Output io.Writer
	// ExtraArgs go to `server start-dev` (e.g. --search-attribute).
	ExtraArgs []string

	cmd  *exec.Cmd
	done chan error
}

// HostPort is the frontend's address.
func (p *Process) HostPort() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Port)) }

// Start starts the server and waits until it answers health checks.
func (p *Process) Start(ctx context.Context) error {
	if p.cmd != nil {
		return errors.New("dev server already running")
	}
	if p.Port == 0 {
		port, err := freePort()
		if err != nil {
			return err
		}
		p.Port = port
	}
	args := append([]string{"server", "start-dev", "--ip", "127.0.0.1", "--port", strconv.Itoa(p.Port),
		"--headless", "--db-filename", p.DBFile, "--log-level", "warn"}, p.ExtraArgs...)
	cmd := exec.Command(p.CLI, args...)
	out := p.Output
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the dev server: %w", err)
	}
	p.cmd, p.done = cmd, make(chan error, 1)
	go func() { p.done <- cmd.Wait() }()
	return p.waitHealthy(ctx)
}

// waitHealthy dials until the frontend answers, or the process dies.
func (p *Process) waitHealthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for {
		dialCtx, dialCancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := client.DialContext(dialCtx, client.Options{HostPort: p.HostPort(), Logger: quietLogger{}})
		dialCancel()
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case err := <-p.done:
			p.cmd = nil
			return fmt.Errorf("dev server exited while starting: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("dev server on %s not healthy: %w", p.HostPort(), ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Stop stops the server: with SIGTERM, or with SIGKILL when kill is true
// (a crash). It waits for the process to exit.
func (p *Process) Stop(kill bool) error {
	if p.cmd == nil {
		return nil
	}
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	p.cmd = nil
	return nil
}

// freePort asks the kernel for a port nobody listens on.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// quietLogger drops the SDK's lines while health checks retry.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
