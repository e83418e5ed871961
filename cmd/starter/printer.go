package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// printer writes results as text or JSON lines, remembering the first
// write error. Text is lines of tab-separated fields, then, after a blank
// line, a table; JSON is one object per line, each with an "event":
// started, stage or ended. Neither has control characters but tab and
// newline.
type printer struct {
	w          io.Writer
	asJSON     bool
	timeFormat string // of the live lines of text
	err        error
	table      []finished // text mode: rows of the outcome table
}

// newPrinter writes to w. On a terminal live lines show the time of day;
// elsewhere (a log file, CI) the full time.
func newPrinter(w io.Writer, asJSON bool) *printer {
	format := time.RFC3339
	if isTerminal(w) {
		format = time.TimeOnly
	}
	return &printer{w: w, asJSON: asJSON, timeFormat: format}
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *printer) jsonLine(v any) {
	line, err := json.Marshal(v)
	if err != nil {
		p.err = err
		return
	}
	p.printf("%s\n", line)
}

// started prints "orderId workflowId runId outcome", tab-separated.
func (p *printer) started(s started) {
	if p.asJSON {
		p.jsonLine(struct {
			Event string `json:"event"`
			started
		}{"started", s})
		return
	}
	runID := s.RunID
	if runID == "" {
		runID = "-"
	}
	line := strings.Join([]string{s.OrderID, s.WorkflowID, runID, s.Outcome}, "\t")
	if s.Error != "" {
		line += "\t" + s.Error
	}
	p.printf("%s\n", line)
}

// stage prints an order's move to a stage as it is seen:
// "time  orderId  stage  [connectionId]".
func (p *printer) stage(c stageChange) {
	if p.asJSON {
		p.jsonLine(struct {
			Event string `json:"event"`
			stageChange
		}{"stage", c})
		return
	}
	p.live(c.Time, c.OrderID, string(c.Stage), c.ConnectionID, "")
}

// ended prints an order's end as it happens:
// "time  orderId  stage  [connectionId]  (ended[: detail])".
func (p *printer) ended(f finished) {
	if p.asJSON {
		p.jsonLine(struct {
			Event string `json:"event"`
			finished
		}{"ended", f})
		return
	}
	detail := "(ended)"
	if d := f.detail(); d != "" {
		detail = "(ended: " + d + ")"
	}
	p.live(time.Now(), f.OrderID, string(f.Stage), f.ConnectionID, detail)
}

func (p *printer) live(at time.Time, fields ...string) {
	line := at.Format(p.timeFormat)
	for _, f := range fields {
		if f != "" {
			line += "  " + oneLine(f)
		}
	}
	p.printf("%s\n", line)
}

// oneLine keeps a field on its line: an API's reason may span several.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// finished records how an order ended, for the outcome table that flush
// prints; in JSON the ended event has said it all.
func (p *printer) finished(f finished) {
	if !p.asJSON {
		p.table = append(p.table, f)
	}
}

// flush prints the outcome table, one aligned row per order, then the PUT
// body of every dry run as indented JSON.
func (p *printer) flush() {
	if p.asJSON || len(p.table) == 0 {
		return
	}
	orNone := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	tw := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
	p.printf("\n")
	fmt.Fprintln(tw, "ORDER\tOUTCOME\tCONNECTION\tAPI STATUS\tDETAIL")
	for _, f := range p.table {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.OrderID, f.Stage, orNone(f.ConnectionID), orNone(string(f.APIStatus)), oneLine(f.detail()))
	}
	if p.err == nil {
		p.err = tw.Flush()
	}
	for _, f := range p.table {
		if f.Request == nil {
			continue
		}
		body, err := json.MarshalIndent(f.Request, "", "  ")
		if err != nil {
			p.err = err
			return
		}
		p.printf("\nLayer 2 PUT body order %s would send:\n%s\n", f.OrderID, body)
	}
}
