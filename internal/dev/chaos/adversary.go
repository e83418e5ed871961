package chaos

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

// The adversarial API: a share of the orders (Config.Adversary) order on
// ports of their own, which the simulator's consistency mode
// (ccapisim.Consistency) is aimed at for the whole run, not in phases:
// an API's consistency is what it is, whatever else fails. Its settings
// are below; every bound is what the API may do, so the promise must hold
// for those orders too.

// adversaryPorts are the source ports of the adversarial orders.
func adversaryPorts() []string {
	ports := []string{chaosPortID(adversaryFaultyNo)}
	for i := range adversarySources {
		ports = append(ports, chaosPortID(adversarySourceNo+i))
	}
	return ports
}

// adversary is the consistency mode of a run. The port reads lag by up to
// what the settle window leaves once the longest late commit is taken out
// of it (less a margin), so that a PUT landing late still shows within
// the window the worker waits; late DELETEs, updates and change requests
// land within the late commit's bound.
func adversary(cfg Config) ccapisim.Consistency {
	lateMax := cfg.ClientTimeout + time.Minute
	return ccapisim.Consistency{
		Ports:           adversaryPorts(),
		PageShiftRate:   0.3,
		PageCap:         5,
		ReadLag:         max(0, cfg.SettleWindow-lateMax-2*time.Second),
		Stray404Rate:    0.05,
		LateEffectRate:  0.1,
		LateEffectMax:   lateMax,
		PartnerRaceRate: 0.5,
		ForeignRate:     0.1,
		BareRate:        0.1,
	}
}

// adversaryBehaviours names the behaviours a consistency mode has on.
func adversaryBehaviours(c ccapisim.Consistency) string {
	var on []string
	for _, b := range []struct {
		name string
		on   bool
	}{
		{"page-shift", c.PageShiftRate > 0}, {"read-lag", c.ReadLag > 0}, {"stray-404", c.Stray404Rate > 0},
		{"late-effect", c.LateEffectRate > 0}, {"partner-race", c.PartnerRaceRate > 0},
		{"foreign", c.ForeignRate > 0}, {"bare", c.BareRate > 0},
	} {
		if b.on {
			on = append(on, b.name)
		}
	}
	return strings.Join(on, ", ")
}

// markAdversary moves a share of the planned orders onto the adversarial
// ports, drawn from a source of its own so that the rest of the plan is
// the seed's as before. A twin goes where the order it shadows goes;
// orders that fail their checks stay where they are (nothing reaches the
// API for them).
func markAdversary(orders []plannedOrder, share float64, seed uint64) {
	if share <= 0 {
		return
	}
	rng := rand.New(rand.NewPCG(seed, 0xad7e))
	for i := range orders {
		p := &orders[i]
		// Drawn for every order, so that a larger share takes the same
		// orders as a smaller one, and more.
		draw, port := rng.Float64(), rng.IntN(adversarySources)
		switch {
		case p.Kind == kindPrecheck:
			continue
		case p.Twin >= 0:
			p.Adversary = orders[p.Twin].Adversary
			p.Order.PortID = orders[p.Twin].Order.PortID
			continue
		case draw >= share:
			continue
		}
		p.Adversary = true
		if p.Target != nil {
			// An action names no port: its connection is placed on one.
			p.Target.SrcPortID = chaosPortID(adversarySourceNo + port)
			continue
		}
		if p.Order.PortID == chaosPortID(faultyPortNo) {
			p.Order.PortID = chaosPortID(adversaryFaultyNo)
		} else {
			p.Order.PortID = chaosPortID(adversarySourceNo + port)
		}
	}
}

// adversaryNote is what the report's fault line says of the adversary.
func adversaryNote(orders []plannedOrder, c ccapisim.Consistency) string {
	n := 0
	for _, p := range orders {
		if p.Adversary {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; adversarial API for %d of %d orders: %s", n, len(orders), adversaryBehaviours(c))
}
