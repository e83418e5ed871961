package stack

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// VersionFile holds TEMPORAL_SERVER_VERSION, the one place the stack's
// Temporal server version is set (relative to the module root). The
// install script reads it; so does everything here; docker-compose.yml must
// name the same version in its image tags (see the drift test).
const VersionFile = "scripts/stack.env"

// ConfigFile is the server configuration both docker-compose.yml (mounted)
// and the stack here (--config, --env) use, relative to the module root.
const ConfigFile = "deploy/temporal/production.yaml"

// ServerVersion reads the pinned server version from VersionFile, e.g.
// "1.29.1".
func ServerVersion(root string) (string, error) {
	data, err := os.ReadFile(filepath.Join(root, VersionFile))
	if err != nil {
		return "", fmt.Errorf("reading the stack's server version: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if v, ok := strings.CutPrefix(line, "TEMPORAL_SERVER_VERSION="); ok && v != "" {
			return v, nil
		}
	}
	return "", fmt.Errorf("%s sets no TEMPORAL_SERVER_VERSION", VersionFile)
}

// SchemaDir is where the server module of version keeps its SQL schema
// files (what the admin-tools image has under /etc/temporal/schema): in the
// Go module cache, where building the server put them.
func SchemaDir(version string) (string, error) {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMODCACHE: %w", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "go.temporal.io", "server@v"+version, "schema")
	if _, err := os.Stat(filepath.Join(dir, "postgresql", "v12")); err != nil {
		return "", fmt.Errorf("the server module's schema files are not in the module cache (run scripts/install-temporal-server.sh): %w", err)
	}
	return dir, nil
}

// SchemaVersions reads the versions the server module of version expects
// its PostgreSQL schemas at (schema/postgresql/v12/version.go): what the
// migrated databases must report.
func SchemaVersions(schemaDir string) (history, visibility string, err error) {
	data, err := os.ReadFile(filepath.Join(schemaDir, "postgresql", "v12", "version.go"))
	if err != nil {
		return "", "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		name, value, ok := strings.Cut(strings.TrimSpace(line), " = ")
		if !ok {
			continue
		}
		value = strings.Trim(value, `"`)
		switch name {
		case "const Version":
			history = value
		case "const VisibilityVersion":
			visibility = value
		}
	}
	if history == "" || visibility == "" {
		return "", "", errors.New("schema/postgresql/v12/version.go names no schema versions")
	}
	return history, visibility, nil
}

// InstallServer builds the pinned server and schema tool into bin/ if they
// are not there yet (scripts/install-temporal-server.sh) and returns their
// paths.
func InstallServer(root string) (server, sqlTool string, err error) {
	install := exec.Command(filepath.Join(root, "scripts", "install-temporal-server.sh"))
	install.Stdout, install.Stderr = os.Stderr, os.Stderr
	if err := install.Run(); err != nil {
		return "", "", fmt.Errorf("building the Temporal server with scripts/install-temporal-server.sh: %w", err)
	}
	return filepath.Join(root, "bin", "temporal-server"), filepath.Join(root, "bin", "temporal-sql-tool"), nil
}
