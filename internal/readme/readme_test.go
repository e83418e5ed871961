package readme

import (
	"slices"
	"testing"
)

func TestTable(t *testing.T) {
	text := "intro\n| A | B |\n| --- | --- |\n| no | table |\n## Section\ntext\n| A | B |\n| --- | --- |\n| `x`, `y` | 1 |\n| z | 2 |\nafter\n| A | B |\n| w | 3 |\n"
	tests := []struct {
		name, after, header string
		want                [][]string
		err                 bool
	}{
		{"the first table after the line", "## Section", "| A |", [][]string{{"`x`, `y`", "1"}, {"z", "2"}}, false},
		{"a table at the end", "after", "| A |", [][]string{{"w", "3"}}, false},
		{"no such line", "## Nowhere", "| A |", nil, true},
		{"no such table", "## Section", "| C |", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Table(text, tt.after, tt.header)
			if (err != nil) != tt.err || !slices.EqualFunc(got, tt.want, slices.Equal[[]string]) {
				t.Errorf("Table = %q, %v; want %q (error %v)", got, err, tt.want, tt.err)
			}
		})
	}
	if got := CodeSpans("`x`, `y` and z"); !slices.Equal(got, []string{"x", "y"}) {
		t.Errorf("CodeSpans = %q", got)
	}
}
