package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrNoPostgres means this machine has no PostgreSQL server binaries: the
// stack cannot run here (tests say so and skip).
var ErrNoPostgres = errors.New("no PostgreSQL server binaries (pg_config --bindir names none with initdb and pg_ctl)")

// FindPostgres returns the directory of PostgreSQL's server binaries, which
// Debian keeps off PATH: `pg_config --bindir`.
func FindPostgres() (string, error) {
	out, err := exec.Command("pg_config", "--bindir").Output()
	if err != nil {
		return "", ErrNoPostgres
	}
	dir := strings.TrimSpace(string(out))
	for _, tool := range []string{"initdb", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, tool)); err != nil {
			return "", ErrNoPostgres
		}
	}
	return dir, nil
}

// Postgres is a private PostgreSQL cluster: its own data directory, on
// 127.0.0.1 and a port of its own, with user temporal (password temporal,
// as in docker-compose.yml) its superuser. Run as root, every PostgreSQL
// command runs as the postgres user, since initdb and the server refuse root.
type Postgres struct {
	BinDir string
	// Dir holds the cluster (Dir/data) and its log (Dir/postgresql.log).
	Dir  string
	Port int
	// User and Password are the superuser's (compose's POSTGRES_USER and
	// POSTGRES_PASSWORD).
	User, Password string
	// Output receives the commands' own output; nil discards it.
	Output io.Writer
}

func (p *Postgres) dataDir() string { return filepath.Join(p.Dir, "data") }

// LogFile is the server's log.
func (p *Postgres) LogFile() string { return filepath.Join(p.Dir, "postgresql.log") }

// Init creates a new cluster in Dir, which must not hold one yet.
func (p *Postgres) Init(ctx context.Context) error {
	if err := os.MkdirAll(p.Dir, 0o755); err != nil {
		return err
	}
	if err := p.chownToPostgres(p.Dir); err != nil {
		return err
	}
	pwfile := filepath.Join(p.Dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(p.Password+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(pwfile)
	if err := p.chownToPostgres(pwfile); err != nil {
		return err
	}
	if err := p.run(ctx, "initdb", "-D", p.dataDir(), "-U", p.User, "--pwfile", pwfile,
		"--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C"); err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	// Only TCP on loopback, on our own port; no Unix socket, so nothing
	// depends on a socket directory's path or permissions.
	conf := fmt.Sprintf("\n# internal/dev/stack\nlisten_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = ''\nmax_connections = 200\n", p.Port)
	f, err := os.OpenFile(filepath.Join(p.dataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(conf); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// Start starts the server and waits until it accepts connections.
func (p *Postgres) Start(ctx context.Context) error {
	if err := p.run(ctx, "pg_ctl", "-D", p.dataDir(), "-l", p.LogFile(), "-w", "-t", "120", "start"); err != nil {
		return fmt.Errorf("starting PostgreSQL (log: %s): %w", p.LogFile(), err)
	}
	return nil
}

// Stop stops the server: mode "fast" for a clean shutdown, "immediate" for
// a crash (no checkpoint; the next start recovers from the WAL).
func (p *Postgres) Stop(ctx context.Context, mode string) error {
	if _, err := os.Stat(filepath.Join(p.dataDir(), "postmaster.pid")); err != nil {
		return nil // not running
	}
	if err := p.run(ctx, "pg_ctl", "-D", p.dataDir(), "-m", mode, "-w", "-t", "60", "stop"); err != nil {
		return fmt.Errorf("stopping PostgreSQL: %w", err)
	}
	return nil
}

// run runs one of PostgreSQL's binaries, as the postgres user when root.
func (p *Postgres) run(ctx context.Context, tool string, args ...string) error {
	argv := append([]string{filepath.Join(p.BinDir, tool)}, args...)
	if os.Geteuid() == 0 {
		argv = append([]string{"runuser", "-u", "postgres", "--"}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = p.Dir // a directory the postgres user may enter
	out := p.Output
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout, cmd.Stderr = out, out
	// The server pg_ctl starts stays in this process group: out of ours, so
	// that a Ctrl-C on `make stack` reaches it only through Stop, after the
	// Temporal server that uses it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd.Run()
}

// chownToPostgres gives path to the postgres user when running as root.
func (p *Postgres) chownToPostgres(path string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs a postgres user for PostgreSQL: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(path, uid, gid)
}

// Query runs one query on database db with psql and returns its output,
// unaligned and without headers (one value: the value).
func (p *Postgres) Query(ctx context.Context, db, query string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(p.BinDir, "psql"), "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port),
		"-U", p.User, "-d", db, "-At", "-c", query)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+p.Password)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("psql %s: %w", db, err)
	}
	return strings.TrimSpace(string(out)), nil
}
