package cnn

import (
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
}
