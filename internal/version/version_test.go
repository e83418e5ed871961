package version

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"a tagged release", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.0"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "3e53a3d1c2b4f00dfeedbeef"}, {Key: "vcs.time", Value: "2026-12-06T13:40:00Z"}, {Key: "vcs.modified", Value: "false"}}},
			"starter v1.2.0 (revision 3e53a3d1c2b4, 2026-12-06T13:40:00Z) go1.26.8"},
		{"a work tree with changes", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}}},
			"starter (devel) (revision abc, modified) go1.26.8"},
		{"no VCS", debug.BuildInfo{GoVersion: "go1.26.8"}, "starter (devel) go1.26.8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := format("starter", &tt.info); got != tt.want {
				t.Errorf("format = %q, want %q", got, tt.want)
			}
		})
	}
	if got := String("worker"); !strings.HasPrefix(got, "worker ") {
		t.Errorf("String = %q", got)
	}
}
