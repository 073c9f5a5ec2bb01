package cnnexp

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"kinkscope/sim"
	"kinkscope/sim/cnn"
	"kinkscope/sim/mnist"
)

func skipWasm(t *testing.T) {
	if runtime.GOOS == "js" {
		t.Skip("no module cache under js/wasm")
	}
}

// tiny returns a small, fast configuration of scenario name.
func tiny(t *testing.T, name string) sim.Config {
	t.Helper()
	c, ok := sim.Scenario(name)
	if !ok {
		t.Fatalf("no scenario %s", name)
	}
	for _, kv := range [][2]string{{"blocks", "2,3"}, {"dense", "8"}, {"train_images", "200"}, {"test_images", "40"},
		{"iters", "20"}, {"batch", "8"}, {"log_every", "5"}} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// params returns the run's θ, bit for bit.
func params(r *sim.Run) []uint64 {
	var out []uint64
	for _, v := range r.Model().Params() {
		out = append(out, math.Float64bits(v))
	}
	return out
}

func sameHistory(t *testing.T, what string, a, b []sim.Metrics) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d snapshots against %d", what, len(a), len(b))
	}
	for i := range a {
		for _, d := range sim.MetricList {
			x, y := d.Value(&a[i]), d.Value(&b[i])
			if math.Float64bits(x) != math.Float64bits(y) {
				t.Errorf("%s: snapshot %d (iteration %d): %s %v against %v", what, i, a[i].Iter, d.Key, x, y)
			}
		}
	}
}

// TestPiecesDoNotChangeTheRun advances the same run whole (Advance) and in random
// pieces (Piece with random example counts and work budgets, mixed with Advance), and
// requires bit-identical metrics and parameters, for plain SGD and for the
// state-of-the-art setting (momentum, weight decay, translations).
func TestPiecesDoNotChangeTheRun(t *testing.T) {
	skipWasm(t)
	for _, name := range []string{"cnn-large50", "cnn-sota-large"} {
		c := tiny(t, name)
		whole, err := sim.NewRun(c)
		if err != nil {
			t.Fatal(err)
		}
		whole.Advance(c.Iters)
		for seed := range uint64(3) {
			rng := rand.New(rand.NewPCG(seed, 9))
			split, err := sim.NewRun(c)
			if err != nil {
				t.Fatal(err)
			}
			if !split.Pieced() || !split.Busy() {
				t.Fatalf("%s: a new run of a Pieced model should be pieced and busy with its first snapshot", name)
			}
			for guard := 0; (!split.Done() || split.Busy()) && guard < 1e6; guard++ {
				if rng.IntN(50) == 0 {
					split.Advance(1 + rng.IntN(3))
					continue
				}
				split.Piece(1+rng.IntN(10), int64(1+rng.IntN(3_000_000)))
			}
			sameHistory(t, name, whole.History().Rows(), split.History().Rows())
			if !slices.Equal(params(whole), params(split)) {
				t.Errorf("%s, piece seed %d: the parameters differ from the run advanced whole", name, seed)
			}
		}
		if last := whole.Latest(); math.IsNaN(last.TestError) || math.IsNaN(last.FeatureSparsityMid) || math.IsNaN(last.NonZeroLast) {
			t.Errorf("%s: final metrics %+v have NaNs", name, last)
		}
	}
}

// TestSameAsTrainer checks that a run through sim.Run takes exactly the steps of
// package cnn's own trainer with the same seed and schedule (the README's science
// table is cnn's): same final parameters and metrics, bit for bit.
func TestSameAsTrainer(t *testing.T) {
	skipWasm(t)
	for _, tc := range []struct {
		name  string
		sched cnn.Schedule
	}{
		{"cnn-small", cnn.Schedule{Kind: cnn.Constant, LR0: 0.01}},
		{"cnn-large30", cnn.Schedule{Kind: cnn.WarmUp, LR0: cnn.LargeLR0, X: 0.3}},
		{"cnn-sota-large", cnn.Schedule{Kind: cnn.Hold, LR0: cnn.SOTALargeLR0, X: 0.5}},
	} {
		c := tiny(t, tc.name)
		c.Seed = 3
		r, err := sim.NewRun(c)
		if err != nil {
			t.Fatal(err)
		}
		r.Advance(c.Iters)
		nc := netConfig(&c)
		nc.Schedule = tc.sched
		d, err := data(nc.TrainImages, nc.TestImages)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := cnn.New(nc, d, cnn.Rands{Init: sim.NewRand(3, sim.StreamInit), Data: sim.NewRand(3, sim.StreamData), Sample: sim.NewRand(3, sim.StreamSample)})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < c.Iters; i++ {
			sched := r.Schedule()
			if got, want := float32(sched.At(i)), float32(tc.sched.LR(i, c.Iters)); got != want {
				t.Errorf("%s: step %d: step size %v through sim, %v in cnn", tc.name, i, got, want)
			}
		}
		tr.Step(c.Iters)
		theta := r.Model().Params()
		for i, v := range tr.Params() {
			if float64(v) != theta[i] {
				t.Fatalf("%s: parameter %d is %v through sim, %v in cnn", tc.name, i, theta[i], v)
			}
		}
		m, got := tr.Metrics(), r.Latest()
		if m.TestError != got.TestError || m.Sparsity != [2]float64{got.FeatureSparsityMid, got.FeatureSparsityLast} || m.TrainLoss != got.TrainLoss {
			t.Errorf("%s: metrics %+v through sim, %+v in cnn", tc.name, got, m)
		}
	}
}

// TestSettingsErrors checks that bad values name the field and its range.
func TestSettingsErrors(t *testing.T) {
	c, _ := sim.Scenario("cnn-small")
	for _, tc := range []struct{ key, value, want string }{
		{"blocks", "8,16,32,64", "blocks \"8,16,32,64\": 4 blocks (allowed: 1 to 3 widths in [1, 64], as 8,16)"},
		{"blocks", "8,0", "width 2 \"0\" out of range"},
		{"dense", "300", "dense \"300\": out of range (allowed: [0, 256])"},
		{"train_images", "0", "train_images \"0\": out of range (allowed: [1, 60000])"},
		{"momentum", "1", "momentum \"1\": out of range (allowed: [0, 1))"},
		{"weight_decay", "-1", "weight_decay \"-1\": out of range (allowed: [0, 1])"},
		{"shift", "3", "shift \"3\": out of range (allowed: [0, 2])"},
	} {
		err := c.Set(tc.key, tc.value)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Set(%s, %s) = %v, want an error containing %q", tc.key, tc.value, err, tc.want)
		}
	}
	for _, tc := range []struct{ key, value, want string }{
		{"method", "gd", "method gd: not available for model cnn (allowed: sgd)"},
		{"sampling", "iid", "sampling iid: not available for model cnn (allowed: epoch)"},
		{"label_noise", "0.1", "label_noise 0.1 out of range [0, 0] for model cnn"},
		{"train_images", "16", "batch 32 out of range [1, 16] for 16 data points"},
	} {
		d := c
		if err := d.Set(tc.key, tc.value); err != nil {
			t.Fatal(err)
		}
		if err := d.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%s: Validate() = %v, want an error containing %q", tc.key, tc.value, err, tc.want)
		}
	}
}

// TestFetchedData checks the browser's data path: waiting (an error wrapping
// sim.ErrWaiting, and one fetch started), a corrupt file (a clear, lasting error), and
// a subset smaller than the settings ask for (an error naming the setting).
func TestFetchedData(t *testing.T) {
	defer func() {
		dataMu.Lock()
		fetched, fetch, fetching, subset, subsetErr = false, nil, false, nil, nil
		dataMu.Unlock()
	}()
	started := make(chan struct{}, 4)
	UseFetched(func() { started <- struct{}{} })
	c, _ := sim.Scenario("cnn-small")
	_, err := sim.NewRun(c)
	if err == nil || !strings.Contains(err.Error(), "loading the MNIST images") || !errors.Is(err, sim.ErrWaiting) {
		t.Fatalf("NewRun before the data arrived = %v, want a waiting error", err)
	}
	<-started
	if _, err := sim.NewRun(c); err == nil || len(started) != 0 {
		t.Fatalf("second NewRun while fetching = %v with %d more fetches, want an error and no new fetch", err, len(started))
	}
	if err := Loaded([]byte("KSMNIST1 but not really")); err == nil {
		t.Fatal("Loaded accepted a corrupt file")
	}
	if _, err := sim.NewRun(c); err == nil || !strings.Contains(err.Error(), "unusable") || errors.Is(err, sim.ErrWaiting) {
		t.Errorf("NewRun after a corrupt file = %v, want the file's error, not waiting", err)
	}
	if runtime.GOOS == "js" {
		return
	}
	dir, err := mnist.Dir()
	if err != nil {
		t.Fatal(err)
	}
	b, err := mnist.BuildSubset(dir, 300, 50)
	if err != nil {
		t.Fatal(err)
	}
	if err := Loaded(b); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.NewRun(c); err == nil || !strings.Contains(err.Error(), "train_images 4000 out of range [1, 300]: the browser's MNIST subset has 300 training images") {
		t.Errorf("NewRun asking for more images than the subset has = %v, want an error naming train_images", err)
	}
	small := tiny(t, "cnn-small")
	if _, err := sim.NewRun(small); err != nil {
		t.Errorf("NewRun within the subset = %v", err)
	}
}
