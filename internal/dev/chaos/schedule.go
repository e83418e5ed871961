package chaos

import (
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/cc-l2/provisioner/ccapi/ccapisim"
)

// faultKinds are the faults the schedule draws from, each with how it is
// switched on at a drawn intensity. Together they are every fault the
// simulator models.
var faultKinds = []struct {
	name string
	set  func(f *ccapisim.Faults, rng *rand.Rand, clientTimeout time.Duration)
}{
	{"5xx", func(f *ccapisim.Faults, rng *rand.Rand, _ time.Duration) { f.ErrorRate = 0.05 + 0.25*rng.Float64() }},
	{"429", func(f *ccapisim.Faults, rng *rand.Rand, _ time.Duration) {
		f.ThrottleRate, f.RetryAfter = 0.05+0.15*rng.Float64(), time.Second
	}},
	{"latency", func(f *ccapisim.Faults, rng *rand.Rand, _ time.Duration) {
		f.Latency = time.Duration(50+rng.IntN(250)) * time.Millisecond
	}},
	{"cut", func(f *ccapisim.Faults, rng *rand.Rand, _ time.Duration) { f.CutRate = 0.05 + 0.15*rng.Float64() }},
	{"commit-then-5xx", func(f *ccapisim.Faults, rng *rand.Rand, _ time.Duration) {
		f.CommitThenErrorRate = 0.1 + 0.3*rng.Float64()
	}},
	{"commit-then-cut", func(f *ccapisim.Faults, rng *rand.Rand, _ time.Duration) {
		f.CommitThenCutRate = 0.1 + 0.2*rng.Float64()
	}},
	{"garbled-2xx", func(f *ccapisim.Faults, rng *rand.Rand, _ time.Duration) { f.GarbledRate = 0.1 + 0.2*rng.Float64() }},
	{"slow", func(f *ccapisim.Faults, rng *rand.Rand, timeout time.Duration) {
		f.SlowRate, f.SlowDelay = 0.05+0.15*rng.Float64(), timeout+time.Second
	}},
	{"late-commit", func(f *ccapisim.Faults, rng *rand.Rand, timeout time.Duration) {
		// Up to the client's timeout plus a minute, the bound the
		// project's settle window is checked against.
		f.LateCommitRate, f.LateCommitMax = 0.1+0.2*rng.Float64(), timeout+time.Minute
	}},
	{"list-lag", func(f *ccapisim.Faults, rng *rand.Rand, _ time.Duration) {
		f.ListLag = time.Duration(2+rng.IntN(int(maxListLag/time.Second)-1)) * time.Second
	}},
	{"page-cap", func(f *ccapisim.Faults, rng *rand.Rand, _ time.Duration) { f.PageCap = 1 + rng.IntN(4) }},
	{"read-gap", func(f *ccapisim.Faults, rng *rand.Rand, _ time.Duration) {
		f.ReadGap = time.Duration(1+rng.IntN(5)) * time.Second
	}},
	{"auth-burst", func(f *ccapisim.Faults, rng *rand.Rand, _ time.Duration) {
		f.AuthBurstRate, f.AuthBurstLength = 0.005+0.01*rng.Float64(), time.Duration(1+rng.IntN(3))*time.Second
	}},
	{"missing-field", func(f *ccapisim.Faults, rng *rand.Rand, _ time.Duration) {
		f.MissingFieldRate = 0.02 + 0.08*rng.Float64()
	}},
}

// maxListLag bounds the list lag the schedule draws; the worker's settle
// window must cover a late commit plus this.
const maxListLag = 10 * time.Second

// phase is one stretch of the run under one set of faults.
type phase struct {
	At     time.Duration
	Faults ccapisim.Faults
	Kinds  []string
}

// schedule draws the fault phases of a window of the given length: first
// every kind alone, in a random order, then random mixes of two to four.
// Phases last half to one and a half times a base length of up to 5
// seconds, shorter in a short window so that every kind still gets one.
func schedule(rng *rand.Rand, window, clientTimeout time.Duration) []phase {
	base := min(5*time.Second, window/time.Duration(len(faultKinds)+1))
	var phases []phase
	order := rng.Perm(len(faultKinds))
	for at, i := time.Duration(0), 0; at < window; i++ {
		var picked []int
		if i < len(order) {
			picked = []int{order[i]}
		} else {
			picked = rng.Perm(len(faultKinds))[:2+rng.IntN(3)]
		}
		p := phase{At: at}
		for _, k := range picked {
			faultKinds[k].set(&p.Faults, rng, clientTimeout)
			p.Kinds = append(p.Kinds, faultKinds[k].name)
		}
		slices.Sort(p.Kinds)
		phases = append(phases, p)
		at += time.Duration((0.5 + rng.Float64()) * float64(base))
	}
	return phases
}

// kindsCovered lists the fault kinds the phases switch on.
func kindsCovered(phases []phase) string {
	seen := map[string]bool{}
	for _, p := range phases {
		for _, k := range p.Kinds {
			seen[k] = true
		}
	}
	var names []string
	for _, k := range faultKinds {
		if seen[k.name] {
			names = append(names, k.name)
		}
	}
	return strings.Join(names, ", ")
}
