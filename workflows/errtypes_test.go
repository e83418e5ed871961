package workflows

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/cc-l2/provisioner/activities"
)

// recordedType finds the application failure types a history holds.
var recordedType = regexp.MustCompile(`"applicationFailureInfo":\s*\{\s*"type":\s*"([^"]+)"`)

// Every failure type a recorded history holds is one today's code reads:
// renaming an error type without keeping its former name (activities.IsType)
// would send a replaying workflow down another branch.
func TestRecordedFailureTypesAreRead(t *testing.T) {
	current := []string{
		ErrTypeInvalidOrder, ErrTypePrecheckFailed, ErrTypeOrderRejected, ErrTypeConnectionFailed,
		ErrTypeActivationTimeout, ErrTypeAPIUnavailable, ErrTypeOutcomeUnknown,
		activities.ErrTypeAPIRejected, activities.ErrTypeAPIUnavailable, activities.ErrTypeAPIAuth,
		activities.ErrTypeLookupInconclusive, activities.ErrTypeOutcomeUnknown, activities.ErrTypeStillWaiting,
	}
	seen := 0
	err := filepath.WalkDir(historyDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range recordedType.FindAllSubmatch(b, -1) {
			seen++
			name := string(m[1])
			read := false
			for _, c := range current {
				read = read || activities.IsType(temporal.NewApplicationError("recorded", name), c)
			}
			if !read {
				t.Errorf("%s records failure type %q, which no error type of today's code reads", path, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen == 0 {
		t.Fatal("no failure type found in the recorded histories: the pattern is stale")
	}
}
