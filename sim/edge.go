package sim

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The edge of stability: η_max is the largest constant step size at which SGD (or
// whatever method the config names) does not diverge on a data draw. The reference's
// step sizes were tuned to its own draw and sit at that edge; on other draws the
// edge moves by ±20 %, so a fixed η diverges on some draws and barely stabilizes on
// others. The setting lr_edge expresses the schedule's peak step size as a fraction
// of η_max instead, which puts every draw at the same distance from its edge.

// EdgeProbe says how FindEdge looks for η_max: by geometric bisection over
// [EdgeLow, EdgeHigh], each candidate η run at a constant step size for a shortened
// run on Seeds probe seeds (EdgeProbeSeed(1), EdgeProbeSeed(2), …), stable when none
// of them diverges.
type EdgeProbe struct {
	Frac   float64 // probe length as a fraction of the config's iterations
	Seeds  int     // probe seeds per candidate η
	RelTol float64 // bisection stops when unstable/stable ≤ 1 + RelTol
}

// DefaultEdgeProbe is the probe the lr_edge setting uses: half-length runs on 20
// probe seeds, η_max to 0.5 %. The edge is not sharp: each seed has its own
// threshold, and η_max is about the smallest of the 20 probe seeds' thresholds, so a
// fresh seed (every run's seed is fresh: EdgeProbeSeed) has a threshold below η_max
// with probability about 1/21 ≈ 5 % over the probe's length (with 5 seeds, 1/6: 7
// of 60 constant runs at 0.99·η_max diverged on run seeds 11–13). The diagonal
// scenarios keep the constant step at 0.89·η_max and spend at most half the run, the
// probe's length, at 0.99·η_max; the README gives the measured rates.
var DefaultEdgeProbe = EdgeProbe{Frac: 0.5, Seeds: 20, RelTol: 0.005}

// EdgeProbeSeed returns the i-th probe seed, 2⁵³ + i. The seed setting allows at most
// 2⁵³ − 1, so no run's seed is ever a probe seed: a run's chance of diverging at a
// fraction of η_max is measured on seeds the search has not selected for.
func EdgeProbeSeed(i int) uint64 { return 1<<53 + uint64(i) }

// The bisection's bracket: every lr setting lies in (0, 100].
const (
	EdgeLow  = 1e-6
	EdgeHigh = 100
)

// Edge is the outcome of an edge-of-stability search and what it cost.
type Edge struct {
	EtaMax   float64       // largest step size found stable on every probe seed
	Unstable float64       // smallest step size found diverging (EdgeHigh·(1+RelTol) if none)
	Runs     int           // probe runs done
	Steps    int64         // SGD steps done over all probe runs
	Elapsed  time.Duration // wall time of the search (0 when read from a cache file)
}

// edgeExcluded are the settings that do not change where a draw's edge lies: the
// seeds (the probe seeds replace them), the step-size schedule and length (the probe
// replaces them) and the metrics' thresholds.
var edgeExcluded = []string{"seed", "lr", "warmup", "warmup_until", "warmup_gain", "grow_every", "decays",
	"iters", "log_every", "lr_edge", "eta_max", "rank_tau", "dup_tau", "kink_merge", "kink_min"}

// probeIters returns the length of the probe runs for cfg.
func (p EdgeProbe) probeIters(cfg *Config) int {
	return max(1, int(p.Frac*float64(cfg.Iters)))
}

func (p EdgeProbe) validate() error {
	switch {
	case !(p.Frac > 0 && p.Frac <= 1):
		return fmt.Errorf("sim: edge probe fraction %g out of range (0, 1]", p.Frac)
	case p.Seeds < 1 || p.Seeds > 100:
		return fmt.Errorf("sim: edge probe seeds %d out of range [1, 100]", p.Seeds)
	case !(p.RelTol >= 1e-6 && p.RelTol <= 1):
		return fmt.Errorf("sim: edge probe tolerance %g out of range [1e-6, 1]", p.RelTol)
	}
	return nil
}

// edgeDataSeed returns the seed that draws cfg's data.
func edgeDataSeed(cfg *Config) uint64 {
	if cfg.DataSeed > 0 {
		return cfg.DataSeed
	}
	return cfg.Seed
}

// EdgeKey returns the cache key of cfg's edge under probe p: the settings that
// determine the draw and the dynamics, with the data seed made explicit, and the
// probe's own parameters. Two configs with the same key have the same η_max.
func EdgeKey(cfg Config, p EdgeProbe) string {
	c := cfg.clone()
	c.DataSeed = edgeDataSeed(&cfg)
	var sb strings.Builder
	fmt.Fprintf(&sb, "probe=%d/%d/%s", p.probeIters(&cfg), p.Seeds, formatFloat(p.RelTol))
	for _, s := range Settings {
		if !slices.Contains(edgeExcluded, s.Key) {
			fmt.Fprintf(&sb, ";%s=%s", s.Key, s.get(&c))
		}
	}
	return sb.String()
}

// FindEdge returns η_max of cfg's data draw: the largest constant step size, to
// within p.RelTol, at which a run of p.Frac·Iters steps from the config's
// initialization diverges on none of p.Seeds seeds. The search is a geometric
// bisection over [EdgeLow, EdgeHigh], deterministic, and does not depend on cfg's
// own seed or step sizes. progress, when not nil, is called after every probe run
// with the bracket so far.
func FindEdge(cfg Config, p EdgeProbe, progress func(stable, unstable float64, runs int)) (Edge, error) {
	if err := p.validate(); err != nil {
		return Edge{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Edge{}, err
	}
	start := time.Now()
	probe := cfg.clone()
	probe.DataSeed = edgeDataSeed(&cfg)
	probe.LREdge, probe.EtaMax = 0, 0
	probe.Warmup, probe.WarmupUntil, probe.Decays = WarmupNone, 0, nil
	probe.Iters = p.probeIters(&cfg)
	probe.LogEvery = probe.Iters
	probe.probe = true
	seeds := make([]uint64, p.Seeds)
	for i := range seeds {
		seeds[i] = EdgeProbeSeed(i + 1)
	}
	if probe.DataSeed == 0 {
		// data_seed 0 and seed 0: the data come from seed 0, so only seed 0 keeps them.
		seeds = []uint64{0}
	}
	e := Edge{EtaMax: EdgeLow, Unstable: EdgeHigh * (1 + p.RelTol)}
	stable := func(eta float64) (bool, error) {
		probe.LR = eta
		for _, s := range seeds {
			probe.Seed = s
			r, err := NewRun(probe)
			if err != nil {
				return false, err
			}
			for !r.Done() && r.Err() == nil {
				r.Advance(probe.Iters)
			}
			e.Runs++
			e.Steps += int64(r.Iter())
			if progress != nil {
				progress(e.EtaMax, e.Unstable, e.Runs)
			}
			if r.Err() != nil {
				return false, nil
			}
		}
		return true, nil
	}
	// The top of the bracket first: a draw may be stable everywhere.
	ok, err := stable(EdgeHigh)
	if err != nil {
		return Edge{}, err
	}
	if ok {
		e.EtaMax = EdgeHigh
	}
	if !ok {
		e.Unstable = EdgeHigh
		for e.Unstable/e.EtaMax > 1+p.RelTol {
			mid := math.Sqrt(e.EtaMax * e.Unstable)
			ok, err := stable(mid)
			if err != nil {
				return Edge{}, err
			}
			if ok {
				e.EtaMax = mid
			} else {
				e.Unstable = mid
			}
		}
	}
	e.Elapsed = time.Since(start)
	return e, nil
}

// EdgeCache remembers η_max per data draw (per EdgeKey), so that the runs of a sweep
// or a comparison that share a draw search once. Concurrent requests for the same
// key wait for one search. The zero value is not usable; use NewEdgeCache.
type EdgeCache struct {
	mu sync.Mutex
	m  map[string]*edgeEntry
}

type edgeEntry struct {
	once   sync.Once
	edge   Edge
	err    error
	cached bool // read from a file or found by an earlier call
}

// NewEdgeCache returns an empty cache.
func NewEdgeCache() *EdgeCache { return &EdgeCache{m: map[string]*edgeEntry{}} }

// DefaultEdgeCache is the cache NewRun uses for eta_max=auto.
var DefaultEdgeCache = NewEdgeCache()

// Find returns η_max of cfg's draw under probe p, searching only when the cache does
// not have it; found reports that it did not search.
func (c *EdgeCache) Find(cfg Config, p EdgeProbe) (e Edge, found bool, err error) {
	key := EdgeKey(cfg, p)
	c.mu.Lock()
	ent, ok := c.m[key]
	if !ok {
		ent = &edgeEntry{}
		c.m[key] = ent
	}
	c.mu.Unlock()
	searched := false
	ent.once.Do(func() {
		if ent.cached {
			return
		}
		searched = true
		ent.edge, ent.err = FindEdge(cfg, p, nil)
	})
	return ent.edge, !searched, ent.err
}

// edgeHeader is the first line of an edge cache file: tab-separated, one draw per
// line, the key as EdgeKey writes it.
const edgeHeader = "key\teta_max\tunstable\truns\tsteps\tseconds"

// Save writes every successful search in the cache, sorted by key.
func (c *EdgeCache) Save(w io.Writer) error {
	c.mu.Lock()
	keys := make([]string, 0, len(c.m))
	for k, ent := range c.m {
		if ent.err == nil && ent.edge.EtaMax > 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, edgeHeader)
	for _, k := range keys {
		e := c.m[k].edge
		fmt.Fprintf(bw, "%s\t%s\t%s\t%d\t%d\t%.3f\n", k, formatFloat(e.EtaMax), formatFloat(e.Unstable), e.Runs, e.Steps, e.Elapsed.Seconds())
	}
	c.mu.Unlock()
	return bw.Flush()
}

// Load adds the entries of a file written by Save. An entry already in the cache is
// kept. A malformed line is an error naming it.
func (c *EdgeCache) Load(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			if text != edgeHeader {
				return fmt.Errorf("sim: edge cache line 1: header %q, want %q", text, edgeHeader)
			}
			continue
		}
		if text == "" {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != 6 {
			return fmt.Errorf("sim: edge cache line %d: %d fields, want 6", line, len(f))
		}
		var e Edge
		var err [5]error
		e.EtaMax, err[0] = strconv.ParseFloat(f[1], 64)
		e.Unstable, err[1] = strconv.ParseFloat(f[2], 64)
		e.Runs, err[2] = strconv.Atoi(f[3])
		e.Steps, err[3] = strconv.ParseInt(f[4], 10, 64)
		var secs float64
		secs, err[4] = strconv.ParseFloat(f[5], 64)
		for _, er := range err {
			if er != nil {
				return fmt.Errorf("sim: edge cache line %d: %v", line, er)
			}
		}
		if !(e.EtaMax >= EdgeLow && e.EtaMax <= EdgeHigh) {
			return fmt.Errorf("sim: edge cache line %d: eta_max %g out of range [%g, %g]", line, e.EtaMax, float64(EdgeLow), float64(EdgeHigh))
		}
		e.Elapsed = time.Duration(secs * float64(time.Second))
		c.mu.Lock()
		if _, ok := c.m[f[0]]; !ok {
			c.m[f[0]] = &edgeEntry{edge: e, cached: true}
		}
		c.mu.Unlock()
	}
	return sc.Err()
}

// Len returns the number of draws in the cache.
func (c *EdgeCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
