package ccapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// portBodies are port answers of every shape the API (or a gateway) may
// send: the port decoder must read each exactly as encoding/json does.
var portBodies = map[string]string{
	"guide's shape": `{"id":"p1","name":"Port 1","status":"LIVE","speed":{"value":1000,"name":"1 Gbps"},
		"metroId":"m1","supportedServices":["L2"],"capacity":{"total":1000,"utilised":100,"remaining":900},
		"company":{"id":"c","tags":[]},"metro":{"name":"Hong Kong","regionIds":["r"]},
		"connections":[{"id":"c1","name":"SAMPLE NAME","status":"ERROR","speed":10,"type":"LAYER2","srcConfigTag":null,"typeFriendly":"IBM Direct Link"},
		{"id":"c2","name":"SAMPLE NAME2","status":"ACTIVE","speed":{"value":20},"type":"LAYER2"}]}`,
	"no connections":            `{"id":"p1","name":"Port 1"}`,
	"null connections":          `{"id":"p1","connections":null}`,
	"empty connections":         `{"id":"p1","connections":[]}`,
	"connections first":         `{"connections":[{"id":"c1","name":"a"}],"id":"p1"}`,
	"keys in other case":        `{"ID":"p1","Connections":[{"ID":"c1","NAME":"a","Status":"ACTIVE","SPEED":"5"}]}`,
	"duplicate keys":            `{"id":"p1","connections":[{"id":"c1"}],"id":"p2","connections":[{"id":"c2","id":"c3","name":"a","name":null}]}`,
	"null element":              `{"connections":[null,{"id":"c1"}]}`,
	"null fields":               `{"connections":[{"id":null,"name":null,"status":null,"speed":null,"type":null}]}`,
	"escaped strings":           `{"connections":[{"id":"c\u0031","name":"caf\u00e9 \"x\" \\ \/","status":"ACTIVE"}]}`,
	"name written plainly":      `{"connections":[{"id":"c1","name":"café \"x\" \\ /"},{"id":"c2","name":"a�b"},{"name":"a","id":"c3"}]}`,
	"escaped key":               `{"conn\u0065ctions":[{"n\u0061me":"a"}]}`,
	"invalid UTF-8":             "{\"connections\":[{\"name\":\"a\xffb\xfe\"}],\"name\":\"p\xff\"}",
	"unknown nested fields":     `{"connections":[{"id":"c1","extra":{"a":[1,2,{"b":null}]},"name":"a"}],"more":[true,false]}`,
	"white space":               " \n{ \"id\" : \"p1\" , \"connections\" : [ { \"id\" : \"c1\" } ] } \n",
	"null port":                 `null`,
	"empty object":              `{}`,
	"speed of every shape":      `{"connections":[{"speed":1.5},{"speed":"2"},{"speed":{"value":3,"name":"3 Mbps"}},{"speed":null}]}`,
	"not an object":             `[{"id":"p1"}]`,
	"connections not an array":  `{"connections":{"id":"c1"}}`,
	"element not an object":     `{"connections":["c1"]}`,
	"id a number":               `{"connections":[{"id":1}]}`,
	"speed not a number":        `{"connections":[{"speed":"fast"}]}`,
	"cut short":                 `{"id":"p1","connections":[{"id":"c1"`,
	"data after the port":       `{"id":"p1"} {"id":"p2"}`,
	"top-level field wrong":     `{"id":7,"connections":[]}`,
	"trailing comma":            `{"connections":[{"id":"c1"},]}`,
	"empty body":                ``,
	"string port":               `"p1"`,
	"capacity numbers as text":  `{"capacity":{"total":"1000","remaining":"900"}}`,
	"connections many, one big": `{"connections":[` + strings.Repeat(`{"id":"c","name":"n","status":"ACTIVE","speed":1,"type":"LAYER2"},`, 50) + `{"id":"last"}]}`,
}

func TestPortDecodesAsEncodingJSON(t *testing.T) {
	for name, body := range portBodies {
		t.Run(name, func(t *testing.T) { samePortDecoding(t, []byte(body)) })
	}
}

// FuzzPortDecoding compares the port decoder with encoding/json on any
// body (go test -fuzz FuzzPortDecoding ./ccapi).
func FuzzPortDecoding(f *testing.F) {
	for _, body := range portBodies {
		f.Add([]byte(body))
	}
	f.Fuzz(samePortDecoding)
}

// namesSought are the names the filtered port decoder is tried with.
var namesSought = []string{"a", "n", "SAMPLE NAME", "café \"x\" \\ /", "a\uFFFDb", "last"}

// samePortDecoding fails unless the port decoder reads body as
// encoding/json does: both fail, or both give the same port. Filtered by
// a name, it must give the same port with only the connections of that
// name; where encoding/json fails, it may read the port all the same,
// when the fault is in a connection it had no need to decode.
func samePortDecoding(t *testing.T, body []byte) {
	var want, got Port
	wantErr := json.Unmarshal(body, &want)
	// encoding/json leaves a missing or null list nil: not listed.
	want.HasConnections = want.Connections != nil
	gotErr := portAnswer{port: &got}.decodeResponse(body)
	switch {
	case (wantErr == nil) != (gotErr == nil):
		t.Fatalf("body %q:\nencoding/json: %v\nport decoder:  %v", body, wantErr, gotErr)
	case wantErr == nil && !reflect.DeepEqual(got, want):
		t.Fatalf("body %q:\nencoding/json: %+v\nport decoder:  %+v", body, want, got)
	}
	for _, name := range namesSought {
		var filtered Port
		err := portAnswer{&filtered, &name}.decodeResponse(body)
		if wantErr != nil {
			continue
		}
		if err != nil {
			t.Fatalf("body %q, named %q:\nencoding/json: %+v\nport decoder:  %v", body, name, want, err)
		}
		named := want
		if want.Connections != nil {
			named.Connections = []PortConnection{}
			for _, c := range want.Connections {
				if c.Name == name {
					named.Connections = append(named.Connections, c)
				}
			}
		}
		if !reflect.DeepEqual(filtered, named) {
			t.Fatalf("body %q, named %q:\nencoding/json: %+v\nport decoder:  %+v", body, name, named, filtered)
		}
	}
}

// BenchmarkPortDecoding reads a port with 5,000 connections both ways
// (go test -run - -bench PortDecoding ./ccapi).
func BenchmarkPortDecoding(b *testing.B) {
	body := bigPortBody(5000)
	b.Run("encoding/json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var p Port
			if err := json.Unmarshal(body, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("port decoder", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var p Port
			if err := (portAnswer{port: &p}).decodeResponse(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("port decoder, one name", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var p Port
			name := "existing connection 4999"
			if err := (portAnswer{&p, &name}).decodeResponse(body); err != nil || len(p.Connections) != 1 {
				b.Fatal(err, len(p.Connections))
			}
		}
	})
}

// bigPortBody is a port with n connections, as the simulator sends it.
func bigPortBody(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"id":"p1","name":"Port 1","status":"LIVE","speed":{"value":10000},"supportedServices":["L2"],"capacity":{"total":10000,"utilised":0,"remaining":10000},"connections":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%024x","name":"existing connection %d","status":"ACTIVE","speed":100,"type":"LAYER2","srcConfigTag":null,"typeFriendly":"Layer 2"}`, i, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}
