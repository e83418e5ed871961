package ccapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"
	"time"
)

// sent is what one request carried.
type sent struct {
	method, path string
	query        url.Values
	body         map[string]any // nil when the request had none
}

// recordingServer answers every request with answer and keeps what each
// request sent.
func recordingServer(t *testing.T, answer string) (*Client, *[]sent) {
	t.Helper()
	var got []sent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := sent{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.Query()}
		if raw, _ := io.ReadAll(r.Body); len(raw) > 0 {
			if err := json.Unmarshal(raw, &s.body); err != nil {
				t.Errorf("%s %s: body is not a JSON object: %s", r.Method, r.URL.Path, raw)
			}
		}
		if r.Header.Get("Authorization") != "Bearer "+testKey || r.Header.Get("Accept") != "application/json" {
			t.Errorf("%s %s: headers %v", r.Method, r.URL.Path, r.Header)
		}
		got = append(got, s)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, testKey, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c, &got
}

// Every method of the client, one endpoint each: its HTTP method, its path
// (with the company and ids escaped), its query and its body.
func TestEveryEndpoint(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		endpoint string // as Observe reports it
		answer   string
		call     func(c *Client) error
		want     sent
	}{
		{"ListPorts", EndpointListPorts, `{"results":[]}`, func(c *Client) error { _, err := c.ListPorts(ctx, "acme co"); return err },
			sent{method: "GET", path: "/api/company/acme%20co/ports", query: url.Values{"deleted": {"false"}}}},
		{"GetPort", EndpointGetPort, `{"id":"p/1"}`, func(c *Client) error { _, err := c.GetPort(ctx, "acme", "p/1"); return err },
			sent{method: "GET", path: "/api/company/acme/ports/p%2F1", query: url.Values{}}},
		{"ListPortConnections", EndpointPortConnections, `{"results":[],"count":0}`, func(c *Client) error {
			_, err := c.ListPortConnections(ctx, "acme", "p1", 3, 50)
			return err
		}, sent{method: "GET", path: "/api/company/acme/ports/p1/connections", query: url.Values{"page": {"3"}, "count": {"50"}}}},
		{"MetroCapabilities", EndpointMetroCapabilities, `{"results":[]}`, func(c *Client) error { _, err := c.MetroCapabilities(ctx, "globex"); return err },
			sent{method: "GET", path: "/api/company/globex/metro/capabilities", query: url.Values{}}},
		{"SearchDCFs", EndpointSearchDCF, `[]`, func(c *Client) error {
			_, err := c.SearchDCFs(ctx, DCFFilter{Where: map[string]any{"dataCenterFacility.metroId": "m1"}, Limit: 100})
			return err
		}, sent{method: "GET", path: "/v2/data-center-facility",
			query: url.Values{"filter": {`{"where":{"dataCenterFacility.metroId":"m1"},"skip":0,"limit":100}`}}}},
		{"CreateLayer2", EndpointCreateLayer2, `{"id":"c1","status":"CREATING"}`, func(c *Client) error {
			_, err := c.CreateLayer2(ctx, "acme", CreateLayer2Request{Name: "N", PortID: "p1", DestPortID: "p2", DestCompany: "acme",
				DestMetroID: "m2", Duration: 1, DurationUnit: "m", PaymentType: "invoice", ClassOfService: "SILVER", SpeedMbps: 100, Evergreen: true})
			return err
		}, sent{method: "PUT", path: "/api/v2/company/acme/connections/layer2", query: url.Values{}, body: map[string]any{
			"name": "N", "portId": "p1", "destPortId": "p2", "destCompany": "acme", "destMetroId": "m2", "duration": 1.0,
			"durationUnit": "m", "paymentType": "invoice", "classOfService": "SILVER", "speed": 100.0, "type": "LAYER2", "evergreen": true,
		}}},
		{"GetConnection", EndpointGetConnection, `{"id":"c1"}`, func(c *Client) error { _, err := c.GetConnection(ctx, "acme", "c1"); return err },
			sent{method: "GET", path: "/api/v2/company/acme/connections/c1", query: url.Values{}}},
		{"ListConnections", EndpointListConnections, `{"results":[],"count":0}`, func(c *Client) error {
			_, err := c.ListConnections(ctx, "acme", ListConnectionsOptions{Status: StatusActive})
			return err
		}, sent{method: "GET", path: "/api/v2/company/acme/connections", query: url.Values{"page": {"1"}, "count": {"20"}, "status": {"ACTIVE"}}}},
		{"DeleteConnection", EndpointDeleteConnection, `{}`, func(c *Client) error { return c.DeleteConnection(ctx, "acme", "c1") },
			sent{method: "DELETE", path: "/api/v2/company/acme/connections/c1", query: url.Values{}}},
		{"ApproveConnection", EndpointApproveConnection, `{"id":"c1"}`, func(c *Client) error { _, err := c.ApproveConnection(ctx, "initech", "c1"); return err },
			sent{method: "PUT", path: "/api/v2/company/initech/connections/c1/approve", query: url.Values{}}},
		{"RejectConnection", EndpointRejectConnection, `{"id":"c1"}`, func(c *Client) error { _, err := c.RejectConnection(ctx, "initech", "c1"); return err },
			sent{method: "PUT", path: "/api/v2/company/initech/connections/c1/reject", query: url.Values{}}},
		{"UpdateConnection", EndpointUpdateConnection, `{"id":"c1"}`, func(c *Client) error {
			_, err := c.UpdateConnection(ctx, "acme", "c1", UpdateConnectionRequest{SpeedMbps: 200})
			return err
		}, sent{method: "POST", path: "/api/v2/company/acme/connections/c1", query: url.Values{}, body: map[string]any{"speed": 200.0}}},
		{"RequestChange", EndpointRequestChange, `{"id":"c1"}`, func(c *Client) error { _, err := c.RequestChange(ctx, "acme", "c1", 500); return err },
			sent{method: "PUT", path: "/api/company/acme/connections/c1/change", query: url.Values{}, body: map[string]any{"speed": 500.0}}},
		{"ApproveChange", EndpointApproveChange, `{"id":"c1"}`, func(c *Client) error { _, err := c.ApproveChange(ctx, "globex", "c1"); return err },
			sent{method: "PUT", path: "/api/company/globex/connections/c1/change/approve", query: url.Values{}}},
		{"CancelChange", EndpointCancelChange, `{"id":"c1"}`, func(c *Client) error { _, err := c.CancelChange(ctx, "acme", "c1"); return err },
			sent{method: "DELETE", path: "/api/company/acme/connections/c1/change", query: url.Values{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, got := recordingServer(t, tt.answer)
			var observed []string
			c.Observe = func(endpoint string, status int, _ time.Duration) {
				observed = append(observed, fmt.Sprintf("%s %d", endpoint, status))
			}
			if err := tt.call(c); err != nil {
				t.Fatal(err)
			}
			if want := []string{tt.endpoint + " 200"}; !reflect.DeepEqual(observed, want) {
				t.Errorf("observed %q, want %q", observed, want)
			}
			if len(*got) != 1 {
				t.Fatalf("%d requests, want 1", len(*got))
			}
			if g := (*got)[0]; !reflect.DeepEqual(g, tt.want) {
				t.Errorf("sent\n %+v\nwant\n %+v", g, tt.want)
			}
		})
	}
}
