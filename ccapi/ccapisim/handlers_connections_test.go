package ccapisim

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"
)

type connectionPage struct {
	Results []wireConnection `json:"results"`
	Count   int              `json:"count"`
}

func TestGetConnectionVisibility(t *testing.T) {
	h := newHarness(t, Options{})
	b2b := h.create(b2bRequest("VISIBLE", "initech", metroHKG))
	tests := []struct {
		company, id string
		wantStatus  int
	}{
		{"acme", legacyConn, 200},
		{"acme", b2b.ID, 200},
		{"initech", b2b.ID, 200}, // the destination sees it too
		{"globex", b2b.ID, 404},
		{"initech", legacyConn, 404},
		{"acme", "ffffffffffffffffffffffff", 404},
	}
	for _, tt := range tests {
		t.Run(tt.company+"/"+tt.id, func(t *testing.T) {
			res := h.do(http.MethodGet, "/api/v2/company/"+tt.company+"/connections/"+tt.id, nil)
			expectStatus(t, res, tt.wantStatus)
			if tt.wantStatus == 404 {
				if got := mustJSON[loopbackErr](t, res); got.Error.Message != "Connection not found" || got.Error.StatusCode != 404 {
					t.Errorf("body = %s", res.body)
				}
				return
			}
			if got := mustJSON[wireConnection](t, res); got.ID != tt.id {
				t.Errorf("id = %s", got.ID)
			}
		})
	}
	legacy := h.get("acme", legacyConn)
	if legacy.Status != StatusActive || legacy.Speed.Value != 200 || legacy.CreatedAt != "2024-01-15T08:00:00.000Z" ||
		legacy.DestMetroID != metroSIN || derefOr(legacy.DestPortID, "") != portSIN {
		t.Errorf("legacy connection = %+v", legacy)
	}
}

func TestListConnectionsPagination(t *testing.T) {
	h := newHarness(t, Options{})
	var created []string
	for i := range 5 {
		h.clock.Advance(time.Second)
		created = append(created, h.create(with(p2pRequest(fmt.Sprintf("LIST-%d", i)), "speed", 10)).ID)
	}
	all := append([]string{legacyConn}, created...) // oldest first
	h.create(b2bRequest("TO-INITECH", "initech", metroHKG))

	tests := []struct {
		name, query string
		company     string
		wantIDs     []string
		wantCount   int
	}{
		{"defaults", "", "acme", nil, 7},
		{"first page", "?page=1&count=3", "acme", all[:3], 7},
		{"second page", "?page=2&count=3", "acme", all[3:6], 7},
		{"page past the end", "?page=9&count=3", "acme", []string{}, 7},
		{"status filter", "?status=ACTIVE", "acme", []string{legacyConn}, 1},
		{"status filter with paging", "?page=2&count=2&status=CREATING", "acme", created[2:4], 5},
		{"destination company sees incoming", "?status=PENDING", "initech", nil, 1},
		{"unrelated company sees nothing", "", "globex", []string{}, 0},
		{"count above max is capped", "?count=1000", "acme", nil, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do(http.MethodGet, "/api/v2/company/"+tt.company+"/connections"+tt.query, nil)
			expectStatus(t, res, http.StatusOK)
			page := mustJSON[connectionPage](t, res)
			if page.Count != tt.wantCount {
				t.Errorf("count = %d, want %d", page.Count, tt.wantCount)
			}
			if page.Results == nil {
				t.Error("results should be [] rather than null")
			}
			ids := []string{}
			for _, c := range page.Results {
				ids = append(ids, c.ID)
			}
			if tt.wantIDs != nil && !slices.Equal(ids, tt.wantIDs) {
				t.Errorf("ids = %v, want %v", ids, tt.wantIDs)
			}
		})
	}
}

func TestListConnectionsAppliesLifecycle(t *testing.T) {
	h := newHarness(t, Options{})
	h.create(p2pRequest("LIFE"))
	h.clock.Advance(10 * time.Second)
	res := h.do(http.MethodGet, "/api/v2/company/acme/connections?status=ACTIVE", nil)
	if page := mustJSON[connectionPage](t, res); page.Count != 2 {
		t.Fatalf("ACTIVE count = %d, want 2 (legacy + activated)", page.Count)
	}
}

func TestListConnectionsInvalidPaging(t *testing.T) {
	h := newHarness(t, Options{})
	for _, query := range []string{"?page=0", "?page=x", "?count=-1", "?count=1.5"} {
		res := h.do(http.MethodGet, "/api/v2/company/acme/connections"+query, nil)
		expectStatus(t, res, http.StatusBadRequest)
		if got := mustJSON[codeMessage](t, res); got.Code != 400 || got.Message == "" {
			t.Errorf("%s: body %s", query, res.body)
		}
	}
}
