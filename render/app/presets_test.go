package app

import (
	"math"
	"strings"
	"testing"

	"kinkscope/sim"
)

// presetRun is one run of a preset, measured at its start and at its end.
type presetRun struct {
	label      string
	start, end map[string]float64
	history    []sim.Metrics
	firstDecay int
}

// runPreset runs every run of a preset to its end, as the page starts them (NewSession
// and the comparison's Configs), and measures what captions speak of.
func runPreset(t *testing.T, p Preset) []presetRun {
	t.Helper()
	s := NewSession([][2]string{{"preset", p.Name}})
	if notes := s.Notes(); len(notes) > 0 {
		t.Fatalf("preset %s: notes %q", p.Name, notes)
	}
	cfgs, err := s.compare.Configs(s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []presetRun
	for i, c := range cfgs {
		r, err := sim.NewRun(c)
		if err != nil {
			t.Fatal(err)
		}
		pr := presetRun{label: s.compare.Label(i, c), start: measures(r), firstDecay: c.Iters}
		if sched := r.Schedule(); len(sched.DecayIters()) > 0 {
			d := sched.DecayIters()
			pr.firstDecay = d[0]
		}
		r.Advance(c.Iters)
		if err := r.Err(); err != nil {
			t.Fatalf("preset %s, run %s: %v", p.Name, pr.label, err)
		}
		pr.end, pr.history = measures(r), r.History().Rows()
		out = append(out, pr)
	}
	return out
}

// measures returns every metric of the run's latest snapshot and the extra measures.
func measures(r *sim.Run) map[string]float64 {
	m := map[string]float64{}
	latest := r.Latest()
	for i := range sim.MetricList {
		d := &sim.MetricList[i]
		m[d.Key] = d.Value(&latest)
	}
	m[MeasureL0At6] = r.L0At(1e-6)
	active := 0.0
	for _, v := range r.Picture(sim.PictureOptions{GridPoints: 2}).Norms {
		if v > 0 {
			active++
		}
	}
	m[MeasureActive] = active
	return m
}

// TestPresetCaptionsHold checks every claim of every preset's caption against the
// preset's own run: the orderings it states hold at the end of the runs.
func TestPresetCaptionsHold(t *testing.T) {
	for _, p := range Presets {
		t.Run(p.Name, func(t *testing.T) {
			if len(p.Claims) == 0 {
				t.Fatal("a caption without a claim to check")
			}
			runs := runPreset(t, p)
			val := func(i int, key string) float64 {
				if i >= len(runs) {
					t.Fatalf("claim names run %d of %d", i, len(runs))
				}
				v, ok := runs[i].end[key]
				if !ok || math.IsNaN(v) {
					t.Fatalf("run %s has no %s", runs[i].label, key)
				}
				return v
			}
			for _, c := range p.Claims {
				for _, pair := range c.Less {
					if a, b := val(pair[0], c.Measure), val(pair[1], c.Measure); !(a < b) {
						t.Errorf("%s: %s ends at %g, %s at %g; the caption says the first is lower", c.Measure, runs[pair[0]].label, a, runs[pair[1]].label, b)
					}
				}
				for _, pair := range c.Near {
					if a, b := val(pair[0], c.Measure), val(pair[1], c.Measure); math.Abs(a-b) > c.Tol {
						t.Errorf("%s: %s ends at %g, %s at %g; the caption says within %g", c.Measure, runs[pair[0]].label, a, runs[pair[1]].label, b, c.Tol)
					}
				}
				if c.Falls {
					if a, b := runs[0].start[c.Measure], val(0, c.Measure); !(b < a) {
						t.Errorf("%s: starts at %g and ends at %g; the caption says it falls", c.Measure, a, b)
					}
				}
				if c.Bounces && !bounces(runs[0], c.Measure) {
					t.Errorf("%s: never rises tenfold over its lowest value before the first decay; the caption says it bounces", c.Measure)
				}
			}
		})
	}
}

// bounces reports whether the run's measure rises above 10× its lowest value so far
// before the first decay.
func bounces(r presetRun, key string) bool {
	d := sim.MustMetric(key)
	low := math.Inf(1)
	for i := range r.history {
		if r.history[i].Iter >= r.firstDecay {
			break
		}
		v := d.Value(&r.history[i])
		if v > 10*low {
			return true
		}
		low = math.Min(low, v)
	}
	return false
}

// TestPresetClaimsInCaption keeps the claims and the words together: a caption that
// claims an ordering of a measure names that measure.
func TestPresetClaimsInCaption(t *testing.T) {
	words := map[string]string{"kinks": "kink", "rank": "rank", "feature_sparsity": "feature sparsity",
		"test_loss": "test loss", "train_loss": "loss", "feature_sparsity_l2": "layer-2", MeasureL0At6: "above 1e-6",
		MeasureActive: "column norms", "feature_sparsity_mid": "distinct features", "feature_sparsity_last": "distinct features",
		"test_error": "test error"}
	for _, p := range Presets {
		for _, c := range p.Claims {
			w, ok := words[c.Measure]
			if !ok {
				t.Errorf("%s: no words known for measure %q", p.Name, c.Measure)
				continue
			}
			if !strings.Contains(p.Caption, w) {
				t.Errorf("%s: claims %s but the caption does not say %q", p.Name, c.Measure, w)
			}
		}
	}
}
