package ccapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
)

// What a write's error says about whether the write happened.
func TestEffectOf(t *testing.T) {
	refused, _ := fixedServer(t, 400, nil, `{"code":400,"message":"speed exceeds remaining capacity"}`)
	unauthorized, _ := fixedServer(t, 401, nil, `{"message":"The user is not logged in","status":401,"statusCode":401}`)
	gateway, _ := fixedServer(t, 504, nil, `<html>504 Gateway Time-out</html>`)
	throttled, _ := fixedServer(t, 429, http.Header{"Retry-After": {"2"}}, `{"error":{"statusCode":429,"message":"Too Many Requests"}}`)
	timeout, _ := fixedServer(t, 408, nil, ``)
	garbled, _ := fixedServer(t, 200, nil, `{"id":"6b0988df00`)
	created, _ := fixedServer(t, 200, nil, `{"id":"6b0988df0000000000000001","status":"CREATING"}`)

	// A port nobody listens on: the request never leaves.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + l.Addr().String()
	l.Close()
	nowhere, err := NewClient(closedURL, testKey, nil)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		client *Client
		want   Effect
	}{
		{"2xx", created, EffectDone},
		{"2xx that does not decode", garbled, EffectDone},
		{"400", refused, EffectNone},
		{"401", unauthorized, EffectNone},
		{"never sent", nowhere, EffectNone},
		{"504 from the gateway", gateway, EffectUnknown},
		{"429: refused by the rate limit", throttled, EffectNone},
		{"408", timeout, EffectUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.client.CreateLayer2(context.Background(), "acme", CreateLayer2Request{Name: "X"})
			if got := EffectOf(err); got != tt.want {
				t.Errorf("EffectOf(%v) = %s, want %s", err, got, tt.want)
			}
		})
	}
	if _, err := garbled.CreateLayer2(context.Background(), "acme", CreateLayer2Request{}); !errors.As(err, new(*DecodeError)) {
		t.Errorf("undecodable 2xx gave %T %v, want *DecodeError", err, err)
	}
	if _, err := unauthorized.GetConnection(context.Background(), "acme", "c"); !IsAuthFailure(err) {
		t.Errorf("401 is not an auth failure: %v", err)
	}
}

func TestPortEndpoints(t *testing.T) {
	c, req := fixedServer(t, 200, nil, `{"id":"p1","name":"P1","status":"ACTIVE","connections":[{"id":"c1","name":"N","status":"ACTIVE","speed":10}]}`)
	p, err := c.GetPort(context.Background(), "acme co", "p1")
	if err != nil || p.ID != "p1" || len(p.Connections) != 1 || p.Connections[0].Speed.Mbps != 10 {
		t.Fatalf("GetPort = %+v, %v", p, err)
	}
	if req.Method != http.MethodGet || req.URL.EscapedPath() != "/api/company/acme%20co/ports/p1" {
		t.Errorf("GetPort sent %s %s", req.Method, req.URL.EscapedPath())
	}

	c, req = fixedServer(t, 200, nil, `{"results":[{"id":"c1","name":"N","status":"PENDING","srcPortId":"p1"}],"count":7}`)
	page, err := c.ListPortConnections(context.Background(), "acme", "p1", 2, 50)
	if err != nil || !page.HasResults || !page.HasCount || page.Count != 7 || page.Results[0].SrcPortID != "p1" {
		t.Fatalf("ListPortConnections = %+v, %v", page, err)
	}
	if req.URL.Path != "/api/company/acme/ports/p1/connections" || req.URL.Query().Get("page") != "2" || req.URL.Query().Get("count") != "50" {
		t.Errorf("ListPortConnections sent %s", req.URL)
	}
}

// A page must say what it is: callers fail closed on what it does not say.
func TestConnectionPageShapes(t *testing.T) {
	tests := []struct {
		body                 string
		hasResults, hasCount bool
		n, count             int
	}{
		{`{"results":[{"id":"a"}],"count":3}`, true, true, 1, 3},
		{`{"results":[],"count":"0"}`, true, true, 0, 0},
		{`[{"id":"a"},{"id":"b"}]`, true, false, 2, 0},
		{`{"data":[{"id":"a"}]}`, false, false, 0, 0},
		{`{"results":null,"count":2}`, false, true, 0, 2},
	}
	for _, tt := range tests {
		c, _ := fixedServer(t, 200, nil, tt.body)
		page, err := c.ListPortConnections(context.Background(), "acme", "p1", 1, 100)
		if err != nil || page.HasResults != tt.hasResults || page.HasCount != tt.hasCount || len(page.Results) != tt.n || page.Count != tt.count {
			t.Errorf("%s: %+v, %v", tt.body, page, err)
		}
	}
}
