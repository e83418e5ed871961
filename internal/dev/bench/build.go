package bench

import (
	"fmt"
	"os/exec"
	"path/filepath"

	"github.com/cc-l2/provisioner/internal/dev/chaos"
	"github.com/cc-l2/provisioner/internal/dev/devserver"
)

// Binaries are the project's programs a run measures, built from the
// working tree.
type Binaries struct {
	Worker, Starter string
}

// BuildBinaries builds the worker (as the chaos suite does) and the
// starter into dir.
func BuildBinaries(dir string) (Binaries, error) {
	worker, err := chaos.BuildWorker(dir)
	if err != nil {
		return Binaries{}, err
	}
	root, err := devserver.ModuleRoot()
	if err != nil {
		return Binaries{}, err
	}
	starter := filepath.Join(dir, "starter")
	build := exec.Command("go", "build", "-o", starter, "./cmd/starter")
	build.Dir = root
	if msg, err := build.CombinedOutput(); err != nil {
		return Binaries{}, fmt.Errorf("building the starter: %w\n%s", err, msg)
	}
	return Binaries{Worker: worker, Starter: starter}, nil
}
