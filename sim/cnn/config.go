package cnn

import (
	"fmt"
	"math"

	"kinkscope/sim"
)

// Block is one convolutional block: Convs convolutions of Filters channels, each K×K
// with zero padding K/2 and followed by ReLU, then a Pool×Pool max-pool with stride
// Pool (Pool = 1: none).
type Block struct {
	Convs   int
	Filters int
	Kernel  int
	Pool    int
}

// ScheduleKind names a step-size schedule.
type ScheduleKind int

const (
	// Constant keeps LR0 for the whole run (the small-step run).
	Constant ScheduleKind = iota
	// WarmUp is the reference's large-step schedule piecewise_0X: LR0·1.05^(100·t/T)
	// while t/T < X, then that peak ÷10 until t/T = 0.9, then ÷100.
	WarmUp
	// Hold is the reference's state-of-the-art schedule: LR0 while t/T < X, then ÷10
	// until t/T = 0.9, then ÷100.
	Hold
)

// String returns the schedule's name as settings spell it.
func (k ScheduleKind) String() string {
	switch k {
	case Constant:
		return "constant"
	case WarmUp:
		return "warmup"
	case Hold:
		return "hold"
	}
	return fmt.Sprintf("ScheduleKind(%d)", int(k))
}

// Schedule is a step-size schedule over a run of T steps.
type Schedule struct {
	Kind ScheduleKind
	LR0  float64 // base step size
	X    float64 // fraction of the run in the large-step phase (WarmUp, Hold)
}

// ln105 is ln 1.05, so that 1.05^y = exp(y·ln105) with the deterministic exp: the
// same number, and the same operations, as sim's exp-run warm-up with gain 1.05, so
// that a run through sim.Run takes the same steps.
var ln105 = sim.DetLog(1.05)

// LR returns the step size of step t (0-based) of a run of T steps.
func (s Schedule) LR(t, T int) float64 {
	f := float64(t) / float64(T)
	switch s.Kind {
	case WarmUp:
		if f < s.X {
			return s.LR0 * sim.DetExp(100*f*ln105)
		}
		peak := s.LR0 * sim.DetExp(100*s.X*ln105)
		if f < 0.9 {
			return peak / 10
		}
		return peak / 10 / 10
	case Hold:
		switch {
		case f < s.X:
			return s.LR0
		case f < 0.9:
			return s.LR0 / 10
		}
		return s.LR0 / 10 / 10
	}
	return s.LR0
}

// Decays returns the steps at which the schedule drops (none for Constant), for the
// dashed lines of a plot.
func (s Schedule) Decays(T int) []int {
	if s.Kind == Constant {
		return nil
	}
	return []int{int(math.Ceil(s.X * float64(T))), int(math.Ceil(0.9 * float64(T)))}
}

// Config describes a network, its training and its measurements.
type Config struct {
	Blocks []Block // convolutional blocks, 1–4
	Dense  int     // width of the ReLU dense layer before the classifier; 0 = none

	TrainImages int // training images used: the first TrainImages of the data; 0 = all
	TestImages  int // test images evaluated: the first TestImages; 0 = all
	EvalImages  int // training images on which the train loss and error are measured; 0 = all used

	Steps       int // T, SGD steps of the run
	Batch       int // B
	Schedule    Schedule
	Momentum    float64 // heavy-ball momentum μ: v ← μv + g, θ ← θ − ηv
	WeightDecay float64 // λ: g ← ∇L + λθ
	Shift       int     // augmentation: random translations by up to Shift pixels in x and y

	FeatureImages int     // fixed training images on which features are measured
	FeatureUnits  int     // at most this many units drawn per measured block
	DupTau        float64 // correlation threshold of the duplicate-feature dedup
}

// Reference returns the reference network of ConvNetJS's MNIST demo: conv 5×5, 8
// filters, ReLU, max-pool 2, conv 5×5, 16 filters, ReLU, max-pool 3, fully connected
// 10, softmax; batch 20.
func Reference() Config {
	c := Default()
	c.Blocks = []Block{{Convs: 1, Filters: 8, Kernel: 5, Pool: 2}, {Convs: 1, Filters: 16, Kernel: 5, Pool: 3}}
	c.Dense = 0
	c.Batch = 20
	return c
}

// Step sizes of the scenarios (see Presets), chosen for the Default network: the
// small constant step, the base of the large-step warm-up (its peak is
// LargeLR0·1.05^(100·X): 0.033, 0.086 and 0.23 for X = 0.1, 0.3, 0.5), and the
// state-of-the-art pair, whose momentum 0.9 multiplies the effective step by 10.
const (
	SmallLR         = 0.01
	LargeLR0        = 0.02
	SOTASmallLR     = 0.001
	SOTALargeLR0    = 0.02
	SOTAMomentum    = 0.9
	SOTAWeightDecay = 5e-4
	SOTAShift       = 2
)

// Presets returns the scenarios of the Default network by name: "small" (constant
// SmallLR), "large10", "large30", "large50" (WarmUp from LargeLR0 with X = 0.1, 0.3,
// 0.5), "sota-small" and "sota-large" (momentum, weight decay and shifts; constant
// SOTASmallLR, and Hold at SOTALargeLR0 with X = 0.5).
func Presets() map[string]Config {
	p := map[string]Config{}
	for name, s := range map[string]Schedule{
		"small":   {Kind: Constant, LR0: SmallLR},
		"large10": {Kind: WarmUp, LR0: LargeLR0, X: 0.1},
		"large30": {Kind: WarmUp, LR0: LargeLR0, X: 0.3},
		"large50": {Kind: WarmUp, LR0: LargeLR0, X: 0.5},
	} {
		c := Default()
		c.Schedule = s
		p[name] = c
	}
	for name, s := range map[string]Schedule{
		"sota-small": {Kind: Constant, LR0: SOTASmallLR},
		"sota-large": {Kind: Hold, LR0: SOTALargeLR0, X: 0.5},
	} {
		c := Default()
		c.Schedule = s
		c.Momentum, c.WeightDecay, c.Shift = SOTAMomentum, SOTAWeightDecay, SOTAShift
		p[name] = c
	}
	return p
}

// Default returns the preset network: two blocks conv 3×3–ReLU–conv 3×3–ReLU–max-pool
// 2 of 8 and 16 channels, a ReLU dense layer of 64 units and the linear classifier,
// trained on 4,000 images for 600 steps of batch 32 with plain SGD at the small
// constant step; metrics on 500 training and 500 test images, features on 128.
func Default() Config {
	return Config{
		Blocks:        []Block{{Convs: 2, Filters: 8, Kernel: 3, Pool: 2}, {Convs: 2, Filters: 16, Kernel: 3, Pool: 2}},
		Dense:         64,
		TrainImages:   4000,
		TestImages:    500,
		EvalImages:    500,
		Steps:         600,
		Batch:         32,
		Schedule:      Schedule{Kind: Constant, LR0: SmallLR},
		FeatureImages: 128,
		FeatureUnits:  1000,
		DupTau:        0.95,
	}
}

// Data is what a run trains and tests on: 28×28 (or any fixed size) grey images.
type Data struct {
	Rows, Cols  int
	TrainPixels []uint8 // image after image, row-major, 0–255
	TrainLabels []uint8 // digits 0–9
	TestPixels  []uint8
	TestLabels  []uint8
}

// Classes is the number of classes of the classifier (the ten digits).
const Classes = 10

// Validate returns an error naming the first field out of its range, given the data
// the run would use.
func (c *Config) Validate(d *Data) error {
	rng := func(name string, v, lo, hi int) error {
		if v < lo || v > hi {
			return fmt.Errorf("cnn: %s %d out of range [%d, %d]", name, v, lo, hi)
		}
		return nil
	}
	frng := func(name string, v, lo, hi float64, hiOpen bool) error {
		if math.IsNaN(v) || v < lo || v > hi || (hiOpen && v == hi) {
			br := "]"
			if hiOpen {
				br = ")"
			}
			return fmt.Errorf("cnn: %s %g out of range [%g, %g%s", name, v, lo, hi, br)
		}
		return nil
	}
	if d.Rows < 1 || d.Cols < 1 || len(d.TrainPixels) != len(d.TrainLabels)*d.Rows*d.Cols || len(d.TestPixels) != len(d.TestLabels)*d.Rows*d.Cols {
		return fmt.Errorf("cnn: data of %d×%d images with %d+%d labels and %d+%d pixels do not agree", d.Rows, d.Cols, len(d.TrainLabels), len(d.TestLabels), len(d.TrainPixels), len(d.TestPixels))
	}
	if len(d.TrainLabels) == 0 || len(d.TestLabels) == 0 {
		return fmt.Errorf("cnn: data with %d training and %d test images, want at least one of each", len(d.TrainLabels), len(d.TestLabels))
	}
	errs := []error{
		rng("Blocks (count)", len(c.Blocks), 1, 4),
	}
	h, w := d.Rows, d.Cols
	for i, b := range c.Blocks {
		p := fmt.Sprintf("Blocks[%d].", i)
		errs = append(errs, rng(p+"Convs", b.Convs, 1, 4), rng(p+"Filters", b.Filters, 1, 256), rng(p+"Kernel", b.Kernel, 1, 7))
		if b.Kernel%2 == 0 {
			errs = append(errs, fmt.Errorf("cnn: %sKernel %d must be odd (same-size zero padding)", p, b.Kernel))
		}
		errs = append(errs, rng(p+"Pool", b.Pool, 1, max(1, min(4, h, w))))
		if b.Pool >= 1 {
			h, w = h/b.Pool, w/b.Pool
		}
	}
	errs = append(errs,
		rng("Dense", c.Dense, 0, 4096),
		rng("TrainImages", c.TrainImages, 0, len(d.TrainLabels)),
		rng("TestImages", c.TestImages, 0, len(d.TestLabels)),
		rng("EvalImages", c.EvalImages, 0, c.trainN(d)),
		rng("Steps", c.Steps, 1, 100_000_000),
		rng("Batch", c.Batch, 1, c.trainN(d)),
		frng("Schedule.LR0", c.Schedule.LR0, 0, 100, false),
		rng("Schedule.Kind", int(c.Schedule.Kind), int(Constant), int(Hold)),
		frng("Momentum", c.Momentum, 0, 1, true),
		frng("WeightDecay", c.WeightDecay, 0, 1, false),
		rng("Shift", c.Shift, 0, 2),
		rng("FeatureImages", c.FeatureImages, 1, min(c.trainN(d), 2000)),
		rng("FeatureUnits", c.FeatureUnits, 1, 1000),
		frng("DupTau", c.DupTau, 0, 1, false),
	)
	if c.Schedule.Kind != Constant {
		errs = append(errs, frng("Schedule.X", c.Schedule.X, 0, 0.9, false))
	}
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	if h < 1 || w < 1 {
		return fmt.Errorf("cnn: the pools shrink %d×%d images to nothing", d.Rows, d.Cols)
	}
	return nil
}

func (c *Config) trainN(d *Data) int {
	if c.TrainImages == 0 {
		return len(d.TrainLabels)
	}
	return c.TrainImages
}

func (c *Config) testN(d *Data) int {
	if c.TestImages == 0 {
		return len(d.TestLabels)
	}
	return c.TestImages
}

func (c *Config) evalN(d *Data) int {
	if c.EvalImages == 0 {
		return c.trainN(d)
	}
	return c.EvalImages
}
