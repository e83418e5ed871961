package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/dev/devserver"
	"github.com/cc-l2/provisioner/workflows"
)

// A namespace that lacks a search attribute of the orders gets it added at
// start-up, before any order could fail to publish it.
func TestEnsureSearchAttributes(t *testing.T) {
	srv := devserver.Start(t)
	c := srv.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ops := c.OperatorService()
	if _, err := ops.RemoveSearchAttributes(ctx, &operatorservice.RemoveSearchAttributesRequest{
		Namespace: srv.Namespace, SearchAttributes: []string{workflows.SearchConnectionID.GetName()},
	}); err != nil {
		t.Fatal(err)
	}
	if err := ensureSearchAttributes(ctx, c, srv.Namespace, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	have, err := ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: srv.Namespace})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range workflows.SearchAttributeNames() {
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			t.Errorf("%s is missing", name)
		}
	}
}

// The scripts that register the search attributes without the worker (the
// demo's dev server, the compose namespace job) name exactly the
// workflow's, with their types.
func TestScriptsRegisterTheSearchAttributes(t *testing.T) {
	var want []string
	for _, a := range workflows.SearchAttributes() {
		want = append(want, a.Name+"="+a.Type)
	}
	token := regexp.MustCompile(`\b[A-Z][A-Za-z]+=(Keyword|Datetime)\b`)
	for _, file := range []string{"scripts/demo.sh", "docker-compose.yml"} {
		raw, err := os.ReadFile(filepath.Join(repoRoot, file))
		if err != nil {
			t.Fatal(err)
		}
		if got := token.FindAllString(string(raw), -1); !slices.Equal(got, want) {
			t.Errorf("%s registers %v, want %v", file, got, want)
		}
	}
}
