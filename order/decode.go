package order

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Decode reads one order from a JSON object the way order intake
// must, stricter than encoding/json, at every depth (the order and its
// callback alike):
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
func Decode(data []byte) (Order, error) {
	problems, err := keyProblems("", data, reflect.TypeFor[Order]())
	if err != nil {
		return Order{}, err
	}
	if len(problems) > 0 {
		return Order{}, &ValidationError{Problems: problems}
	}
	var o Order
	strict := json.NewDecoder(bytes.NewReader(data))
	strict.DisallowUnknownFields()
	if err := strict.Decode(&o); err != nil {
		return Order{}, err
	}
	return o, nil
}

// errNotAnObject: an order (or an object field of it) is something else.
var errNotAnObject = errors.New("an order must be a JSON object")

// keyProblems checks the keys of the JSON object data against the struct
// type t, whose JSON names prefix (e.g. "callback.") names in problems.
// Fields that are structs themselves are checked the same way, at every
// depth. A value of the wrong type is left to decoding to report.
func keyProblems(prefix string, data []byte, t reflect.Type) ([]FieldError, error) {
	fields := jsonFields(t)
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		return nil, errNotAnObject
	}
	var problems []FieldError
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		value = bytes.TrimSpace(value)
		field, known := fields[key]
		switch {
		case !known:
			msg := "is not a field of an order"
			for f := range fields {
				if strings.EqualFold(f, key) {
					msg += fmt.Sprintf(" (field names are case-sensitive: did you mean %q?)", f)
				}
			}
			problems = append(problems, FieldError{Field: prefix + key, Message: msg})
		case seen[key]:
			problems = append(problems, FieldError{Field: prefix + key, Message: "is given more than once"})
		case string(value) == "null" || string(value) == `""`:
			problems = append(problems, FieldError{Field: prefix + key,
				Message: fmt.Sprintf("must not be %s: leave the field out to use its default", value)})
		case isStruct(field) && len(value) > 0 && value[0] == '{':
			nested, err := keyProblems(prefix+key+".", value, field)
			if err != nil {
				return nil, err
			}
			problems = append(problems, nested...)
		}
		seen[key] = true
	}
	return problems, nil
}

// FieldTypes maps the JSON name of each field of an order to its Go type
// (a pointer's, what it points to): what a reader of another format (the
// intake's CSV) converts a cell to.
func FieldTypes() map[string]reflect.Type { return jsonFields(reflect.TypeFor[Order]()) }

// jsonFields maps the JSON names of struct type t's fields to their
// types (a pointer's to what it points to).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		fields[name] = ft
	}
	return fields
}

// isStruct reports whether t is a struct encoded as a JSON object (a
// Duration, say, is not).
func isStruct(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t != reflect.TypeFor[time.Time]()
}
