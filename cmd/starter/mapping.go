package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/itchyny/gojq"
	"go.uber.org/zap"

	"github.com/cc-l2/provisioner/internal/intake"
)

// A mapping turns a ticketing system's own webhook body into orders: each
// NAME.jq in STARTER_MAPPINGS is a jq program (gojq, a maintained jq in
// Go) served at POST /orders/NAME. The request body is its input; each of
// its outputs is one order or an array of orders, which then go through
// POST /orders's intake and start (webhook.start), so the same checks,
// the same dedupe and the all-or-nothing of one request hold.
//
// The program is the operator's, the input the caller's. The program sees
// nothing but its input: no environment ($ENV and env are empty, so the
// starter's secrets stay out of reach), no other input (input and inputs
// do not compile), no modules, no files. A run has a deadline and a cap
// on what it makes, so a body that sends a program into a long loop costs
// a 400, not the server.
const (
	// mappingTimeout bounds one run: a mapping reshapes one ticket.
	mappingTimeout = 2 * time.Second
	// maxMappedOrders bounds what one run makes: its outputs, and its
	// orders, all outputs together.
	maxMappedOrders = 100
	// maxProblemBytes bounds a program's own words in an answer (error(.)
	// could repeat the whole body).
	maxProblemBytes = 300
)

// mappingName is what NAME may be: one path segment, plain.
var mappingName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// mapping is one compiled NAME.jq.
type mapping struct {
	name string
	code *gojq.Code
}

// path is where the mapping is served.
func (m *mapping) path() string { return "/orders/" + m.name }

// loadMappings compiles every NAME.jq in dir (other files, subdirectories
// and names beginning with a dot, as a Kubernetes ConfigMap's ..data, are
// not mappings). Its error names the file and the problem: a program that
// does not compile, a name that is not one plain path segment, or a name
// that clashes with one of the webhook's routes under /orders.
func loadMappings(dir string) ([]*mapping, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("STARTER_MAPPINGS: %w", err)
	}
	reserved := routeSegments()
	var mappings []*mapping
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".jq")
		if !ok || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		file := filepath.Join(dir, e.Name())
		if info, err := os.Stat(file); err != nil || !info.Mode().IsRegular() { // a ConfigMap's files are links
			continue
		}
		switch {
		case !mappingName.MatchString(name):
			return nil, fmt.Errorf("STARTER_MAPPINGS: %s: a mapping's name (the file's, less .jq) must be 1-64 letters, digits, '_' or '-', starting with a letter or digit", file)
		case slices.Contains(reserved, name):
			return nil, fmt.Errorf("STARTER_MAPPINGS: %s: POST /orders/%s would read as the webhook's own /orders/{orderId}/%s: name the mapping otherwise", file, name, name)
		}
		src, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("STARTER_MAPPINGS: %w", err)
		}
		m, err := compileMapping(name, string(src))
		if err != nil {
			return nil, fmt.Errorf("STARTER_MAPPINGS: %s: %w", file, err)
		}
		mappings = append(mappings, m)
	}
	return mappings, nil
}

// routeSegments are the fixed segments of the webhook's routes under
// /orders/ (cancel, refresh): a mapping of that name would make one path
// read two ways.
func routeSegments() []string {
	var fixed []string
	for pattern := range (&webhook{}).orderRoutes() {
		for _, segment := range strings.Split(strings.TrimPrefix(pattern, "/orders"), "/") {
			if segment != "" && !strings.HasPrefix(segment, "{") {
				fixed = append(fixed, segment)
			}
		}
	}
	return fixed
}

// compileMapping compiles one program. Its error says where a syntax
// error is (line and column) or what does not compile.
func compileMapping(name, src string) (*mapping, error) {
	query, err := gojq.Parse(src)
	if err != nil {
		var syntax *gojq.ParseError
		if errors.As(err, &syntax) {
			line, column := lineColumn(src, syntax.Offset-len(syntax.Token))
			return nil, fmt.Errorf("line %d, column %d: %w", line, column, err)
		}
		return nil, err
	}
	code, err := gojq.Compile(query,
		// No environment at all: gojq's default is none, and this says so
		// where a reader looks.
		gojq.WithEnvironLoader(func() []string { return nil }),
	)
	if err != nil {
		return nil, err
	}
	return &mapping{name: name, code: code}, nil
}

// lineColumn is the 1-based line and column of offset in src.
func lineColumn(src string, offset int) (int, int) {
	offset = min(max(offset, 0), len(src))
	before := src[:offset]
	line := strings.Count(before, "\n") + 1
	return line, offset - strings.LastIndex(before, "\n")
}

// mappedOrders is what one run of a mapping made: its orders as one JSON
// array, one order a line, and which output each came from.
type mappedOrders struct {
	name    string
	orders  []byte
	outputs []int // outputs[i] is the output order i came from
}

// outputOf is the output order i came from.
func (m *mappedOrders) outputOf(i int) *int {
	if i < 0 || i >= len(m.outputs) {
		return nil
	}
	return &m.outputs[i]
}

// mappingProblem is why a mapping made no orders: where (which output,
// which element of an output that is an array; both from 0) and what.
type mappingProblem struct {
	Output  *int   `json:"output,omitempty"`
	Element *int   `json:"element,omitempty"`
	Message string `json:"message"`
}

// run runs the mapping on a request body. Either every output is an
// order or an array of orders, and it returns them all, or it returns
// the first problem and nothing.
func (m *mapping) run(ctx context.Context, body []byte) (*mappedOrders, *mappingProblem) {
	input, err := decodeInput(body)
	if err != nil {
		return nil, &mappingProblem{Message: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, mappingTimeout)
	defer cancel()
	made := &mappedOrders{name: m.name}
	var orders bytes.Buffer
	orders.WriteString("[")
	iter := m.code.RunWithContext(ctx, input)
	for output := 0; ; output++ {
		v, ok := iter.Next()
		if !ok {
			break
		}
		at := func(message string, element ...int) *mappingProblem {
			p := &mappingProblem{Output: &output, Message: message}
			if len(element) > 0 {
				p.Element = &element[0]
			}
			return p
		}
		if err, isErr := v.(error); isErr {
			return nil, at(runError(ctx, err))
		}
		if output == maxMappedOrders { // outputs of empty arrays make no order, yet cost
			return nil, at(fmt.Sprintf("is one output too many: a mapping makes at most %d", maxMappedOrders))
		}
		elements := []any{v}
		array, isArray := v.([]any)
		if isArray {
			elements = array
		}
		for i, e := range elements {
			if _, isObject := e.(map[string]any); !isObject {
				if isArray {
					return nil, at("is "+jqKind(e)+", not an order (a JSON object)", i)
				}
				return nil, at("is " + jqKind(e) + ", not an order (a JSON object) or an array of orders")
			}
			if len(made.outputs) == maxMappedOrders {
				return nil, at(fmt.Sprintf("makes more than %d orders: one request makes at most %d", maxMappedOrders, maxMappedOrders))
			}
			encoded, _ := gojq.Marshal(e) // never fails on what gojq emits
			if orders.Len()+len(encoded) > maxBodyBytes {
				return nil, at("makes orders over 1 MiB in all")
			}
			if len(made.outputs) > 0 {
				orders.WriteString(",")
			}
			orders.WriteString("\n")
			orders.Write(encoded)
			made.outputs = append(made.outputs, output)
		}
	}
	orders.WriteString("\n]")
	made.orders = orders.Bytes()
	return made, nil
}

// decodeInput is the body as one JSON value, numbers kept as written (a
// ticket number is not rounded through a float).
func decodeInput(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the body is empty: want one JSON value, the ticketing system's webhook body")
		}
		return nil, fmt.Errorf("the body is not JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("the body is not JSON: data after the first value")
	}
	return v, nil
}

// runError words a program's failure: its deadline, or the program's own
// words (error("...")'s string as it is), cut short.
func runError(ctx context.Context, err error) string {
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		return fmt.Sprintf("ran longer than %s", mappingTimeout)
	}
	message := err.Error()
	var halted *gojq.HaltError
	var raised gojq.ValueError
	switch {
	case errors.As(err, &halted):
		message = "the program halted"
	case errors.As(err, &raised):
		if text, ok := raised.Value().(string); ok {
			message = text
		} else {
			encoded, _ := gojq.Marshal(raised.Value())
			message = string(encoded)
		}
	}
	if len(message) > maxProblemBytes {
		message = strings.ToValidUTF8(message[:maxProblemBytes], "") + "…"
	}
	return message
}

// jqKind names a value's JSON kind as jq's type does, with an article.
func jqKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "a number"
}

// serveMapping handles POST /orders/{name}: the body through the mapping,
// then its orders as POST /orders takes them. A mapping that makes no
// orders (its program chose to ignore this event) answers 200 and starts
// nothing.
func (h *webhook) serveMapping(m *mapping) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, ok := readBody(w, r)
		if !ok {
			return
		}
		made, problem := m.run(r.Context(), body)
		if problem != nil {
			writeErrorWith(w, http.StatusBadRequest, errMappingFailed, map[string]any{"mapping": m.name, "problems": []mappingProblem{*problem}})
			h.log(w).Info("webhook: the mapping made no orders", zap.String("mapping", m.name), zap.String("problem", problem.Message))
			return
		}
		if len(made.outputs) == 0 {
			writeJSON(w, http.StatusOK, map[string]any{"orders": []started{}, "mapping": m.name})
			h.log(w).Info("webhook: the mapping made no orders from this event", zap.String("mapping", m.name))
			return
		}
		h.start(w, r, made.orders, intake.JSON, made)
	}
}
