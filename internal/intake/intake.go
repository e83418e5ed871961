// Package intake reads orders as people and ticketing systems send them —
// one JSON object, a JSON array, one object per line, or a CSV file with a
// header row — and checks them before anything starts: each order decoded
// strictly (order.Decode), checked (order.Check), and its orderId not given
// before. Every problem names its source, the order's position and line,
// and the field. The command line (starter submit) and the webhook
// (starter serve) share it.
package intake

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/cc-l2/provisioner/order"
)

// maxSourceBytes bounds one orders file: a few hundred bytes per order, so
// this is far more orders than anyone submits at once, yet a mistaken
// /dev/zero cannot exhaust memory.
const maxSourceBytes = 64 << 20

// stdinName is how errors name standard input ("-" on the command line).
const stdinName = "stdin"

// Order is one order read from a source, with where it was found.
type Order struct {
	// Order is the order as written; once checked (Check, Read), with
	// its defaults: the workflow's input.
	Order order.Order
	// Typed is the checked order as a Create or an Action (set by Check).
	Typed order.Typed
	Index int // 1-based position in its source
	Line  int // line where the order starts
}

// Error is what is wrong with one order of a source, or with the source
// as a whole (Index 0).
//
//	orders.json: order 2 (line 14): unknown field "sped"
//	orders.json: order 1 (line 1, orderId "CHG1"): invalid order "CHG1": speed must be greater than 0 Mbps (got 0)
type Error struct {
	Source  string
	Index   int    // 1-based; 0 for the whole source
	Line    int    // where the order starts; 0 when unknown
	OrderID string // set once the order decoded
	Err     error
	// Fields itemizes Err by field; see Problems.
	Fields []order.FieldError
}

func (e *Error) Error() string {
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

func (e *Error) Unwrap() error { return e.Err }

// Problems itemizes the error by field; an error about the order or the
// source as a whole is one problem without a field.
func (e *Error) Problems() []order.FieldError {
	if len(e.Fields) > 0 {
		return e.Fields
	}
	return []order.FieldError{{Message: e.Err.Error()}}
}

// ReadSource reads a file, or standard input for "-", and says how errors
// name it.
func ReadSource(name string, stdin io.Reader) (display string, data []byte, err error) {
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

// Format is how a source writes its orders.
type Format int

const (
	// Guess: JSON when the first character is { or [, else CSV; by name,
	// .csv is CSV and .json, .ndjson or .jsonl JSON.
	Guess Format = iota
	JSON
	CSV
)

// FormatOf says how a source named name holding data writes its orders.
func FormatOf(name string, data []byte) Format {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".csv"):
		return CSV
	case strings.HasSuffix(lower, ".json"), strings.HasSuffix(lower, ".ndjson"), strings.HasSuffix(lower, ".jsonl"):
		return JSON
	}
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] != '{' && trimmed[0] != '[' {
		return CSV
	}
	return JSON
}

// Parse decodes every order of a source, in the given format (Guess: see
// FormatOf). It returns the orders that decoded and one error per order
// that did not. Orders are not validated here (see Check).
func Parse(source string, data []byte, format Format) ([]Order, []*Error) {
	if format == Guess {
		format = FormatOf(source, data)
	}
	if format == CSV {
		return parseCSV(source, data)
	}
	return parseJSON(source, data)
}

// Check judges decoded orders (order.Check: Validate, and what intake
// refuses beyond it, IntakeProblems), one error per invalid order, and
// gives each good one its type and defaults: the only place an order gets
// them, so that the workflow's input says what is ordered.
func Check(source string, orders []Order) []*Error {
	var errs []*Error
	for i, so := range orders {
		typed, err := order.Check(so.Order)
		if err == nil {
			orders[i].Order, orders[i].Typed = typed.Order(), typed
			continue
		}
		oe := &Error{Source: source, Index: so.Index, Line: so.Line, OrderID: so.Order.OrderID, Err: err}
		var invalid *order.ValidationError
		if errors.As(err, &invalid) {
			oe.Fields = invalid.Problems
		}
		errs = append(errs, oe)
	}
	return errs
}

// Seen remembers the order ids given so far, to refuse a second order with
// the same id: both would map to one workflow id, and the second would
// silently report "exists".
type Seen map[string]string // orderId → where it was first given

// Check records the ids of orders and returns an error for each one given
// before, in this source or an earlier one.
func (d Seen) Check(source string, orders []Order) []*Error {
	var errs []*Error
	for _, so := range orders {
		id := so.Order.OrderID
		if id == "" {
			continue // Validate reports it
		}
		where := fmt.Sprintf("order %d (line %d) of %s", so.Index, so.Line, source)
		if first, seen := d[id]; seen {
			errs = append(errs, &Error{
				Source: source, Index: so.Index, Line: so.Line, OrderID: id,
				Err:    fmt.Errorf("duplicate orderId %q: already given as %s", id, first),
				Fields: []order.FieldError{{Field: "orderId", Message: "repeats the orderId of an earlier order"}},
			})
			continue
		}
		d[id] = where
	}
	return errs
}

// Read is the whole intake of one source: parse, validate, and check for
// orderIds given before. It returns the source's orders when every one of
// them is good, and otherwise none, with every problem in the order the
// orders come: one bad order keeps its whole source from starting.
func (d Seen) Read(source string, data []byte, format Format) ([]Order, []*Error) {
	orders, errs := Parse(source, data, format)
	errs = append(errs, Check(source, orders)...)
	errs = append(errs, d.Check(source, orders)...)
	if len(errs) == 0 {
		return orders, nil
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Index < errs[j].Index })
	return nil, errs
}
