package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.temporal.io/sdk/log"
)

func TestNewTo(t *testing.T) {
	tests := []struct {
		name, level, format string
		wantErr             []string // substrings; nil means success
	}{
		{name: "json info", level: "info", format: "json"},
		{name: "console debug", level: "debug", format: "console"},
		{name: "case and space tolerant", level: " WARN ", format: "JSON"},
		{name: "error level", level: "error", format: "json"},
		{name: "bad level", level: "verbose", format: "json", wantErr: []string{`invalid log level "verbose"`}},
		{name: "fatal is not offered", level: "fatal", format: "json", wantErr: []string{`invalid log level "fatal"`}},
		{name: "bad format", level: "info", format: "xml", wantErr: []string{`invalid log format "xml"`}},
		{name: "both bad", level: "", format: "yaml", wantErr: []string{`invalid log level ""`, `invalid log format "yaml"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			z, err := NewTo(&buf, tt.level, tt.format)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatal("want an error from err")
				}
				for _, want := range tt.wantErr {
					if s, sub := err.Error(), want; !strings.Contains(s, sub) {
						t.Fatalf("%q does not contain %q", s, sub)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("%v", err)
			}
			z.Error("hello")
			if s, sub := buf.String(), "hello"; !strings.Contains(s, sub) {
				t.Fatalf("%q does not contain %q", s, sub)
			}
		})
	}
}

func TestLevelFilters(t *testing.T) {
	var buf bytes.Buffer
	z, err := NewTo(&buf, "warn", "json")
	if err != nil {
		t.Fatalf("%v", err)
	}
	z.Info("quiet")
	z.Warn("loud")
	if s, sub := buf.String(), "quiet"; strings.Contains(s, sub) {
		t.Fatalf("%q contains %q", s, sub)
	}
	if s, sub := buf.String(), "loud"; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}

// decodeLines parses every JSON log line in buf.
func decodeLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%v (%v)", err, fmt.Sprintf("line %q", line))
		}
		lines = append(lines, m)
	}
	return lines
}

func TestTemporalAdapter(t *testing.T) {
	tests := []struct {
		name    string
		log     func(l log.Logger)
		level   string
		message string
		fields  map[string]any
	}{
		{
			name:    "pairs become fields",
			log:     func(l log.Logger) { l.Info("worker started", "Namespace", "default", "Attempt", 3) },
			level:   "info",
			message: "worker started",
			fields:  map[string]any{"Namespace": "default", "Attempt": float64(3)},
		},
		{
			name:    "error value",
			log:     func(l log.Logger) { l.Error("failed", "Error", errors.New("boom")) },
			level:   "error",
			message: "failed",
			fields:  map[string]any{"Error": "boom"},
		},
		{
			name:    "odd value kept",
			log:     func(l log.Logger) { l.Warn("odd", "key", "v", "dangling") },
			level:   "warn",
			message: "odd",
			fields:  map[string]any{"key": "v", "extra": "dangling"},
		},
		{
			name:    "non-string key",
			log:     func(l log.Logger) { l.Debug("nonstring", 42, "answer") },
			level:   "debug",
			message: "nonstring",
			fields:  map[string]any{"42": "answer"},
		},
		{
			name: "With prepends fields and does not mutate the parent",
			log: func(l log.Logger) {
				child := l.(log.WithLogger).With("WorkflowID", "wf-1")
				child.Info("child line", "n", 1)
			},
			level:   "info",
			message: "child line",
			fields:  map[string]any{"WorkflowID": "wf-1", "n": float64(1)},
		},
		{
			name:    "WithCallerSkip still logs",
			log:     func(l log.Logger) { l.(log.WithSkipCallers).WithCallerSkip(1).Info("skipped") },
			level:   "info",
			message: "skipped",
			fields:  map[string]any{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			z, err := NewTo(&buf, "debug", "json")
			if err != nil {
				t.Fatalf("%v", err)
			}
			tt.log(Temporal(z))
			lines := decodeLines(t, &buf)
			if n := len(lines); n != 1 {
				t.Fatalf("len(lines) = %d, want 1", n)
			}
			line := lines[0]
			if got, want := line["level"], tt.level; got != want {
				t.Fatalf("line[\"level\"] = %v, want %v", got, want)
			}
			if got, want := line["msg"], tt.message; got != want {
				t.Fatalf("line[\"msg\"] = %v, want %v", got, want)
			}
			for k, v := range tt.fields {
				if got, want := line[k], v; got != want {
					t.Fatalf("line[k] = %v, want %v (%v)", got, want, fmt.Sprintf("field %s", k))
				}
			}
		})
	}
}

func TestTemporalAdapterCallerIsTheCallSite(t *testing.T) {
	var buf bytes.Buffer
	z, err := NewTo(&buf, "info", "json")
	if err != nil {
		t.Fatalf("%v", err)
	}
	Temporal(z).Info("where")
	line := decodeLines(t, &buf)[0]
	if s, sub := fmt.Sprint(line["caller"]), "logging_test.go"; !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}

func TestWithDoesNotMutateParent(t *testing.T) {
	var buf bytes.Buffer
	z, err := NewTo(&buf, "info", "json")
	if err != nil {
		t.Fatalf("%v", err)
	}
	parent := Temporal(z)
	_ = parent.(log.WithLogger).With("k", "v")
	parent.Info("parent")
	line := decodeLines(t, &buf)[0]
	if _, ok := line["k"]; ok {
		t.Fatalf("the parent logger took the child's field: %v", line)
	}
}
