package sim

import (
	"slices"
	"testing"
)

// Targets from the issue: at least 2,000,000 SGD steps/s natively for width 100,
// batch 1; the whole relu1d-large run with its ~250 snapshots in under 2 s.

// stepRun returns a run that never snapshots or ends during a benchmark.
func stepRun(b *testing.B, kv ...string) *Run {
	c := mustScenario(b, "relu1d-large")
	mustSet(b, &c, "iters", "1000000000", "log_every", "1000000000", "warmup", "none", "decays", "none", "lr", "2e-4")
	mustSet(b, &c, kv...)
	run, err := NewRun(c)
	if err != nil {
		b.Fatal(err)
	}
	return run
}

// BenchmarkStep measures one optimizer step through Run.Advance (one op = one step).
func BenchmarkStep(b *testing.B) {
	for _, tc := range []struct {
		name string
		kv   []string
	}{
		{"sgd_w100_b1", nil},
		{"sgd_w100_b4", []string{"batch", "4"}},
		{"gd_w100", []string{"method", "gd"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			run := stepRun(b, tc.kv...)
			b.ReportAllocs()
			for b.Loop() {
				run.Advance(1)
			}
			if run.Err() != nil {
				b.Fatal(run.Err())
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}

// BenchmarkSGDStep1 measures the fused kernel alone, next to the obvious step.
func BenchmarkSGDStep1(b *testing.B) {
	ds := PaperPoints()
	b.Run("fused", func(b *testing.B) {
		n := randomNet(NewRand(1, StreamInit), 100)
		i := 0
		for b.Loop() {
			n.sgdStep1(ds.X[i], ds.Y[i], 1e-5, 2)
			i = (i + 1) % ds.Len()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
	})
	b.Run("generic", func(b *testing.B) {
		n := randomNet(NewRand(1, StreamInit), 100)
		grad := make([]float64, n.NumParams())
		i := 0
		for b.Loop() {
			slowSGDStep(n, grad, ds.X[i], ds.Y[i], 1e-5, 2)
			i = (i + 1) % ds.Len()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
	})
}

// trainedRun returns the relu1d-large run at its end: the network a snapshot sees
// most of the time has its kinks spread like this.
func trainedRun(b *testing.B) *Run {
	c := mustScenario(b, "relu1d-large")
	run, err := NewRun(c)
	if err != nil {
		b.Fatal(err)
	}
	run.Advance(c.Iters)
	return run
}

// BenchmarkMeasure measures one metric snapshot and its parts.
func BenchmarkMeasure(b *testing.B) {
	run := trainedRun(b)
	b.Run("snapshot", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			run.measure()
		}
	})
	b.Run("rank", func(b *testing.B) {
		for b.Loop() {
			NumericalRank(run.relu1d().net.JacobianSingularValues(&run.relu1d().rankWS, run.relu1d().fresh), RankTauReLU)
		}
	})
	b.Run("feature_sparsity", func(b *testing.B) {
		for b.Loop() {
			run.relu1d().net.Activations(run.relu1d().act, run.Data())
			FeatureSparsity(run.relu1d().act, run.Data().Len(), run.cfg.Width, run.cfg.DupTau)
		}
	})
	b.Run("kinks", func(b *testing.B) {
		for b.Loop() {
			run.KinkSummary()
		}
	})
}

// BenchmarkRank compares the structured singular values with gonum's SVD of the
// explicit 300×300 Jacobian of the same width-100 network on the same points; the
// ratio of the two ns/op is the speed-up.
func BenchmarkRank(b *testing.B) {
	for _, state := range []string{"init", "trained"} {
		var run *Run
		if state == "init" {
			var err error
			if run, err = NewRun(mustScenario(b, "relu1d-large")); err != nil {
				b.Fatal(err)
			}
		} else {
			run = trainedRun(b)
		}
		net, pts := run.Net(), run.relu1d().fresh
		p := net.NumParams()
		b.Run(state+"/structured", func(b *testing.B) {
			var ws RankWorkspace
			for b.Loop() {
				NumericalRank(net.JacobianSingularValues(&ws, pts), RankTauReLU)
			}
		})
		b.Run(state+"/svd_300x300", func(b *testing.B) {
			jac := make([]float64, len(pts)*p)
			ds := oneD(slices.Clone(pts))
			for b.Loop() {
				Jacobian(jac, net, ds)
				NumericalRank(SingularValues(jac, len(pts), p), RankTauReLU)
			}
		})
	}
}

// BenchmarkRelu1dLargeRun measures the whole reference large-step run with all its
// metric snapshots.
func BenchmarkRelu1dLargeRun(b *testing.B) {
	c := mustScenario(b, "relu1d-large")
	snapshots := 0
	for b.Loop() {
		run, err := NewRun(c)
		if err != nil {
			b.Fatal(err)
		}
		run.Advance(c.Iters)
		snapshots = run.History().Len()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
	b.ReportMetric(float64(snapshots), "snapshots")
}

// endlessRun returns a run of the named scenario that never snapshots, decays or ends
// during a benchmark.
func endlessRun(b *testing.B, scenario string, kv ...string) *Run {
	c := mustScenario(b, scenario)
	mustSet(b, &c, "iters", "1000000000", "log_every", "1000000000", "decays", "none")
	mustSet(b, &c, kv...)
	run, err := NewRun(c)
	if err != nil {
		b.Fatal(err)
	}
	return run
}

// BenchmarkDiagStep measures one SGD step of the diagonal network (d = 200, batch 1)
// through Run.Advance (one op = one step).
func BenchmarkDiagStep(b *testing.B) {
	run := endlessRun(b, "diag-const")
	b.ReportAllocs()
	for b.Loop() {
		run.Advance(1)
	}
	if run.Err() != nil {
		b.Fatal(run.Err())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkSDEStep measures one Euler–Maruyama step of the SDE model of SGD with
// matched δ for the ReLU net (width 100, n = 12) and the diagonal net (d = 200,
// n = 80): n per-sample gradients, the drift, n normals and φᵀξ per step.
func BenchmarkSDEStep(b *testing.B) {
	for _, tc := range []struct {
		name, scenario string
		kv             []string
	}{
		{"relu1d_w100_n12", "relu1d-sde", []string{"warmup", "none", "lr", "2e-4"}},
		{"diag_d200_n80", "diag-sde", []string{"sde_delta", "matched", "lr", "0.05"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			run := endlessRun(b, tc.scenario, tc.kv...)
			b.ReportAllocs()
			for b.Loop() {
				run.Advance(1)
			}
			if run.Err() != nil {
				b.Fatal(run.Err())
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}

// BenchmarkDiagDecay50Run measures the whole diag-decay50 run, 100,001 SGD steps with
// its ~350 metric snapshots (losses on 80 + 1,000 samples, ‖β‖₀, ‖β‖₁ and the O(d)
// rank); the target is under 5 s natively.
func BenchmarkDiagDecay50Run(b *testing.B) {
	c := mustScenario(b, "diag-decay50")
	snapshots := 0
	for b.Loop() {
		run, err := NewRun(c)
		if err != nil {
			b.Fatal(err)
		}
		run.Advance(c.Iters)
		if run.Err() != nil {
			b.Fatal(run.Err())
		}
		snapshots = run.History().Len()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
	b.ReportMetric(float64(snapshots), "snapshots")
}
