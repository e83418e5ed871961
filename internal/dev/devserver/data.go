package devserver

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// DataDir is dir, taken under the module root when it is relative, and
// created: where the bench and chaos suites keep binaries and logs.
func DataDir(dir string) (string, error) {
	if !filepath.IsAbs(dir) {
		root, err := ModuleRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, nil
}

// WriteReport writes a suite's report to .data/name under the module
// root, where the last run's figures are kept.
func WriteReport(name string, write func(io.Writer) error) error {
	dir, err := DataDir(".data")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, name)
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(out); err != nil {
		_ = out.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return out.Close()
}
