package ccapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// wireTransport answers every request with one HTTP answer as written on
// the wire, read the way the transport reads it.
type wireTransport []byte

func (w wireTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return http.ReadResponse(bufio.NewReader(bytes.NewReader(w)), req)
}

// fuzzCalls are the client's methods, each returning what it decoded.
var fuzzCalls = []struct {
	name string
	call func(ctx context.Context, c *Client) (any, error)
}{
	{"ListPorts", func(ctx context.Context, c *Client) (any, error) { return c.ListPorts(ctx, "acme") }},
	{"GetPort", func(ctx context.Context, c *Client) (any, error) { return c.GetPort(ctx, "acme", "p1") }},
	{"GetPortWithConnectionsNamed", func(ctx context.Context, c *Client) (any, error) {
		return c.GetPortWithConnectionsNamed(ctx, "acme", "p1", "a")
	}},
	{"ListPortConnections", func(ctx context.Context, c *Client) (any, error) {
		return c.ListPortConnections(ctx, "acme", "p1", 1, 20)
	}},
	{"MetroCapabilities", func(ctx context.Context, c *Client) (any, error) { return c.MetroCapabilities(ctx, "acme") }},
	{"SearchDCFs", func(ctx context.Context, c *Client) (any, error) { return c.SearchDCFs(ctx, DCFFilter{Limit: 10}) }},
	{"CreateLayer2", func(ctx context.Context, c *Client) (any, error) {
		return c.CreateLayer2(ctx, "acme", CreateLayer2Request{Name: "n", PortID: "p1", DestPortID: "p2", SpeedMbps: 10})
	}},
	{"GetConnection", func(ctx context.Context, c *Client) (any, error) { return c.GetConnection(ctx, "acme", "c1") }},
	{"ListConnections", func(ctx context.Context, c *Client) (any, error) {
		return c.ListConnections(ctx, "acme", ListConnectionsOptions{Status: StatusActive})
	}},
	{"DeleteConnection", func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteConnection(ctx, "acme", "c1") }},
	{"ApproveConnection", func(ctx context.Context, c *Client) (any, error) { return c.ApproveConnection(ctx, "acme", "c1") }},
	{"RejectConnection", func(ctx context.Context, c *Client) (any, error) { return c.RejectConnection(ctx, "acme", "c1") }},
	{"UpdateConnection", func(ctx context.Context, c *Client) (any, error) {
		return c.UpdateConnection(ctx, "acme", "c1", UpdateConnectionRequest{SpeedMbps: 200})
	}},
	{"RequestChange", func(ctx context.Context, c *Client) (any, error) { return c.RequestChange(ctx, "acme", "c1", 200) }},
	{"ApproveChange", func(ctx context.Context, c *Client) (any, error) { return c.ApproveChange(ctx, "acme", "c1") }},
	{"CancelChange", func(ctx context.Context, c *Client) (any, error) { return c.CancelChange(ctx, "acme", "c1") }},
}

// Framings of a fuzzed answer's body.
const (
	framingExact    = iota // Content-Length is the body's
	framingUntilEOF        // no Content-Length: read until the connection ends
	framingCutShort        // Content-Length announces more than comes
	framings
)

// FuzzClientAnswers puts any answer — status, headers, body, framing —
// under every method of the client (go test -fuzz FuzzClientAnswers
// ./ccapi; make fuzz). Whatever comes, no panic; the error is one of the
// three the package documents (*APIError for a non-2xx, carrying its
// status; *DecodeError for a 2xx it cannot read; *TransportError when no
// whole answer came); a body cut short of its announced length never
// succeeds; and a success holds no value the body did not: every string,
// number and true in the result, every HasResults and HasCount, is in the
// body.
func FuzzClientAnswers(f *testing.F) {
	var samples []string
	for _, name := range []string{"ports.json", "dcf_search.json", "metro_capabilities.json"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		samples = append(samples, string(data))
	}
	samples = append(samples,
		`{"id":"c1","name":"n","type":"LAYER2","status":"ACTIVE","speed":{"value":100,"name":"100 Mbps"},"srcPortId":"p1","destPortId":"p2","createdAt":"2026-11-20T09:00:00Z","srcCompany":"acme","destCompany":"acme"}`,
		`{"id":"c1","status":"PENDING","request":[{"status":"PENDING","speed":200},{"srcApproval":"APPROVED"}]}`,
		`{"id":"c1","status":"ACTIVE","request":{"status":"APPROVED","speed":"200","updatedAt":"2026-11-20T09:00:00Z"}}`,
		`{"results":[{"id":"c1","name":"a","status":"ACTIVE"}],"count":"1"}`,
		`[{"id":"c1","name":"a"}]`, `{"results":null,"count":null}`, `{"count":3}`, `{"results":[]}`,
		`{"id":"p1","connections":[{"id":"c1","name":"a","speed":10},{"id":"c2","name":"b","speed":"20"}]}`,
		`{"message":"Unauthorized","status":401,"statusCode":401}`,
		`{"error":{"statusCode":404,"name":"Error","message":"Connection not found"}}`,
		`{"error":{"code":"PORT_IN_USE","name":"ValidationError","message":"in use"}}`,
		`{"code":"400,","message":"bad"}`, "<html><body>502 Bad Gateway</body></html>",
		"", "null", "{}", "[]", `{"id":1}`, `{"speed":"fast"}`, `{"id":"c1"`, `{"id":"c1"} trailing`, "\xff\xfe",
	)
	for _, name := range slices.Sorted(maps.Keys(portBodies)) { // portdecode_test.go
		samples = append(samples, portBodies[name])
	}
	statuses := []uint16{200, 201, 204, 301, 400, 401, 404, 409, 429, 500, 502}
	headers := []string{"", "Retry-After: 5\r\n", "Retry-After: Fri, 20 Nov 2026 09:00:00 GMT\r\nX-Request-Id: r-1\r\n", "Location: /elsewhere\r\n", "Transfer-Encoding: chunked\r\n"}
	for i, body := range samples {
		for call := range fuzzCalls {
			f.Add(uint8(call), uint16(200), "", []byte(body), uint8(framingExact), uint8(0))
		}
		for j, status := range statuses {
			k := i*len(statuses) + j
			f.Add(uint8(k), status, headers[k%len(headers)], []byte(body), uint8(k%framings), uint8(k/3))
		}
	}
	f.Fuzz(func(t *testing.T, call uint8, status uint16, header string, body []byte, framing, cut uint8) {
		code := int(status) % 600 // 100 to 599: three digits, as the wire has them
		if code < 100 {
			code += 100
		}
		checkAnswer(t, int(call)%len(fuzzCalls), code, header, body, int(framing)%framings, int(cut)+1)
	})
}

// checkAnswer gives one answer to one method and checks what it made of it
// (FuzzClientAnswers).
func checkAnswer(t *testing.T, call, status int, header string, body []byte, framing, cut int) {
	var raw bytes.Buffer
	fmt.Fprintf(&raw, "HTTP/1.1 %03d Answer\r\nContent-Type: application/json\r\n", status)
	if header = strings.TrimRight(header, "\r\n"); header != "" {
		raw.WriteString(header + "\r\n")
	}
	switch framing {
	case framingExact:
		fmt.Fprintf(&raw, "Content-Length: %d\r\n", len(body))
	case framingCutShort:
		fmt.Fprintf(&raw, "Content-Length: %d\r\n", len(body)+cut)
	}
	raw.WriteString("\r\n")
	raw.Write(body)

	c, err := NewClient("https://api.example.com", testKey, &http.Client{Transport: wireTransport(raw.Bytes())})
	if err != nil {
		t.Fatal(err)
	}
	name := fuzzCalls[call].name
	got, err := fuzzCalls[call].call(context.Background(), c)
	what := func() string { return fmt.Sprintf("%s, answer %q", name, raw.Bytes()) }

	var (
		apiErr       *APIError
		decodeErr    *DecodeError
		transportErr *TransportError
	)
	switch {
	case err == nil:
	case errors.As(err, &apiErr):
		if apiErr.StatusCode < 100 || apiErr.StatusCode >= 200 && apiErr.StatusCode <= 299 || apiErr.RetryAfter < 0 {
			t.Fatalf("%s: %#v", what(), apiErr)
		}
		if strings.Contains(apiErr.Error(), testKey) {
			t.Fatalf("%s: the error tells the key: %v", what(), apiErr)
		}
		return
	case errors.As(err, &decodeErr):
		if decodeErr.StatusCode < 200 || decodeErr.StatusCode > 299 {
			t.Fatalf("%s: a decode error of a %d answer", what(), decodeErr.StatusCode)
		}
		return
	case errors.As(err, &transportErr):
		return
	default:
		t.Fatalf("%s: an error of no documented type: %T %v", what(), err, err)
	}

	// A success.
	if framing == framingCutShort && status != http.StatusNoContent && status != http.StatusNotModified && (status < 100 || status > 199) {
		t.Fatalf("%s: an answer cut short read as %+v", what(), got)
	}
	if got == nil || reflect.ValueOf(got).Kind() == reflect.Pointer && reflect.ValueOf(got).IsNil() {
		return
	}
	held := bodyValues(body)
	checkHeld(t, what, held, reflect.ValueOf(got), name, "", "")
	if page, ok := got.(*ConnectionPage); ok {
		if page.HasResults && !held.keyed("results") && !held.array {
			t.Fatalf("%s: HasResults, but the body has no results: %+v", what(), page)
		}
		if page.HasCount && !held.keyed("count") {
			t.Fatalf("%s: HasCount, but the body has no count: %+v", what(), page)
		}
	}
}

// heldValues are the members a body holds, read token by token, at any
// depth: under each name (in lower case, as encoding/json matches them),
// the strings, numbers and booleans written there, directly or in arrays.
type heldValues struct {
	strings map[string]map[string]bool
	numbers map[string][]float64
	trues   map[string]bool
	array   bool            // the body is an array
	keys    map[string]bool // top-level names with a non-null value
}

func bodyValues(body []byte) heldValues {
	h := heldValues{strings: map[string]map[string]bool{}, numbers: map[string][]float64{}, trues: map[string]bool{}, keys: map[string]bool{}}
	type frame struct {
		object    bool
		expectKey bool
		key       string // the member being read, in an object
		owner     string // the name this container sits under
	}
	stack := []frame{{owner: ""}}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		top := &stack[len(stack)-1]
		if name, ok := tok.(string); ok && top.object && top.expectKey {
			top.key, top.expectKey = strings.ToLower(name), false
			continue
		}
		under := top.owner
		if top.object {
			under = top.key
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				stack = append(stack, frame{object: v == '{', expectKey: v == '{', owner: under})
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if h.strings[under] == nil {
				h.strings[under] = map[string]bool{}
			}
			h.strings[under][v] = true
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				h.numbers[under] = append(h.numbers[under], f)
			}
		case json.Number:
			if f, err := v.Float64(); err == nil {
				h.numbers[under] = append(h.numbers[under], f)
			}
		case bool:
			h.trues[under] = h.trues[under] || v
		}
		if top := &stack[len(stack)-1]; top.object {
			top.expectKey = true
		}
	}
	trimmed := bytes.TrimSpace(body)
	h.array = len(trimmed) > 0 && trimmed[0] == '['
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) == nil {
		for k, v := range top {
			if string(bytes.TrimSpace(v)) != "null" {
				h.keys[strings.ToLower(k)] = true
			}
		}
	}
	return h
}

func (h heldValues) keyed(name string) bool { return h.keys[name] }

func (h heldValues) number(under string, n float64) bool {
	for _, m := range h.numbers[under] {
		if m == n || math.Trunc(m) == n {
			return true
		}
	}
	return false
}

// checkHeld fails if v, found under the name key (and its container under
// parent), holds a string, number or true that the body does not hold
// under that name. A value may also sit under its container's name: a
// speed written as a bare number is the Speed's value.
func checkHeld(t *testing.T, what func() string, h heldValues, v reflect.Value, path, key, parent string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			checkHeld(t, what, h, v.Elem(), path, key, parent)
		}
	case reflect.Struct:
		if tm, ok := v.Interface().(time.Time); ok {
			if !tm.IsZero() && !heldTime(h, key, tm) {
				t.Fatalf("%s: %s is %v, which the body does not hold", what(), path, tm)
			}
			return
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			checkHeld(t, what, h, v.Field(i), path+"."+f.Name, strings.ToLower(name), key)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			checkHeld(t, what, h, v.Index(i), fmt.Sprintf("%s[%d]", path, i), key, parent)
		}
	case reflect.String:
		if s := v.String(); s != "" && !h.strings[key][s] && !h.strings[parent][s] {
			t.Fatalf("%s: %s is %q, which the body does not hold under %q", what(), path, s, key)
		}
	case reflect.Int, reflect.Int64, reflect.Float64:
		n := v.Convert(reflect.TypeFor[float64]()).Float()
		if n != 0 && !h.number(key, n) && !h.number(parent, n) {
			t.Fatalf("%s: %s is %v, which the body does not hold under %q", what(), path, n, key)
		}
	case reflect.Bool:
		if v.Bool() && !h.trues[key] {
			t.Fatalf("%s: %s is true, which the body does not hold under %q", what(), path, key)
		}
	}
}

func heldTime(h heldValues, key string, tm time.Time) bool {
	for s := range h.strings[key] {
		var parsed time.Time
		if parsed.UnmarshalJSON([]byte(strconv.Quote(s))) == nil && parsed.Equal(tm) {
			return true
		}
	}
	return false
}

// An answer longer than the client reads is never read as a shorter one.
func TestOversizedAnswerIsNeverReadShort(t *testing.T) {
	body := `{"id":"c1","name":"` + strings.Repeat("a", maxResponseBytes) + `","status":"ACTIVE"}`
	for _, framing := range []int{framingExact, framingUntilEOF} {
		var raw bytes.Buffer
		raw.WriteString("HTTP/1.1 200 OK\r\n")
		if framing == framingExact {
			fmt.Fprintf(&raw, "Content-Length: %d\r\n", len(body))
		}
		raw.WriteString("\r\n" + body)
		c, err := NewClient("https://api.example.com", testKey, &http.Client{Transport: wireTransport(raw.Bytes())})
		if err != nil {
			t.Fatal(err)
		}
		conn, err := c.GetConnection(context.Background(), "acme", "c1")
		var decodeErr *DecodeError
		if !errors.As(err, &decodeErr) {
			t.Errorf("framing %d: an answer over %d bytes gave %+v, %v; want a *DecodeError", framing, maxResponseBytes, conn, err)
		}
	}
}
