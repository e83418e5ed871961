package chaos

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSummaryNamesTheStack(t *testing.T) {
	for _, tt := range []struct {
		name string
		rep  Report
		want string // the line's end
	}{
		{"dev server", Report{Seed: 7}, " seed=7"},
		{"stack", Report{Seed: 7, Stack: "postgres", DBRestarts: 1, Workers: make([]WorkerReport, 2)},
			" seed=7 stack=postgres workers=2 db_restarts=1"},
	} {
		if got := tt.rep.Summary(); !strings.HasSuffix(got, tt.want) {
			t.Errorf("%s: Summary() = %q; want it to end %q", tt.name, got, tt.want)
		}
	}
}

// TestDBRestartsLeaveTheSeedsOtherDisruptions: a seed's kills and server
// restarts are where they were, with or without database restarts, so
// seeds found on the dev server mean the same on the stack.
func TestDBRestartsLeaveTheSeedsOtherDisruptions(t *testing.T) {
	cfg := Config{Seed: 42, Kills: 6, Restarts: 2, Arrival: time.Minute}
	without := disruptions(rand.New(rand.NewPCG(1, 2)), cfg, 2*time.Minute)
	cfg.DBRestarts = 2
	with := disruptions(rand.New(rand.NewPCG(1, 2)), cfg, 2*time.Minute)
	if len(with) != len(without)+2 || !slices.Equal(with[:len(without)], without) {
		t.Fatalf("with database restarts: %v\nwithout: %v", with, without)
	}
	for _, d := range with[len(without):] {
		if !d.DBRestart || d.At <= 0 || d.At >= 2*time.Minute {
			t.Errorf("database restart %+v: want one inside the window", d)
		}
	}
}

// TestArmedKillWaitsForALiveWorker: a PUT that arrives from a worker that
// is already gone (its request outlived it) does not use up the kill
// armed for the next PUT, so every planned kill lands.
func TestArmedKillWaitsForALiveWorker(t *testing.T) {
	r := &run{workers: []*workerSupervisor{{}}} // never started: cannot be killed
	r.armed.Store(1)
	h := r.killAtPUT(0, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest(http.MethodPut, "/api/v2/company/acme/connections/layer2", nil)
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got := r.armed.Load(); got != 1 {
		t.Fatalf("armed kills after a PUT from a dead worker: %d; want 1", got)
	}
	if got := r.killsAtPUT.Load(); got != 0 {
		t.Fatalf("kills at a PUT counted: %d; want 0", got)
	}
}
