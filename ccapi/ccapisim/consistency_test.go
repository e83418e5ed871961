package ccapisim

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The consistency mode's tests each prove a behaviour happens when it is
// on, stays within its bound, and stays out of ports outside its scope.

func portConnectionsPath(portID string, page, count int) string {
	return fmt.Sprintf("/api/company/acme/ports/%s/connections?page=%d&count=%d", portID, page, count)
}

type wirePage struct {
	Results []wireConnection `json:"results"`
	Count   int              `json:"count"`
}

// readByOffset reads a port's connection list page by page as an offset
// pager does, returning the ids it saw and the count of each page.
func (h *harness) readByOffset(portID string, size int) (ids []string, counts []int) {
	h.t.Helper()
	for page := 1; ; page++ {
		res := h.do(http.MethodGet, portConnectionsPath(portID, page, size), nil)
		expectStatus(h.t, res, http.StatusOK)
		got := mustJSON[wirePage](h.t, res)
		counts = append(counts, got.Count)
		if page == 1 && len(got.Results) < size && len(got.Results) < got.Count {
			size = len(got.Results) // the server's own page size, as the lookup adapts to it
		}
		for _, c := range got.Results {
			ids = append(ids, c.ID)
		}
		if len(got.Results) == 0 || page*size >= got.Count {
			return ids, counts
		}
	}
}

// portIDs lists the port's connections as one read of the port shows
// them inline, in one answer.
func (h *harness) portIDs(portID string) []string {
	h.t.Helper()
	res := h.do(http.MethodGet, "/api/company/acme/ports/"+portID, nil)
	expectStatus(h.t, res, http.StatusOK)
	var ids []string
	for _, c := range mustJSON[struct{ Connections []inlineConnection }](h.t, res).Connections {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestPageShiftSkipsAnItemOfAnOffsetPager(t *testing.T) {
	for _, tt := range []struct {
		name        string
		consistency Consistency
		size        int // count asked per page
		wantShift   bool
	}{
		{"on, in scope", Consistency{PageShiftRate: 1, Ports: []string{portHKG}}, 3, true},
		{"on, every port", Consistency{PageShiftRate: 1}, 3, true},
		{"on, with the mode's page cap", Consistency{PageShiftRate: 1, PageCap: 3}, 100, true},
		{"on, now and then", Consistency{PageShiftRate: 0.5, Ports: []string{portHKG}}, 2, true},
		{"on, another port", Consistency{PageShiftRate: 1, Ports: []string{portSIN}}, 3, false},
		{"off", Consistency{Stray404Rate: 0.5}, 3, false},
		{"on, one page only", Consistency{PageShiftRate: 1}, 100, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{Consistency: tt.consistency})
			for i := range 5 {
				h.create(with(p2pRequest(fmt.Sprintf("C%d", i)), "speed", 10))
			}
			before := h.portIDs(portHKG)
			got, counts := h.readByOffset(portHKG, tt.size)
			after := h.portIDs(portHKG)

			for _, n := range counts {
				if n != len(before) {
					t.Fatalf("counts %v: the count changed from %d; a shift keeps it", counts, len(before))
				}
			}
			// An item skipped may be withdrawn by a later shift: skipped
			// all the same.
			var skipped []string
			for _, id := range before {
				if !slices.Contains(got, id) {
					skipped = append(skipped, id)
				}
			}
			// What disappeared and appeared is another company's, withdrawn
			// and ordered anew: one of each per shifted page read, at most,
			// and each shift skips one item.
			l := h.sim.Ledger()
			withdrawn := 0
			for _, f := range l.Foreign {
				if f.Company == "acme" || f.DestPortID == "" {
					t.Errorf("foreign connection %+v is acme's or toward no port", f)
				}
				if f.Status == StatusDeleted && f.DestPortID == portHKG {
					withdrawn++
				}
			}
			if (len(skipped) > 0) != tt.wantShift || len(skipped) != withdrawn {
				t.Fatalf("skipped %v (read %v of %v) with %d withdrawn; want a shift %v, one item skipped per shift",
					skipped, got, before, withdrawn, tt.wantShift)
			}
			if shifts := len(counts) - 1; withdrawn > shifts {
				t.Errorf("%d foreign connections withdrawn over %d later pages, want one at most per page", withdrawn, shifts)
			}
			if len(after) != len(before) {
				t.Errorf("the port went from %d to %d connections; a shift keeps the count", len(before), len(after))
			}
			for _, c := range l.Connections {
				if c.Status == StatusDeleted {
					t.Errorf("the company's own connection %s was deleted by a shift", c.ID)
				}
			}
		})
	}
}

// inlineConnection is what a test reads of a listed connection.
type inlineConnection struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// readShows reads port connections through endpoint and reports whether
// connection id is shown and with which status.
func (h *harness) readShows(endpoint, portID, id string) (string, bool) {
	h.t.Helper()
	var conns []inlineConnection
	switch endpoint {
	case EndpointGetPort:
		res := h.do(http.MethodGet, "/api/company/acme/ports/"+portID, nil)
		expectStatus(h.t, res, http.StatusOK)
		conns = mustJSON[struct {
			Connections []inlineConnection `json:"connections"`
		}](h.t, res).Connections
	case EndpointListPorts:
		res := h.do(http.MethodGet, portsPath, nil)
		expectStatus(h.t, res, http.StatusOK)
		for _, p := range mustJSON[struct {
			Results []struct {
				ID          string             `json:"id"`
				Connections []inlineConnection `json:"connections"`
			} `json:"results"`
		}](h.t, res).Results {
			if p.ID == portID {
				conns = p.Connections
			}
		}
	case EndpointPortConnections:
		for _, c := range mustJSON[wirePage](h.t, h.do(http.MethodGet, portConnectionsPath(portID, 1, 100), nil)).Results {
			conns = append(conns, inlineConnection{c.ID, c.Status})
		}
	case EndpointListConnections:
		for _, c := range mustJSON[wirePage](h.t, h.do(http.MethodGet, "/api/v2/company/acme/connections?count=100", nil)).Results {
			conns = append(conns, inlineConnection{c.ID, c.Status})
		}
	}
	for _, c := range conns {
		if c.ID == id {
			return c.Status, true
		}
	}
	return "", false
}

func TestReadLagStaysWithinItsBound(t *testing.T) {
	const lag = 10 * time.Second
	for _, endpoint := range []string{EndpointGetPort, EndpointListPorts, EndpointPortConnections, EndpointListConnections} {
		for _, tt := range []struct {
			name     string
			ports    []string
			wantLags bool
		}{
			{"in scope", []string{portHKG}, true},
			{"another port", []string{portSIN}, false},
		} {
			t.Run(endpoint+"/"+tt.name, func(t *testing.T) {
				h := newHarness(t, Options{Consistency: Consistency{ReadLag: lag, Ports: tt.ports}})
				c := h.create(p2pRequest("LAG"))
				h.clock.Advance(15 * time.Second) // ACTIVE
				later := h.create(with(p2pRequest("LATER"), "speed", 10))

				// Behind a PUT: hidden for a while, never past the lag.
				hidden := 0
				for range 50 {
					if _, shown := h.readShows(endpoint, portHKG, later.ID); !shown {
						hidden++
					}
				}
				if (hidden > 0) != tt.wantLags {
					t.Errorf("right after its PUT, hidden in %d of 50 reads; want lag %v", hidden, tt.wantLags)
				}
				h.clock.Advance(lag)
				for range 50 {
					if _, shown := h.readShows(endpoint, portHKG, later.ID); !shown {
						t.Fatalf("hidden %s after its PUT: staler than the %s bound", lag, lag)
					}
				}

				// Behind a DELETE: shown as it was for a while, never past the lag.
				expectStatus(t, h.do(http.MethodDelete, "/api/v2/company/acme/connections/"+c.ID, nil), http.StatusOK)
				stale := 0
				for range 50 {
					status, shown := h.readShows(endpoint, portHKG, c.ID)
					if shown && status == StatusActive {
						stale++
					} else if shown && endpoint != EndpointListConnections {
						t.Fatalf("shown %s on the port after its DELETE", status)
					}
				}
				if (stale > 0) != tt.wantLags {
					t.Errorf("right after its DELETE, still ACTIVE in %d of 50 reads; want lag %v", stale, tt.wantLags)
				}
				h.clock.Advance(lag)
				for range 50 {
					if status, shown := h.readShows(endpoint, portHKG, c.ID); shown && status != StatusDeleted {
						t.Fatalf("shown %s %s after its DELETE: staler than the %s bound", status, lag, lag)
					}
				}
				// GET of the connection itself never lags.
				if got := h.get("acme", c.ID); got.Status != StatusDeleted {
					t.Errorf("GET answers %s after the DELETE", got.Status)
				}
			})
		}
	}
}

// One answer is one moment: it never shows a connection without one made
// before it.
func TestReadLagAnswersAreSnapshots(t *testing.T) {
	h := newHarness(t, Options{Consistency: Consistency{ReadLag: 10 * time.Second}})
	var ids []string
	for i := range 5 {
		ids = append(ids, h.create(with(p2pRequest(fmt.Sprintf("S%d", i)), "speed", 10)).ID)
		h.clock.Advance(2 * time.Second)
	}
	for range 100 {
		shown := h.portIDs(portHKG)
		for i := 1; i < len(ids); i++ {
			if slices.Contains(shown, ids[i]) && !slices.Contains(shown, ids[i-1]) {
				t.Fatalf("an answer shows %s without %s, made before it", ids[i], ids[i-1])
			}
		}
	}
}

func TestStray404sOnLiveConnections(t *testing.T) {
	for _, tt := range []struct {
		name        string
		consistency Consistency
		min, max    int // 404s of 200 reads
	}{
		{"rate 0.3", Consistency{Stray404Rate: 0.3}, 40, 80},
		{"rate 1", Consistency{Stray404Rate: 1, Ports: []string{portHKG}}, 200, 200},
		{"another port", Consistency{Stray404Rate: 1, Ports: []string{portSIN}}, 0, 0},
		{"off", Consistency{}, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			c := h.create(p2pRequest("LIVE"))
			h.clock.Advance(15 * time.Second)
			h.sim.SetConsistency(tt.consistency)
			strays := 0
			for range 200 {
				res := h.do(http.MethodGet, "/api/v2/company/acme/connections/"+c.ID, nil)
				switch {
				case res.status == http.StatusNotFound:
					strays++
				case res.status != http.StatusOK || mustJSON[wireConnection](t, res).Status != StatusActive:
					t.Fatalf("answered %d %s", res.status, res.body)
				}
			}
			if strays < tt.min || strays > tt.max {
				t.Errorf("%d stray 404s of 200 reads, want %d to %d", strays, tt.min, tt.max)
			}
			h.sim.SetConsistency(Consistency{})
			if got := h.get("acme", c.ID); got.Status != StatusActive {
				t.Errorf("the connection is %s after the stray 404s", got.Status)
			}
			if strays > 0 && h.sim.ChangeCount(c.ID) != 0 {
				t.Error("a stray 404 changed the connection")
			}
		})
	}
}

func TestLateEffectsLandAfterTheirErrorAnswer(t *testing.T) {
	const bound = 300 * time.Millisecond
	deleted := func(got wireConnection) bool { return got.Status == StatusDeleted }
	calls := append([]changeCall{{
		EndpointDeleteConnection, func(h *harness) string {
			id := h.create(p2pRequest("GONE")).ID
			h.clock.Advance(15 * time.Second)
			return id
		}, http.MethodDelete, func(id string) string { return updatePath("acme", id) }, nil, deleted,
	}}, changeCalls[0], changeCalls[1], changeCalls[3])
	for _, call := range calls {
		for _, tt := range []struct {
			name     string
			ports    []string
			wantLate bool
		}{
			{"in scope", []string{portHKG}, true},
			{"another port", []string{portSIN}, false},
		} {
			t.Run(call.endpoint+"/"+tt.name, func(t *testing.T) {
				h := newHarness(t, Options{})
				id := call.setup(h)
				h.sim.SetConsistency(Consistency{LateEffectRate: 1, LateEffectMax: bound, Ports: tt.ports})
				sent := time.Now()
				res := h.tryDo(call.method, call.path(id), call.body, 50*time.Millisecond)
				if !tt.wantLate {
					expectStatus(t, res, http.StatusOK)
					if !call.applied(h.get("acme", id)) || h.sim.Pending().LateCommits != 0 {
						t.Fatal("out of scope, the call was not done at once")
					}
					return
				}
				if res.status != 0 && res.status != http.StatusGatewayTimeout {
					t.Fatalf("answered %d %s, want 504 or no answer", res.status, res.body)
				}
				if call.applied(h.get("acme", id)) {
					t.Fatal("the effect landed with its error answer; want it later")
				}
				if p := h.sim.Pending(); p.LateCommits != 1 || p.LastLandsAt == nil || p.LastLandsAt.After(sent.Add(bound+50*time.Millisecond)) {
					t.Fatalf("pending %+v, want 1 landing within %s", p, bound)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := h.sim.AwaitNoPendingEffects(ctx); err != nil {
					t.Fatal(err)
				}
				if took := time.Since(sent); took > bound+time.Second {
					t.Errorf("landed after %s, past its %s bound", took, bound)
				}
				if !call.applied(h.get("acme", id)) {
					t.Fatal("the late effect never landed")
				}
				if n := h.sim.ChangeCalls(id, call.endpoint); n != 1 {
					t.Errorf("ledger has %d %s calls that took effect, want 1", n, call.endpoint)
				}
				got := mustJSON[PendingEffects](t, h.do(http.MethodGet, "/_sim/pending", nil))
				if got.LateCommits != 0 || got.LastLandsAt != nil {
					t.Errorf("GET /_sim/pending = %+v once landed", got)
				}
			})
		}
	}
}

// The faults' late commits count as pending too, and another process can
// ask.
func TestPendingEffectsCountLateCommits(t *testing.T) {
	h := newHarness(t, Options{Faults: Faults{Endpoints: map[string]Faults{
		EndpointCreateLayer2: {LateCommitRate: 1, LateCommitMax: 200 * time.Millisecond},
	}}})
	h.tryDo(http.MethodPut, "/api/v2/company/acme/connections/layer2", p2pRequest("LATE"), 20*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := FetchPendingEffects(ctx, h.http.Client(), h.http.URL, testKey)
	if err != nil || p.LateCommits != 1 || p.LastLandsAt == nil {
		t.Fatalf("FetchPendingEffects = %+v, %v; want one pending", p, err)
	}
	if _, err := FetchPendingEffects(ctx, h.http.Client(), h.http.URL, "wrong"); err == nil || strings.Contains(err.Error(), "wrong") {
		t.Errorf("with a wrong key: %v; want an error that does not echo the key", err)
	}
	if err := h.sim.AwaitNoPendingEffects(ctx); err != nil {
		t.Fatal(err)
	}
	if n := h.sim.ConnectionsCreated("acme", "LATE"); n != 1 {
		t.Errorf("%d connections once nothing is pending, want 1", n)
	}
}

func TestPartnerDecisionsRaceALostAnswer(t *testing.T) {
	for _, tt := range []struct {
		name                 string
		speed                int // asked for, from 100 Mbps
		late                 bool
		wantLower, wantRejct bool // outcomes seen over the seeds
	}{
		{"up, room for a lower speed", 300, false, true, true},
		{"down, room for a lower speed", 50, false, true, true},
		{"up by one: nothing lower to accept", 101, false, false, true},
		{"landing late", 300, true, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var sawLower, sawRejected bool
			for seed := range int64(16) {
				h := newHarness(t, Options{Seed: seed})
				id := activeB2B(h)
				cons := Consistency{PartnerRaceRate: 1, Ports: []string{portHKG}}
				if tt.late {
					cons.LateEffectRate, cons.LateEffectMax = 1, 100*time.Millisecond
				}
				h.sim.SetConsistency(cons)
				res := h.tryDo(http.MethodPut, changePath("acme", id), map[string]any{"speed": tt.speed}, 50*time.Millisecond)
				if res.status != 0 && res.status != 502 && res.status != 503 && res.status != 504 {
					t.Fatalf("seed %d: answered %d %s; want the answer lost", seed, res.status, res.body)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				if err := h.sim.AwaitNoPendingEffects(ctx); err != nil {
					t.Fatal(err)
				}
				cancel()
				got := h.get("acme", id)
				switch {
				case got.Request == nil:
					t.Fatalf("seed %d: no change request", seed)
				case got.Request.Status == ChangeApproved:
					lo, hi := 101, tt.speed-1
					if tt.speed < 100 {
						lo = 1
					}
					if got.Speed.Value < lo || got.Speed.Value > hi || got.Request.Speed != got.Speed.Value {
						t.Fatalf("seed %d: approved at %d Mbps (request %d), want a lower speed in [%d, %d]", seed, got.Speed.Value, got.Request.Speed, lo, hi)
					}
					sawLower = true
				case got.Request.Status == ChangeRejected:
					if got.Speed.Value != 100 {
						t.Fatalf("seed %d: rejected, yet at %d Mbps", seed, got.Speed.Value)
					}
					sawRejected = true
				default:
					t.Fatalf("seed %d: request %s; want it decided before the client can read it", seed, got.Request.Status)
				}
				l := h.sim.Ledger()
				if n := l.ChangeCalls(id, EndpointRequestChange); n != 1 {
					t.Errorf("seed %d: %d change requests took effect, want 1", seed, n)
				}
				changes := l.ChangesTo(id)
				if last := changes[len(changes)-1]; last.Source != SourcePartner || last.By != "initech" {
					t.Errorf("seed %d: last change %+v, want initech's decision", seed, last)
				}
			}
			if sawLower != tt.wantLower || sawRejected != tt.wantRejct {
				t.Errorf("over 16 seeds: accepted lower %v, rejected %v; want %v, %v", sawLower, sawRejected, tt.wantLower, tt.wantRejct)
			}
		})
	}
}

func TestForeignConnectionsTowardTheCompanysPort(t *testing.T) {
	for _, tt := range []struct {
		name        string
		consistency Consistency
		want        bool
		company     string // the foreign one's
	}{
		{"at once", Consistency{ForeignRate: 1, Ports: []string{portHKG}}, true, "globex"},
		{"ordered before, within the lag, every port in scope", Consistency{ForeignRate: 1, ReadLag: 30 * time.Second}, true, outsider},
		{"another port", Consistency{ForeignRate: 1, Ports: []string{portSIN}}, false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{Consistency: tt.consistency})
			h.clock.Advance(time.Minute)
			own := h.create(p2pRequest("TWIN"))
			l := h.sim.Ledger()
			if len(l.Connections) != 1 || l.Connections[0].ID != own.ID {
				t.Fatalf("ledger connections %+v, want only acme's own", l.Connections)
			}
			if !tt.want {
				if len(l.Foreign) != 0 {
					t.Fatalf("foreign connections %+v out of scope", l.Foreign)
				}
				return
			}
			if len(l.Foreign) != 1 {
				t.Fatalf("foreign connections %+v, want one", l.Foreign)
			}
			f := l.Foreign[0]
			if f.Name != "TWIN" || f.Company != tt.company || f.SrcPortID == portHKG || f.DestPortID != portHKG || f.DestCompany != "acme" {
				t.Errorf("foreign connection %+v, want globex's TWIN toward acme's port", f)
			}
			created := epoch.Add(time.Minute)
			if f.CreatedAt.After(created) || f.CreatedAt.Before(created.Add(-tt.consistency.ReadLag)) {
				t.Errorf("ordered at %s, want within %s before %s", f.CreatedAt, tt.consistency.ReadLag, created)
			}
			// acme sees it, on its port and by id, as globex's.
			h.clock.Advance(time.Minute)
			named := 0
			for _, id := range h.portIDs(portHKG) {
				if c := h.get("acme", id); c.Name == "TWIN" {
					named++
				}
			}
			if named != 2 {
				t.Errorf("%d connections named TWIN on the port, want 2", named)
			}
			if got := h.get("acme", f.ID); got.SrcCompany != tt.company || got.SrcPortID != f.SrcPortID {
				t.Errorf("acme reads it as %+v", got)
			}
			// It is not acme's to delete.
			expectStatus(t, h.do(http.MethodDelete, updatePath("acme", f.ID), nil), http.StatusForbidden)
		})
	}
}

func TestBareAnswersLeaveOutWhatIsNotPromised(t *testing.T) {
	kept := []string{"id", "name", "status", "speed", "type", "srcPortId"}
	for _, tt := range []struct {
		endpoint string
		read     func(h *harness, id string) []map[string]any
		keep     []string
	}{
		{EndpointCreateLayer2, func(h *harness, _ string) []map[string]any {
			res := h.do(http.MethodPut, "/api/v2/company/acme/connections/layer2", p2pRequest("ANOTHER"))
			return []map[string]any{mustJSON[map[string]any](h.t, res)}
		}, kept},
		{EndpointGetConnection, func(h *harness, id string) []map[string]any {
			return []map[string]any{mustJSON[map[string]any](h.t, h.do(http.MethodGet, updatePath("acme", id), nil))}
		}, kept},
		{EndpointUpdateConnection, func(h *harness, id string) []map[string]any {
			return []map[string]any{mustJSON[map[string]any](h.t, h.do(http.MethodPost, updatePath("acme", id), map[string]any{"speed": 50}))}
		}, kept},
		{EndpointPortConnections, func(h *harness, _ string) []map[string]any {
			return mustJSON[struct{ Results []map[string]any }](h.t, h.do(http.MethodGet, portConnectionsPath(portHKG, 1, 100), nil)).Results
		}, kept},
		{EndpointListConnections, func(h *harness, _ string) []map[string]any {
			return mustJSON[struct{ Results []map[string]any }](h.t, h.do(http.MethodGet, "/api/v2/company/acme/connections", nil)).Results
		}, kept},
		{EndpointGetPort, func(h *harness, _ string) []map[string]any {
			return mustJSON[struct{ Connections []map[string]any }](h.t, h.do(http.MethodGet, "/api/company/acme/ports/"+portHKG, nil)).Connections
		}, []string{"id", "name", "status", "speed", "type"}},
	} {
		for _, ports := range [][]string{{portHKG}, {portSIN}} {
			inScope := ports[0] == portHKG
			t.Run(fmt.Sprintf("%s/in scope %v", tt.endpoint, inScope), func(t *testing.T) {
				h := newHarness(t, Options{})
				id := h.create(p2pRequest("BARE")).ID
				h.clock.Advance(15 * time.Second)
				h.sim.SetConsistency(Consistency{BareRate: 1, Ports: ports})
				answers := tt.read(h, id)
				if !inScope {
					// Out of scope, the answer is the same as with the mode off.
					h.sim.SetConsistency(Consistency{})
					if tt.endpoint != EndpointCreateLayer2 && tt.endpoint != EndpointUpdateConnection {
						if again := tt.read(h, id); fmt.Sprint(again) != fmt.Sprint(answers) {
							t.Errorf("out of scope, answered %v; with the mode off %v", answers, again)
						}
					}
				}
				if len(answers) == 0 {
					t.Fatal("no connection in the answer")
				}
				for _, c := range answers {
					if c["srcPortId"] != nil && c["srcPortId"] != portHKG {
						continue // the fixture's connection toward SIN, say
					}
					var extra []string
					for k := range c {
						if !slices.Contains(tt.keep, k) {
							extra = append(extra, k)
						}
					}
					for _, k := range tt.keep {
						if _, ok := c[k]; !ok {
							t.Errorf("%s lacks %s, which it keeps", c["id"], k)
						}
					}
					if bare := len(extra) == 0; bare != inScope {
						t.Errorf("%s has %v beyond what is promised; want bare %v", c["id"], extra, inScope)
					}
				}
			})
		}
	}
}

// Switched on for one port, the mode moves none of the faults' draws
// elsewhere: the same seed gives the same faults.
func TestConsistencyLeavesTheFaultsAlone(t *testing.T) {
	statuses := func(cons Consistency) []int {
		h := newHarness(t, Options{Seed: 7, Faults: Faults{ErrorRate: 0.4}, Consistency: cons})
		var out []int
		for range 40 {
			out = append(out, h.do(http.MethodGet, portsPath, nil).status)
		}
		return out
	}
	off := statuses(Consistency{})
	on := statuses(Consistency{Stray404Rate: 1, BareRate: 1, ReadLag: time.Minute, PageShiftRate: 1, Ports: []string{portSIN}})
	if !slices.Equal(off, on) {
		t.Fatalf("faults with the mode off %v, on %v", off, on)
	}
}

// Every setting but the scope switches the mode on: a setting added to
// Consistency without a place in on() would never apply.
func TestConsistencyOnNamesEverySetting(t *testing.T) {
	v := reflect.ValueOf(&Consistency{}).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		if name == "Ports" {
			continue
		}
		c := Consistency{}
		f := reflect.ValueOf(&c).Elem().Field(i)
		switch f.Kind() {
		case reflect.Float64:
			f.SetFloat(0.5)
		case reflect.Int, reflect.Int64:
			f.SetInt(1)
		default:
			t.Fatalf("%s: a setting of kind %s", name, f.Kind())
		}
		if !c.on() {
			t.Errorf("%s set, yet the mode is off", name)
		}
	}
	if (Consistency{Ports: []string{portHKG}}).on() {
		t.Error("a scope alone switches the mode on")
	}
}

func TestAdminConsistency(t *testing.T) {
	h := newHarness(t, Options{})
	body := `{"ports":["` + portHKG + `"],"pageShiftRate":0.5,"pageCap":3,"readLag":"10s","stray404Rate":0.1,` +
		`"lateEffectRate":0.2,"lateEffectMax":"1m","partnerRaceRate":0.3,"foreignRate":0.4,"bareRate":0.5}`
	want := Consistency{Ports: []string{portHKG}, PageShiftRate: 0.5, PageCap: 3, ReadLag: 10 * time.Second, Stray404Rate: 0.1,
		LateEffectRate: 0.2, LateEffectMax: time.Minute, PartnerRaceRate: 0.3, ForeignRate: 0.4, BareRate: 0.5}
	res := h.do(http.MethodPut, "/_sim/consistency", body)
	expectStatus(t, res, http.StatusOK)
	for _, got := range []Consistency{mustJSON[Consistency](t, res), mustJSON[Consistency](t, h.do(http.MethodGet, "/_sim/consistency", nil))} {
		if !slices.Equal(got.Ports, want.Ports) || got.ReadLag != want.ReadLag || got.LateEffectMax != want.LateEffectMax ||
			got.BareRate != want.BareRate || got.PageCap != want.PageCap || got.PartnerRaceRate != want.PartnerRaceRate {
			t.Fatalf("answered %+v, want %+v", got, want)
		}
	}
	if n := len(h.sim.Ledger().Foreign); n != standingForeign {
		t.Errorf("%d standing foreign connections after switching page shifts on, want %d", n, standingForeign)
	}
	for _, bad := range []string{`{"bareRate":2}`, `{"readLag":"-1s"}`, `{"lateEffectRate":0.5}`, `{"ports":[""]}`, `{"typo":1}`} {
		expectStatus(t, h.do(http.MethodPut, "/_sim/consistency", bad), http.StatusBadRequest)
	}
	if got := h.sim.CurrentConsistency(); got.BareRate != 0.5 {
		t.Errorf("an invalid PUT changed the settings to %+v", got)
	}
	expectStatus(t, h.doWithKey(http.MethodPut, "/_sim/consistency", `{}`, "wrong"), http.StatusUnauthorized)
}
