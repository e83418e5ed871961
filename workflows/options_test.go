package workflows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestActivityOptionsOnlyInOptionsGo keeps options.go's promise that every
// activity option the workflow uses is in it: a timeout or retry policy
// written beside the call that uses it is one a reader of options.go
// never sees. It reports every ActivityOptions, LocalActivityOptions or
// RetryPolicy literal in another non-test file of the package.
func TestActivityOptionsOnlyInOptionsGo(t *testing.T) {
	kept := map[string]bool{"ActivityOptions": true, "LocalActivityOptions": true, "RetryPolicy": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "options.go" {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if sel, ok := lit.Type.(*ast.SelectorExpr); ok && kept[sel.Sel.Name] {
				t.Errorf("%s: %s literal outside options.go: move it into options.go as a named option", fset.Position(lit.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}
