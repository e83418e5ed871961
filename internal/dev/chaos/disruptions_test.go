package chaos

import (
	"math/rand/v2"
	"testing"
	"time"
)

// Kills armed for a PUT are drawn while orders still arrive: once every
// order has placed its PUT, no PUT would come to fire them. The others
// and the restarts may fall anywhere in the window.
func TestArmedKillsComeWhileOrdersArrive(t *testing.T) {
	for _, tt := range []struct {
		name             string
		arrival, tail    time.Duration
		kills, restarts  int
		wantArmed, wantN int
	}{
		{"make test's short run", 15 * time.Second, 10 * time.Second, 4, 1, 2, 5},
		{"make chaos", 3 * time.Minute, 30 * time.Second, 24, 2, 8, 26},
		{"a tail longer than the arrival", 5 * time.Second, time.Minute, 7, 0, 3, 7},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for seed := range uint64(50) {
				cfg := Config{Kills: tt.kills, Restarts: tt.restarts, Arrival: tt.arrival, ChaosTail: tt.tail}
				window := tt.arrival + tt.tail
				events := disruptions(rand.New(rand.NewPCG(seed, seed)), cfg, window)
				armed := 0
				for _, e := range events {
					if e.At < 0 || e.At > window {
						t.Fatalf("seed %d: %+v outside the window of %s", seed, e, window)
					}
					if e.AtPUT {
						armed++
						if e.At >= tt.arrival {
							t.Fatalf("seed %d: a kill armed at %s, after the last order arrived (%s)", seed, e.At, tt.arrival)
						}
					}
				}
				if len(events) != tt.wantN || armed != tt.wantArmed {
					t.Fatalf("seed %d: %d disruptions, %d armed; want %d, %d", seed, len(events), armed, tt.wantN, tt.wantArmed)
				}
			}
		})
	}
}
