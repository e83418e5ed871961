// Package config reads a binary's configuration from environment variables
// with caarlos0/env: every problem at once, each naming its variable
// (Error), secrets that never print (secret.Secret), and the variable list that
// -h shows (Variables, WriteVariables).
//
// Defaults have one home each: a variable's envDefault tag, or, for
// settings whose default belongs to another package (the workflow's
// timeouts, say), the value the caller puts in the struct before Load.
package config

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/cc-l2/provisioner/internal/secret"
)

// Error lists every problem found in a configuration, each naming its
// environment variable, so an operator fixes them all in one go.
type Error struct {
	Problems []string
}

func (e *Error) Error() string { return strings.Join(e.Problems, "; ") }

// Add appends problems (each starting with its variable's name) and
// returns the combined error, creating it if e is nil. A problem about a
// variable that already has one is dropped: once CC_API_TIMEOUT failed to
// parse, "CC_API_TIMEOUT must be positive" would only add noise.
func (e *Error) Add(problems ...string) *Error {
	for _, p := range problems {
		if e != nil && e.mentions(problemVariable(p)) {
			continue
		}
		if e == nil {
			e = &Error{}
		}
		e.Problems = append(e.Problems, p)
	}
	return e
}

func (e *Error) mentions(variable string) bool {
	for _, p := range e.Problems {
		if problemVariable(p) == variable {
			return true
		}
	}
	return false
}

// problemVariable is the leading variable name of a problem such as
// `CC_API_TIMEOUT: invalid duration "abc"` or `CC_API_KEY is required`.
func problemVariable(problem string) string {
	if i := strings.IndexAny(problem, ": "); i >= 0 {
		return problem[:i]
	}
	return problem
}

// Err returns e as an error, or a true nil when there is no problem (a nil
// *Error in an error interface is not nil).
func (e *Error) Err() error {
	if e == nil || len(e.Problems) == 0 {
		return nil
	}
	return e
}

// Checker is a configuration that checks what its env tags cannot express,
// each problem starting with its variable's name.
type Checker interface{ Problems() []string }

// Load fills cfg (a pointer) from environ and runs its own checks: every
// problem, from parsing or checking, comes back in one *Error. A variable
// that is unset (or empty) and has no envDefault tag leaves its field as
// the caller set it: that is how defaults kept elsewhere reach it.
func Load(cfg Checker, environ map[string]string) error {
	var problems *Error
	if err := ParseEnv(cfg, environ); err != nil && !errors.As(err, &problems) {
		return err
	}
	return problems.Add(cfg.Problems()...).Err()
}

// ParseEnv fills cfg, a pointer to a struct with caarlos0/env tags, from
// environ (not from the process environment, so tests need not touch it).
// Its error is a *Error whose problems read like
// `CC_API_KEY is required` or `CC_API_TIMEOUT: invalid duration "abc"`.
func ParseEnv(cfg any, environ map[string]string) error {
	err := env.ParseWithOptions(cfg, env.Options{Environment: environ})
	if err == nil {
		return nil
	}
	var aggregate env.AggregateError
	if !errors.As(err, &aggregate) {
		return fmt.Errorf("reading configuration: %w", err)
	}
	keys := variableNames(reflect.TypeOf(cfg))
	var problems Error
	for _, e := range aggregate.Errors {
		problems.Problems = append(problems.Problems, describe(e, keys))
	}
	return &problems
}

// describe rewrites one caarlos0/env error to name the variable rather than
// the Go field and to drop the parser's package prefixes.
func describe(err error, keys map[string]string) string {
	var (
		notSet   env.VarIsNotSetError
		empty    env.EmptyVarError
		parse    env.ParseError
		loadFile env.LoadFileContentError
	)
	switch {
	case errors.As(err, &notSet):
		return notSet.Key + " is required"
	case errors.As(err, &empty):
		return empty.Key + " must not be empty"
	case errors.As(err, &loadFile):
		return fmt.Sprintf("%s: cannot read %s: %v", loadFile.Key, loadFile.Filename, loadFile.Err)
	case errors.As(err, &parse):
		name, ok := keys[parse.Name]
		if !ok {
			name = parse.Name
		}
		return name + ": " + parseMessage(parse.Err, parse.Type)
	}
	return err.Error()
}

// parseMessage says why a value did not parse, e.g. `invalid duration "abc"`
// or `invalid integer "many"`.
func parseMessage(err error, typ reflect.Type) string {
	var num *strconv.NumError
	if errors.As(err, &num) {
		if errors.Is(num.Err, strconv.ErrRange) {
			return fmt.Sprintf("%q is out of range", num.Num)
		}
		kind := "value"
		switch typ.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			kind = "integer"
		case reflect.Float32, reflect.Float64:
			kind = "number"
		case reflect.Bool:
			kind = "boolean"
		}
		return fmt.Sprintf("invalid %s %q", kind, num.Num)
	}
	var value env.ParseValueError
	if errors.As(err, &value) && value.Err != nil {
		err = value.Err
	}
	// time.ParseDuration says `time: invalid duration "abc"`.
	return strings.TrimPrefix(err.Error(), "time: ")
}

// variableNames maps Go field names to variable names, through nested and
// embedded structs. The binaries' configurations keep field names unique.
func variableNames(t reflect.Type) map[string]string {
	names := map[string]string{}
	walkFields(t, func(f reflect.StructField, _ []int, name string) {
		names[f.Name] = name
	})
	return names
}

// walkFields calls visit for every field with an env tag, recursing into
// struct fields without one (as caarlos0/env does without envPrefix).
func walkFields(t reflect.Type, visit func(f reflect.StructField, index []int, name string)) {
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return
		}
		for i := range t.NumField() {
			f := t.Field(i)
			index := append(append([]int(nil), prefix...), i)
			name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
			switch {
			case name == "-":
			case name != "":
				visit(f, index, name)
			case f.IsExported() && f.Type.Kind() == reflect.Struct:
				walk(f.Type, index)
			}
		}
	}
	walk(t, nil)
}

// Variable describes one environment variable of a configuration.
type Variable struct {
	Name        string
	Default     string
	HasDefault  bool
	Required    bool
	Description string // the field's desc tag
	// Value is the current value as text: durations as "30s", secrets as
	// "[redacted]" when set and "" when not.
	Value string
}

// Variables lists the variables of cfg (a pointer to a configuration
// struct) in declaration order, with their defaults, whether they are
// required, their description and cfg's current value. A variable without
// an envDefault tag whose field cfg has set takes that value as its
// default: pass the struct as the binary fills it before Load.
func Variables(cfg any) ([]Variable, error) {
	params, err := env.GetFieldParams(cfg)
	if err != nil {
		return nil, fmt.Errorf("listing configuration variables: %w", err)
	}
	type fieldInfo struct {
		desc  string
		value string
		set   bool // the field is not its zero value
	}
	root := reflect.ValueOf(cfg)
	for root.Kind() == reflect.Pointer {
		root = root.Elem()
	}
	info := map[string]fieldInfo{}
	walkFields(root.Type(), func(f reflect.StructField, index []int, name string) {
		v := root.FieldByIndex(index)
		_, isSecret := v.Interface().(secret.Secret) // a secret's value is never a default
		info[name] = fieldInfo{desc: f.Tag.Get("desc"), value: valueText(v), set: !v.IsZero() && !isSecret}
	})
	vars := make([]Variable, 0, len(params))
	for _, p := range params {
		def, hasDef := p.DefaultValue, p.HasDefaultValue
		if !hasDef && info[p.Key].set {
			def, hasDef = info[p.Key].value, true
		}
		vars = append(vars, Variable{
			Name:        p.Key,
			Default:     def,
			HasDefault:  hasDef,
			Required:    p.Required || p.NotEmpty,
			Description: info[p.Key].desc,
			Value:       info[p.Key].value,
		})
	}
	return vars, nil
}

func valueText(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case secret.Secret:
		if !x.IsSet() {
			return ""
		}
		return x.String()
	case time.Duration:
		return shortDuration(x)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v.Interface())
}

// WriteVariables prints each variable as flag.PrintDefaults prints flags:
// its name with its default or whether it is required, then its
// description, indented, on the next line.
func WriteVariables(w io.Writer, vars []Variable) error {
	for _, v := range vars {
		var status string
		switch {
		case v.Required:
			status = "required"
		case v.HasDefault:
			status = fmt.Sprintf("default %q", v.Default)
		default:
			status = "optional"
		}
		if _, err := fmt.Fprintf(w, "  %s (%s)\n        %s\n", v.Name, status, v.Description); err != nil {
			return err
		}
	}
	return nil
}

// shortDuration writes 2h rather than 2h0m0s, as people write durations.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
