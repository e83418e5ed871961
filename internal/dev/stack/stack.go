// Package stack runs the production deployment of docker-compose.yml on
// this machine without Docker: a private PostgreSQL cluster, the pinned
// Temporal server (bin/temporal-server, built from the Go module proxy at
// the version of scripts/stack.env) on it with SQL visibility, from the
// very configuration file compose mounts (deploy/temporal/production.yaml),
// its schemas created and migrated by compose's own schema job script, and
// the namespace and search attributes registered by compose's own
// namespace job script. `make stack` (cmd/stack) adds the simulator and two
// workers; the chaos suite and the bench can run on it instead of the dev
// server.
package stack

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cc-l2/provisioner/internal/dev/devserver"
	"github.com/cc-l2/provisioner/workflows"
)

// Options say where the stack keeps its state.
type Options struct {
	// Dir holds the PostgreSQL cluster (Dir/postgres, new every Start) and
	// the logs. As root its parents must be enterable by the postgres user.
	Dir string
	// Namespace to register; "default" when empty.
	Namespace string
	// Progress receives a line per step; nil for none.
	Progress io.Writer
}

// Stack is a running stack.
type Stack struct {
	DB        *Postgres
	Server    *Server
	Namespace string
	Version   string
	// Dir holds the logs: temporal.log, jobs.log, postgres/postgresql.log.
	Dir string

	root, cli string
	compose   *Compose
	progress  io.Writer
	logs      []*os.File
}

// HostPort is the Temporal frontend's address.
func (s *Stack) HostPort() string { return s.Server.HostPort() }

// Start builds what is missing and starts PostgreSQL and the Temporal
// server, creates the schemas and registers the namespace. It fails with
// ErrNoPostgres (wrapped) when this machine has no PostgreSQL. Stop it with
// Stop, also after an error.
func Start(ctx context.Context, opts Options) (s *Stack, err error) {
	root, err := devserver.ModuleRoot()
	if err != nil {
		return nil, err
	}
	pgBin, err := FindPostgres()
	if err != nil {
		return nil, err
	}
	s = &Stack{Dir: opts.Dir, Namespace: opts.Namespace, root: root, progress: opts.Progress}
	if s.Namespace == "" {
		s.Namespace = "default"
	}
	if s.progress == nil {
		s.progress = io.Discard
	}
	if s.Version, err = ServerVersion(root); err != nil {
		return nil, err
	}
	s.step("building Temporal server %s and its SQL tool into bin/ (once)", s.Version)
	serverBin, _, err := InstallServer(root)
	if err != nil {
		return nil, err
	}
	if s.cli, err = devserver.CLIPath(); err != nil {
		return nil, err
	}
	schemaDir, err := SchemaDir(s.Version)
	if err != nil {
		return nil, err
	}
	if s.compose, err = LoadCompose(ctx, root); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, err
	}
	jobs, err := s.logFile("jobs.log")
	if err != nil {
		return nil, err
	}

	// PostgreSQL, as compose's postgresql service: user and password from it.
	pgEnv, err := s.compose.Env("postgresql")
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	s.DB = &Postgres{BinDir: pgBin, Dir: filepath.Join(s.Dir, "postgres"), Port: port,
		User: pgEnv["POSTGRES_USER"], Password: pgEnv["POSTGRES_PASSWORD"], Output: jobs}
	_ = s.DB.Stop(ctx, "immediate") // one left behind by a killed run
	if err := os.RemoveAll(s.DB.Dir); err != nil {
		return nil, err
	}
	s.step("starting PostgreSQL on 127.0.0.1:%d (%s)", port, s.DB.Dir)
	if err := s.DB.Init(ctx); err != nil {
		return s, err
	}
	if err := s.DB.Start(ctx); err != nil {
		return s, err
	}

	s.step("creating and migrating the temporal and temporal_visibility schemas (compose's %s script)", ServiceSchema)
	script, err := s.compose.Script(ServiceSchema)
	if err != nil {
		return s, err
	}
	script = strings.ReplaceAll(script, ContainerSchemaDir, schemaDir)
	if err := s.runJob(ctx, ServiceSchema, script, jobs, map[string]string{
		"SQL_HOST": "127.0.0.1", "SQL_PORT": strconv.Itoa(port),
	}); err != nil {
		return s, err
	}

	env, err := s.compose.Env(ServiceTemporal)
	if err != nil {
		return s, err
	}
	env["POSTGRES_SEEDS"], env["DB_PORT"], env["BIND_ON_IP"] = "127.0.0.1", strconv.Itoa(port), "127.0.0.1"
	env["LOG_LEVEL"] = "warn"
	serverLog, err := s.logFile("temporal.log")
	if err != nil {
		return s, err
	}
	s.Server = &Server{Binary: serverBin, Root: root, Env: env, Output: serverLog}
	s.step("starting the Temporal server from %s", ConfigFile)
	if err := s.Server.Start(ctx); err != nil {
		return s, fmt.Errorf("%w (log: %s)", err, serverLog.Name())
	}

	s.step("registering namespace %s and the orders' search attributes (compose's %s script)", s.Namespace, ServiceNamespace)
	if script, err = s.compose.Script(ServiceNamespace); err != nil {
		return s, err
	}
	if err := s.runJob(ctx, ServiceNamespace, script, jobs, map[string]string{
		"TEMPORAL_ADDRESS": s.HostPort(), "NAMESPACE": s.Namespace,
	}); err != nil {
		return s, err
	}
	if err := s.waitNamespace(ctx); err != nil {
		return s, err
	}
	return s, nil
}

// runJob runs a compose job's script with the service's environment plus
// extra, and bin/ (temporal-sql-tool, temporal) first on PATH.
func (s *Stack) runJob(ctx context.Context, service, script string, out io.Writer, extra map[string]string) error {
	env, err := s.compose.Env(service)
	if err != nil {
		return err
	}
	retries, err := s.compose.OnFailureRetries(service)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-ec", script)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(s.cli)+string(os.PathListSeparator)+os.Getenv("PATH"))
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	// Docker restarts a failed job as its restart policy says, and the
	// namespace job needs it: on a new server, the namespace it just
	// created is unknown to the frontend for some seconds.
	for try := 1; err != nil && try <= retries && ctx.Err() == nil; try++ {
		fmt.Fprintf(out, "stack: %s failed (%v); restarting it as compose's restart: on-failure:%d would (%d of %d)\n", service, err, retries, try, retries)
		time.Sleep(2 * time.Second)
		retry := exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
		retry.Env, retry.Stdout, retry.Stderr = cmd.Env, out, out
		err = retry.Run()
	}
	if err != nil {
		return fmt.Errorf("compose's %s script: %w (log: %s)", service, err, filepath.Join(s.Dir, "jobs.log"))
	}
	return nil
}

// waitNamespace waits until the frontend serves the namespace and knows
// its search attributes: a new namespace reaches a server's caches some
// seconds after it is created, and orders started before are refused.
func (s *Stack) waitNamespace(ctx context.Context) error {
	c, err := client.DialContext(ctx, client.Options{HostPort: s.HostPort(), Namespace: s.Namespace, Logger: quietLogger{}})
	if err != nil {
		return err
	}
	defer c.Close()
	var query []string
	for _, a := range workflows.SearchAttributes() {
		query = append(query, a.Name+" IS NULL")
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := c.CountWorkflow(callCtx, &workflowservice.CountWorkflowExecutionsRequest{Query: strings.Join(query, " AND ")})
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("namespace %s not ready on %s: %w", s.Namespace, s.HostPort(), err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// RestartServer stops the Temporal server (SIGKILL when kill) and starts it
// again on the same ports and database.
func (s *Stack) RestartServer(ctx context.Context, kill bool) error {
	s.Server.Stop(kill)
	return s.Server.Start(ctx)
}

// CrashRestartDB crashes PostgreSQL (`pg_ctl stop -m immediate`: no
// checkpoint, every connection cut) and starts it again, recovering from
// its WAL, while the Temporal server keeps running.
func (s *Stack) CrashRestartDB(ctx context.Context) error {
	if err := s.DB.Stop(ctx, "immediate"); err != nil {
		return err
	}
	return s.DB.Start(ctx)
}

// Stop stops the server, then PostgreSQL, keeping the files for reading.
func (s *Stack) Stop() {
	if s == nil {
		return
	}
	if s.Server != nil {
		s.Server.Stop(false)
	}
	if s.DB != nil {
		_ = s.DB.Stop(context.Background(), "fast")
	}
	for _, f := range s.logs {
		_ = f.Close()
	}
}

func (s *Stack) step(format string, args ...any) {
	fmt.Fprintf(s.progress, "stack: "+format+"\n", args...)
}

func (s *Stack) logFile(name string) (*os.File, error) {
	f, err := os.Create(filepath.Join(s.Dir, name))
	if err != nil {
		return nil, err
	}
	s.logs = append(s.logs, f)
	return f, nil
}
