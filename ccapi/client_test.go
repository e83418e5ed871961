package ccapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

const testKey = "test-key-s3cr3t-0123456789"

// fixedServer answers every request with status and body, and records the
// last request.
func fixedServer(t *testing.T, status int, header http.Header, body string) (*Client, *http.Request) {
	t.Helper()
	var last http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		last = *r
		b, _ := io.ReadAll(r.Body)
		last.Body = io.NopCloser(strings.NewReader(string(b)))
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, testKey, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c, &last
}

func testdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDecodeSeedPortList(t *testing.T) {
	c, req := fixedServer(t, 200, nil, testdata(t, "ports.json"))
	ports, err := c.ListPorts(context.Background(), "qe1")
	if err != nil {
		t.Fatal(err)
	}
	if req.URL.Path != "/api/company/qe1/ports" || req.URL.Query().Get("deleted") != "false" {
		t.Errorf("requested %s", req.URL)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization = %q", got)
	}
	if len(ports) != 1 {
		t.Fatalf("got %d ports", len(ports))
	}
	p := ports[0]
	want := Port{
		ID: "xxxxxxxxxxxxxxxxxxxxxxxx", Name: "XXXX CONNECTIVITY", Status: "ACTIVE",
		Speed: Speed{Mbps: 1000, Name: "1000 Mbps"}, MetroID: "xxxxxxxxxxxxxxxxxxxxxxxx",
		DataCenterFacilityID: "xxxxxxxxxxxxxxxxxxxxxxxx", CompanyID: "xxxxxxxxxxxxxxxxxxxxxxxx",
		SupportedServices: []string{"L2"}, Capacity: Capacity{Total: 1000, Utilised: 365, Remaining: 635},
		VLANRanges: []VLANRange{{Start: 1000, End: 1010}},
		Connections: []PortConnection{
			{ID: "xxxxxxxxxxxxxxxxxxxxxxxx", Name: "SAMPLE NAME", Status: "ERROR", Speed: Speed{Mbps: 10}, Type: "LAYER2"},
			{ID: "xxxxxxxxxxxxxxxxxxxxxxxx", Name: "SAMPLE NAME2", Status: "ERROR", Speed: Speed{Mbps: 10}, Type: "LAYER2"},
		},
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("port\n got %+v\nwant %+v", p, want)
	}
	if !p.SupportsLayer2() {
		t.Error("SupportsLayer2() = false")
	}
}

func TestDecodeSeedMetroCapabilities(t *testing.T) {
	c, req := fixedServer(t, 200, nil, testdata(t, "metro_capabilities.json"))
	metros, err := c.MetroCapabilities(context.Background(), "qe1")
	if err != nil {
		t.Fatal(err)
	}
	if req.URL.Path != "/api/company/qe1/metro/capabilities" {
		t.Errorf("requested %s", req.URL)
	}
	want := []Metro{{ID: "xxxxxxxxxxxxxxxxxxxxxxxx", Code: "HKG", Name: "Hong Kong", Country: "hk",
		RegionIDs: []string{"xxxxxxxxxxxxxxxxxxxxxxxx"}, Ready: true, Capabilities: MetroCapabilities{Layer2: true},
		FirstDCFID: "xxxxxxxxxxxxxxxxxxxxxxxx"}}
	if !reflect.DeepEqual(metros, want) {
		t.Errorf("metros\n got %+v\nwant %+v", metros, want)
	}
}

func TestDecodeSeedDCFSearch(t *testing.T) {
	c, req := fixedServer(t, 200, nil, testdata(t, "dcf_search.json"))
	filter := DCFFilter{Where: map[string]any{"dataCenterFacility.ready": true, "dataCenterFacility.metroId": "m1"}, Limit: 100}
	dcfs, err := c.SearchDCFs(context.Background(), filter)
	if err != nil {
		t.Fatal(err)
	}
	if req.URL.Path != "/v2/data-center-facility" {
		t.Errorf("requested %s", req.URL.Path)
	}
	var sent DCFFilter
	if err := json.Unmarshal([]byte(req.URL.Query().Get("filter")), &sent); err != nil || !reflect.DeepEqual(sent, filter) {
		t.Errorf("filter sent %q (%v)", req.URL.Query().Get("filter"), err)
	}
	if len(dcfs) != 2 {
		t.Fatalf("got %d DCFs", len(dcfs))
	}
	d := dcfs[0]
	if d.ID != "xxxxxxxxxxxxxxxxxxxxxxxxxx" || d.Username != "hkg05" || d.Name != "hkg39-Asia-HK-APAC" ||
		!d.Facility.Ready || d.Facility.MetroID != "xxxxxxxxxxxxxxxxxxxxxxxxxx" {
		t.Errorf("dcf %+v", d)
	}
	// The seed sends coordinates as strings.
	if got := d.Company.Addresses[0].Geo.Coordinates; len(got) != 2 || got[0] != 114.177216 || got[1] != 22.302711 {
		t.Errorf("coordinates %v", got)
	}
	if dcfs[1].Company.Addresses[0].City != "Hong Kong" || dcfs[1].Username != "sample1" {
		t.Errorf("second dcf %+v", dcfs[1])
	}
}

// The PUT body has exactly the fields of the API guide's samples.
func TestCreateLayer2BodyMatchesGuide(t *testing.T) {
	tests := []struct {
		name string
		req  CreateLayer2Request
		keys string
	}{
		{"port-to-port", CreateLayer2Request{Name: "DEMO-L2-S2S", PortID: "p1", DestPortID: "p2", DestCompany: "acme",
			DestMetroID: "m1", Duration: 1, DurationUnit: "m", PaymentType: "invoice", ClassOfService: "SILVER", SpeedMbps: 100, Evergreen: true},
			"classOfService,destCompany,destMetroId,destPortId,duration,durationUnit,evergreen,name,paymentType,portId,speed,type"},
		{"business-to-business", CreateLayer2Request{Name: "DEMO-L2-B2B-for-docs", PortID: "p1", DestCompany: "globex", DestDCF: "d1",
			DestMetroID: "m1", DestRegionID: "r1", Duration: 1, DurationUnit: "m", PaymentType: "invoice", ClassOfService: "SILVER", SpeedMbps: 100, Evergreen: true},
			"classOfService,destCompany,destDcf,destMetroId,destRegionId,duration,durationUnit,evergreen,name,paymentType,portId,speed,type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, req := fixedServer(t, 200, nil, `{"id":"c1","status":"CREATING","speed":{"value":100,"name":"100 Mbps"}}`)
			conn, err := c.CreateLayer2(context.Background(), "acme", tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if conn.ID != "c1" || conn.Status != StatusCreating || conn.Speed.Mbps != 100 {
				t.Errorf("connection %+v", conn)
			}
			if req.Method != http.MethodPut || req.URL.Path != "/api/v2/company/acme/connections/layer2" ||
				req.Header.Get("Content-Type") != "application/json" {
				t.Errorf("sent %s %s", req.Method, req.URL)
			}
			var body map[string]any
			if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			var keys []string
			for k := range body {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if strings.Join(keys, ",") != tt.keys {
				t.Errorf("body keys %v, want %s", keys, tt.keys)
			}
			if body["type"] != "LAYER2" || body["evergreen"] != true {
				t.Errorf("body %v", body)
			}
		})
	}
}

func TestPathSegmentsAreEscaped(t *testing.T) {
	c, req := fixedServer(t, 200, nil, `{}`)
	if _, err := c.GetConnection(context.Background(), "ac me/..", "id?x=1"); err != nil {
		t.Fatal(err)
	}
	if got := req.URL.EscapedPath(); got != "/api/v2/company/ac%20me%2F..%2Fconnections/id%3Fx=1" &&
		got != "/api/v2/company/ac%20me%2F../connections/id%3Fx=1" {
		t.Errorf("escaped path %q", got)
	}
	if req.URL.RawQuery != "" {
		t.Errorf("query leaked from a path segment: %q", req.URL.RawQuery)
	}
}

func TestNewClientRejectsBadInput(t *testing.T) {
	for _, tt := range []struct{ base, key string }{
		{"ftp://x", "k"}, {"http://", "k"}, {"http://x", ""}, {"::", "k"},
	} {
		if _, err := NewClient(tt.base, tt.key, nil); err == nil {
			t.Errorf("NewClient(%q, %q) = nil error", tt.base, tt.key)
		}
	}
	c, err := NewClient("", "k", nil)
	if err != nil || c.BaseURL.String() != DefaultBaseURL || c.HTTPClient != http.DefaultClient {
		t.Errorf("defaults: %+v, %v", c, err)
	}
}

func TestClientNeverPrintsTheKey(t *testing.T) {
	c, err := NewClient("http://example.invalid", testKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(format, c); strings.Contains(out, testKey) {
			t.Errorf("%s of Client shows the key: %s", format, out)
		}
	}
	// A transport failure names the request but not the key.
	c.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond}
	_, err = c.ListPorts(context.Background(), "acme")
	if err == nil || strings.Contains(err.Error(), testKey) {
		t.Errorf("error %v", err)
	}
}
