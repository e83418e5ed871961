package intake

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/cc-l2/provisioner/order"
)

// parseCSV decodes one order per row of a CSV file whose header row names
// the fields, exactly as in JSON (orderId, company, portId, ...): tickets
// often leave a system as a spreadsheet. An empty cell leaves its field out,
// so that its default applies; a number or a boolean field takes its cell
// as one (a cell that is not stays text, and the order's decoding says so).
// A header naming no field of an order refuses the whole file.
func parseCSV(source string, data []byte) ([]Order, []*Error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = 0 // every row as many cells as the header
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, []*Error{{Source: source, Err: errors.New("no orders: want a header row naming the fields, then one order per row")}}
	}
	if err != nil {
		return nil, []*Error{{Source: source, Err: fmt.Errorf("invalid CSV: %w", err)}}
	}
	kinds := fieldKinds()
	var problems []string
	seen := map[string]bool{}
	for _, name := range header {
		switch {
		case kinds[name] == 0:
			problems = append(problems, fmt.Sprintf("unknown column %q", name))
		case seen[name]:
			problems = append(problems, fmt.Sprintf("column %q given twice", name))
		}
		seen[name] = true
	}
	if len(problems) > 0 {
		return nil, []*Error{{Source: source, Line: 1, Err: fmt.Errorf("line 1 (the header): %s; the columns are the order's fields, e.g. orderId,company,portId,destPortId,speed",
			strings.Join(problems, "; "))}}
	}

	var (
		orders []Order
		errs   []*Error
	)
	for index := 1; ; index++ {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// The error says where the row starts: a row that is no record
			// (a quote left open) has no field positions to ask for.
			var line int
			var parseErr *csv.ParseError
			if errors.As(err, &parseErr) {
				line = parseErr.StartLine
			}
			errs = append(errs, &Error{Source: source, Index: index, Line: line, Err: fmt.Errorf("invalid CSV: %w", unwrapCSV(err))})
			if parseErr != nil && errors.Is(parseErr.Err, csv.ErrFieldCount) {
				continue // the next row can still be read
			}
			break
		}
		line, _ := r.FieldPos(0)
		raw, err := rowJSON(header, row, kinds)
		if err != nil {
			errs = append(errs, &Error{Source: source, Index: index, Line: line, Err: err})
			continue
		}
		o, oerr := decodeOrder(source, index, line, raw)
		if oerr != nil {
			errs = append(errs, oerr)
			continue
		}
		orders = append(orders, o)
	}
	if len(orders) == 0 && len(errs) == 0 {
		errs = append(errs, &Error{Source: source, Err: errors.New("no orders: the header row has no rows under it")})
	}
	return orders, errs
}

// rowJSON writes a row as the JSON object of its order.
func rowJSON(header, row []string, kinds map[string]reflect.Kind) ([]byte, error) {
	obj := make(map[string]any, len(row))
	for i, cell := range row {
		if cell == "" {
			continue
		}
		obj[header[i]] = cell
		switch kinds[header[i]] {
		case reflect.Int:
			if n, err := strconv.Atoi(strings.TrimSpace(cell)); err == nil {
				obj[header[i]] = n
			}
		case reflect.Bool:
			if b, err := strconv.ParseBool(strings.TrimSpace(cell)); err == nil {
				obj[header[i]] = b
			}
		}
	}
	return json.Marshal(obj)
}

// fieldKinds maps each JSON field of an order to its kind: String for
// text, Int for numbers, Bool for booleans (pointers are what they point
// to).
func fieldKinds() map[string]reflect.Kind {
	types := order.FieldTypes()
	kinds := make(map[string]reflect.Kind, len(types))
	for name, ft := range types {
		switch ft.Kind() {
		case reflect.Int, reflect.Int64:
			kinds[name] = reflect.Int
			if ft == reflect.TypeFor[order.Duration]() {
				kinds[name] = reflect.String // "72h"
			}
		case reflect.Bool:
			kinds[name] = reflect.Bool
		default:
			kinds[name] = reflect.String
		}
	}
	return kinds
}

// unwrapCSV drops the csv package's own "record on line N" prefix: the
// error names the line already.
func unwrapCSV(err error) error {
	var parseErr *csv.ParseError
	if errors.As(err, &parseErr) {
		return parseErr.Err
	}
	return err
}
