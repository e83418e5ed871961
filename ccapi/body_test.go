package ccapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// TestResponseBodiesOfEveryFraming reads an answer whatever its framing:
// by its Content-Length, chunked, or until the connection closes; and one
// cut short of the length it announced is a transport error, an outcome
// the caller does not know, never a decoded half.
func TestResponseBodiesOfEveryFraming(t *testing.T) {
	const body = `{"id":"c1","name":"n","status":"ACTIVE"}`
	tests := []struct {
		name    string
		write   func(w http.ResponseWriter)
		wantErr bool
	}{
		{"content length", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			io.WriteString(w, body)
		}, false},
		{"chunked", func(w http.ResponseWriter) {
			io.WriteString(w, body[:10])
			w.(http.Flusher).Flush()
			io.WriteString(w, body[10:])
		}, false},
		{"until close", func(w http.ResponseWriter) {
			w.Header().Set("Connection", "close")
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + body)
			buf.Flush()
		}, false},
		{"cut short of its length", func(w http.ResponseWriter) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body[:len(body)/2])
			buf.Flush()
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { tt.write(w) }))
			defer srv.Close()
			c, err := NewClient(srv.URL, testKey, srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			conn, err := c.GetConnection(context.Background(), "acme", "c1")
			if tt.wantErr {
				var te *TransportError
				if !errors.As(err, &te) {
					t.Fatalf("err = %v (%T), want a *TransportError", err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if conn.ID != "c1" || conn.Status != StatusActive {
				t.Errorf("decoded %+v", conn)
			}
		})
	}
}
