package devserver

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDataDir(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(t.TempDir(), "a", "b")
	rel := filepath.Join(".data", "devserver-test-"+filepath.Base(t.TempDir()))
	t.Cleanup(func() { _ = os.RemoveAll(filepath.Join(root, rel)) })
	for _, tt := range []struct{ dir, want string }{
		{abs, abs},                      // as it is
		{rel, filepath.Join(root, rel)}, // under the module root
	} {
		got, err := DataDir(tt.dir)
		if err != nil || got != tt.want {
			t.Fatalf("DataDir(%q) = %q, %v; want %q", tt.dir, got, err, tt.want)
		}
		if info, err := os.Stat(got); err != nil || !info.IsDir() {
			t.Fatalf("DataDir(%q) did not create it: %v", tt.dir, err)
		}
	}
}

func TestWriteReport(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	name := "devserver-test-" + filepath.Base(t.TempDir()) + ".txt"
	path := filepath.Join(root, ".data", name)
	t.Cleanup(func() { _ = os.Remove(path) })

	if err := WriteReport(name, func(w io.Writer) error { _, err := io.WriteString(w, "figures\n"); return err }); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != "figures\n" {
		t.Fatalf("%s holds %q, %v", path, data, err)
	}
	broken := errors.New("disk full")
	err = WriteReport(name, func(io.Writer) error { return broken })
	if !errors.Is(err, broken) || !strings.Contains(err.Error(), path) {
		t.Fatalf("a failed write reported %v; want it, naming %s", err, path)
	}
}
