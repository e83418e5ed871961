package ccapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// A port lists its connections inline, and a busy port has thousands:
// 5,000 make a body of 800 KB, which encoding/json decodes in about 10 ms
// of CPU on every port read, most of it validating and reflecting over
// fields no one reads. Port reads therefore stream the inline list with
// jsontext (the tokenizer of encoding/json/v2) and hand the rest of the
// port, which is small, to encoding/json as before. The answer is the
// same as encoding/json's, field for field (a fuzz test compares them):
// names match without regard to case, the last of duplicate names wins,
// and null leaves a field as it was.

// responseDecoder is implemented by answers that decode their own body.
type responseDecoder interface {
	decodeResponse(data []byte) error
}

// decodeResponse decodes an answer's body into out.
func decodeResponse(data []byte, out any) error {
	if d, ok := out.(responseDecoder); ok {
		return d.decodeResponse(data)
	}
	return json.Unmarshal(data, out)
}

// tokenOptions make jsontext as lenient as encoding/json.
var tokenOptions = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// portAnswer is a port's answer; with named set, it keeps only the
// inline connections of that name (GetPortWithConnectionsNamed).
type portAnswer struct {
	port  *Port
	named *string
}

func (a portAnswer) decodeResponse(data []byte) error {
	return a.port.decode(data, a.named)
}

// decode decodes a port; with named set, it keeps only the inline
// connections of that name.
func (p *Port) decode(data []byte, named *string) error {
	dec := jsontext.NewDecoder(bytes.NewBuffer(data), tokenOptions...)
	if tok, err := dec.ReadToken(); err != nil {
		return err
	} else if tok.Kind() != '{' {
		return json.Unmarshal(data, p) // not an object: encoding/json says why
	}
	// rest is the port without "connections", re-assembled as an object.
	rest := []byte{'{'}
	var conns []PortConnection
	listed := false
	for dec.PeekKind() != '}' {
		// A value read is only good until the next read: copy at once.
		member := len(rest)
		if member > 1 {
			rest = append(rest, ',')
		}
		name, err := dec.ReadValue()
		if err != nil {
			return err
		}
		rest = append(append(rest, name...), ':')
		if bytes.EqualFold(memberName(name), []byte("connections")) {
			rest = rest[:member]
			if conns, err = decodePortConnections(dec, named); err != nil {
				return fmt.Errorf("connections: %w", err)
			}
			listed = conns != nil // the last of duplicate names wins
			continue
		}
		value, err := dec.ReadValue()
		if err != nil {
			return err
		}
		rest = append(rest, value...)
	}
	if _, err := dec.ReadToken(); err != nil { // the closing brace
		return err
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return errors.New("invalid JSON: data after the port")
	}
	var out Port
	if err := json.Unmarshal(append(rest, '}'), &out); err != nil {
		return err
	}
	out.Connections, out.HasConnections = conns, listed
	*p = out
	return nil
}

// decodePortConnections reads a port's inline connection list: an array
// of objects, or null. With named set, it keeps only the connections of
// that name, and does not even decode one that cannot have it.
func decodePortConnections(dec *jsontext.Decoder, named *string) ([]PortConnection, error) {
	switch dec.PeekKind() {
	case 'n':
		_, err := dec.ReadToken()
		return nil, err
	case '[':
	default:
		return nil, fmt.Errorf("want an array, got %v", dec.PeekKind())
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	conns := []PortConnection{}
	// Each connection is read whole first, so that one that cannot have
	// the name is skipped undecoded; the others are decoded from it.
	var one bytes.Buffer
	oneDec := jsontext.NewDecoder(&one, tokenOptions...)
	for i := 0; dec.PeekKind() != ']'; i++ {
		raw, err := dec.ReadValue()
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		if named != nil && cannotBeNamed(raw, *named) {
			continue
		}
		one.Reset()
		one.Write(raw)
		oneDec.Reset(&one, tokenOptions...)
		c, err := decodePortConnection(oneDec)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		if named == nil || c.Name == *named {
			conns = append(conns, c)
		}
	}
	_, err := dec.ReadToken()
	return conns, err
}

// cannotBeNamed reports, without decoding it, that a connection's JSON
// cannot hold name: it is an object with no escapes and valid UTF-8, so
// every string in it reads as it is written, and name is written nowhere
// in it. Such a connection is skipped whole: a field of the wrong type in
// it, which encoding/json would fail the port for, goes unseen.
func cannotBeNamed(raw jsontext.Value, name string) bool {
	return raw.Kind() == '{' && bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) && !bytes.Contains(raw, []byte(name))
}

// decodePortConnection reads one inline connection, skipping the fields
// PortConnection does not have.
func decodePortConnection(dec *jsontext.Decoder) (PortConnection, error) {
	var c PortConnection
	tok, err := dec.ReadToken()
	switch {
	case err != nil:
		return c, err
	case tok.Kind() == 'n':
		return c, nil // encoding/json reads null as the zero value
	case tok.Kind() != '{':
		return c, fmt.Errorf("want an object, got %v", tok.Kind())
	}
	for dec.PeekKind() != '}' {
		raw, err := dec.ReadValue()
		if err != nil {
			return c, err
		}
		// The name is only good until the next read: match it at once.
		var field *string
		switch name := memberName(raw); {
		case bytes.EqualFold(name, []byte("id")):
			field = &c.ID
		case bytes.EqualFold(name, []byte("name")):
			field = &c.Name
		case bytes.EqualFold(name, []byte("status")):
			field = &c.Status
		case bytes.EqualFold(name, []byte("type")):
			field = &c.Type
		case bytes.EqualFold(name, []byte("speed")):
			value, err := dec.ReadValue()
			if err != nil {
				return c, err
			}
			if err := c.Speed.UnmarshalJSON(value); err != nil {
				return c, err
			}
			continue
		default:
			if err := dec.SkipValue(); err != nil {
				return c, err
			}
			continue
		}
		if err := readString(dec, field); err != nil {
			return c, err
		}
	}
	_, err = dec.ReadToken()
	return c, err
}

// memberName is an object member's name, unquoted; nil for one that
// could match no field (it is not valid UTF-8).
func memberName(raw jsontext.Value) []byte {
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1]
	}
	name, err := jsontext.AppendUnquote(nil, raw)
	if err != nil {
		return nil
	}
	return name
}

// readString reads a string into field; null leaves it as it was, as
// encoding/json does. A string with escapes or invalid UTF-8, which is
// rare, is left to encoding/json, so that it reads the same.
func readString(dec *jsontext.Decoder, field *string) error {
	value, err := dec.ReadValue()
	if err != nil {
		return err
	}
	switch value.Kind() {
	case '"':
		if raw := value[1 : len(value)-1]; bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
			*field = string(raw)
			return nil
		}
		return json.Unmarshal(value, field)
	case 'n':
		return nil
	default:
		return fmt.Errorf("want a string, got %v", value.Kind())
	}
}
