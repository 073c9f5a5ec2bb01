package cnn

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"kinkscope/sim"
)

// randomActivations returns an n×m post-ReLU-like matrix with always-zero columns,
// exact and near duplicates and constant columns, the cases the dedup must handle.
func randomActivations(r *rand.Rand, n, m int) []float64 {
	a := make([]float64, n*m)
	for j := 0; j < m; j++ {
		kind := r.IntN(6)
		for i := 0; i < n; i++ {
			v := 0.0
			switch kind {
			case 0: // always zero
			case 1: // constant
				v = 0.5
			case 2: // a near duplicate of the previous column
				if j > 0 {
					v = a[i*m+j-1] * (1 + 0.01*r.Float64())
				}
			default:
				v = max(0, r.NormFloat64())
			}
			a[i*m+j] = v
		}
	}
	return a
}

func TestSparsityJobMatchesSim(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	var job SparsityJob
	for _, sz := range []struct{ n, m int }{{1, 1}, {5, 3}, {40, 60}, {64, 300}, {3, 50}} {
		a := randomActivations(r, sz.n, sz.m)
		orig := append([]float64(nil), a...)
		want := sim.FeatureSparsity(a, sz.n, sz.m, DupTau)
		for _, budget := range []int64{1, 7, 100, 5000, math.MaxInt64} {
			job.Reset(a, sz.n, sz.m, DupTau)
			calls := 0
			for !job.Done() {
				job.Advance(budget)
				calls++
			}
			if got := job.Result(); got != want {
				t.Errorf("%d×%d, budget %d (%d calls): %v, want sim.FeatureSparsity's %v", sz.n, sz.m, budget, calls, got, want)
			}
			if budget == 1 && sz.m > 10 && calls < 10 {
				t.Errorf("%d×%d, budget 1: done in %d calls, want the scan split", sz.n, sz.m, calls)
			}
		}
		for i := range a {
			if a[i] != orig[i] {
				t.Fatalf("SparsityJob modified its input")
			}
		}
	}
}

// DupTau is the deep-network dedup threshold of SCIENCE.md.
const DupTau = sim.DupTauDeepNets

func TestScheduleLR(t *testing.T) {
	const T = 1000
	for _, c := range []struct {
		s    Schedule
		t    int
		want float64
	}{
		{Schedule{Constant, 0.01, 0}, 999, 0.01},
		{Schedule{WarmUp, 0.02, 0.5}, 0, 0.02},
		{Schedule{WarmUp, 0.02, 0.5}, 200, 0.02 * math.Pow(1.05, 20)},
		{Schedule{WarmUp, 0.02, 0.5}, 499, 0.02 * math.Pow(1.05, 49.9)},
		{Schedule{WarmUp, 0.02, 0.5}, 500, 0.02 * math.Pow(1.05, 50) / 10},
		{Schedule{WarmUp, 0.02, 0.3}, 899, 0.02 * math.Pow(1.05, 30) / 10},
		{Schedule{WarmUp, 0.02, 0.3}, 900, 0.02 * math.Pow(1.05, 30) / 100},
		{Schedule{Hold, 0.05, 0.5}, 499, 0.05},
		{Schedule{Hold, 0.05, 0.5}, 500, 0.005},
		{Schedule{Hold, 0.05, 0.5}, 950, 0.0005},
	} {
		if got := c.s.LR(c.t, T); math.Abs(got-c.want) > 1e-12*c.want {
			t.Errorf("%v.LR(%d, %d) = %v, want %v", c.s, c.t, T, got, c.want)
		}
	}
	for _, x := range []float64{-700, -3, -1e-9, 0, 1e-9, 0.5, 1, 20, 700} {
		if got, want := sim.DetExp(x), math.Exp(x); math.Abs(got-want) > 2e-16*want {
			t.Errorf("sim.DetExp(%v) = %v, want %v", x, got, want)
		}
	}
	for _, x := range []float64{1e-300, 0.3, 1, 2.5, 1e10} {
		if got, want := sim.DetLog(x), math.Log(x); math.Abs(got-want) > 4e-16*math.Max(1, math.Abs(want)) {
			t.Errorf("sim.DetLog(%v) = %v, want %v", x, got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	d := synthData(1, 28, 28, 50, 10)
	empty := *d
	empty.TestPixels, empty.TestLabels = nil, nil
	if _, err := New(Default(), &empty, testRands(1)); err == nil || !strings.Contains(err.Error(), "0 test images") {
		t.Errorf("New without test images: error %v", err)
	}
	for _, c := range []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.Blocks = nil }, "Blocks (count) 0 out of range [1, 4]"},
		{func(c *Config) { c.Blocks[1].Filters = 0 }, "Blocks[1].Filters 0 out of range [1, 256]"},
		{func(c *Config) { c.Blocks[0].Kernel = 4 }, "Blocks[0].Kernel 4 must be odd"},
		{func(c *Config) { c.Blocks[0].Pool = 9 }, "Blocks[0].Pool 9 out of range [1, 4]"},
		{func(c *Config) { c.Dense = -1 }, "Dense -1 out of range [0, 4096]"},
		{func(c *Config) { c.TrainImages = 51 }, "TrainImages 51 out of range [0, 50]"},
		{func(c *Config) { c.Batch = 0 }, "Batch 0 out of range [1, 50]"},
		{func(c *Config) { c.Steps = 0 }, "Steps 0 out of range"},
		{func(c *Config) { c.Schedule.LR0 = math.NaN() }, "Schedule.LR0 NaN out of range [0, 100]"},
		{func(c *Config) { c.Schedule = Schedule{Kind: WarmUp, LR0: 0.1, X: 0.95} }, "Schedule.X 0.95 out of range [0, 0.9]"},
		{func(c *Config) { c.Momentum = 1 }, "Momentum 1 out of range [0, 1)"},
		{func(c *Config) { c.Shift = 3 }, "Shift 3 out of range [0, 2]"},
		{func(c *Config) { c.FeatureUnits = 1001 }, "FeatureUnits 1001 out of range [1, 1000]"},
		{func(c *Config) { c.FeatureImages = 0 }, "FeatureImages 0 out of range [1, 50]"},
		{func(c *Config) {
			c.Blocks = []Block{{1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4}}
		}, "Blocks[2].Pool 4 out of range [1, 1]"},
	} {
		cfg := Default()
		cfg.TrainImages, cfg.TestImages, cfg.EvalImages, cfg.FeatureImages = 0, 0, 0, 10
		c.mod(&cfg)
		_, err := New(cfg, d, testRands(1))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New: error %v, want one containing %q", err, c.want)
		}
	}
}

func paramHash(p []float32) uint64 {
	h := fnv.New64a()
	for _, v := range p {
		b := math.Float32bits(v)
		h.Write([]byte{byte(b), byte(b >> 8), byte(b >> 16), byte(b >> 24)})
	}
	return h.Sum64()
}

func trainSmall(t *testing.T, cfg Config, seed uint64, steps int) *Trainer {
	t.Helper()
	d := synthData(2, 14, 14, 64, 20)
	cfg.TrainImages, cfg.TestImages, cfg.EvalImages, cfg.FeatureImages = 0, 0, 0, 16
	tr, err := New(cfg, d, testRands(seed))
	if err != nil {
		t.Fatal(err)
	}
	tr.Step(steps)
	return tr
}

// TestDeterminism checks that a seed fixes the run and that the streams are
// separate: the initialization does not depend on the sampling seed.
func TestDeterminism(t *testing.T) {
	cfg := smallConfig()
	cfg.Momentum, cfg.WeightDecay, cfg.Shift = 0.9, 5e-4, 2
	cfg.Schedule = Schedule{Kind: Hold, LR0: 0.02, X: 0.5}
	a, b := trainSmall(t, cfg, 3, 20), trainSmall(t, cfg, 3, 20)
	if paramHash(a.Params()) != paramHash(b.Params()) {
		t.Errorf("two runs with seed 3 differ")
	}
	if c := trainSmall(t, cfg, 4, 20); paramHash(a.Params()) == paramHash(c.Params()) {
		t.Errorf("runs with seeds 3 and 4 agree")
	}
	// Same init stream, another sample stream: same weights at step 0.
	d := synthData(2, 14, 14, 64, 20)
	cfg.TrainImages, cfg.TestImages, cfg.EvalImages, cfg.FeatureImages = 0, 0, 0, 16
	r1, r2 := testRands(5), testRands(5)
	r2.Sample = sim.NewRand(6, sim.StreamSample)
	t1, _ := New(cfg, d, r1)
	t2, _ := New(cfg, d, r2)
	if paramHash(t1.Params()) != paramHash(t2.Params()) {
		t.Errorf("the sampling stream changed the initialization")
	}
	t1.Step(1)
	t2.Step(1)
	if paramHash(t1.Params()) == paramHash(t2.Params()) {
		t.Errorf("another sampling stream gave the same first step")
	}
}

// TestTrainingLearns checks that plain SGD lowers the loss on learnable data, with
// momentum, weight decay and shifts too, and that a huge step diverges into a state,
// not a crash.
func TestTrainingLearns(t *testing.T) {
	for _, mod := range []func(*Config){
		func(c *Config) {},
		func(c *Config) { c.Momentum, c.WeightDecay = 0.9, 5e-4; c.Schedule.LR0 = 0.01 },
	} {
		cfg := smallConfig()
		cfg.Schedule = Schedule{Kind: Constant, LR0: 0.05}
		mod(&cfg)
		cfg.Steps = 150
		tr := trainSmall(t, cfg, 1, 0)
		m0 := tr.Metrics()
		tr.Step(150)
		m1 := tr.Metrics()
		if !(m1.TrainLoss < 0.7*m0.TrainLoss) || tr.Diverged() {
			t.Errorf("%+v: train loss %.4f → %.4f after 150 steps, want a drop by 30%%", cfg.Schedule, m0.TrainLoss, m1.TrainLoss)
		}
	}
	// A NaN parameter makes the next batch loss NaN: the trainer marks the run
	// diverged and stops, without a panic.
	cfg := smallConfig()
	tr := trainSmall(t, cfg, 1, 1)
	tr.Params()[0] = float32(math.NaN())
	tr.Step(3)
	if !tr.Diverged() || !tr.Metrics().Diverged || tr.StepCount() != 2 {
		t.Errorf("NaN parameter: diverged %v at step %d, want diverged at step 2", tr.Diverged(), tr.StepCount())
	}
	if tr.Step(5) != 0 {
		t.Errorf("a diverged trainer kept stepping")
	}
}

func TestShift(t *testing.T) {
	cfg := smallConfig()
	cfg.Shift = 2
	tr := trainSmall(t, cfg, 1, 0)
	seen := map[[2]int]bool{}
	img := tr.train[:tr.rows*tr.cols]
	for trial := 0; trial < 400; trial++ {
		x := tr.input(0)
		found := false
		for dy := -2; dy <= 2 && !found; dy++ {
			for dx := -2; dx <= 2 && !found; dx++ {
				ok := true
				for y := 0; y < tr.rows && ok; y++ {
					for xx := 0; xx < tr.cols; xx++ {
						sy, sx := y-dy, xx-dx
						want := float32(0)
						if sy >= 0 && sy < tr.rows && sx >= 0 && sx < tr.cols {
							want = img[sy*tr.cols+sx]
						}
						if x[y*tr.cols+xx] != want {
							ok = false
							break
						}
					}
				}
				if ok {
					found = true
					seen[[2]int{dx, dy}] = true
				}
			}
		}
		if !found {
			t.Fatalf("input %d is not a translation of the image by at most 2 pixels", trial)
		}
	}
	if len(seen) != 25 {
		t.Errorf("saw %d of the 25 translations in 400 draws", len(seen))
	}
}

// TestSnapshotSplit checks that a snapshot spread over many small pieces, with the
// trainer stepping in between, gives the metrics of the one-shot snapshot at the
// step where it began, and that the activation maps and predictions are consistent.
func TestSnapshotSplit(t *testing.T) {
	cfg := smallConfig()
	cfg.Steps = 100
	a, b := trainSmall(t, cfg, 9, 30), trainSmall(t, cfg, 9, 30)
	want := a.Metrics()
	s := b.Begin()
	pieces := 0
	for !s.Advance(b.MACs() / 3) {
		pieces++
		b.Step(1)
	}
	if got := s.Metrics(); got != want {
		t.Errorf("split snapshot:\n%+v\nwant one-shot\n%+v", got, want)
	}
	if pieces < 10 {
		t.Errorf("snapshot done in %d pieces, want it split", pieces)
	}
	if want.Sparsity[0] <= 0 || want.Sparsity[0] > 1 || want.NonZero[1] <= 0 || want.NonZero[1] > 1 {
		t.Errorf("metrics out of range: %+v", want)
	}
	var am ActivationMap
	s.ActivationMap(1, 5, &am)
	if am.Rows != 16 || am.Cols != 5 || len(am.Values) != 80 {
		t.Fatalf("activation map %d×%d, want 16×5", am.Rows, am.Cols)
	}
	top := float32(0)
	for r := 1; r < am.Rows; r++ {
		if am.Labels[r] < am.Labels[r-1] {
			t.Errorf("activation map rows not sorted by digit: %v", am.Labels)
		}
	}
	for _, v := range am.Values {
		top = max(top, v)
		if v < 0 || v > 1 {
			t.Fatalf("activation map value %v out of [0, 1]", v)
		}
	}
	if top != 1 {
		t.Errorf("activation map maximum %v, want 1", top)
	}
	if p := s.Predictions(); len(p) != PredictionCount || p[3].Index != 3 || p[3].Prob <= 0 || p[3].Label != int(b.testY[3]) {
		t.Errorf("predictions %+v", p)
	}
	if r, c := b.ImageSize(); len(b.TestImage(3)) != r*c || b.TestImage(3)[5] != b.test[3*r*c+5] {
		t.Errorf("TestImage(3) is not test image 3")
	}
}

// TestAdvanceSplitsSteps checks that steps spread over calls of a few examples give
// the same parameters, bit for bit, as whole steps.
func TestAdvanceSplitsSteps(t *testing.T) {
	cfg := smallConfig()
	cfg.Momentum, cfg.Shift = 0.9, 1
	a, b := trainSmall(t, cfg, 4, 0), trainSmall(t, cfg, 4, 0)
	a.Step(10)
	steps := 0
	for _, k := range []int{3, 1, 7, 2, 9, 5, 13} {
		steps += b.Advance(k)
	}
	if b.StepCount() != 10 || steps != 10 {
		t.Fatalf("Advance of 40 examples in batches of 4: %d steps, want 10", b.StepCount())
	}
	if paramHash(a.Params()) != paramHash(b.Params()) {
		t.Errorf("split steps differ from whole steps")
	}
	b.Advance(2)
	if b.Step(1) != 1 || b.StepCount() != 11 {
		t.Errorf("Step after half a batch: step count %d, want 11", b.StepCount())
	}
	a.Step(1)
	if paramHash(a.Params()) != paramHash(b.Params()) {
		t.Errorf("Step finishing a split batch differs from a whole step")
	}
}

func TestStepAllocatesNothing(t *testing.T) {
	cfg := smallConfig()
	cfg.Momentum, cfg.WeightDecay, cfg.Shift = 0.9, 5e-4, 2
	cfg.Steps = 10000
	tr := trainSmall(t, cfg, 1, 1)
	if n := testing.AllocsPerRun(20, func() { tr.Step(1) }); n != 0 {
		t.Errorf("Step allocates %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(20, func() { tr.Advance(3) }); n != 0 {
		t.Errorf("Advance allocates %v times, want 0", n)
	}
	tr.Metrics()
	if n := testing.AllocsPerRun(3, func() { tr.Metrics() }); n != 0 {
		t.Errorf("Metrics allocates %v times, want 0", n)
	}
}
