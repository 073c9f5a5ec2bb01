package app

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestEdgeCases runs hostile but valid settings: each run either proceeds with
// finite figures or stops with a message naming the step and the step size, and
// nothing in what is drawn is NaN except where a curve is broken on purpose.
func TestEdgeCases(t *testing.T) {
	cases := map[string][][2]string{
		"step far above stability": {{"lr", "50"}, {"warmup", "none"}, {"decays", "none"}},
		"width 1":                  {{"width", "1"}},
		"one data point":           {{"points", "0.3:1"}},
		"repeated x":               {{"points", "0:1,0:2,0:3,1:0,1:0"}},
		"huge inputs and labels":   {{"points", "-1000:1000,0:-1000,1000:1000"}},
		"tiny inputs and labels":   {{"points", "-1e-9:1e-9,0:-1e-9,1e-9:2e-9"}},
		"huge init":                {{"init_scale", "100"}},
		"diag far above stability": {{"scenario", "diag-const"}, {"lr_edge", "off"}, {"lr", "5"}},
		"diag one sample":          {{"scenario", "diag-const"}, {"samples", "1"}, {"support", "1"}, {"dim", "3"}},
		"sde huge delta":           {{"scenario", "relu1d-sde"}, {"sde_delta", "100"}},
		"gd":                       {{"method", "gd"}},
		"batch of all points":      {{"batch", "12"}},
	}
	for name, kv := range cases {
		t.Run(name, func(t *testing.T) {
			clk := &fakeClock{tick: 20 * time.Microsecond}
			q := append([][2]string{{"iters", "3000"}, {"log_every", "100"}}, kv...)
			if kv[0][0] != "scenario" {
				q = append([][2]string{{"scenario", "relu1d-large"}}, q...)
			}
			s := NewSession(q)
			if notes := s.Notes(); len(notes) != 0 {
				t.Fatalf("notes %v: the case should be valid", notes)
			}
			s.RunTo(3000)
			if frames(s, clk, 20000, func(st State) bool { return !st.Running }) < 0 {
				t.Fatalf("the run never stopped: %+v", s.State())
			}
			st := s.State()
			t.Logf("iteration %d, loss %.3g, diverged %v %s", st.Iter, st.TrainLoss, st.Diverged, st.Error)
			switch {
			case st.Diverged:
				if !strings.Contains(st.Error, "diverged at step") || !strings.Contains(st.Error, "step size") {
					t.Errorf("diverged with message %q, want the step and the step size", st.Error)
				}
			case st.Iter != 3000:
				t.Errorf("stopped at iteration %d without diverging", st.Iter)
			default:
				if math.IsNaN(st.TrainLoss) || math.IsInf(st.TrainLoss, 0) || math.IsNaN(st.Rank) {
					t.Errorf("finished with loss %v rank %v", st.TrainLoss, st.Rank)
				}
			}
			snap := s.Snapshot()
			for _, rv := range snap.Runs {
				for _, k := range rv.Kinks.Clusters {
					if math.IsNaN(k.X) || math.IsInf(k.X, 0) || math.IsNaN(k.SlopeChange) {
						t.Errorf("kink %+v is not finite", k)
					}
				}
				for _, v := range append(append([]float64(nil), rv.Norms...), rv.Schedule...) {
					if math.IsNaN(v) && !st.Diverged {
						t.Errorf("NaN in norms or schedule of a healthy run")
						break
					}
				}
			}
			for _, v := range append(append([]float64(nil), snap.DataX...), snap.Runs[0].X...) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("data or grid has %v", v)
				}
			}
		})
	}
}
