package devserver

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fixedPort finds an address with a fixed, non-zero port handed to
// something that listens: the worker's HTTP side, the webhook, the
// simulator, or a listener of the test's own.
var fixedPort = regexp.MustCompile(`(WORKER_HTTP_ADDR=|STARTER_LISTEN_ADDR=|CCSIM_ADDR=|"-addr", "|net\.Listen\("tcp", ")[^"]*:[1-9][0-9]*"`)

// No test and no suite (e2e, chaos, bench) listens on a fixed port, so
// that make test passes while make demo, a dev server or anything else
// holds 7233, 8233, 8081, 8090 or 9464. An empty WORKER_HTTP_ADDR serves
// nothing (cmd/worker's TestHTTPAddrEmptyMeansNone).
func TestNoFixedPorts(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	suites := []string{"e2e", "internal/dev/chaos", "internal/dev/bench"}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || rel == "bin") {
			return filepath.SkipDir
		}
		inSuite := false
		for _, s := range suites {
			inSuite = inSuite || strings.HasPrefix(rel, s+string(filepath.Separator))
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || !(inSuite || strings.HasSuffix(path, "_test.go")) {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for _, m := range fixedPort.FindAllString(string(src), -1) {
			if rel != filepath.Join("internal", "dev", "devserver", "ports_test.go") {
				t.Errorf("%s listens on a fixed port: %s", rel, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("checked only %d files", checked)
	}
	if fixedPort.MatchString(`"WORKER_HTTP_ADDR=127.0.0.1:0"`) || !fixedPort.MatchString(`"WORKER_HTTP_ADDR=127.0.0.1:9464"`) {
		t.Fatal("fixedPort does not tell port 0 from a fixed one")
	}
}
