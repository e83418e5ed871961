package chaos

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// A share of the orders goes to the adversarial ports, twins with the
// order they shadow, and the rest of the plan stays the seed's.
func TestMarkAdversary(t *testing.T) {
	const n = 1000
	for _, tt := range []struct {
		name     string
		share    float64
		min, max int
	}{
		{"off", 0, 0, 0},
		{"make chaos's default", 0.25, 200, 300},
		{"all", 1, 900, n},
	} {
		t.Run(tt.name, func(t *testing.T) {
			seed := uint64(4242)
			want := plan(rand.New(rand.NewPCG(seed, 0xc4a05)), n, 3*time.Minute)
			got := plan(rand.New(rand.NewPCG(seed, 0xc4a05)), n, 3*time.Minute)
			markAdversary(got, tt.share, seed)
			ports := adversaryPorts()
			marked := 0
			for i, p := range got {
				w := want[i]
				if p.Kind != w.Kind || p.StartAt != w.StartAt || p.Cancel != w.Cancel || p.Twin != w.Twin || p.Order.Name != w.Order.Name {
					t.Fatalf("order %d changed beyond its port: %+v, was %+v", i, p, w)
				}
				port := p.Order.PortID
				if p.Target != nil {
					port = p.Target.SrcPortID // an action names no port of its own
					if p.Order.PortID != "" {
						t.Fatalf("action %d (%s) moved to port %s: it names none", i, p.Kind, p.Order.PortID)
					}
				}
				if p.Adversary != slices.Contains(ports, port) {
					t.Fatalf("order %d: adversary %v on port %s", i, p.Adversary, port)
				}
				if !p.Adversary && p.Order.PortID != w.Order.PortID {
					t.Fatalf("order %d moved to %s without the adversary", i, p.Order.PortID)
				}
				if p.Twin >= 0 && (p.Order.PortID != got[p.Twin].Order.PortID || p.Adversary != got[p.Twin].Adversary) {
					t.Fatalf("twin %d on %s, the order it shadows on %s", i, p.Order.PortID, got[p.Twin].Order.PortID)
				}
				if p.Adversary {
					marked++
					if p.Kind == kindPrecheck {
						t.Fatalf("order %d fails its checks, yet is on the adversary's port", i)
					}
					if (p.Kind == kindPortToError) != (p.Order.PortID == chaosPortID(adversaryFaultyNo)) {
						t.Fatalf("order %d (%s) on %s", i, p.Kind, p.Order.PortID)
					}
				}
			}
			if marked < tt.min || marked > tt.max {
				t.Errorf("%d of %d orders against the adversary, want %d to %d", marked, n, tt.min, tt.max)
			}
		})
	}
}

// The adversary stays within what the worker is told the API may do: a
// PUT landing as late as the faults and the adversary allow, then hidden
// by the read lag as long as it allows, still shows within the settle
// window.
func TestAdversaryStaysWithinTheSettleWindow(t *testing.T) {
	for _, tt := range []struct {
		name          string
		timeout, wait time.Duration
	}{
		{"make chaos", ClientTimeout, SettleWindow},
		{"a longer client timeout", 10 * time.Second, 10*time.Second + 90*time.Second},
		{"a window with no room for lag", ClientTimeout, ClientTimeout + time.Minute},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := adversary(Config{ClientTimeout: tt.timeout, SettleWindow: tt.wait})
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			lateCommit := tt.timeout + time.Minute // the late-commit fault's bound
			if c.LateEffectMax > lateCommit {
				t.Errorf("late effects up to %s, past the late commits' %s", c.LateEffectMax, lateCommit)
			}
			if worst := lateCommit + max(c.ReadLag, maxListLag); worst > tt.wait && c.ReadLag > 0 {
				t.Errorf("a late PUT may show after %s, past the %s window", worst, tt.wait)
			}
			if c.ReadLag < 0 || len(c.Ports) != adversarySources+1 {
				t.Errorf("settings %+v", c)
			}
		})
	}
}
