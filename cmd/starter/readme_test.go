package main

import (
	"os"
	"strings"
	"testing"

	"github.com/cc-l2/provisioner/internal/config"
	"github.com/cc-l2/provisioner/internal/readme"
)

// readmeTable returns the rows of the README's first table whose header
// row starts with header, after the line starting with after.
func readmeTable(t *testing.T, after, header string) [][]string {
	t.Helper()
	raw, err := os.ReadFile("../../README.md")
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

// The README's configuration table names every variable the starter reads,
// with the starter's default where it gives one, and every STARTER_
// variable it names is one the starter reads.
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
		defaults := codeSpans(row[1])
		if _, starters, ok := strings.Cut(row[1], "(starter:"); ok {
			defaults = codeSpans(starters) // the starter's own defaults
		}
		for i, name := range names {
			documented[name] = true
			v, ok := byName[name]
			switch {
			case !ok && strings.HasPrefix(name, "STARTER_"):
				t.Errorf("README documents %s, which the starter does not read", name)
			case ok && v.HasDefault && len(defaults) == len(names) && defaults[i] != v.Default:
				t.Errorf("README: %s defaults to %q; the starter's default is %q", name, defaults[i], v.Default)
			}
		}
	}
	for _, v := range vars {
		if !documented[v.Name] {
			t.Errorf("README's configuration table lacks %s", v.Name)
		}
	}
}

// The README's table of list's columns is what list prints, in order.
func TestReadmeListColumns(t *testing.T) {
	var documented []string
	for _, row := range readmeTable(t, "`list` reads Temporal's visibility store", "| Column |") {
		documented = append(documented, codeSpans(row[0])...)
	}
	var out strings.Builder
	if err := writeOrders(&out, nil, outputText); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(documented, " "), strings.Join(strings.Fields(out.String()), " "); got != want {
		t.Errorf("README's list columns %q, list prints %q", got, want)
	}
}

// Every command the starter has is in the README's starter examples.
func TestReadmeShowsEveryCommand(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(raw), "\n## The starter\n")
	section, _, _ = strings.Cut(section, "\n## ")
	for _, c := range (&app{}).rootCommand().Commands() {
		if c.Name() == "help" {
			continue
		}
		if !strings.Contains(section, "bin/starter "+c.Name()) && !strings.Contains(section, "`"+c.Name()) {
			t.Errorf("README's starter section never shows %s", c.Name())
		}
	}
}
