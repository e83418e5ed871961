package order

import (
	"os/exec"
	"strings"
	"testing"
)

// The order is a data type: intake, the starter and the webhook read it
// without pulling in Temporal or the workflows that run it.
func TestOrderImportsNeitherTemporalNorWorkflows(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"go.temporal.io/", "github.com/cc-l2/provisioner/workflows", "github.com/cc-l2/provisioner/activities"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("package order depends on %s", dep)
			}
		}
	}
}
