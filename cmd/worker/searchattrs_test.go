package main

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/devserver"
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
