package devserver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func echo(_ workflow.Context, s string) (string, error) { return "echo " + s, nil }

func TestStartRunsWorkflows(t *testing.T) {
	start := time.Now()
	srv := Start(t)
	t.Logf("dev server up in %v at %s", time.Since(start), srv.HostPort)
	if len(srv.HostPort) == 0 {
		t.Fatal("srv.HostPort is empty")
	}
	if got, want := srv.Namespace, "default"; got != want {
		t.Fatalf("srv.Namespace = %v, want %v", got, want)
	}

	c := srv.Client(t)
	w := worker.New(c, "devserver-test", worker.Options{})
	w.RegisterWorkflow(echo)
	if err := w.Start(); err != nil {
		t.Fatalf("%v", err)
	}
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "devserver-echo", TaskQueue: "devserver-test"}, echo, "hi")
	if err != nil {
		t.Fatalf("%v", err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil {
		t.Fatalf("%v", err)
	}
	if got, want := got, "echo hi"; got != want {
		t.Fatalf("got = %v, want %v", got, want)
	}
}

func TestCLIPath(t *testing.T) {
	t.Run("env override", func(t *testing.T) {
		fake := filepath.Join(t.TempDir(), "temporal")
		if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatalf("%v", err)
		}
		t.Setenv(CLIPathEnv, fake)
		path, err := CLIPath()
		if err != nil {
			t.Fatalf("%v", err)
		}
		if got, want := path, fake; got != want {
			t.Fatalf("path = %v, want %v", got, want)
		}
	})
	t.Run("missing binary names the path and the fix", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "nope")
		t.Setenv(CLIPathEnv, missing)
		_, err := CLIPath()
		if err := err; err == nil || err.Error() != "Temporal CLI not found at "+missing+": run scripts/install-temporal.sh" {
			t.Fatalf("error %v, want \"Temporal CLI not found at \" + missing + \": run scripts/install-temporal.sh\"", err)
		}
	})
	t.Run("default is bin/temporal under the module root", func(t *testing.T) {
		t.Setenv(CLIPathEnv, "")
		root, err := ModuleRoot()
		if err != nil {
			t.Fatalf("%v", err)
		}
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
			t.Fatal(err)
		}
		path, err := CLIPath()
		if err != nil {
			if s, sub := err.Error(), filepath.Join(root, "bin", "temporal"); !strings.Contains(s, sub) {
				t.Fatalf("%q does not contain %q", s, sub)
			}
			return
		}
		if got, want := path, filepath.Join(root, "bin", "temporal"); got != want {
			t.Fatalf("path = %v, want %v", got, want)
		}
	})
}

func TestShared(t *testing.T) {
	var shared Shared
	defer shared.Stop()
	first := shared.Get(t)
	second := shared.Get(t)
	if first != second {
		t.Fatal("the second Get started another server")
	}
}
