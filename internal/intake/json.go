package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/cc-l2/provisioner/order"
)

// parseJSON decodes every order in data: one JSON object, a JSON array of
// objects, or objects one after another (newline-delimited JSON). Unknown
// fields are errors: a misspelt optional field would otherwise be silently
// ignored. It returns the orders that decoded and one error per order that
// did not; after malformed JSON it cannot find the next order and stops.
// Orders are not validated here.
func parseJSON(source string, data []byte) ([]Order, []*Error) {
	pos := newPositions(data)
	start := skipSpace(data, 0)
	if start == len(data) {
		return nil, []*Error{{Source: source, Err: errors.New("no orders: want a JSON object, an array of objects, or one object per line")}}
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var (
		orders []Order
		errs   []*Error
	)
	// next decodes the order starting at offset; it reports false when
	// decoding cannot go on.
	next := func(index, offset int) bool {
		line := pos.line(offset)
		fail := func(err error, problems ...order.FieldError) {
			errs = append(errs, &Error{Source: source, Index: index, Line: line, Err: err, Fields: problems})
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
		o, oerr := decodeOrder(source, index, line, raw)
		if oerr != nil {
			errs = append(errs, oerr)
			return true
		}
		orders = append(orders, o)
		return true
	}

	if data[start] == '[' {
		if _, err := dec.Token(); err != nil {
			return nil, []*Error{{Source: source, Err: syntaxError(err, pos, start)}}
		}
		unclosed := &Error{Source: source, Err: errors.New("invalid JSON: input ends before the array of orders is closed with ]")}
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
			return orders, append(errs, &Error{Source: source, Err: syntaxError(err, pos, int(dec.InputOffset()))})
		}
		if rest := skipSpace(data, int(dec.InputOffset())); rest < len(data) {
			errs = append(errs, &Error{Source: source, Err: fmt.Errorf("line %d: unexpected data after the array of orders", pos.line(rest))})
		}
		if index == 0 {
			errs = append(errs, &Error{Source: source, Err: errors.New("no orders: the array is empty")})
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

// decodeOrder decodes one order, strictly (order.Decode), and
// words what is wrong with it, field by field.
func decodeOrder(source string, index, line int, raw []byte) (Order, *Error) {
	o, err := order.Decode(raw)
	if err == nil {
		return Order{Order: o, Index: index, Line: line}, nil
	}
	e := &Error{Source: source, Index: index, Line: line, Err: err}
	var (
		typeErr *json.UnmarshalTypeError
		invalid *order.ValidationError
	)
	switch {
	case errors.As(err, &invalid):
		// Keys that are not exactly a field, given twice, or null/"".
		msgs := make([]string, len(invalid.Problems))
		for i, p := range invalid.Problems {
			if rest, unknown := strings.CutPrefix(p.Message, "is not a field of an order"); unknown {
				msgs[i] = fmt.Sprintf("unknown field %q%s", p.Field, rest)
			} else {
				msgs[i] = fmt.Sprintf("field %q %s", p.Field, p.Message)
			}
		}
		e.Err, e.Fields = errors.New(strings.Join(msgs, "; ")), invalid.Problems
	case errors.As(err, &typeErr):
		e.Err = fmt.Errorf("field %q: want %s, got %s", typeErr.Field, typeName(typeErr), typeErr.Value)
		e.Fields = []order.FieldError{{Field: typeErr.Field, Message: fmt.Sprintf("must be %s, not %s", typeName(typeErr), typeErr.Value)}}
	}
	// Otherwise a field's own decoder refused its value (e.g.
	// activationTimeout "soon"): its words are the message.
	return Order{}, e
}
