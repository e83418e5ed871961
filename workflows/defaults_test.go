package workflows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Intake applies an order's defaults (order.Check); the workflow applies
// them once more only to its input, for orders that came without them
// (started before intake did, or by a client that skips intake), where it
// is a no-op otherwise. No other workflow code may apply them again: what
// is checked, looked up and ordered is the input as defaulted once. The
// second call allowed is the replay of orders started before
// changeOrderStart, where an explicit duration 0 meant the default.
func TestDefaultsAppliedOnceInTheWorkflow(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var callers []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "WithDefaults" {
					callers = append(callers, fn.Name.Name)
				}
				return true
			})
		}
	}
	slices.Sort(callers)
	if want := []string{"Run", "provision"}; !slices.Equal(callers, want) {
		t.Errorf("WithDefaults is called in %v, want only %v (the input, and the legacy replay of an explicit duration 0)", callers, want)
	}
}
