// Package internal_test holds the arrows between the project's packages
// that the README's layout promises, so that a new import cannot quietly
// turn a leaf into a hub.
package internal_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cc-l2/provisioner/internal/readme"
)

const module = "github.com/cc-l2/provisioner/"

// deps lists every package pkg imports, directly or not, from go list: the
// build's own answer rather than a parse of import lines.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-test=false", module+pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	return strings.Fields(string(out))
}

// TestNoUpwardImports: the API client, the activities and the workflows are
// libraries under the binaries; the environment configuration
// (internal/config) belongs to the binaries that read it, and the secret
// type they share lives in the leaf internal/secret. Dev and test tooling
// (internal/dev) is never built into a binary that ships.
func TestNoUpwardImports(t *testing.T) {
	tests := []struct {
		pkg       string
		forbidden string // a package path prefix pkg must not depend on
	}{
		{"ccapi", module + "internal/config"},
		{"activities", module + "internal/config"},
		{"workflows", module + "internal/config"},
		{"internal/signature", module + "internal/config"},
		{"internal/secret", module},
		{"cmd/worker", module + "internal/dev/"},
		{"cmd/starter", module + "internal/dev/"},
		{"cmd/ccapi-sim", module + "internal/dev/"},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			for _, d := range deps(t, tt.pkg) {
				if d != module+tt.pkg && strings.HasPrefix(d, tt.forbidden) {
					t.Errorf("%s imports %s (directly or not); nothing under %s may be", tt.pkg, d, tt.forbidden)
				}
			}
		})
	}
}

// TestLayoutTableMatchesTheTree holds the README's "Layout" table to the
// tree, both ways: every directory that holds Go code is named in the
// Path column (as itself or by a file directly in it), and every path
// that column names exists, a bare file name being read in the directory
// of the path before it in the same cell. A newcomer finds a package from
// the table, and a move that forgets the table fails here.
func TestLayoutTableMatchesTheTree(t *testing.T) {
	const root = ".."
	text, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readme.Table(string(text), "## Layout", "| Path |")
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, row := range rows {
		dir := ""
		for _, span := range readme.CodeSpans(row[0]) {
			path := span
			if !strings.Contains(span, "/") {
				path = filepath.Join(dir, span)
			}
			if _, err := os.Stat(filepath.Join(root, path)); err != nil {
				t.Errorf("Layout names %s (as %q), which does not exist", path, span)
			}
			clean := strings.TrimSuffix(path, "/")
			named[clean] = true
			dir = clean
			if !strings.HasSuffix(path, "/") { // a file names its directory
				dir = filepath.Dir(clean)
				named[dir] = true
			}
		}
	}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(name, ".go") {
			return nil
		}
		dir, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		if dir != "." && !named[filepath.ToSlash(dir)] {
			t.Errorf("%s holds Go code but the README's Layout table does not name it", dir)
			named[filepath.ToSlash(dir)] = true // once
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
