package workflows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
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
func orderFields() map[string]bool { return jsonFields(reflect.TypeFor[Order]()) }

// jsonFields is the set of a struct's JSON keys, from its tags.
func jsonFields(t reflect.Type) map[string]bool {
	fields := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = true
		}
	}
	return fields
}

// nestedKeyProblems checks an object field's own keys as DecodeOrder
// checks the order's: exact names, each once, none null or "". Problems
// name the field as field.key, in the order the keys come.
func nestedKeyProblems(field string, value []byte, t reflect.Type) []FieldError {
	dec := json.NewDecoder(bytes.NewReader(value))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil // not an object: decoding says so
	}
	fields := jsonFields(t)
	var problems []FieldError
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return problems // malformed: decoding says so
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return problems
		}
		raw = bytes.TrimSpace(raw)
		switch name := field + "." + key; {
		case !fields[key]:
			problems = append(problems, FieldError{Field: name, Message: "is not a field of an order"})
		case seen[key]:
			problems = append(problems, FieldError{Field: name, Message: "is given more than once"})
		case string(raw) == "null" || string(raw) == `""`:
			problems = append(problems, FieldError{Field: name, Message: fmt.Sprintf("must not be %s: leave the field out to use its default", raw)})
		}
		seen[key] = true
	}
	return problems
}
