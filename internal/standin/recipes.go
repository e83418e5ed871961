package standin

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Placeholders in examples/callbacks/targets.yaml: the sites an operator
// replaces with their own.
const (
	JiraSite       = "https://your-domain.atlassian.net"
	ServiceNowSite = "https://your-instance.service-now.com"
)

// Recipes is a copy of examples/callbacks/targets.yaml, as an operator
// would write it, with the placeholder sites replaced by the stand-ins'
// (nil: left as they are), in a file of the test's; its path.
func Recipes(t testing.TB, jira *Jira, servicenow *ServiceNow) string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(self), "..", "..", "examples", "callbacks", "targets.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if jira != nil {
		text = strings.ReplaceAll(text, JiraSite, jira.URL())
	}
	if servicenow != nil {
		text = strings.ReplaceAll(text, ServiceNowSite, servicenow.URL())
	}
	path := filepath.Join(t.TempDir(), "targets.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
