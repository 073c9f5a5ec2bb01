package sim

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// edgeTestProbe keeps the searches short: 2,000-step probes of a diagonal net with
// 2,000 iterations... the same fraction rule as DefaultEdgeProbe.
var edgeTestProbe = EdgeProbe{Frac: 0.5, Seeds: 2, RelTol: 0.01}

// smallDiag is a diagonal net whose probes take milliseconds.
func smallDiag(t *testing.T, dataSeed string) Config {
	t.Helper()
	c := mustScenario(t, "diag-decay50")
	mustSet(t, &c, "iters", "4000", "data_seed", dataSeed, "eta_max", "auto")
	return c
}

// survives runs cfg at the constant step size eta for iters steps from seed.
func survives(t *testing.T, cfg Config, eta float64, iters int, seed uint64) bool {
	t.Helper()
	cfg.LREdge, cfg.EtaMax, cfg.LR, cfg.Decays, cfg.Warmup = 0, 0, eta, nil, WarmupNone
	cfg.Iters, cfg.LogEvery, cfg.Seed = iters, iters, seed
	cfg.probe = true // probe seeds lie above the seed setting's range
	r, err := NewRun(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.Advance(iters)
	return r.Err() == nil
}

// TestFindEdgeBrackets checks the search's result against its definition: at
// η_max every probe seed survives the probe length, at the reported unstable step
// size one of them diverges, the two are within the tolerance, and the search does
// not depend on the run's own seed or step sizes.
func TestFindEdgeBrackets(t *testing.T) {
	for _, ds := range []string{"1", "2", "3"} {
		c := smallDiag(t, ds)
		e, err := FindEdge(c, edgeTestProbe, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("data seed %s: η_max %.4g, unstable %.4g, %d runs, %d steps, %v", ds, e.EtaMax, e.Unstable, e.Runs, e.Steps, e.Elapsed)
		if !(e.Unstable > e.EtaMax && e.Unstable <= e.EtaMax*(1+edgeTestProbe.RelTol)*(1+1e-12)) {
			t.Errorf("data seed %s: bracket [%g, %g], want width ≤ %g relative", ds, e.EtaMax, e.Unstable, edgeTestProbe.RelTol)
		}
		probeIters := int(edgeTestProbe.Frac * float64(c.Iters))
		unstableSeen := false
		for i := 1; i <= edgeTestProbe.Seeds; i++ {
			seed := EdgeProbeSeed(i)
			if !survives(t, c, e.EtaMax, probeIters, seed) {
				t.Errorf("data seed %s: seed %d diverges at η_max %g, want it to survive %d steps", ds, seed, e.EtaMax, probeIters)
			}
			unstableSeen = unstableSeen || !survives(t, c, e.Unstable, probeIters, seed)
		}
		if !unstableSeen {
			t.Errorf("data seed %s: every probe seed survives %g, which the search reports unstable", ds, e.Unstable)
		}
		other := c
		mustSet(t, &other, "seed", "9", "lr", "0.01", "lr_edge", "0.5", "decays", "0.2:3")
		if f, err := FindEdge(other, edgeTestProbe, nil); err != nil || f.EtaMax != e.EtaMax {
			t.Errorf("data seed %s: η_max with another seed and schedule = %g (%v), want %g", ds, f.EtaMax, err, e.EtaMax)
		}
		if EdgeKey(other, edgeTestProbe) != EdgeKey(c, edgeTestProbe) {
			t.Errorf("EdgeKey differs between configs that differ only in seed and schedule")
		}
	}
	if EdgeKey(smallDiag(t, "1"), edgeTestProbe) == EdgeKey(smallDiag(t, "2"), edgeTestProbe) {
		t.Errorf("EdgeKey is the same for data seeds 1 and 2")
	}
	// No run can have a probe seed: they lie above the seed setting's range.
	c := smallDiag(t, "1")
	for _, i := range []int{1, DefaultEdgeProbe.Seeds, 100} {
		if err := c.Set("seed", strconv.FormatUint(EdgeProbeSeed(i), 10)); err == nil {
			t.Errorf("Set(seed, %d) = nil, want an error: probe seed %d must not be a run's seed", EdgeProbeSeed(i), i)
		}
	}
}

// TestFindEdgeEveryModel runs the search on each model, the 1D net with edited
// points included, and checks that lr_edge then sets the schedule's peak.
func TestFindEdgeEveryModel(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		kv       []string
	}{
		{"relu1d-large", []string{"iters", "2000"}},
		{"relu1d-large", []string{"iters", "2000", "points", "-1:0,0:1,1:0,2:2"}},
		{"teacher3-decay30", []string{"iters", "1000"}},
		{"diag-decay10", []string{"iters", "2000", "method", "gd"}},
	} {
		c := mustScenario(t, tc.scenario)
		mustSet(t, &c, tc.kv...)
		e, err := FindEdge(c, edgeTestProbe, nil)
		if err != nil {
			t.Fatalf("%s %v: %v", tc.scenario, tc.kv, err)
		}
		if !(e.EtaMax > EdgeLow && e.EtaMax < EdgeHigh) {
			t.Errorf("%s %v: η_max %g, want strictly inside (%g, %g)", tc.scenario, tc.kv, e.EtaMax, float64(EdgeLow), float64(EdgeHigh))
		}
		mustSet(t, &c, "lr_edge", "0.8", "eta_max", formatFloat(e.EtaMax))
		r, err := NewRun(c)
		if err != nil {
			t.Fatal(err)
		}
		sched := r.Schedule()
		if got, want := sched.Peak(), 0.8*e.EtaMax; math.Abs(got-want) > 1e-12*want {
			t.Errorf("%s %v: peak step size %g with lr_edge 0.8, want 0.8·η_max = %g", tc.scenario, tc.kv, got, want)
		}
		if got := r.EtaMax(); got != e.EtaMax {
			t.Errorf("%s %v: Run.EtaMax() = %g, want %g", tc.scenario, tc.kv, got, e.EtaMax)
		}
	}
}

// TestLREdgeSchedules checks that lr_edge sets the peak of every schedule shape.
func TestLREdgeSchedules(t *testing.T) {
	c := mustScenario(t, "diag-const")
	for _, kv := range [][]string{
		{"warmup", "none", "decays", "none"},
		{"warmup", "none", "decays", "0.3:4,0.6:2"},
		{"warmup", "linear", "warmup_until", "0.5", "decays", "0.5:3"},
		{"warmup", "sqrt", "warmup_until", "0.3", "warmup_gain", "5", "decays", "0.3:2.5"},
		{"warmup", "exp", "warmup_until", "0.2", "warmup_gain", "1.05", "grow_every", "100", "decays", "0.2:10,0.9:10"},
	} {
		d := c
		mustSet(t, &d, kv...)
		mustSet(t, &d, "lr_edge", "0.7", "eta_max", "0.3")
		s := d.Schedule()
		if got := s.Peak(); math.Abs(got-0.21) > 1e-12 {
			t.Errorf("%v: peak %g, want 0.7 × 0.3 = 0.21", kv, got)
		}
		mustSet(t, &d, "lr_edge", "off", "lr", "0.05")
		if s := d.Schedule(); s.Base != 0.05 {
			t.Errorf("%v with lr_edge off: base %g, want lr 0.05", kv, s.Base)
		}
	}
}

// TestEdgeCache checks that concurrent requests for one draw search once, that a
// saved cache reads back to the same values and is then found without a search,
// and that a bad file is refused with the line named.
func TestEdgeCache(t *testing.T) {
	cache := NewEdgeCache()
	c := smallDiag(t, "4")
	var wg sync.WaitGroup
	edges := make([]Edge, 4)
	searched := make([]bool, 4)
	for i := range edges {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := c
			d.Seed = uint64(i + 1) // the run's seed does not change the draw
			e, found, err := cache.Find(d, edgeTestProbe)
			if err != nil {
				t.Error(err)
			}
			edges[i], searched[i] = e, !found
		}()
	}
	wg.Wait()
	n := 0
	for i, s := range searched {
		if s {
			n++
		}
		if edges[i] != edges[0] {
			t.Errorf("request %d: %+v, want %+v", i, edges[i], edges[0])
		}
	}
	if n != 1 {
		t.Errorf("%d searches for one draw, want 1", n)
	}
	var sb strings.Builder
	if err := cache.Save(&sb); err != nil {
		t.Fatal(err)
	}
	back := NewEdgeCache()
	if err := back.Load(strings.NewReader(sb.String())); err != nil {
		t.Fatalf("Load(Save()) = %v\n%s", err, sb.String())
	}
	e, found, err := back.Find(c, edgeTestProbe)
	if err != nil || !found || e.EtaMax != edges[0].EtaMax || e.Unstable != edges[0].Unstable || e.Runs != edges[0].Runs {
		t.Errorf("after Load: Find = %+v, found %v, %v; want %+v found", e, found, err, edges[0])
	}
	for _, tc := range []struct{ file, want string }{
		{"key\teta\n", "line 1: header"},
		{edgeHeader + "\nk\t0.2\t0.3\t1\t2\n", "line 2: 5 fields, want 6"},
		{edgeHeader + "\nk\tx\t0.3\t1\t2\t0.1\n", "line 2"},
		{edgeHeader + "\nk\t500\t0.3\t1\t2\t0.1\n", "line 2: eta_max 500 out of range"},
	} {
		if err := NewEdgeCache().Load(strings.NewReader(tc.file)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%q) = %v, want an error containing %q", tc.file, err, tc.want)
		}
	}
}

// TestEdgeAutoInNewRun checks that eta_max=auto finds the draw's η_max through
// DefaultEdgeCache and that a run with the value written out is the same run.
func TestEdgeAutoInNewRun(t *testing.T) {
	c := smallDiag(t, "5")
	mustSet(t, &c, "lr_edge", "0.9")
	r, err := NewRun(c)
	if err != nil {
		t.Fatal(err)
	}
	e, found, err := DefaultEdgeCache.Find(c, DefaultEdgeProbe)
	if err != nil || !found || r.EtaMax() != e.EtaMax {
		t.Fatalf("Run.EtaMax() = %g, cache %g (found %v, %v)", r.EtaMax(), e.EtaMax, found, err)
	}
	d := c
	mustSet(t, &d, "eta_max", formatFloat(e.EtaMax))
	s := d.Schedule()
	rs := r.Schedule()
	if s.Base != rs.Base {
		t.Errorf("schedule base with eta_max written out %g, with auto %g", s.Base, rs.Base)
	}
	if _, err := FindEdge(c, EdgeProbe{Frac: 0, Seeds: 1, RelTol: 0.01}, nil); err == nil || !strings.Contains(err.Error(), "fraction") {
		t.Errorf("FindEdge with a zero fraction = %v, want an error naming the fraction", err)
	}
}
