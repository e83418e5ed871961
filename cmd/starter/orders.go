package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/cc-l2/provisioner/workflows"
)

// maxSourceBytes bounds one orders file: a few hundred bytes per order, so
// this is far more orders than anyone submits at once, yet a mistaken
// /dev/zero cannot exhaust memory.
const maxSourceBytes = 64 << 20

// stdinName is how errors name standard input ("-" on the command line).
const stdinName = "stdin"

// sourceOrder is one order read from a source, with where it was found.
type sourceOrder struct {
	Order workflows.Order
	Index int // 1-based position in its source
	Line  int // line where the order's JSON starts
}

// orderProblem is one field-level problem, as the webhook reports it.
type orderProblem struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// orderError is what is wrong with one order of a source, or with the
// source as a whole (Index 0).
//
//	orders.json: order 2 (line 14): unknown field "sped"
//	orders.json: order 1 (line 1, orderId "CHG1"): invalid order "CHG1": speed must be greater than 0 Mbps (got 0)
type orderError struct {
	Source  string
	Index   int    // 1-based; 0 for the whole source
	Line    int    // where the order starts; 0 when unknown
	OrderID string // set once the order decoded
	Err     error
	// Problems itemizes Err by field, for the webhook; see problems().
	Problems []orderProblem
}

func (e *orderError) Error() string {
	var where strings.Builder
	where.WriteString(e.Source)
	if e.Index > 0 {
		fmt.Fprintf(&where, ": order %d", e.Index)
		var details []string
		if e.Line > 0 {
			details = append(details, fmt.Sprintf("line %d", e.Line))
		}
		if e.OrderID != "" {
			details = append(details, fmt.Sprintf("orderId %q", e.OrderID))
		}
		if len(details) > 0 {
			fmt.Fprintf(&where, " (%s)", strings.Join(details, ", "))
		}
	}
	return where.String() + ": " + e.Err.Error()
}

func (e *orderError) Unwrap() error { return e.Err }

// problems itemizes the error by field; an error about the order or the
// source as a whole is one problem without a field.
func (e *orderError) problems() []orderProblem {
	if len(e.Problems) > 0 {
		return e.Problems
	}
	return []orderProblem{{Message: e.Err.Error()}}
}

// readSource reads a file, or standard input for "-".
func readSource(name string, stdin io.Reader) (display string, data []byte, err error) {
	var r io.Reader
	if name == "-" {
		display, r = stdinName, stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return name, nil, err
		}
		defer f.Close()
		display, r = name, f
	}
	data, err = io.ReadAll(io.LimitReader(r, maxSourceBytes+1))
	if err != nil {
		return display, nil, fmt.Errorf("%s: %w", display, err)
	}
	if len(data) > maxSourceBytes {
		return display, nil, fmt.Errorf("%s: larger than %d MiB", display, maxSourceBytes>>20)
	}
	return display, data, nil
}

// parseOrders decodes every order in data: one JSON object, a JSON array of
// objects, or objects one after another (newline-delimited JSON). Unknown
// fields are errors: a misspelt optional field would otherwise be silently
// ignored. It returns the orders that decoded and one error per order that
// did not; after malformed JSON it cannot find the next order and stops.
// Orders are not validated here.
func parseOrders(source string, data []byte) ([]sourceOrder, []*orderError) {
	pos := newPositions(data)
	start := skipSpace(data, 0)
	if start == len(data) {
		return nil, []*orderError{{Source: source, Err: errors.New("no orders: want a JSON object, an array of objects, or one object per line")}}
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var (
		orders []sourceOrder
		errs   []*orderError
	)
	// next decodes the order starting at offset; it reports false when
	// decoding cannot go on.
	next := func(index, offset int) bool {
		line := pos.line(offset)
		fail := func(err error, problems ...orderProblem) {
			errs = append(errs, &orderError{Source: source, Index: index, Line: line, Err: err, Problems: problems})
		}
		if data[offset] != '{' {
			var skipped json.RawMessage
			if err := dec.Decode(&skipped); err != nil {
				fail(syntaxError(err, pos, offset))
				return false
			}
			fail(fmt.Errorf("an order must be a JSON object, not %s", jsonKind(skipped)))
			return true
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			fail(syntaxError(err, pos, offset))
			return false
		}
		o, err := workflows.DecodeOrder(raw)
		if err == nil {
			orders = append(orders, sourceOrder{Order: o, Index: index, Line: line})
			return true
		}
		var (
			typeErr *json.UnmarshalTypeError
			invalid *workflows.ValidationError
		)
		switch {
		case errors.As(err, &invalid):
			// Keys that are not exactly a field, given twice, or null/"".
			problems := make([]orderProblem, len(invalid.Problems))
			msgs := make([]string, len(invalid.Problems))
			for i, p := range invalid.Problems {
				problems[i] = orderProblem{Field: p.Field, Message: p.Message}
				if rest, unknown := strings.CutPrefix(p.Message, "is not a field of an order"); unknown {
					msgs[i] = fmt.Sprintf("unknown field %q%s", p.Field, rest)
				} else {
					msgs[i] = fmt.Sprintf("field %q %s", p.Field, p.Message)
				}
			}
			fail(errors.New(strings.Join(msgs, "; ")), problems...)
		case errors.As(err, &typeErr):
			fail(fmt.Errorf("field %q: want %s, got %s", typeErr.Field, typeName(typeErr), typeErr.Value),
				orderProblem{Field: typeErr.Field, Message: fmt.Sprintf("must be %s, not %s", typeName(typeErr), typeErr.Value)})
		default:
			// A field's own decoder refused its value (e.g. activationTimeout
			// "soon").
			fail(err)
		}
		return true
	}

	if data[start] == '[' {
		if _, err := dec.Token(); err != nil {
			return nil, []*orderError{{Source: source, Err: syntaxError(err, pos, start)}}
		}
		unclosed := &orderError{Source: source, Err: errors.New("invalid JSON: input ends before the array of orders is closed with ]")}
		index := 0
		for dec.More() {
			index++
			offset := skipSeparators(data, int(dec.InputOffset()))
			if offset == len(data) { // a trailing comma
				return orders, append(errs, unclosed)
			}
			if !next(index, offset) {
				return orders, errs
			}
		}
		if _, err := dec.Token(); err != nil { // the closing bracket
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return orders, append(errs, unclosed)
			}
			return orders, append(errs, &orderError{Source: source, Err: syntaxError(err, pos, int(dec.InputOffset()))})
		}
		if rest := skipSpace(data, int(dec.InputOffset())); rest < len(data) {
			errs = append(errs, &orderError{Source: source, Err: fmt.Errorf("line %d: unexpected data after the array of orders", pos.line(rest))})
		}
		if index == 0 {
			errs = append(errs, &orderError{Source: source, Err: errors.New("no orders: the array is empty")})
		}
		return orders, errs
	}

	for index, offset := 1, start; offset < len(data); index, offset = index+1, skipSpace(data, int(dec.InputOffset())) {
		if !next(index, offset) {
			break
		}
	}
	return orders, errs
}

// checkOrders validates decoded orders, one error per invalid order.
func checkOrders(source string, orders []sourceOrder) []*orderError {
	var errs []*orderError
	for _, so := range orders {
		err := so.Order.Validate()
		if err == nil {
			continue
		}
		oe := &orderError{Source: source, Index: so.Index, Line: so.Line, OrderID: so.Order.OrderID, Err: err}
		var invalid *workflows.ValidationError
		if errors.As(err, &invalid) {
			for _, p := range invalid.Problems {
				oe.Problems = append(oe.Problems, orderProblem{Field: p.Field, Message: p.Message})
			}
		}
		errs = append(errs, oe)
	}
	return errs
}

// duplicates remembers the order ids seen in one submit, to refuse a
// second order with the same id: both would map to one workflow id, and
// the second would silently report "exists".
type duplicates map[string]string // orderId → where it was first seen

// check records the ids of orders and returns an error for each one seen
// before, in this source or an earlier one.
func (d duplicates) check(source string, orders []sourceOrder) []*orderError {
	var errs []*orderError
	for _, so := range orders {
		id := so.Order.OrderID
		if id == "" {
			continue // Validate reports it
		}
		where := fmt.Sprintf("order %d (line %d) of %s", so.Index, so.Line, source)
		if first, seen := d[id]; seen {
			errs = append(errs, &orderError{
				Source: source, Index: so.Index, Line: so.Line, OrderID: id,
				Err:      fmt.Errorf("duplicate orderId %q: already given as %s", id, first),
				Problems: []orderProblem{{Field: "orderId", Message: "repeats the orderId of an earlier order"}},
			})
			continue
		}
		d[id] = where
	}
	return errs
}

// positions turns byte offsets into line and column numbers.
type positions struct {
	newlines []int // offsets of every '\n'
}

func newPositions(data []byte) positions {
	var p positions
	for i, b := range data {
		if b == '\n' {
			p.newlines = append(p.newlines, i)
		}
	}
	return p
}

// line is the 1-based line of offset.
func (p positions) line(offset int) int {
	return sort.SearchInts(p.newlines, offset) + 1
}

// column is the 1-based column (in bytes) of offset.
func (p positions) column(offset int) int {
	i := sort.SearchInts(p.newlines, offset)
	if i == 0 {
		return offset + 1
	}
	return offset - p.newlines[i-1]
}

func isSyntaxError(err error) bool {
	var syntax *json.SyntaxError
	return errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// syntaxError says where JSON is malformed. start is where the order being
// read began, used when the decoder gives no position (truncated input).
func syntaxError(err error, pos positions, start int) error {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		// Offset counts the bytes read up to and including the bad one.
		at := max(int(syntax.Offset)-1, 0)
		return fmt.Errorf("invalid JSON at line %d, column %d: %s", pos.line(at), pos.column(at), syntax.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("invalid JSON: input ends inside the value starting at line %d", pos.line(start))
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

// skipSeparators skips whitespace and the comma between array elements.
func skipSeparators(data []byte, i int) int {
	for i < len(data) && (isSpace(data[i]) || data[i] == ',') {
		i++
	}
	return i
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// jsonKind names the kind of a JSON value for messages.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// typeName says what JSON a Go field wants.
func typeName(e *json.UnmarshalTypeError) string {
	if e.Type == nil {
		return "another type"
	}
	switch e.Type.Kind().String() {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	}
	return e.Type.String()
}
