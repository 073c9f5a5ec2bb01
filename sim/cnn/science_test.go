package cnn

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"kinkscope/sim/mnist"
)

// mnistData returns the default browser subset of MNIST as Data (the test is skipped
// where the module cache is unreachable, as under js/wasm).
func mnistData(t testing.TB, nTrain, nTest int) *Data {
	if runtime.GOOS == "js" {
		t.Skip("no module cache under js/wasm")
	}
	dir, err := mnist.Dir()
	if err != nil {
		t.Fatal(err)
	}
	b, err := mnist.BuildSubset(dir, nTrain, nTest)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := mnist.DecodeSubset(b)
	if err != nil {
		t.Fatal(err)
	}
	return &Data{Rows: sub.Train.Rows, Cols: sub.Train.Cols, TrainPixels: sub.Train.Pixels, TrainLabels: sub.Train.Labels, TestPixels: sub.Test.Pixels, TestLabels: sub.Test.Labels}
}

// envInt and envFloat read an experiment override from the environment.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envFloat(name string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return v
	}
	return def
}

// run is one finished training run.
type runResult struct {
	name string
	seed uint64
	m    Metrics
}

// runAll trains every (schedule, seed) pair, two at a time, and returns the final
// metrics in the order given.
func runAll(t testing.TB, base Config, d *Data, scheds []namedSchedule, seeds []uint64) []runResult {
	res := make([]runResult, len(scheds)*len(seeds))
	var wg sync.WaitGroup
	sem := make(chan struct{}, envInt("CNN_PAR", 2))
	for i, s := range scheds {
		for j, seed := range seeds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				cfg := base
				cfg.Schedule = s.s
				if s.sota {
					cfg.Momentum, cfg.WeightDecay, cfg.Shift = SOTAMomentum, SOTAWeightDecay, SOTAShift
				}
				tr, err := New(cfg, d, testRands(seed))
				if err != nil {
					t.Error(err)
					return
				}
				for !tr.Done() {
					tr.Step(100)
				}
				res[i*len(seeds)+j] = runResult{s.name, seed, tr.Metrics()}
				m := res[i*len(seeds)+j].m
				t.Logf("%-12s seed %d: train loss %.4f, train error %.4f, test error %.4f, sparsity %.3f / %.3f, non-zero %.3f / %.3f, diverged %v",
					s.name, seed, m.TrainLoss, m.TrainError, m.TestError, m.Sparsity[0], m.Sparsity[1], m.NonZero[0], m.NonZero[1], m.Diverged)
			}()
		}
	}
	wg.Wait()
	return res
}

type namedSchedule struct {
	name string
	s    Schedule
	sota bool // the state-of-the-art setting: momentum, weight decay, shifts
}

func meanSD(xs []float64) (float64, float64) {
	m := 0.0
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	v := 0.0
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	if len(xs) > 1 {
		v /= float64(len(xs) - 1)
	}
	return m, math.Sqrt(v)
}

// TestScienceSparsity trains the small-step run and the large-step runs of the
// Default network on the MNIST subset over several seeds and prints the table of the
// README. Set KINKSCOPE_CNN_SCIENCE=1 to run it (minutes of CPU); CNN_STEPS, CNN_BATCH,
// CNN_TRAIN, CNN_WIDTHS (e.g. 8,16,64), CNN_LR_SMALL, CNN_LR0, CNN_SEEDS, CNN_SOTA=0 and
// CNN_RUNS (names of the rows to train, comma-separated) vary the experiment.
func TestScienceSparsity(t *testing.T) {
	if os.Getenv("KINKSCOPE_CNN_SCIENCE") == "" {
		t.Skip("set KINKSCOPE_CNN_SCIENCE=1 to train the science runs")
	}
	base := Default()
	base.TestImages, base.EvalImages, base.FeatureImages = 1000, 1000, 256
	base.Steps = envInt("CNN_STEPS", base.Steps)
	base.Batch = envInt("CNN_BATCH", base.Batch)
	base.TrainImages = envInt("CNN_TRAIN", base.TrainImages)
	if w := os.Getenv("CNN_WIDTHS"); w != "" {
		f := strings.Split(w, ",")
		for i := range base.Blocks {
			base.Blocks[i].Filters, _ = strconv.Atoi(f[i])
		}
		base.Dense, _ = strconv.Atoi(f[len(f)-1])
	}
	d := mnistData(t, base.TrainImages, base.TestImages)
	small := envFloat("CNN_LR_SMALL", SmallLR)
	lr0 := envFloat("CNN_LR0", LargeLR0)
	scheds := []namedSchedule{{"small", Schedule{Kind: Constant, LR0: small}, false}}
	for _, x := range []float64{0.1, 0.3, 0.5} {
		scheds = append(scheds, namedSchedule{fmt.Sprintf("large X=%.1f", x), Schedule{Kind: WarmUp, LR0: lr0, X: x}, false})
	}
	if os.Getenv("CNN_SOTA") != "0" {
		scheds = append(scheds,
			namedSchedule{"SOTA small", Schedule{Kind: Constant, LR0: SOTASmallLR}, true},
			namedSchedule{"SOTA large X=0.5", Schedule{Kind: Hold, LR0: SOTALargeLR0, X: 0.5}, true})
	}
	if only := os.Getenv("CNN_RUNS"); only != "" {
		var keep []namedSchedule
		for _, s := range scheds {
			if strings.Contains(","+only+",", ","+s.name+",") {
				keep = append(keep, s)
			}
		}
		scheds = keep
	}
	var seeds []uint64
	for s := range envInt("CNN_SEEDS", 3) {
		seeds = append(seeds, uint64(s+1))
	}
	res := runAll(t, base, d, scheds, seeds)
	var b strings.Builder
	fmt.Fprintf(&b, "| run | train loss | train error | test error | feature sparsity, middle | feature sparsity, last | non-zero, middle | non-zero, last |\n|---|---|---|---|---|---|---|---|\n")
	for i, s := range scheds {
		col := func(f func(Metrics) float64) string {
			var xs []float64
			for _, r := range res[i*len(seeds) : (i+1)*len(seeds)] {
				xs = append(xs, f(r.m))
			}
			m, sd := meanSD(xs)
			return fmt.Sprintf("%.3f ± %.3f", m, sd)
		}
		pct := func(f func(Metrics) float64) func(Metrics) float64 {
			return func(m Metrics) float64 { return 100 * f(m) }
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", s.name,
			col(func(m Metrics) float64 { return m.TrainLoss }),
			col(pct(func(m Metrics) float64 { return m.TrainError })),
			col(pct(func(m Metrics) float64 { return m.TestError })),
			col(pct(func(m Metrics) float64 { return m.Sparsity[0] })),
			col(pct(func(m Metrics) float64 { return m.Sparsity[1] })),
			col(pct(func(m Metrics) float64 { return m.NonZero[0] })),
			col(pct(func(m Metrics) float64 { return m.NonZero[1] })))
	}
	t.Logf("steps %d, batch %d, %d training images, widths %v/%d, small %g, lr0 %g, seeds %d\n%s",
		base.Steps, base.Batch, base.TrainImages, base.Blocks, base.Dense, small, lr0, len(seeds), b.String())
}

// TestLargeStepsSparsify is the fast version of TestScienceSparsity for every test
// run: a narrower network on 1,000 training images, 3 seeds, small constant step
// against the long large-step run (X = 0.5). It asserts the paper's direction as a
// statistic over the seeds: at both measured blocks the mean feature sparsity of the
// large-step runs is lower than that of the small-step runs by more than twice the
// standard error of the difference.
func TestLargeStepsSparsify(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 6 networks")
	}
	base := Default()
	base.Blocks[0].Filters, base.Blocks[1].Filters, base.Dense = 4, 8, 32
	base.TrainImages, base.TestImages, base.EvalImages = 1000, 200, 500
	base.Steps, base.Batch = envInt("CNN_FAST_STEPS", 300), 16
	base.FeatureImages = 128
	d := mnistData(t, base.TrainImages, base.TestImages)
	scheds := []namedSchedule{
		{"small", Schedule{Kind: Constant, LR0: SmallLR}, false},
		{"large X=0.5", Schedule{Kind: WarmUp, LR0: LargeLR0, X: 0.5}, false},
	}
	seeds := []uint64{1, 2, 3}
	res := runAll(t, base, d, scheds, seeds)
	for k, name := range []string{"middle", "last"} {
		var small, large []float64
		for i, r := range res {
			if i < len(seeds) {
				small = append(small, r.m.Sparsity[k])
			} else {
				large = append(large, r.m.Sparsity[k])
			}
		}
		ms, ss := meanSD(small)
		ml, sl := meanSD(large)
		se := math.Sqrt((ss*ss + sl*sl) / float64(len(seeds)))
		t.Logf("%s block: feature sparsity small %.3f ± %.3f, large %.3f ± %.3f", name, ms, ss, ml, sl)
		if !(ms-ml > 2*se) {
			t.Errorf("%s block: large-step feature sparsity %.3f ± %.3f is not below the small-step %.3f ± %.3f by 2 standard errors (%.3f)", name, ml, sl, ms, ss, 2*se)
		}
	}
}
