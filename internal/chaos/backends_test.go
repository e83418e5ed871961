package chaos

import (
	"math/rand/v2"
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
