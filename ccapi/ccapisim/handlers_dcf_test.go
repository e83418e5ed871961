package ccapisim

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func searchDCFPath(filter string) string {
	return "/v2/data-center-facility?filter=" + url.QueryEscape(filter)
}

func TestSearchDCFShape(t *testing.T) {
	h := newHarness(t, Options{})
	res := h.do(http.MethodGet, searchDCFPath(`{"where":{"id":"`+dcfHKG05+`"}}`), nil)
	expectStatus(t, res, http.StatusOK)
	if !strings.HasPrefix(strings.TrimSpace(string(res.body)), "[") {
		t.Fatalf("response is not a bare array: %s", res.body)
	}
	got := mustJSON[[]struct {
		ID, Username, Name string
		DeletedAt          *string
		CreatedAt          string
		Company            struct {
			Addresses []struct {
				City, Country string
				Geo           struct {
					Type        string
					Coordinates []string // strings, as in the real API
				}
			}
		}
		DataCenterFacility struct {
			MetroID      string `json:"metroId"`
			Ready        bool
			ID           string
			NNIReady     bool `json:"nniReady"`
			BrandID      *string
			AirportCodes []string
		}
	}](t, res)
	if len(got) != 1 {
		t.Fatalf("%d results, want 1", len(got))
	}
	d := got[0]
	if d.ID != dcfHKG05 || d.Username != "hkg05" || d.Name != "hkg39-Asia-HK-APAC" || d.DeletedAt != nil || d.CreatedAt == "" {
		t.Errorf("dcf = %+v", d)
	}
	if d.DataCenterFacility.MetroID != metroHKG || !d.DataCenterFacility.Ready || d.DataCenterFacility.ID == d.ID ||
		d.DataCenterFacility.BrandID != nil || d.DataCenterFacility.AirportCodes == nil {
		t.Errorf("dataCenterFacility = %+v", d.DataCenterFacility)
	}
	addr := d.Company.Addresses
	if len(addr) != 1 || addr[0].City != "Hong Kong" || addr[0].Geo.Type != "Point" ||
		!slices.Equal(addr[0].Geo.Coordinates, []string{"114.177216", "22.302711"}) {
		t.Errorf("addresses = %+v", addr)
	}
}

func TestSearchDCFFilters(t *testing.T) {
	h := newHarness(t, Options{})
	tests := []struct {
		name, filter string
		wantIDs      []string
	}{
		{"empty filter lists all by id", `{}`, []string{dcfHKG05, dcfMega, "5f10000000000000000000a3", dcfSIN01, dcfLDN01, "5f10000000000000000000d1"}},
		{"guide example: ready in metro", `{"where":{"dataCenterFacility.ready":true,"dataCenterFacility.metroId":"` + metroHKG + `"},"skip":0,"limit":100}`, []string{dcfHKG05, dcfMega}},
		{"not ready", `{"where":{"dataCenterFacility.ready":false}}`, []string{"5f10000000000000000000a3"}},
		{"by username", `{"where":{"username":"sin01"}}`, []string{dcfSIN01}},
		{"by id", `{"where":{"id":"` + dcfLDN01 + `"}}`, []string{dcfLDN01}},
		{"no match", `{"where":{"username":"nowhere"}}`, []string{}},
		{"limit", `{"limit":2}`, []string{dcfHKG05, dcfMega}},
		{"skip and limit", `{"skip":2,"limit":2}`, []string{"5f10000000000000000000a3", dcfSIN01}},
		{"skip past the end", `{"skip":50}`, []string{}},
		{"limit above max is capped", `{"limit":1000}`, []string{dcfHKG05, dcfMega, "5f10000000000000000000a3", dcfSIN01, dcfLDN01, "5f10000000000000000000d1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do(http.MethodGet, searchDCFPath(tt.filter), nil)
			expectStatus(t, res, http.StatusOK)
			ids := []string{}
			for _, d := range mustJSON[[]struct{ ID string }](t, res) {
				ids = append(ids, d.ID)
			}
			if !slices.Equal(ids, tt.wantIDs) {
				t.Errorf("ids = %v, want %v", ids, tt.wantIDs)
			}
		})
	}
}

func TestSearchDCFInvalidFilter(t *testing.T) {
	h := newHarness(t, Options{})
	tests := []struct{ name, path, wantMessage string }{
		{"missing", "/v2/data-center-facility", "required"},
		{"not json", searchDCFPath(`{where:`), "not valid JSON"},
		{"unsupported property", searchDCFPath(`{"where":{"name":"x"}}`), `"name"`},
		{"operator instead of value", searchDCFPath(`{"where":{"id":{"inq":["a"]}}}`), "where.id"},
		{"ready not boolean", searchDCFPath(`{"where":{"dataCenterFacility.ready":"yes"}}`), "dataCenterFacility.ready"},
		{"negative skip", searchDCFPath(`{"skip":-1}`), "skip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do(http.MethodGet, tt.path, nil)
			expectStatus(t, res, http.StatusBadRequest)
			got := mustJSON[codeMessage](t, res)
			if got.Code != 400 || !strings.HasPrefix(got.Message, "Invalid filter: ") || !strings.Contains(got.Message, tt.wantMessage) {
				t.Errorf("body = %s, want message mentioning %q", res.body, tt.wantMessage)
			}
		})
	}
}
