// Package version says which build of a binary is running, from the build
// information Go records in every binary: the module's version (a tag, or
// "(devel)" for a build from a work tree), the VCS revision and time it was
// built from, whether the tree had changes, and the Go release.
package version

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// String is one line such as
// "starter v1.2.0 (revision 3e53a3d1c2b4, 2026-12-06T13:40:00Z, modified) go1.26.8".
func String(binary string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return binary + " (no build information)"
	}
	return format(binary, info)
}

// format is String for the given build information.
func format(binary string, info *debug.BuildInfo) string {
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	var vcs []string
	if rev := settings["vcs.revision"]; rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		vcs = append(vcs, "revision "+rev)
	}
	if at := settings["vcs.time"]; at != "" {
		vcs = append(vcs, at)
	}
	if settings["vcs.modified"] == "true" {
		vcs = append(vcs, "modified")
	}
	line := binary + " " + version
	if len(vcs) > 0 {
		line += " (" + strings.Join(vcs, ", ") + ")"
	}
	return fmt.Sprintf("%s %s", line, info.GoVersion)
}
