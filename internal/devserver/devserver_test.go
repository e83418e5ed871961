package devserver

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func echo(_ workflow.Context, s string) (string, error) { return "echo " + s, nil }

func TestStartRunsWorkflows(t *testing.T) {
	start := time.Now()
	srv := Start(t)
	t.Logf("dev server up in %v at %s", time.Since(start), srv.HostPort)
	require.NotEmpty(t, srv.HostPort)
	require.Equal(t, "default", srv.Namespace)

	c := srv.Client(t)
	w := worker.New(c, "devserver-test", worker.Options{})
	w.RegisterWorkflow(echo)
	require.NoError(t, w.Start())
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "devserver-echo", TaskQueue: "devserver-test"}, echo, "hi")
	require.NoError(t, err)
	var got string
	require.NoError(t, run.Get(ctx, &got))
	require.Equal(t, "echo hi", got)
}

func TestCLIPath(t *testing.T) {
	t.Run("env override", func(t *testing.T) {
		fake := filepath.Join(t.TempDir(), "temporal")
		require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755))
		t.Setenv(CLIPathEnv, fake)
		path, err := CLIPath()
		require.NoError(t, err)
		require.Equal(t, fake, path)
	})
	t.Run("missing binary names the path and the fix", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "nope")
		t.Setenv(CLIPathEnv, missing)
		_, err := CLIPath()
		require.EqualError(t, err, "Temporal CLI not found at "+missing+": run scripts/install-temporal.sh")
	})
	t.Run("default is bin/temporal under the module root", func(t *testing.T) {
		t.Setenv(CLIPathEnv, "")
		root, err := ModuleRoot()
		require.NoError(t, err)
		require.FileExists(t, filepath.Join(root, "go.mod"))
		path, err := CLIPath()
		if err != nil {
			require.Contains(t, err.Error(), filepath.Join(root, "bin", "temporal"))
			return
		}
		require.Equal(t, filepath.Join(root, "bin", "temporal"), path)
	})
}

func TestShared(t *testing.T) {
	var shared Shared
	defer shared.Stop()
	first := shared.Get(t)
	second := shared.Get(t)
	require.Same(t, first, second)
}
