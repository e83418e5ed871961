package workflows

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cc-l2/provisioner/internal/readme"
)

// archiveDir holds the histories of retired changes: the replay test
// still tries them, reporting, but no longer requires them.
const archiveDir = historyDir + "/archive"

// gateCall is one place the workflow code decides by version.
type gateCall struct {
	file, fn, what string
}

// scanGates reads the package's code for its decisions by version: the
// changes each function asks since about, and the decisions made any
// other way (a GetVersion, a comparison of Config.Revision).
func scanGates(t *testing.T) (asked map[workflowChange][]string, stray []gateCall) {
	t.Helper()
	byName := map[string]workflowChange{}
	for _, v := range versions {
		byName[changeName(t, v.change)] = v.change
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	asked = map[workflowChange][]string{}
	ask := func(c workflowChange, fn string) {
		if !slices.Contains(asked[c], fn) {
			asked[c] = append(asked[c], fn)
		}
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "versions.go" {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			fn := fd.Name.Name
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					sel, ok := n.Fun.(*ast.SelectorExpr)
					if !ok {
						return true
					}
					switch sel.Sel.Name {
					case "since":
						id, ok := n.Args[len(n.Args)-1].(*ast.Ident)
						if c, known := byName[id.Name]; ok && known {
							ask(c, fn)
						} else {
							stray = append(stray, gateCall{name, fn, "since with no row of versions"})
						}
					case "GetVersion":
						stray = append(stray, gateCall{name, fn, "GetVersion"})
					}
				case *ast.BinaryExpr:
					for _, x := range []ast.Expr{n.X, n.Y} {
						if sel, ok := x.(*ast.SelectorExpr); ok && (sel.Sel.Name == "Revision" || sel.Sel.Name == "revision") {
							stray = append(stray, gateCall{name, fn, "a comparison of the revision"})
						}
					}
				case *ast.SelectorExpr:
					// orderRun.current is since(changeRoundTrips), asked once
					// per run (provision) and read where the lock is taken.
					if n.Sel.Name == "current" {
						ask(changeRoundTrips, fn)
					}
				}
				return true
			})
		}
	}
	return asked, stray
}

// changeName is a change's constant's name, read from versions.go.
func changeName(t *testing.T, c workflowChange) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "versions.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if len(names) > 0 || len(vs.Values) == 1 && isIota(vs.Values[0]) {
				if len(names) > 0 && len(vs.Values) > 0 {
					break
				}
				names = append(names, vs.Names[0].Name)
			}
		}
		if len(names) > 0 {
			break
		}
	}
	if int(c) >= len(names) {
		t.Fatalf("change %d has no constant", c)
	}
	return names[c]
}

func isIota(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "iota"
}

// TestVersionTable holds the table to the code: one row per change, in
// order, each recorded one way; every decision by version goes through
// since, and every function that asks since about a change is one its
// row names, and the other way round.
func TestVersionTable(t *testing.T) {
	asked, stray := scanGates(t)
	for _, g := range stray {
		t.Errorf("%s: %s decides by %s, not through since and the table", g.file, g.fn, g.what)
	}
	markers, highest := map[string]bool{}, 0
	for i, v := range versions {
		name := changeName(t, v.change)
		if int(v.change) != i {
			t.Errorf("row %d is %s: the rows follow the constants", i, name)
		}
		if v.change == noChange {
			continue
		}
		switch {
		case (v.marker == "") == (v.revision == 0):
			t.Errorf("%s: a change is recorded by a marker or by a revision, one of the two", name)
		case v.marker != "" && markers[v.marker]:
			t.Errorf("%s: marker %q is another row's", name, v.marker)
		case v.revision != 0 && v.revision <= highest:
			t.Errorf("%s: revision %d after revision %d: revisions only go up", name, v.revision, highest)
		}
		markers[v.marker] = v.marker != ""
		highest = max(highest, v.revision)
		if v.released == "" || v.removable == "" || v.legacy == "" {
			t.Errorf("%s: a row says its release, its legacy code and when that may go", name)
		}
		got, want := slices.Sorted(slices.Values(asked[v.change])), slices.Sorted(slices.Values(v.gates))
		if v.retired != "" && len(got) > 0 {
			t.Errorf("%s is retired, but %v still ask since about it", name, got)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: the code asks since about it in %v, its row names %v", name, got, want)
		}
	}
	if highest != codeRevision {
		t.Errorf("codeRevision is %d, the table's highest revision %d", codeRevision, highest)
	}
}

// recorded is what a history says about the run that recorded it.
type recorded struct {
	workflowType string
	revision     int             // its settings' Config.Revision (0: none recorded)
	markers      map[string]bool // its GetVersion change ids
}

// readRecorded reads a history's workflow type, revision and markers.
func readRecorded(t *testing.T, file string) recorded {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	type payloads struct {
		Payloads []struct {
			Data []byte `json:"data"`
		} `json:"payloads"`
	}
	var h struct {
		Events []struct {
			Started *struct {
				WorkflowType struct{ Name string } `json:"workflowType"`
			} `json:"workflowExecutionStartedEventAttributes"`
			Marker *struct {
				MarkerName string              `json:"markerName"`
				Details    map[string]payloads `json:"details"`
			} `json:"markerRecordedEventAttributes"`
		} `json:"events"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	rec := recorded{markers: map[string]bool{}}
	settingsRead := false
	for _, e := range h.Events {
		switch {
		case e.Started != nil:
			rec.workflowType = e.Started.WorkflowType.Name
		case e.Marker == nil:
		case e.Marker.MarkerName == "Version":
			var id string
			if p := e.Marker.Details["change-id"].Payloads; len(p) > 0 && json.Unmarshal(p[0].Data, &id) == nil {
				rec.markers[id] = true
			}
		case e.Marker.MarkerName == "SideEffect" && !settingsRead:
			settingsRead = true // the settings are the run's first side effect
			var cfg Config
			if p := e.Marker.Details["data"].Payloads; len(p) > 0 && json.Unmarshal(p[0].Data, &cfg) == nil {
				rec.revision = cfg.Revision
			}
		}
	}
	return rec
}

// historyName is a history's name as the table writes it: its path under
// historyDir, without .json.
func historyName(file string) string {
	return strings.TrimSuffix(strings.TrimPrefix(file, historyDir+"/"), ".json")
}

// allHistories are the recorded histories outside the archive.
func allHistories(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(historyDir, func(path string, d os.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path == archiveDir:
			return filepath.SkipDir
		case !d.IsDir() && strings.HasSuffix(path, ".json"):
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// names reports whether one of a row's histories names the file.
func (v version) names(t *testing.T, file string) bool {
	t.Helper()
	for _, glob := range v.histories {
		ok, err := filepath.Match(glob, historyName(file))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return true
		}
	}
	return false
}

// orderTypes are the workflow types that record their settings and ask
// since (the lock records its settings too).
var orderTypes = []string{WorkflowName, DecommissionWorkflowName, ModifyWorkflowName, AdoptWorkflowName, NameLockWorkflowName}

// TestVersionTableHistories holds the table to testdata/histories: every
// row's histories exist (outside the archive for a change not retired,
// inside it for one retired); every history is named by a row or was
// recorded at codeRevision; and what a history recorded agrees with the
// rows that name it: named by a revision's row exactly when recorded at
// a lower revision, by a marker's row only when recorded without that
// marker (and, for one the umbrella implies, without the umbrella).
func TestVersionTableHistories(t *testing.T) {
	files := allHistories(t)
	recs := map[string]recorded{}
	for _, f := range files {
		recs[f] = readRecorded(t, f)
	}
	for _, v := range versions[1:] {
		name := changeName(t, v.change)
		for _, glob := range v.histories {
			in := historyDir
			if v.retired != "" {
				in = archiveDir
			}
			m, err := filepath.Glob(filepath.Join(in, glob+".json"))
			if err != nil || len(m) == 0 {
				t.Errorf("%s names histories %q: none in %s", name, glob, in)
			}
			if v.retired != "" {
				if m, _ := filepath.Glob(filepath.Join(historyDir, glob+".json")); len(m) > 0 {
					t.Errorf("%s is retired, but its histories %v are not in the archive", name, m)
				}
			}
		}
	}
	for _, f := range files {
		rec := recs[f]
		named := false
		for _, v := range versions[1:] {
			if v.retired != "" || !v.names(t, f) {
				continue
			}
			named = true
			name := changeName(t, v.change)
			switch {
			case v.marker != "" && (rec.markers[v.marker] || v.impliedBy != noChange && (rec.markers[versions[changeRoundTrips].marker] || rec.revision > 0)):
				t.Errorf("%s names %s, but that run took it (markers %v, revision %d)", name, historyName(f), rec.markers, rec.revision)
			case v.revision > 0 && rec.revision >= v.revision:
				t.Errorf("%s names %s, but that run was at revision %d", name, historyName(f), rec.revision)
			}
		}
		for _, v := range versions[1:] {
			if v.revision > 0 && v.retired == "" && slices.Contains(orderTypes, rec.workflowType) && rec.revision < v.revision && !v.names(t, f) {
				t.Errorf("%s (%s, revision %d) was recorded before %s, whose row does not name it", historyName(f), rec.workflowType, rec.revision, changeName(t, v.change))
			}
		}
		if !named && rec.revision != codeRevision {
			t.Errorf("%s (%s, revision %d) is named by no row of versions, and not recorded at codeRevision %d", historyName(f), rec.workflowType, rec.revision, codeRevision)
		}
	}
}

// The README's table of versions lists every row, recorded as the row
// says, and says which are retired; scripts/retire-check.sh counts the
// runs of every workflow type that asks since, and of the lock.
func TestVersionTableInREADME(t *testing.T) {
	text, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readme.Table(string(text), "### Versions and retirement", "| Change |")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(versions)-1 {
		t.Errorf("the README lists %d versions, the table has %d", len(rows), len(versions)-1)
	}
	for i, v := range versions[1:] {
		if i >= len(rows) {
			break
		}
		name := changeName(t, v.change)
		recordedAs := "marker `" + v.marker + "`"
		if v.revision > 0 {
			recordedAs = "revision " + strconv.Itoa(v.revision)
		}
		row := rows[i]
		switch {
		case len(row) != 4:
			t.Errorf("README row %d: %d cells, want 4", i+1, len(row))
		case row[0] != "`"+name+"`":
			t.Errorf("README row %d is %s, the table's is %s", i+1, row[0], name)
		case row[1] != recordedAs:
			t.Errorf("README: %s recorded as %q, the table says %q", name, row[1], recordedAs)
		case (v.retired != "") != strings.HasPrefix(row[3], "retired"):
			t.Errorf("README: %s: %q, but its row is retired=%q", name, row[3], v.retired)
		}
	}
	script, err := os.ReadFile("../scripts/retire-check.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range orderTypes {
		if !strings.Contains(string(script), "'"+typ+"'") || !strings.Contains(string(text), "'"+typ+"'") {
			t.Errorf("the retirement query (scripts/retire-check.sh, README) does not count %s runs", typ)
		}
	}
}

// replayAssumingRetired replays a history as today's workflows would with
// change c retired (since answering true for it).
func replayAssumingRetired(t *testing.T, file string, c workflowChange) error {
	t.Helper()
	p := &Provisioner{cfg: DefaultConfig()}
	retired := func(run func(workflow.Context, Input) (Result, error)) func(workflow.Context, Input) (Result, error) {
		return func(ctx workflow.Context, in Input) (Result, error) {
			return run(workflow.WithValue(ctx, assumeRetired{}, c), in)
		}
	}
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflowWithOptions(retired(p.Run), workflow.RegisterOptions{Name: WorkflowName})
	replayer.RegisterWorkflowWithOptions(retired(p.Decommission), workflow.RegisterOptions{Name: DecommissionWorkflowName})
	replayer.RegisterWorkflowWithOptions(retired(p.Modify), workflow.RegisterOptions{Name: ModifyWorkflowName})
	replayer.RegisterWorkflowWithOptions(retired(p.Adopt), workflow.RegisterOptions{Name: AdoptWorkflowName})
	replayer.RegisterWorkflowWithOptions(p.NameLock, workflow.RegisterOptions{Name: NameLockWorkflowName})
	replayer.RegisterWorkflowWithOptions(p.OrderCallbacks, workflow.RegisterOptions{Name: CallbacksWorkflowName})
	return replayer.ReplayWorkflowHistoryFromJSONFile(log.NewStructuredLogger(slog.New(slog.DiscardHandler)), file)
}

// Retiring a change stops only the histories its row names from
// replaying: with each change in turn assumed retired, every other
// history (outside the archive) replays. So moving a row's histories to
// the archive is all its retirement asks of testdata/histories. Which of
// its own no longer replay is reported: a row none of whose histories
// needs its legacy code has none recorded that takes it.
func TestRetiringAChangeReplaysTheOtherHistories(t *testing.T) {
	files := allHistories(t)
	for _, v := range versions[1:] {
		if v.retired != "" {
			continue
		}
		t.Run(changeName(t, v.change), func(t *testing.T) {
			t.Parallel()
			var need []string
			for _, f := range files {
				err := replayAssumingRetired(t, f, v.change)
				switch {
				case err != nil && v.names(t, f):
					need = append(need, historyName(f))
				case err != nil:
					t.Errorf("with %s retired, %s no longer replays, and its row does not name it: %v", changeName(t, v.change), historyName(f), err)
				}
			}
			t.Logf("with %s retired, %d of the histories its row names no longer replay: %v", changeName(t, v.change), len(need), need)
		})
	}
}
