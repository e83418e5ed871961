package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/workflows"
)

// ensureSearchAttributes checks that the namespace has the orders' search
// attributes: an order upserting one the namespace lacks would fail its
// workflow tasks. Missing ones are added where the worker may (a
// self-hosted server); otherwise the worker refuses to start, saying how
// to add them. Where they cannot even be listed (Temporal Cloud), it warns.
func ensureSearchAttributes(ctx context.Context, c client.Client, namespace string, logger *zap.Logger) error {
	ops := c.OperatorService()
	have, err := ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		logger.Warn("cannot list the namespace's search attributes; make sure they are registered",
			zap.Strings("searchAttributes", workflows.SearchAttributeNames()), zap.Error(err))
		return nil
	}
	var missing []string
	add := map[string]enumspb.IndexedValueType{}
	var cmds []string
	for _, a := range workflows.SearchAttributes() {
		if _, ok := have.GetCustomAttributes()[a.Name]; ok {
			continue
		}
		missing = append(missing, a.Name)
		add[a.Name] = indexedValueType(a.Type)
		cmds = append(cmds, fmt.Sprintf("temporal operator search-attribute create --namespace %s --name %s --type %s", namespace, a.Name, a.Type))
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: add}); err != nil {
		return fmt.Errorf("namespace %s lacks the search attributes %s, and adding them failed (%v); add them with:\n  %s",
			namespace, strings.Join(missing, ", "), err, strings.Join(cmds, "\n  "))
	}
	slices.Sort(missing)
	logger.Info("added the orders' search attributes to the namespace", zap.Strings("searchAttributes", missing))
	return nil
}

// indexedValueType is the API's name of a type the CLI calls typeName.
func indexedValueType(typeName string) enumspb.IndexedValueType {
	if typeName == "Datetime" {
		return enumspb.INDEXED_VALUE_TYPE_DATETIME
	}
	return enumspb.INDEXED_VALUE_TYPE_KEYWORD
}
