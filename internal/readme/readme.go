// Package readme reads the tables of the project's README, for the tests
// that hold them to the code (the configuration, metrics and starter
// tables).
package readme

import (
	"fmt"
	"regexp"
	"strings"
)

// Table returns the rows, cells trimmed, of the first table in text whose
// header row starts with header, after the first line that starts with
// after (a section's title, or a sentence before the table). The header
// row and the separator row are left out.
func Table(text, after, header string) ([][]string, error) {
	_, rest, ok := strings.Cut(text, "\n"+after)
	if !ok {
		return nil, fmt.Errorf("README has no line starting %q", after)
	}
	var rows [][]string
	in := false
	for _, line := range strings.Split(rest, "\n") {
		switch {
		case !in && strings.HasPrefix(line, header):
			in = true
		case in && strings.HasPrefix(line, "| ---"):
		case in && strings.HasPrefix(line, "|"):
			cells := strings.Split(strings.Trim(line, "|"), " | ")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			rows = append(rows, cells)
		case in:
			return rows, nil
		}
	}
	if !in {
		return nil, fmt.Errorf("README has no table %q after %q", header, after)
	}
	return rows, nil
}

var codeSpan = regexp.MustCompile("`([^`]*)`")

// CodeSpans are the `...` spans of a cell, in order.
func CodeSpans(cell string) []string {
	var out []string
	for _, m := range codeSpan.FindAllStringSubmatch(cell, -1) {
		out = append(out, m[1])
	}
	return out
}
