// Package devserver runs a Temporal dev server (the Temporal CLI's
// `server start-dev`) for end-to-end tests.
//
// The CLI binary is $TEMPORAL_CLI_PATH, or bin/temporal under the module
// root, which the first test that needs it builds with
// scripts/install-temporal.sh, as `make test` does, so that `go test ./...`
// works on a fresh clone. A binary that cannot be had fails the test:
// end-to-end tests must not silently turn into skips.
//
// Start gives one test its own server. A package whose tests share one
// server starts it in TestMain with StartMain, or lazily with Shared. The
// server's own output is kept in memory and shown only when a test fails.
package devserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/cc-l2/provisioner/internal/logging"
	"github.com/cc-l2/provisioner/workflows"
)

// CLIPathEnv overrides where the Temporal CLI is.
const CLIPathEnv = "TEMPORAL_CLI_PATH"

// startTimeout bounds how long the server may take to answer; a cold start
// on a small CI machine takes a few seconds.
const startTimeout = 2 * time.Minute

// Server is a running dev server.
type Server struct {
	// HostPort is the frontend's gRPC address, e.g. 127.0.0.1:41234.
	HostPort string
	// Namespace is registered and ready.
	Namespace string

	dev  *testsuite.DevServer
	logs *SyncBuffer
}

// CLIPath returns the Temporal CLI to run: $TEMPORAL_CLI_PATH, or
// <module root>/bin/temporal, built first if it is not there (see the
// package comment). It fails when the file cannot be had.
func CLIPath() (string, error) {
	path := os.Getenv(CLIPathEnv)
	if path == "" {
		root, err := ModuleRoot()
		if err != nil {
			return "", err
		}
		install := exec.Command(filepath.Join(root, "scripts", "install-temporal.sh"))
		install.Stdout, install.Stderr = os.Stderr, os.Stderr
		if err := install.Run(); err != nil {
			return "", fmt.Errorf("building the Temporal CLI with scripts/install-temporal.sh: %w", err)
		}
		path = filepath.Join(root, "bin", "temporal")
	}
	info, err := os.Stat(path)
	if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		return "", fmt.Errorf("Temporal CLI not found at %s: run scripts/install-temporal.sh", path)
	}
	return path, nil
}

// ModuleRoot walks up from the working directory (a test runs in its
// package's directory) to the directory holding go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("finding the module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// SearchAttributeArgs are the `server start-dev` flags that register the
// orders' search attributes (workflows.SearchAttributes).
func SearchAttributeArgs() []string {
	var args []string
	for _, a := range workflows.SearchAttributes() {
		args = append(args, "--search-attribute", a.Name+"="+a.Type)
	}
	return args
}

// StartMain starts a server outside any test, for TestMain. stop shuts it
// down; call it after m.Run. On failure the error carries the server's output.
func StartMain() (srv *Server, stop func(), err error) {
	path, err := CLIPath()
	if err != nil {
		return nil, nil, err
	}
	logs := &SyncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	dev, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: path,
		ClientOptions: &client.Options{
			Namespace: "default",
			Logger:    logging.Temporal(bufferLogger(logs)),
		},
		LogLevel:  "warn",
		ExtraArgs: SearchAttributeArgs(),
		Stdout:    logs,
		Stderr:    logs,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("starting Temporal dev server %s: %w\n%s", path, err, logs.String())
	}
	srv = &Server{HostPort: dev.FrontendHostPort(), Namespace: "default", dev: dev, logs: logs}
	return srv, func() { _ = srv.stop() }, nil
}

// Start starts a server for t alone and stops it when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	srv, stop, err := StartMain()
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Temporal dev server output:\n%s", srv.Logs())
		}
		stop()
	})
	return srv
}

// Shared starts one server on first use and lets every test of a package
// share it. Keep it in a package variable and stop it from TestMain:
//
//	var temporal devserver.Shared
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		temporal.Stop()
//		os.Exit(code)
//	}
type Shared struct {
	once sync.Once
	srv  *Server
	stop func()
	err  error
}

// Get returns the shared server, starting it if this is the first call.
func (s *Shared) Get(t testing.TB) *Server {
	t.Helper()
	s.once.Do(func() { s.srv, s.stop, s.err = StartMain() })
	if s.err != nil {
		t.Fatalf("%v", s.err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Temporal dev server output so far:\n%s", s.srv.Logs())
		}
	})
	return s.srv
}

// Stop stops the shared server if it was started.
func (s *Shared) Stop() {
	if s.stop != nil {
		s.stop()
	}
}

// Client dials a new client for t, closed when t ends. The SDK's log lines
// are shown only if t fails.
func (s *Server) Client(t testing.TB) client.Client {
	t.Helper()
	logs := &SyncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  s.HostPort,
		Namespace: s.Namespace,
		Logger:    logging.Temporal(bufferLogger(logs)),
	})
	if err != nil {
		t.Fatalf("dialing the dev server at %s: %v", s.HostPort, err)
	}
	t.Cleanup(func() {
		c.Close()
		if t.Failed() && logs.Len() > 0 {
			t.Logf("Temporal client log:\n%s", logs.String())
		}
	})
	return c
}

// Logs returns what the server printed so far.
func (s *Server) Logs() string { return s.logs.String() }

func (s *Server) stop() error {
	s.dev.Client().Close()
	if err := s.dev.Stop(); err != nil {
		// The CLI exits non-zero when interrupted; that is how it stops.
		var exitErr interface{ ExitCode() int }
		if !errors.As(err, &exitErr) {
			return fmt.Errorf("stopping the dev server: %w", err)
		}
	}
	return nil
}

// bufferLogger logs at info and above into buf, in the console format.
func bufferLogger(buf *SyncBuffer) *zap.Logger {
	enc := zap.NewDevelopmentEncoderConfig()
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(buf), zapcore.InfoLevel)
	return zap.New(core)
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers (a child
// process's output copier, SDK goroutines) while a test reads it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *SyncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}
