// Package internal_test holds the arrows between the project's packages
// that the README's layout promises, so that a new import cannot quietly
// turn a leaf into a hub.
package internal_test

import (
	"os/exec"
	"strings"
	"testing"
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
