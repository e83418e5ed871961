package order

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// IntakeProblems are the checks order intake makes beyond Validate, on
// what people read and what a spreadsheet runs:
//
//   - a create order's name and a callback's ticket must not hold an
//     invisible or bidirectional formatting character (Unicode's Cf:
//     zero-width spaces and joiners, left-to-right and right-to-left marks,
//     overrides and isolates, the byte-order mark…): with one, two names
//     that differ look alike in a ticket, a log or the portal;
//   - nor begin with =, +, - or @: a spreadsheet that reads an export (of
//     the API's connections, of a list of orders) runs such a cell as a
//     formula;
//   - a callback's URL must not carry a query or a fragment: the order,
//     and so its URL, is kept in the order's history; credentials belong
//     in the worker's CALLBACK_URL, which no history holds.
//
// Orders already started were not held to these; the workflow does not
// apply them, since a run replays its validation (applying them there
// would need a code revision, versions.go).
func (o Order) IntakeProblems() []FieldError {
	var problems []FieldError
	text := func(field, value string) {
		if i := strings.IndexFunc(value, isFormatChar); i >= 0 {
			r := []rune(value[i:])[0]
			problems = append(problems, FieldError{Field: field, Message: fmt.Sprintf(
				"must not contain U+%04X, an invisible or bidirectional formatting character: it makes text that differs look alike", r)})
		}
		if value != "" && strings.ContainsRune(formulaPrefixes, rune(value[0])) {
			problems = append(problems, FieldError{Field: field, Message: fmt.Sprintf(
				"must not begin with %q: a spreadsheet would run it as a formula", value[0])})
		}
	}
	if o.IsCreate() {
		text("name", o.Name)
	}
	if c := o.Callback; c != nil {
		text("callback.ticket", c.Ticket)
		if u, err := url.Parse(c.URL); err == nil && (u.RawQuery != "" || u.ForceQuery || u.Fragment != "") {
			problems = append(problems, FieldError{Field: "callback.url", Message: "must not carry a query or a fragment: " +
				"the order keeps it in its history; credentials belong in the worker's CALLBACK_URL"})
		}
	}
	return problems
}

// formulaPrefixes are the first characters that make a spreadsheet read a
// cell as a formula (tab and carriage return, the others, are control
// characters, which Validate refuses).
const formulaPrefixes = "=+-@"

// isFormatChar reports whether r is an invisible formatting character
// (Unicode category Cf).
func isFormatChar(r rune) bool { return unicode.Is(unicode.Cf, r) }
