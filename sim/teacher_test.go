package sim

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
)

// teacherScenarios are the teacher–student presets, constant step size first, then
// later and later decays.
var teacherScenarios = []string{"teacher3-const", "teacher3-decay10", "teacher3-decay30", "teacher3-decay50"}

// teacherRun returns a short teacher–student run: the decay50 schedule over 2,000
// iterations, with the given extra settings.
func teacherRun(t testing.TB, kv ...string) *Run {
	t.Helper()
	c := mustScenario(t, "teacher3-decay50")
	mustSet(t, &c, "iters", "2000", "log_every", "200")
	mustSet(t, &c, kv...)
	run, err := NewRun(c)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// metricBits lists every field of a snapshot for bitwise comparisons.
func metricBits(m Metrics) []float64 {
	return []float64{float64(m.Iter), m.LR, m.TrainLoss, m.TestLoss, m.Rank, m.FeatureSparsity,
		m.FeatureSparsityL1, m.FeatureSparsityL2, m.Kinks, m.RawKinks, m.L0, m.L1}
}

func TestNewTeacherStudent(t *testing.T) {
	for _, d := range []int{1, 2, 5} {
		ts, err := NewTeacherStudent(NewRand(3, StreamData), d, 50, 200)
		if err != nil {
			t.Fatal(err)
		}
		if got := ts.Teacher.Dims(); !slices.Equal(got, []int{d, 2, 2, 1}) || !ts.Teacher.HasBiases() {
			t.Errorf("d=%d: teacher dims %v, biases %v, want [%d 2 2 1] with biases", d, got, ts.Teacher.HasBiases(), d)
		}
		for l := 1; l <= 3; l++ {
			bound := 1 / math.Sqrt(float64(ts.Teacher.Dims()[l-1]))
			for _, b := range ts.Teacher.Bias(l) {
				if !(math.Abs(b) <= bound) {
					t.Errorf("d=%d: teacher layer %d bias %v outside ±%v", d, l, b, bound)
				}
			}
		}
		for _, ds := range []*Dataset{ts.Train, ts.Test} {
			if ds.D != d || len(ds.X) != ds.Len()*d {
				t.Fatalf("d=%d: data set of dimension %d with %d values for %d samples", d, ds.D, len(ds.X), ds.Len())
			}
			for i := 0; i < ds.Len(); i++ {
				x := ds.Input(i)
				if d == 1 && !(x[0] >= -1 && x[0] <= 1) {
					t.Errorf("d=1: input %v outside [−1, 1]", x[0])
				}
				if d > 1 {
					norm := 0.0
					for _, v := range x {
						norm += v * v
					}
					if math.Abs(math.Sqrt(norm)-1) > 1e-15 {
						t.Errorf("d=%d: input %v has norm %v, want 1", d, x, math.Sqrt(norm))
					}
				}
				if y := ts.Teacher.Predict(x); ds.Y[i] != y {
					t.Errorf("d=%d: label %v, want the teacher's %v", d, ds.Y[i], y)
				}
			}
		}
		if ts.Train.Len() != 50 || ts.Test.Len() != 200 {
			t.Errorf("d=%d: %d training and %d test samples, want 50 and 200", d, ts.Train.Len(), ts.Test.Len())
		}
		// On the sphere the coordinates have mean 0 and variance 1/d.
		if d == 5 {
			big, _ := NewTeacherStudent(NewRand(4, StreamData), d, 4000, 1)
			var m, v float64
			for _, x := range big.Train.X {
				m, v = m+x, v+x*x
			}
			m, v = m/float64(len(big.Train.X)), v/float64(len(big.Train.X))
			if math.Abs(m) > 0.01 || math.Abs(v-0.2) > 0.01 {
				t.Errorf("sphere inputs: coordinate mean %v, variance %v, want 0 and 1/5", m, v)
			}
		}
		again, _ := NewTeacherStudent(NewRand(3, StreamData), d, 50, 200)
		if !sameBits(again.Train.X, ts.Train.X) || !sameBits(again.Test.Y, ts.Test.Y) || !sameBits(again.Teacher.Params(), ts.Teacher.Params()) {
			t.Errorf("d=%d: the same stream drew different data", d)
		}
	}
	if _, err := NewTeacherStudent(NewRand(1, StreamData), 0, 50, 10); err == nil {
		t.Errorf("NewTeacherStudent with d = 0 = nil error")
	}
}

// TestTeacherRunSnapshots checks the metrics of MLP runs against the functions they
// come from, evaluated from scratch, in 1D and for d = 5.
func TestTeacherRunSnapshots(t *testing.T) {
	for _, dim := range []string{"1", "5"} {
		run := teacherRun(t, "dim", dim)
		c := run.Config()
		n := run.MLP()
		if n == nil || run.Net() != nil || run.Diagonal() != nil || run.scalar() != Model(n) {
			t.Fatalf("dim %s: MLP(), Net(), Diagonal() = %v, %v, %v", dim, n, run.Net(), run.Diagonal())
		}
		if got := n.Dims(); !slices.Equal(got, []int{c.Dim, 10, 10, 1}) || !n.HasBiases() {
			t.Errorf("dim %s: student dims %v, want [%d 10 10 1] with biases", dim, got, c.Dim)
		}
		if run.Teacher() == nil || run.Test() == nil || run.Test().Len() != 1000 || run.Data().Len() != 50 {
			t.Fatalf("dim %s: teacher %v, test set %v, %d samples", dim, run.Teacher(), run.Test(), run.Data().Len())
		}
		pts := run.mlpRun().rank.pts
		if pts.Len() != n.NumParams() || pts.D != c.Dim {
			t.Errorf("dim %s: %d fresh inputs of dimension %d, want %d of dimension %s", dim, pts.Len(), pts.D, n.NumParams(), dim)
		}
		if c.Dim == 1 {
			lo, hi := run.Data().Range()
			if !slices.IsSorted(pts.X) || pts.X[0] < lo || pts.X[len(pts.X)-1] > hi {
				t.Errorf("dim 1: fresh inputs not sorted inside the data range [%g, %g]", lo, hi)
			}
		}
		for !run.Done() {
			run.Advance(600) // a snapshot falls on every 200th iteration and at the end
			m := run.Latest()
			ds, test := run.Data(), run.Test()
			loss := func(ds *Dataset) float64 {
				s := 0.0
				for i := 0; i < ds.Len(); i++ {
					r, _ := slowMLP(n, ds.Input(i))
					s += (r - ds.Y[i]) * (r - ds.Y[i])
				}
				return s / float64(ds.Len())
			}
			if want := loss(ds); !closeRel(m.TrainLoss, want, 1e-12) {
				t.Errorf("dim %s at %d: TrainLoss = %g, want %g", dim, m.Iter, m.TrainLoss, want)
			}
			if want := loss(test); !closeRel(m.TestLoss, want, 1e-12) {
				t.Errorf("dim %s at %d: TestLoss = %g, want %g", dim, m.Iter, m.TestLoss, want)
			}
			p := n.NumParams()
			jac := make([]float64, pts.Len()*p)
			Jacobian(jac, n, pts)
			sv := SingularValues(jac, pts.Len(), p)
			if want := float64(NumericalRank(sv, c.RankTau)); m.Rank != want && !nearThreshold(sv, c.RankTau) {
				t.Errorf("dim %s at %d: Rank = %g, want %g (explicit SVD)", dim, m.Iter, m.Rank, want)
			}
			for l, got := range []float64{m.FeatureSparsityL1, m.FeatureSparsityL2} {
				act := make([]float64, ds.Len()*10)
				n.Activations(l+1, act, ds)
				if want := slowFeatureSparsity(act, ds.Len(), 10, DupTauTeacher); got != want {
					t.Errorf("dim %s at %d: feature sparsity of layer %d = %g, want %g (reference port)", dim, m.Iter, l+1, got, want)
				}
			}
			if m.FeatureSparsity != m.FeatureSparsityL2 {
				t.Errorf("dim %s: FeatureSparsity = %g, want layer 2's %g", dim, m.FeatureSparsity, m.FeatureSparsityL2)
			}
			k := run.KinkSummary()
			if c.Dim == 1 {
				lo, hi := ds.Range()
				want := n.Kinks(lo, hi, c.KinkMerge, c.KinkMin)
				if m.Kinks != float64(want.Visible) || m.RawKinks != float64(want.Raw) || k.Visible != want.Visible || len(k.Clusters) != len(want.Clusters) {
					t.Errorf("dim 1 at %d: Kinks, RawKinks = %g, %g, KinkSummary %d visible; want %d, %d", m.Iter, m.Kinks, m.RawKinks, k.Visible, want.Visible, want.Raw)
				}
			} else if !math.IsNaN(m.Kinks) || !math.IsNaN(m.RawKinks) || len(k.Clusters) != 0 || len(run.TeacherKinks().Clusters) != 0 {
				t.Errorf("dim %s: Kinks, RawKinks = %g, %g, %d clusters, want NaN and none", dim, m.Kinks, m.RawKinks, len(k.Clusters))
			}
			if !math.IsNaN(m.L0) || !math.IsNaN(m.L1) {
				t.Errorf("dim %s: L0, L1 = %g, %g, want NaN", dim, m.L0, m.L1)
			}
		}
	}
	// Other models have no MLP, teacher or per-layer sparsity.
	for _, name := range []string{"relu1d-large", "diag-const"} {
		c := mustScenario(t, name)
		mustSet(t, &c, "iters", "10")
		run, err := NewRun(c)
		if err != nil {
			t.Fatal(err)
		}
		m := run.Latest()
		if run.MLP() != nil || run.Teacher() != nil || len(run.TeacherKinks().Clusters) != 0 || !math.IsNaN(m.FeatureSparsityL1) || !math.IsNaN(m.FeatureSparsityL2) {
			t.Errorf("%s: MLP() = %v, Teacher() = %v, feature sparsity L1, L2 = %g, %g; want nil, nil, NaN, NaN", name, run.MLP(), run.Teacher(), m.FeatureSparsityL1, m.FeatureSparsityL2)
		}
	}
}

// TestTeacherRunOneLayer checks a one-hidden-layer student: FeatureSparsity is layer
// 1's and layer 2's is NaN; and a deeper one without biases runs.
func TestTeacherRunOneLayer(t *testing.T) {
	run := teacherRun(t, "layers", "12", "iters", "200")
	run.Advance(200)
	m := run.Latest()
	if !math.IsNaN(m.FeatureSparsityL2) || m.FeatureSparsity != m.FeatureSparsityL1 || math.IsNaN(m.FeatureSparsityL1) {
		t.Errorf("one hidden layer: FeatureSparsity, L1, L2 = %g, %g, %g, want L1's, a number, NaN", m.FeatureSparsity, m.FeatureSparsityL1, m.FeatureSparsityL2)
	}
	run = teacherRun(t, "layers", "8,6,4,3", "biases", "off", "dim", "3", "iters", "200")
	run.Advance(200)
	if m := run.Latest(); run.Err() != nil || math.IsNaN(m.TrainLoss) || math.IsNaN(m.FeatureSparsityL2) || run.MLP().HasBiases() || run.MLP().NumParams() != MLPParams(3, []int{8, 6, 4, 3}, false) {
		t.Errorf("layers 8,6,4,3 without biases: Err() = %v, snapshot %+v", run.Err(), m)
	}
}

// TestTeacherRunPoints checks user data for the MLP: the points replace the
// teacher's training samples, the teacher and its test set stay, and the teacher's
// kinks are counted over the points' range.
func TestTeacherRunPoints(t *testing.T) {
	const points = "-0.5:0.1,-0.2:0.3,0:0,0.3:-0.2,0.6:0.4"
	plain := teacherRun(t)
	edited := teacherRun(t, "points", points)
	want, _ := ParsePoints(points)
	if got := edited.Data(); !sameBits(got.X, want.X) || !sameBits(got.Y, want.Y) {
		t.Errorf("training data %v, %v, want the points %v, %v", got.X, got.Y, want.X, want.Y)
	}
	if !sameBits(edited.Test().X, plain.Test().X) || !sameBits(edited.Test().Y, plain.Test().Y) || !sameBits(edited.Teacher().Params(), plain.Teacher().Params()) {
		t.Errorf("the points changed the teacher or its test set")
	}
	if !sameBits(edited.Model().Params(), plain.Model().Params()) {
		t.Errorf("the points changed the student's initialization")
	}
	lo, hi := -0.5, 0.6
	if got, want := edited.TeacherKinks(), edited.Teacher().Kinks(lo, hi, KinkMerge, KinkMinFrac); got.Raw != want.Raw || got.Visible != want.Visible {
		t.Errorf("TeacherKinks() = %+v, want the teacher's kinks in [%g, %g] %+v", got, lo, hi, want)
	}
	for _, x := range edited.mlpRun().rank.pts.X {
		if x < lo || x > hi {
			t.Fatalf("fresh input %g outside the points' range [%g, %g]", x, lo, hi)
		}
	}
	edited.Advance(2000)
	if m := edited.Latest(); edited.Err() != nil || !(m.TrainLoss < 0.01) {
		t.Errorf("fitting 5 points: Err() = %v, train loss %g, want below 0.01", edited.Err(), m.TrainLoss)
	}
	c := mustScenario(t, "teacher3-const")
	mustSet(t, &c, "points", points)
	if err := c.Set("dim", "5"); err != nil {
		t.Fatal(err)
	}
	if _, err := NewRun(c); err == nil || !strings.Contains(err.Error(), "dim") || !strings.Contains(err.Error(), "points") {
		t.Errorf("NewRun with points and dim 5 = %v, want an error naming dim and points", err)
	}
}

// TestTeacherRunsShareStart checks what the four presets share for a seed: the
// teacher, the data, the fresh inputs and the student's initialization; only the
// step sizes differ. Another seed gives another initialization but, with the fixed
// data seed, the same teacher.
func TestTeacherRunsShareStart(t *testing.T) {
	var first *Run
	for _, name := range teacherScenarios {
		for _, dim := range []string{"1", "5"} {
			c := mustScenario(t, name)
			mustSet(t, &c, "dim", dim)
			run, err := NewRun(c)
			if err != nil {
				t.Fatal(err)
			}
			if dim == "1" && first == nil {
				first = run
				continue
			}
			if dim == "1" && (!sameBits(run.Model().Params(), first.Model().Params()) || !sameBits(run.Data().Y, first.Data().Y) ||
				!sameBits(run.mlpRun().rank.pts.X, first.mlpRun().rank.pts.X) || !sameBits(run.Teacher().Params(), first.Teacher().Params())) {
				t.Errorf("%s differs from %s in its start", name, teacherScenarios[0])
			}
		}
	}
	c := mustScenario(t, teacherScenarios[0])
	mustSet(t, &c, "seed", "2")
	other, err := NewRun(c)
	if err != nil {
		t.Fatal(err)
	}
	if sameBits(other.Model().Params(), first.Model().Params()) || !sameBits(other.Teacher().Params(), first.Teacher().Params()) {
		t.Errorf("seed 2: want another initialization and the same teacher")
	}
}

// TestTeacherRunDeterministic runs a config twice, in one call and in uneven chunks,
// and requires identical bits, for SGD (the fused step) and the SDE.
func TestTeacherRunDeterministic(t *testing.T) {
	for _, kv := range [][]string{{"dim", "1"}, {"dim", "5"}, {"method", "sde", "iters", "300", "log_every", "30", "warmup", "none", "decays", "none", "lr", "0.011"}} {
		a, b := teacherRun(t, kv...), teacherRun(t, kv...)
		a.Advance(a.Config().Iters)
		for !b.Done() && b.Err() == nil {
			b.Advance(37)
		}
		ha, hb := a.History().Rows(), b.History().Rows()
		if len(ha) != len(hb) || !sameBits(a.Model().Params(), b.Model().Params()) {
			t.Fatalf("%v: runs differ", kv)
		}
		for i := range ha {
			if !sameBits(metricBits(ha[i]), metricBits(hb[i])) {
				t.Errorf("%v: snapshot %d = %+v and %+v", kv, i, ha[i], hb[i])
			}
		}
		if a.Err() != nil || !(a.Latest().TrainLoss < ha[0].TrainLoss) {
			t.Errorf("%v: Err() = %v, train loss %g → %g, want a run that learns", kv, a.Err(), ha[0].TrainLoss, a.Latest().TrainLoss)
		}
	}
}

// TestTeacherNewRunFrom checks starting from given parameters: the length must match
// the layers, and a run from another's θ₀ repeats it.
func TestTeacherNewRunFrom(t *testing.T) {
	a := teacherRun(t)
	theta0 := slices.Clone(a.Model().Params())
	a.Advance(2000)
	b, err := NewRunFrom(a.Config(), theta0)
	if err != nil {
		t.Fatal(err)
	}
	b.Advance(2000)
	if !sameBits(a.Model().Params(), b.Model().Params()) {
		t.Errorf("the run from θ₀ ended elsewhere")
	}
	_, err = NewRunFrom(a.Config(), theta0[1:])
	if want := "140 initial parameters for layers 10,10 with dim 1 and biases on, want 141"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("NewRunFrom with one parameter short = %v, want %q", err, want)
	}
}

// TestTeacherSDEZeroDeltaIsGD checks that the SDE method works for the MLP through
// the generic Model interface: with δ = 0 it is full-batch GD bit for bit.
func TestTeacherSDEZeroDeltaIsGD(t *testing.T) {
	for _, dim := range []string{"1", "5"} {
		sde := teacherRun(t, "dim", dim, "method", "sde", "sde_delta", "0", "iters", "400", "log_every", "100")
		gd := teacherRun(t, "dim", dim, "method", "gd", "iters", "400", "log_every", "100")
		for !gd.Done() {
			sde.Advance(50)
			gd.Advance(50)
			if !sameBits(sde.Model().Params(), gd.Model().Params()) {
				t.Fatalf("dim %s: at iteration %d the sde run with δ = 0 and the gd run differ", dim, gd.Iter())
			}
		}
		hs, hg := sde.History().Rows(), gd.History().Rows()
		for i := range hg {
			if !sameBits(metricBits(hs[i]), metricBits(hg[i])) {
				t.Errorf("dim %s: snapshot %d differs", dim, i)
			}
		}
		if !(hg[len(hg)-1].TrainLoss < hg[0].TrainLoss) {
			t.Errorf("dim %s: GD train loss %g → %g, want lower", dim, hg[0].TrainLoss, hg[len(hg)-1].TrainLoss)
		}
	}
	// With matched δ the noise moves the parameters off the GD path.
	steady := []string{"iters", "50", "warmup", "none", "decays", "none", "lr", "0.011"}
	sde := teacherRun(t, append([]string{"method", "sde"}, steady...)...)
	gd := teacherRun(t, append([]string{"method", "gd"}, steady...)...)
	sde.Advance(50)
	gd.Advance(50)
	if sde.Err() != nil || sameBits(sde.Model().Params(), gd.Model().Params()) {
		t.Errorf("matched δ: Err() = %v, parameters equal to GD's: want a healthy run off the GD path", sde.Err())
	}
}

// TestTeacherAdvanceAllocatesNothing checks the hot loop of MLP runs.
func TestTeacherAdvanceAllocatesNothing(t *testing.T) {
	for _, kv := range [][]string{
		{"dim", "1"},
		{"dim", "5"},
		{"batch", "4", "label_noise", "0.1"},
		{"method", "gd"},
		{"method", "sde"},
	} {
		run := teacherRun(t, append([]string{"iters", "1000000000", "log_every", "1000000000", "warmup", "none", "decays", "none", "lr", "1e-4"}, kv...)...)
		run.Advance(50)
		if allocs := testing.AllocsPerRun(20, func() { run.Advance(20) }); allocs != 0 {
			t.Errorf("%v: Advance(20) allocates %v times, want 0", kv, allocs)
		}
		if run.Err() != nil || run.History().Len() != 1 {
			t.Errorf("%v: Err() = %v, %d snapshots, want no error and only the first", kv, run.Err(), run.History().Len())
		}
	}
}

// teacherFinal runs the named preset to its end with the given settings.
func teacherFinal(t *testing.T, name string, kv ...string) Metrics {
	c := mustScenario(t, name)
	mustSet(t, &c, kv...)
	run, err := NewRun(c)
	if err != nil {
		t.Error(err)
		return noMetrics(0, 0)
	}
	run.Advance(c.Iters)
	if run.Err() != nil || !run.Done() {
		t.Errorf("%s %v: Err() = %v, Done() = %v", name, kv, run.Err(), run.Done())
	}
	return run.Latest()
}

// TestTeacherStudentScience is the paper's teacher–student experiment at full length
// in the reference setting (d = 5) over 3 seeds: the later the step size decays (the
// longer the loss stabilizes at a large step), the lower the test loss and the
// feature sparsity of hidden layer 2. The reference reports test loss 0.061 → 0.032
// → 0.025 → 0.021 and layer-2 sparsity 46.6 → 31.2 → 25.2 → 18.2 % for one seed. The
// test asserts, on the means over seeds, that each decayed run beats the constant
// step size and that decay50 does so clearly; it logs every run, and what d = 1
// gives, which it does not assert. Runs go two at a time.
func TestTeacherStudentScience(t *testing.T) {
	if testing.Short() {
		t.Skip("full-length runs")
	}
	const (
		seeds     = 3
		fitLoss   = 0.01 // every run must fit the 50 samples this well
		lossRatio = 1.5  // mean test loss, constant / decay50
		fsRatio   = 1.5  // mean layer-2 feature sparsity, constant / decay50
	)
	for _, dim := range []string{"5", "1"} {
		finals := make([][]Metrics, len(teacherScenarios))
		var wg sync.WaitGroup
		sem := make(chan struct{}, 2)
		for i, name := range teacherScenarios {
			finals[i] = make([]Metrics, seeds)
			for s := range seeds {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					finals[i][s] = teacherFinal(t, name, "dim", dim, "seed", fmt.Sprint(s+1))
				}()
			}
		}
		wg.Wait()
		mean := make([]Metrics, len(teacherScenarios))
		for i, name := range teacherScenarios {
			for s, m := range finals[i] {
				t.Logf("d = %s %-16s seed %d: train loss %.3g, test loss %.3g, rank %g, feature sparsity L1 %.1f %%, L2 %.1f %%, kinks %g",
					dim, name, s+1, m.TrainLoss, m.TestLoss, m.Rank, 100*m.FeatureSparsityL1, 100*m.FeatureSparsityL2, m.Kinks)
				mean[i].TrainLoss += m.TrainLoss / seeds
				mean[i].TestLoss += m.TestLoss / seeds
				mean[i].Rank += m.Rank / seeds
				mean[i].FeatureSparsityL1 += m.FeatureSparsityL1 / seeds
				mean[i].FeatureSparsityL2 += m.FeatureSparsityL2 / seeds
				mean[i].Kinks += m.Kinks / seeds
			}
		}
		for i, name := range teacherScenarios {
			m := mean[i]
			t.Logf("d = %s %-16s mean: train loss %.3g, test loss %.3g, rank %.1f, feature sparsity L1 %.1f %%, L2 %.1f %%, kinks %.1f",
				dim, name, m.TrainLoss, m.TestLoss, m.Rank, 100*m.FeatureSparsityL1, 100*m.FeatureSparsityL2, m.Kinks)
		}
		if dim != "5" {
			continue
		}
		for i, name := range teacherScenarios {
			for s, m := range finals[i] {
				if !(m.TrainLoss < fitLoss) {
					t.Errorf("%s seed %d: final train loss %g, want < %g", name, s+1, m.TrainLoss, fitLoss)
				}
			}
			if i > 0 && !(mean[i].TestLoss < mean[0].TestLoss && mean[i].FeatureSparsityL2 < mean[0].FeatureSparsityL2) {
				t.Errorf("mean test loss, layer-2 sparsity: %s %.3g, %.3g; want both below the constant step's %.3g, %.3g",
					name, mean[i].TestLoss, mean[i].FeatureSparsityL2, mean[0].TestLoss, mean[0].FeatureSparsityL2)
			}
		}
		last := len(teacherScenarios) - 1
		if r := mean[0].TestLoss / mean[last].TestLoss; !(r >= lossRatio) {
			t.Errorf("mean test loss constant / decay50 = %.3g / %.3g = %.2f, want ≥ %g", mean[0].TestLoss, mean[last].TestLoss, r, lossRatio)
		}
		if r := mean[0].FeatureSparsityL2 / mean[last].FeatureSparsityL2; !(r >= fsRatio) {
			t.Errorf("mean layer-2 feature sparsity constant / decay50 = %.3g / %.3g = %.2f, want ≥ %g", mean[0].FeatureSparsityL2, mean[last].FeatureSparsityL2, r, fsRatio)
		}
	}
}

// BenchmarkTeacherStep measures one SGD step of the teacher–student presets through
// Run.Advance (one op = one step), next to the fused kernel alone and the generic
// step it replaces.
func BenchmarkTeacherStep(b *testing.B) {
	for _, dim := range []string{"5", "1"} {
		b.Run("d"+dim+"/run", func(b *testing.B) {
			run := teacherRun(b, "dim", dim, "iters", "1000000000", "log_every", "1000000000", "warmup", "none", "decays", "none", "lr", "0.011")
			b.ReportAllocs()
			for b.Loop() {
				run.Advance(1)
			}
			if run.Err() != nil {
				b.Fatal(run.Err())
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
		run := teacherRun(b, "dim", dim)
		ds := run.Data()
		b.Run("d"+dim+"/fused", func(b *testing.B) {
			n := NewMLP(run.MLP().Dims(), true)
			copy(n.Params(), run.MLP().Params())
			i := 0
			for b.Loop() {
				n.sgdStep1(ds.Input(i), ds.Y[i], 1e-3, 2)
				i = (i + 1) % ds.Len()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
		b.Run("d"+dim+"/generic", func(b *testing.B) {
			n := NewMLP(run.MLP().Dims(), true)
			copy(n.Params(), run.MLP().Params())
			grad := make([]float64, n.NumParams())
			i := 0
			for b.Loop() {
				slowMLPStep(n, grad, ds.Input(i), ds.Y[i], 1e-3, 2)
				i = (i + 1) % ds.Len()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}

// BenchmarkTeacherSnapshot measures one metric snapshot of a trained teacher–student
// run, and its parts: the rank (the SVD of the 181×181 Jacobian for d = 5, the
// segment reduction for d = 1), the feature sparsity of both layers and the 1D kinks.
func BenchmarkTeacherSnapshot(b *testing.B) {
	for _, dim := range []string{"5", "1"} {
		c := mustScenario(b, "teacher3-decay50")
		mustSet(b, &c, "dim", dim)
		run, err := NewRun(c)
		if err != nil {
			b.Fatal(err)
		}
		run.Advance(c.Iters)
		b.Run("d"+dim+"/snapshot", func(b *testing.B) {
			for b.Loop() {
				run.measure()
			}
		})
		b.Run("d"+dim+"/rank", func(b *testing.B) {
			for b.Loop() {
				NumericalRank(run.mlpRun().rank.singularValues(run.MLP()), c.RankTau)
			}
		})
		if dim == "1" {
			b.Run("d1/rank_explicit_svd", func(b *testing.B) {
				p := run.MLP().NumParams()
				jac := make([]float64, p*p)
				for b.Loop() {
					Jacobian(jac, run.MLP(), run.mlpRun().rank.pts)
					NumericalRank(SingularValues(jac, p, p), c.RankTau)
				}
			})
			b.Run("d1/kinks", func(b *testing.B) {
				for b.Loop() {
					run.KinkSummary()
				}
			})
		}
		b.Run("d"+dim+"/feature_sparsity", func(b *testing.B) {
			n := run.Data().Len()
			for b.Loop() {
				for l := 1; l <= 2; l++ {
					run.MLP().Activations(l, run.mlpRun().act[:n*10], run.Data())
					FeatureSparsity(run.mlpRun().act[:n*10], n, 10, c.DupTau)
				}
			}
		})
	}
}

// BenchmarkTeacherRun measures a whole teacher3-decay50 run, 10,001 SGD steps and
// its 252 snapshots.
func BenchmarkTeacherRun(b *testing.B) {
	for _, dim := range []string{"5", "1"} {
		b.Run("d"+dim, func(b *testing.B) {
			c := mustScenario(b, "teacher3-decay50")
			mustSet(b, &c, "dim", dim)
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
		})
	}
}
