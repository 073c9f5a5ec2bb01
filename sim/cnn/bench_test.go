package cnn

import (
	"math/rand/v2"
	"testing"
)

// benchTrain measures SGD training of cfg on 28×28 images in examples per second.
func benchTrain(b *testing.B, cfg Config) {
	d := synthData(1, 28, 28, 600, 100)
	cfg.TrainImages, cfg.TestImages, cfg.EvalImages = 0, 0, 0
	cfg.Steps = 100_000_000
	tr, err := New(cfg, d, testRands(1))
	if err != nil {
		b.Fatal(err)
	}
	tr.Step(1)
	b.ReportAllocs()
	steps := 0
	cpu0, ok := cpuTime()
	for b.Loop() {
		tr.Step(1)
		steps++
	}
	b.ReportMetric(float64(steps*cfg.Batch)/b.Elapsed().Seconds(), "examples/s")
	if cpu1, _ := cpuTime(); ok {
		// GC and other goroutines are negligible here: 0 allocations per step.
		b.ReportMetric(float64(steps*cfg.Batch)/(cpu1-cpu0).Seconds(), "examples/cpu-s")
	}
	b.ReportMetric(0, "ns/op")
}

// BenchmarkTrainReference is ConvNetJS's MNIST network with batch 20.
func BenchmarkTrainReference(b *testing.B) {
	cfg := Reference()
	cfg.Schedule.LR0 = 0.01
	benchTrain(b, cfg)
}

// BenchmarkTrainPreset is the Default network.
func BenchmarkTrainPreset(b *testing.B) { benchTrain(b, Default()) }

// The kernels on the conv-2 sizes of the reference network (run 210 of a 14×18
// padded plane), in multiply-adds per second.
func BenchmarkKernels(b *testing.B) {
	x := make([]float32, 18*18)
	y := make([]float32, 210+4)
	for i := range x {
		x[i] = float32(i%7) * 0.1
	}
	b.Run("conv5", func(b *testing.B) {
		for b.Loop() {
			conv5(y[:210], 0.1, 0.2, 0.3, 0.4, 0.5, x)
		}
		b.ReportMetric(float64(b.N)*210*5/b.Elapsed().Seconds(), "MAC/s")
	})
	b.Run("corr5", func(b *testing.B) {
		var s float32
		for b.Loop() {
			a, c, d, e, f := corr5(y[:210], x)
			s += a + c + d + e + f
		}
		b.ReportMetric(float64(b.N)*210*5/b.Elapsed().Seconds(), "MAC/s")
	})
	b.Run("axpy", func(b *testing.B) {
		for b.Loop() {
			axpy(y[:210], 0.1, x[:210])
		}
		b.ReportMetric(float64(b.N)*210/b.Elapsed().Seconds(), "MAC/s")
	})
	// The same with a plain indexed loop (a bounds check per element where the
	// compiler cannot prove the index in range), and in float64.
	b.Run("axpy-indexed", func(b *testing.B) {
		for b.Loop() {
			axpyIndexed(y, 0.1, x, 210)
		}
		b.ReportMetric(float64(b.N)*210/b.Elapsed().Seconds(), "MAC/s")
	})
	x64, y64 := make([]float64, len(x)), make([]float64, len(y))
	b.Run("axpy-float64", func(b *testing.B) {
		for b.Loop() {
			axpy64(y64[:210], 0.1, x64[:210])
		}
		b.ReportMetric(float64(b.N)*210/b.Elapsed().Seconds(), "MAC/s")
	})
}

//go:noinline
func axpyIndexed(y []float32, a float32, x []float32, n int) {
	for i := 0; i < n; i++ {
		y[i] += a * x[i]
	}
}

func axpy64(y []float64, a float64, x []float64) {
	y = y[:len(x)]
	for len(x) >= 8 && len(y) >= 8 {
		y[0] += a * x[0]
		y[1] += a * x[1]
		y[2] += a * x[2]
		y[3] += a * x[3]
		y[4] += a * x[4]
		y[5] += a * x[5]
		y[6] += a * x[6]
		y[7] += a * x[7]
		x, y = x[8:], y[8:]
	}
	for i, v := range x {
		y[i] += a * v
	}
}

// BenchmarkMetrics measures one whole metric snapshot of the Default network (1,000
// training and 1,000 test images evaluated, 256 feature images, both sparsity
// coefficients) after 50 steps.
func BenchmarkMetrics(b *testing.B) {
	d := synthData(1, 28, 28, 4000, 1000)
	cfg := Default()
	tr, err := New(cfg, d, testRands(1))
	if err != nil {
		b.Fatal(err)
	}
	tr.Step(50)
	b.ReportAllocs()
	for b.Loop() {
		tr.Metrics()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/snapshot")
}

// BenchmarkSparsityJob is the feature sparsity of 256 images × 784 units (the middle
// block of the Default network), the costliest piece of a snapshot after the forward
// passes.
func BenchmarkSparsityJob(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	a := randomActivations(r, 256, 784)
	var j SparsityJob
	for b.Loop() {
		j.Reset(a, 256, 784, DupTau)
		for !j.Done() {
			j.Advance(1 << 62)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/job")
}

// BenchmarkRunPreset is one whole run of the Default network (600 steps of 32 on 4,000
// synthetic 28×28 images) with a metric snapshot every 60 steps, in seconds per run.
func BenchmarkRunPreset(b *testing.B) {
	d := synthData(1, 28, 28, 4000, 500)
	cpu0, ok := cpuTime()
	for b.Loop() {
		tr, err := New(Default(), d, testRands(1))
		if err != nil {
			b.Fatal(err)
		}
		for !tr.Done() {
			tr.Step(60)
			tr.Metrics()
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
	if cpu1, _ := cpuTime(); ok {
		b.ReportMetric((cpu1-cpu0).Seconds()/float64(b.N), "cpu-s/run")
	}
}
