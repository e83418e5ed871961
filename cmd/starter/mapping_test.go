package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/workflows"
)

// mappingServer is a webhook (token auth) serving the given mappings, on a
// Temporal that records what it starts.
func mappingServer(t *testing.T, mappings ...*mapping) (*httptest.Server, *fuzzTemporal) {
	t.Helper()
	temporal := &fuzzTemporal{}
	s := newStarter(temporal, "q")
	s.retryWait = func(int) time.Duration { return 0 }
	srv := httptest.NewServer(newWebhookFor(s, temporal, webhookAuth{Token: testToken}, mappings, zap.NewNop()))
	t.Cleanup(srv.Close)
	return srv, temporal
}

func mustCompile(t *testing.T, name, src string) *mapping {
	t.Helper()
	m, err := compileMapping(name, src)
	if err != nil {
		t.Fatalf("compiling %s: %v", name, err)
	}
	return m
}

// exampleMappings are examples/mappings, loaded as serve loads them.
func exampleMappings(t *testing.T) []*mapping {
	t.Helper()
	mappings, err := loadMappings("../../examples/mappings")
	if err != nil {
		t.Fatal(err)
	}
	if len(mappings) != 2 {
		t.Fatalf("examples/mappings has %d mappings, want jira and servicenow", len(mappings))
	}
	return mappings
}

func payload(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("../../examples/mappings/testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// edited is the payload as JSON after edit changed it.
func edited(t *testing.T, v map[string]any, edit func(map[string]any)) string {
	t.Helper()
	raw, _ := json.Marshal(v) // a deep copy
	var c map[string]any
	_ = json.Unmarshal(raw, &c)
	if edit != nil {
		edit(c)
	}
	out, _ := json.Marshal(c)
	return string(out)
}

func field(v map[string]any, path ...string) map[string]any {
	for _, p := range path {
		v = v[p].(map[string]any)
	}
	return v
}

// The shipped mappings turn the documented payloads into the orders the
// README says, and a broken payload into a 400 naming the mapping and
// the problem, starting nothing.
func TestExampleMappings(t *testing.T) {
	srv, temporal := mappingServer(t, exampleMappings(t)...)
	jira, ritm, change := payload(t, "jira-issue-created.json"), payload(t, "servicenow-sc_req_item.json"), payload(t, "servicenow-change_request.json")
	const hkg, sin = "601000000000000000000001", "601000000000000000000002"
	tests := []struct {
		name      string
		path      string
		body      string
		wantCode  int
		want      []workflows.Order
		wantError string // a problem's message, for a 400
	}{
		{"jira issue created", "/orders/jira", edited(t, jira, nil), http.StatusAccepted, []workflows.Order{{
			OrderID: "JIRA-NET-42", Company: "acme", PortID: hkg, DestPortID: sin, SpeedMbps: 10,
			Callback: &workflows.Callback{Target: "jira", Ticket: "NET-42"},
		}}, ""},
		{"jira issue updated", "/orders/jira", edited(t, jira, func(v map[string]any) { v["webhookEvent"] = "jira:issue_updated" }), http.StatusAccepted, []workflows.Order{{
			OrderID: "JIRA-NET-42", Company: "acme", PortID: hkg, DestPortID: sin, SpeedMbps: 10,
			Callback: &workflows.Callback{Target: "jira", Ticket: "NET-42"},
		}}, ""},
		{"jira comment: no order", "/orders/jira", edited(t, jira, func(v map[string]any) { v["webhookEvent"] = "comment_created" }), http.StatusOK, nil, ""},
		{"jira issue without its speed", "/orders/jira", edited(t, jira, func(v map[string]any) { delete(field(v, "issue", "fields"), "customfield_10072") }),
			http.StatusBadRequest, nil, "issue NET-42: Speed (customfield_10072) is empty"},
		{"jira speed not a number", "/orders/jira", edited(t, jira, func(v map[string]any) { field(v, "issue", "fields", "customfield_10072")["value"] = "fast" }),
			http.StatusBadRequest, nil, `issue NET-42: Speed (customfield_10072) is "fast", not a number of Mbps`},
		{"jira: a body that is no issue", "/orders/jira", `{"webhookEvent":"jira:issue_created","issue":"NET-1"}`,
			http.StatusBadRequest, nil, `expected an object but got: string ("NET-1")`},
		{"servicenow requested item", "/orders/servicenow", edited(t, ritm, nil), http.StatusAccepted, []workflows.Order{{
			OrderID: "SN-9d385017c611228701d22104cc95c371", Company: "acme", Name: "RITM0010042", PortID: hkg, DestPortID: sin, SpeedMbps: 10,
			Callback: &workflows.Callback{Target: "servicenow", Ticket: "9d385017c611228701d22104cc95c371"},
		}}, ""},
		{"servicenow change request", "/orders/servicenow", edited(t, change, nil), http.StatusAccepted, []workflows.Order{{
			OrderID: "SN-c83c5e5347c12200e0ef563dbb9a7190", Company: "acme", Name: "CHG0030042", PortID: hkg, DestPortID: sin, SpeedMbps: 100,
			Callback: &workflows.Callback{Target: "servicenow", Ticket: "c83c5e5347c12200e0ef563dbb9a7190"},
		}}, ""},
		{"servicenow without a source port", "/orders/servicenow", edited(t, ritm, func(v map[string]any) { field(v, "variables")["source_port"] = "" }),
			http.StatusBadRequest, nil, "RITM0010042: source_port is empty"},
		{"servicenow without a sys_id", "/orders/servicenow", edited(t, ritm, func(v map[string]any) { delete(v, "sys_id") }),
			http.StatusBadRequest, nil, "RITM0010042: sys_id is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(temporal.started)
			code, answer := send(t, srv, http.MethodPost, tt.path, tt.body, bearer(testToken))
			if code != tt.wantCode {
				t.Fatalf("POST %s = %d %v, want %d", tt.path, code, answer, tt.wantCode)
			}
			started := temporal.started[before:]
			// The intake applies the defaults, once, before the start.
			var want []workflows.Order
			for _, o := range tt.want {
				want = append(want, o.WithDefaults())
			}
			if len(tt.want) > 0 && !reflect.DeepEqual(started, want) {
				t.Fatalf("started %+v, want %+v", started, want)
			}
			if len(tt.want) == 0 && len(started) > 0 {
				t.Fatalf("started %+v, want nothing", started)
			}
			if code == http.StatusBadRequest {
				mapping := strings.TrimPrefix(tt.path, "/orders/")
				if answer["error"] != errMappingFailed || answer["mapping"] != mapping {
					t.Fatalf("answer %v, want %q naming the mapping %s", answer, errMappingFailed, mapping)
				}
				problem := answer["problems"].([]any)[0].(map[string]any)
				if problem["message"] != tt.wantError || problem["output"] != float64(0) {
					t.Fatalf("problem %v, want output 0: %q", problem, tt.wantError)
				}
			}
		})
	}
}

// A mapping's outputs go through POST /orders's checks and start, all or
// nothing; a program that fails, runs too long, or makes something that
// is not an order is a 400 naming the mapping, the output and the problem.
func TestMappingRuns(t *testing.T) {
	one := func(id string) string {
		return `{"orderId":"` + id + `","company":"acme","portId":"P1","destPortId":"P2","speed":10}`
	}
	tests := []struct {
		name        string
		program     string
		body        string
		wantCode    int
		wantStarted []string // order ids
		wantError   string
		wantProblem map[string]any
	}{
		{"an object", ".", one("M-1"), http.StatusAccepted, []string{"M-1"}, "", nil},
		{"an array", ".", "[" + one("M-1") + "," + one("M-2") + "]", http.StatusAccepted, []string{"M-1", "M-2"}, "", nil},
		{"several outputs", ".[]", "[" + one("M-1") + "," + one("M-2") + "]", http.StatusAccepted, []string{"M-1", "M-2"}, "", nil},
		{"outputs of arrays", ".[] | [.]", "[" + one("M-1") + "," + one("M-2") + "]", http.StatusAccepted, []string{"M-1", "M-2"}, "", nil},
		{"nothing", "empty", "{}", http.StatusOK, nil, "", nil},
		{"a big ticket number stays whole", `{orderId: "T-\(.n)", company: "acme", portId: "P1", destPortId: "P2", speed: 10}`, `{"n": 12345678901234567890}`,
			http.StatusAccepted, []string{"T-12345678901234567890"}, "", nil},

		{"an invalid order", ".[]", "[" + one("M-1") + "," + strings.Replace(one("M-2"), `"speed":10`, `"speed":0`, 1) + "]",
			http.StatusBadRequest, nil, errInvalidOrders, map[string]any{"order": float64(1), "output": float64(1), "orderId": "M-2", "field": "speed", "message": "must be greater than 0 Mbps (got 0)"}},
		{"an unknown field", `. + {colour: "red"}`, one("M-1"),
			http.StatusBadRequest, nil, errInvalidOrders, map[string]any{"order": float64(0), "output": float64(0), "field": "colour", "message": "is not a field of an order"}},
		{"the same order twice", ".,.", one("M-1"),
			http.StatusBadRequest, nil, errInvalidOrders, map[string]any{"order": float64(1), "output": float64(1), "orderId": "M-1", "field": "orderId", "message": "repeats the orderId of an earlier order"}},
		{"a string", `"M-1"`, "{}", http.StatusBadRequest, nil, errMappingFailed,
			map[string]any{"output": float64(0), "message": "is a string, not an order (a JSON object) or an array of orders"}},
		{"null after an order", `., null`, one("M-1"), http.StatusBadRequest, nil, errMappingFailed,
			map[string]any{"output": float64(1), "message": "is null, not an order (a JSON object) or an array of orders"}},
		{"a number in an array", `[., 1]`, one("M-1"), http.StatusBadRequest, nil, errMappingFailed,
			map[string]any{"output": float64(0), "element": float64(1), "message": "is a number, not an order (a JSON object)"}},
		{"the program's error", `error("no ports on this ticket")`, "{}", http.StatusBadRequest, nil, errMappingFailed,
			map[string]any{"output": float64(0), "message": "no ports on this ticket"}},
		{"a long error is cut", `error("x" * 1000)`, "{}", http.StatusBadRequest, nil, errMappingFailed,
			map[string]any{"output": float64(0), "message": strings.Repeat("x", maxProblemBytes) + "…"}},
		{"a type error", `.a.b`, `{"a":"text"}`, http.StatusBadRequest, nil, errMappingFailed,
			map[string]any{"output": float64(0), "message": `expected an object but got: string ("text")`}},
		{"halt", `halt`, `{}`, http.StatusBadRequest, nil, errMappingFailed,
			map[string]any{"output": float64(0), "message": "the program halted"}},
		{"an error of an object", `error({reason: "no ports"})`, "{}", http.StatusBadRequest, nil, errMappingFailed,
			map[string]any{"output": float64(0), "message": `{"reason":"no ports"}`}},
		{"too many orders", `[range(60) | {orderId: "M-\(.)", company: "acme", portId: "P1", destPortId: "P2", speed: 10}] | ., map(.orderId |= "N" + .)`, "{}", http.StatusBadRequest, nil, errMappingFailed,
			map[string]any{"output": float64(1), "message": "makes more than 100 orders: one request makes at most 100"}},
		{"too many outputs", `range(101) | []`, "{}", http.StatusBadRequest, nil, errMappingFailed,
			map[string]any{"output": float64(100), "message": "is one output too many: a mapping makes at most 100"}},
		{"too much", `{orderId: "M-1", company: "acme", portId: "P1", destPortId: "P2", speed: 10, name: ("x" * 2000000)}`, "{}", http.StatusBadRequest, nil, errMappingFailed,
			map[string]any{"output": float64(0), "message": "makes orders over 1 MiB in all"}},
		{"a body that is not JSON", ".", "summary=L2", http.StatusBadRequest, nil, errMappingFailed,
			map[string]any{"message": "the body is not JSON: invalid character 's' looking for beginning of value"}},
		{"two JSON values", ".", "{} {}", http.StatusBadRequest, nil, errMappingFailed,
			map[string]any{"message": "the body is not JSON: data after the first value"}},
		{"an empty body", ".", "", http.StatusBadRequest, nil, errMappingFailed,
			map[string]any{"message": "the body is empty: want one JSON value, the ticketing system's webhook body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, temporal := mappingServer(t, mustCompile(t, "m", tt.program))
			code, answer := send(t, srv, http.MethodPost, "/orders/m", tt.body, bearer(testToken))
			if code != tt.wantCode {
				t.Fatalf("= %d %v, want %d", code, answer, tt.wantCode)
			}
			var started []string
			for _, o := range temporal.started {
				started = append(started, o.OrderID)
			}
			if !reflect.DeepEqual(started, tt.wantStarted) {
				t.Fatalf("started %v, want %v", started, tt.wantStarted)
			}
			if tt.wantProblem == nil {
				return
			}
			if answer["error"] != tt.wantError || answer["mapping"] != "m" {
				t.Fatalf("answer %v, want %q naming the mapping m", answer, tt.wantError)
			}
			if problems := answer["problems"].([]any); !reflect.DeepEqual(problems[0], tt.wantProblem) {
				t.Fatalf("problem %v, want %v", problems[0], tt.wantProblem)
			}
		})
	}
}

// A mapping takes POST alone: GET /orders/NAME is still the status of an
// order of that id, and a cancel of it is still a cancel.
func TestMappingTakesOnlyPost(t *testing.T) {
	srv, temporal := mappingServer(t, mustCompile(t, "jira", "."))
	if code, answer := send(t, srv, http.MethodGet, "/orders/jira", "", bearer(testToken)); code != http.StatusNotFound || answer["error"] != errNoOrder {
		t.Fatalf("GET /orders/jira = %d %v, want the order's 404", code, answer)
	}
	if code, answer := send(t, srv, http.MethodPost, "/orders/jira/cancel", "", bearer(testToken)); code != http.StatusNotFound || answer["error"] != errNoOrder {
		t.Fatalf("POST /orders/jira/cancel = %d %v, want the order's 404", code, answer)
	}
	// A POST to a mapping that is not there says where mappings come from.
	if code, answer := send(t, srv, http.MethodPost, "/orders/jria", "{}", bearer(testToken)); code != http.StatusMethodNotAllowed || answer["error"] != errNotAnOrderMethod {
		t.Fatalf("POST /orders/jria = %d %v, want 405 %q", code, answer, errNotAnOrderMethod)
	}
	if len(temporal.started) > 0 {
		t.Fatalf("started %v", temporal.started)
	}
}

// A program that does not end is stopped at its deadline: a 400.
func TestMappingDeadline(t *testing.T) {
	srv, temporal := mappingServer(t, mustCompile(t, "loop", `last(range(1e15))`))
	began := time.Now()
	code, answer := send(t, srv, http.MethodPost, "/orders/loop", "{}", bearer(testToken))
	took := time.Since(began)
	want := map[string]any{"output": float64(0), "message": "ran longer than 2s"}
	if code != http.StatusBadRequest || !reflect.DeepEqual(answer["problems"], []any{want}) || len(temporal.started) > 0 {
		t.Fatalf("= %d %v, want 400 with %v", code, answer, want)
	}
	// Without the deadline the program would run for days: the test's
	// own timeout would end it. How long it took is a figure, not a check.
	t.Logf("a program stopped at its %s deadline answered in %s", mappingTimeout, took.Round(time.Millisecond))
}

// A program sees nothing but its body: not the process's environment
// (where the starter's secrets are), not another input.
func TestMappingSeesOnlyItsInput(t *testing.T) {
	t.Setenv("STARTER_WEBHOOK_TOKEN", "secret-in-the-environment-77c")
	t.Setenv("STARTER_WEBHOOK_BASIC_PASSWORD", "secret-in-the-environment-77c")
	for _, program := range []string{
		`{orderId: "E-1", company: "acme", portId: "P1", destPortId: "P2", speed: 10, name: ($ENV | tojson)}`,
		`{orderId: "E-1", company: "acme", portId: "P1", destPortId: "P2", speed: 10, name: (env | tojson)}`,
		`{orderId: "E-1", company: "acme", portId: "P1", destPortId: "P2", speed: 10, name: ($ENV.STARTER_WEBHOOK_TOKEN // "none")}`,
	} {
		srv, temporal := mappingServer(t, mustCompile(t, "env", program))
		code, answer := send(t, srv, http.MethodPost, "/orders/env", "{}", bearer(testToken))
		if code != http.StatusAccepted {
			t.Fatalf("%s: = %d %v", program, code, answer)
		}
		if name := temporal.started[0].Name; name != "{}" && name != "none" {
			t.Fatalf("%s: the program saw %q", program, name)
		}
	}
	for _, program := range []string{`input`, `[inputs]`, `import "x" as x; .`, `include "x"; .`, `input_filename`, `debug`, `stderr`, `$__prog_args`} {
		if _, err := compileMapping("m", program); err == nil {
			t.Errorf("%s compiles: a mapping must have no other input, module or output", program)
		}
	}
}

// serve loads every NAME.jq and refuses to start on one that does not
// compile or whose name clashes, naming the file and the problem.
func TestLoadMappings(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		want    []string // the paths served
		wantErr string
	}{
		{"two, and files that are no mappings", map[string]string{"jira.jq": ".", "servicenow.jq": ".", "README.md": "x", ".hidden.jq": "syntax error", "sub/x.jq": "."},
			[]string{"/orders/jira", "/orders/servicenow"}, ""},
		{"none", map[string]string{}, nil, ""},
		{"a syntax error", map[string]string{"jira.jq": "{orderId: .key,\n  speed: (.speed | tonumber\n}"},
			nil, `jira.jq: line 3, column 1: unexpected token "}"`},
		{"an unknown function", map[string]string{"jira.jq": ". | frobnicate"}, nil, "jira.jq: function not defined: frobnicate/0"},
		{"input", map[string]string{"jira.jq": "input"}, nil, "jira.jq: input(s)/0 is not allowed"},
		{"a module", map[string]string{"jira.jq": `import "lib" as lib; .`}, nil, `jira.jq: cannot load module: "lib"`},
		{"a name that clashes with /orders/{orderId}/cancel", map[string]string{"cancel.jq": "."}, nil,
			"cancel.jq: POST /orders/cancel would read as the webhook's own /orders/{orderId}/cancel: name the mapping otherwise"},
		{"a name that clashes with /orders/{orderId}/refresh", map[string]string{"refresh.jq": "."}, nil,
			"refresh.jq: POST /orders/refresh would read as the webhook's own /orders/{orderId}/refresh: name the mapping otherwise"},
		{"a name that is not a path segment", map[string]string{"my mapping.jq": "."}, nil,
			"my mapping.jq: a mapping's name (the file's, less .jq) must be 1-64 letters, digits, '_' or '-', starting with a letter or digit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, src := range tt.files {
				path := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			mappings, err := loadMappings(dir)
			if tt.wantErr != "" {
				if want := "STARTER_MAPPINGS: " + filepath.Join(dir, tt.wantErr); err == nil || err.Error() != want {
					t.Fatalf("err = %v, want %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, m := range mappings {
				paths = append(paths, m.path())
			}
			if !reflect.DeepEqual(paths, tt.want) {
				t.Fatalf("paths %v, want %v", paths, tt.want)
			}
		})
	}
	if _, err := loadMappings(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.HasPrefix(err.Error(), "STARTER_MAPPINGS: open ") {
		t.Fatalf("a missing directory: %v", err)
	}
}

// serve stops at start on a mapping that does not compile, before it
// dials Temporal, and says which file and why.
func TestServeRefusesABrokenMapping(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "jira.jq"), []byte("{orderId: }"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"serve"}, []string{"STARTER_WEBHOOK_TOKEN=" + testToken, "STARTER_MAPPINGS=" + dir, "TEMPORAL_ADDRESS=127.0.0.1:1", "TEMPORAL_CONFIG_FILE=" + os.DevNull},
		strings.NewReader(""), &stdout, &stderr)
	want := "starter: STARTER_MAPPINGS: " + filepath.Join(dir, "jira.jq") + ": line 1, column 11: unexpected token \"}\"\n"
	if code != exitUsage || stderr.String() != want {
		t.Fatalf("serve = %d, stderr %q; want %d, %q", code, stderr.String(), exitUsage, want)
	}
}
