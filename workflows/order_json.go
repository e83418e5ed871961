package workflows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// DecodeOrder reads one order from a JSON object the way order intake
// must, stricter than encoding/json:
//
//   - keys match the fields exactly: encoding/json would also take
//     "DESTPORTID" for destPortId, and of two spellings keep the last;
//   - a key appears at most once;
//   - a field given as null or "" is an error, not the default: to get the
//     default, leave the field out (an explicit duration 0 fails Validate).
//
// Problems with keys come back together as a *ValidationError naming each
// field; malformed JSON and values of the wrong type as the decoder's own
// errors (*json.SyntaxError, *json.UnmarshalTypeError). The order is not
// validated here (see Validate).
func DecodeOrder(data []byte) (Order, error) {
	fields := orderFields()
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return Order{}, err
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		return Order{}, errors.New("an order must be a JSON object")
	}
	var problems ValidationError
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return Order{}, err
		}
		key, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return Order{}, err
		}
		value = bytes.TrimSpace(value)
		switch {
		case !fields[key]:
			msg := "is not a field of an order"
			for f := range fields {
				if strings.EqualFold(f, key) {
					msg += fmt.Sprintf(" (field names are case-sensitive: did you mean %q?)", f)
				}
			}
			problems.Problems = append(problems.Problems, FieldError{Field: key, Message: msg})
		case seen[key]:
			problems.Problems = append(problems.Problems, FieldError{Field: key, Message: "is given more than once"})
		case string(value) == "null" || string(value) == `""`:
			problems.Problems = append(problems.Problems, FieldError{Field: key,
				Message: fmt.Sprintf("must not be %s: leave the field out to use its default", value)})
		case key == "callback":
			problems.Problems = append(problems.Problems, nestedKeyProblems(key, value, reflect.TypeFor[Callback]())...)
		}
		seen[key] = true
	}
	if len(problems.Problems) > 0 {
		return Order{}, &problems
	}
	var o Order
	strict := json.NewDecoder(bytes.NewReader(data))
	strict.DisallowUnknownFields()
	if err := strict.Decode(&o); err != nil {
		return Order{}, err
	}
	return o, nil
}

// orderFields is the set of an order's JSON keys, from its struct tags.
func orderFields() map[string]bool {
	t := reflect.TypeFor[Order]()
	fields := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = true
		}
	}
	return fields
}

// nestedKeyProblems checks an object field's own keys exactly, as
// DecodeOrder checks the order's.
func nestedKeyProblems(field string, value []byte, t reflect.Type) []FieldError {
	var keys map[string]json.RawMessage
	if json.Unmarshal(value, &keys) != nil {
		return nil // not an object: decoding says so
	}
	fields := map[string]bool{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		fields[name] = true
	}
	var problems []FieldError
	for key := range keys {
		if !fields[key] {
			problems = append(problems, FieldError{Field: field + "." + key, Message: "is not a field of an order"})
		}
	}
	slices.SortFunc(problems, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
	return problems
}
