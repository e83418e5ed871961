package ccapisim

import (
	"encoding/json"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// encodePort encodes a port as encoding/json would, but writes its inline
// connections itself: a busy port lists thousands, and encoding/json's
// reflection over them cost the simulator about 3 ms a read, CPU the
// benchmarks then charged to the project it measures. The answer ends in a
// newline, as json.Encoder's do.
func encodePort(p portJSON) ([]byte, error) {
	header, err := json.Marshal(p.portHeaderJSON)
	if err != nil {
		return nil, err
	}
	const perConnection = 160 // bytes of a typical summary, to size the buffer once
	out := make([]byte, 0, len(header)+len(`,"connections":[]}`)+1+perConnection*len(p.Connections))
	out = append(out, header[:len(header)-1]...) // without its closing brace
	out = append(out, `,"connections":[`...)
	for i, c := range p.Connections {
		if i > 0 {
			out = append(out, ',')
		}
		out = c.appendJSON(out)
	}
	return append(out, "]}\n"...), nil
}

// appendJSON appends the summary as a JSON object with the fields, names
// and order of its struct tags.
func (c portConnectionJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, c.ID)
	b = append(b, `,"name":`...)
	b = appendString(b, c.Name)
	b = append(b, `,"status":`...)
	b = appendString(b, c.Status)
	b = append(b, `,"speed":`...)
	b = strconv.AppendInt(b, int64(c.Speed), 10)
	b = append(b, `,"type":`...)
	b = appendString(b, c.Type)
	b = append(b, `,"srcConfigTag":`...)
	if c.SrcConfigTag == nil {
		b = append(b, "null"...)
	} else {
		b = appendString(b, *c.SrcConfigTag)
	}
	b = append(b, `,"typeFriendly":`...)
	b = appendString(b, c.TypeFriendly)
	return append(b, '}')
}

// appendString quotes s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json makes it; the error that reports it is therefore moot.
func appendString(b []byte, s string) []byte {
	b, _ = jsontext.AppendQuote(b, s)
	return b
}
