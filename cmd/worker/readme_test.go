package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cc-l2/provisioner/internal/config"
	"github.com/cc-l2/provisioner/internal/readme"
)

// readmeTable returns the rows of the README's first table whose header
// row starts with header, after the line starting with after.
func readmeTable(t *testing.T, after, header string) [][]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readme.Table(string(raw), after, header)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

var codeSpans = readme.CodeSpans

// The README's configuration table names every variable the worker reads,
// with the worker's default where it gives one, and no variable that
// neither binary reads (the starter's own, STARTER_*, are its test's).
func TestReadmeConfigurationTable(t *testing.T) {
	cfg := defaults()
	vars, err := config.Variables(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]config.Variable{}
	for _, v := range vars {
		byName[v.Name] = v
	}
	documented := map[string]bool{}
	for _, row := range readmeTable(t, "## Configuration", "| Variable |") {
		names := codeSpans(row[0])
		defaultCell, _, _ := strings.Cut(row[1], "(") // "(starter: ...)" is the starter's
		defaults := codeSpans(defaultCell)
		for i, name := range names {
			documented[name] = true
			v, ok := byName[name]
			switch {
			case !ok && !strings.HasPrefix(name, "STARTER_"):
				t.Errorf("README documents %s, which the worker does not read", name)
			case ok && v.HasDefault && len(defaults) == len(names) && defaults[i] != v.Default:
				t.Errorf("README: %s defaults to %q; the worker's default is %q", name, defaults[i], v.Default)
			}
		}
	}
	for _, v := range vars {
		if !documented[v.Name] {
			t.Errorf("README's configuration table lacks %s", v.Name)
		}
	}
}

// The README's metrics table lists the worker's metrics, the ones /metrics
// explains (metricHelp), no more and no fewer.
func TestReadmeMetricsTable(t *testing.T) {
	var documented []string
	for _, row := range readmeTable(t, "## Monitoring", "| Metric |") {
		documented = append(documented, codeSpans(row[0])...)
	}
	var served []string
	for name := range metricHelp {
		served = append(served, name)
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Errorf("README's metrics %v, /metrics explains %v", documented, served)
	}
}
