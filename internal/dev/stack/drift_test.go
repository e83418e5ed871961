package stack

// Compose and the stack cannot drift: docker-compose.yml runs the server
// version of scripts/stack.env, mounts deploy/temporal/production.yaml
// where its command reads it, migrates the schemas from the files of that
// version, and registers the orders' search attributes. Nothing here needs
// Docker or PostgreSQL.

import (
	"context"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cc-l2/provisioner/internal/dev/devserver"
	"github.com/cc-l2/provisioner/workflows"
)

func loadForDrift(t *testing.T) (root, version string, c *Compose) {
	t.Helper()
	root, err := devserver.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if version, err = ServerVersion(root); err != nil {
		t.Fatal(err)
	}
	if c, err = LoadCompose(context.Background(), root); err != nil {
		t.Fatal(err)
	}
	return root, version, c
}

// TestComposeRunsTheStacksServerVersion: the server image and the
// admin-tools images (schema files, CLI) are of scripts/stack.env's version.
func TestComposeRunsTheStacksServerVersion(t *testing.T) {
	_, version, c := loadForDrift(t)
	for _, tt := range []struct{ service, want string }{
		{ServiceTemporal, version},
		{ServiceSchema, version + "-"},    // 1.29.1-tctl-1.18.4-cli-1.5.0
		{ServiceNamespace, version + "-"}, // the same image
	} {
		tag, err := c.ImageTag(tt.service)
		if err != nil {
			t.Fatal(err)
		}
		if tag != tt.want && !(strings.HasSuffix(tt.want, "-") && strings.HasPrefix(tag, tt.want)) {
			t.Errorf("%s: service %s runs image tag %q; %s pins server %s: change both together", ComposeFile, tt.service, tag, VersionFile, version)
		}
	}
}

// TestComposeMountsTheStacksServerConfig: the temporal service mounts
// ConfigFile and starts the server from it, as the stack does.
func TestComposeMountsTheStacksServerConfig(t *testing.T) {
	root, _, c := loadForDrift(t)
	env := strings.TrimSuffix(filepath.Base(ConfigFile), ".yaml")
	target := "/etc/temporal/config/" + filepath.Base(ConfigFile)
	source, err := c.Mount(ServiceTemporal, target)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, ConfigFile); source != want {
		t.Errorf("%s: service %s mounts %s at %s; the stack runs the server from %s", ComposeFile, ServiceTemporal, source, target, want)
	}
	script, err := c.Script(ServiceTemporal)
	if err != nil {
		t.Fatal(err)
	}
	start := regexp.MustCompile(`exec temporal-server --root /etc/temporal --config config --env (\S+) start`).FindStringSubmatch(script)
	if start == nil || start[1] != env {
		t.Errorf("%s: service %s does not start the server from %s (--env %s):\n%s", ComposeFile, ServiceTemporal, target, env, script)
	}
	// Every variable the file reads that compose must set for a container.
	vars, err := c.Env(ServiceTemporal)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"DB", "DB_PORT", "POSTGRES_SEEDS", "POSTGRES_USER", "POSTGRES_PWD", "BIND_ON_IP"} {
		if vars[name] == "" {
			t.Errorf("%s: service %s does not set %s, which %s reads", ComposeFile, ServiceTemporal, name, ConfigFile)
		}
	}
}

// TestComposeMigratesTheStacksSchemas: the schema job migrates both
// databases from the postgresql/v12 files the stack migrates from, of the
// version the stack's server expects (the stack test checks the databases
// reach those versions).
func TestComposeMigratesTheStacksSchemas(t *testing.T) {
	_, _, c := loadForDrift(t)
	script, err := c.Script(ServiceSchema)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"schema=" + ContainerSchemaDir + "/postgresql/v12",
		`temporal-sql-tool --db temporal update-schema -d "${schema}/temporal/versioned"`,
		`temporal-sql-tool --db temporal_visibility update-schema -d "${schema}/visibility/versioned"`,
	} {
		if !strings.Contains(script, want) {
			t.Errorf("%s: the %s script does not say %q:\n%s", ComposeFile, ServiceSchema, want, script)
		}
	}
	env, err := c.Env(ServiceSchema)
	if err != nil {
		t.Fatal(err)
	}
	if env["SQL_PLUGIN"] != "postgres12" {
		t.Errorf("%s: %s uses plugin %q; the stack's server config says postgres12", ComposeFile, ServiceSchema, env["SQL_PLUGIN"])
	}
}

// TestComposeRegistersTheOrdersSearchAttributes: the namespace job
// registers exactly workflows.SearchAttributes, with their types.
func TestComposeRegistersTheOrdersSearchAttributes(t *testing.T) {
	_, _, c := loadForDrift(t)
	script, err := c.Script(ServiceNamespace)
	if err != nil {
		t.Fatal(err)
	}
	loop := regexp.MustCompile(`for attribute in ([^;]+);`).FindStringSubmatch(script)
	if loop == nil {
		t.Fatalf("%s: the %s script has no `for attribute in ...;` loop:\n%s", ComposeFile, ServiceNamespace, script)
	}
	got := map[string]string{}
	for _, pair := range strings.Fields(loop[1]) {
		name, typ, _ := strings.Cut(pair, "=")
		got[name] = typ
	}
	want := map[string]string{}
	for _, a := range workflows.SearchAttributes() {
		want[a.Name] = a.Type
	}
	if !maps.Equal(got, want) {
		t.Errorf("%s: %s registers %v; the orders carry %v (workflows.SearchAttributes)", ComposeFile, ServiceNamespace,
			slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
}
