package sim

import (
	"fmt"
	"math"
	"slices"
)

// ModelReLU1D names the two-layer ReLU network on scalar inputs.
const ModelReLU1D = "relu1d"

// settingWidth is the hidden width of relu1d.
var settingWidth = intSetting("width", "hidden neurons of relu1d (the rank costs O(width³) per snapshot, hence the cap)", 1, 512, func(c *Config) *int { return &c.Width })

// relu1dExperiment is the paper's 1D experiment: a two-layer ReLU network fits a few
// points of the line (the paper's 12 by default).
type relu1dExperiment struct{}

func (relu1dExperiment) Name() string { return ModelReLU1D }
func (relu1dExperiment) Doc() string  { return "two-layer ReLU, 1D" }

func (relu1dExperiment) Settings() []*Setting {
	return []*Setting{&settingWidth, &settingPoints, &settingInitScale, &settingRankTau, &settingDupTau, &settingKinkMerge, &settingKinkMin}
}

func (relu1dExperiment) Check(c *Config) error { return nil }

func (relu1dExperiment) SampleCount(c *Config) (int, error) {
	ds, err := pointsOrPaper(c.Points)
	if err != nil {
		return 0, err
	}
	return ds.Len(), nil
}

func (relu1dExperiment) Layout(c *Config) ParamLayout {
	return ParamLayout{Columns: []string{"w", "b", "a"}, Size: "width", Row: "neuron",
		Params: 3 * c.Width, What: fmt.Sprintf("width %d", c.Width)}
}

// pointsOrPaper returns the data of a points setting: the paper's 12 when empty.
func pointsOrPaper(points string) (*Dataset, error) {
	if points == "" {
		return PaperPoints(), nil
	}
	return ParsePoints(points)
}

func (relu1dExperiment) New(c *Config, s Streams) (Instance, error) {
	data, err := pointsOrPaper(c.Points)
	if err != nil {
		return nil, err
	}
	net := NewReLU1D(c.Width)
	net.InitReference(s.Init, c.InitScale)
	r := &relu1dRun{cfg: c, net: net, act: make([]float64, data.Len()*c.Width)}
	r.scalarTrainer = newScalarTrainer(net, data, nil, func(x []float64, y, lr, c float64) float64 { return net.sgdStep1(x[0], y, lr, c) })
	// Fresh points for the rank: as many as parameters, uniform on the data range,
	// drawn once so the curve shows the network changing, not the points.
	lo, hi := data.Range()
	r.fresh = make([]float64, net.NumParams())
	for i := range r.fresh {
		r.fresh[i] = lo + (hi-lo)*s.Data.Float64()
	}
	slices.Sort(r.fresh)
	return r, nil
}

// relu1dRun is a two-layer ReLU network being trained.
type relu1dRun struct {
	scalarTrainer
	cfg    *Config
	net    *ReLU1D
	fresh  []float64 // sorted points for the rank, p of them
	rankWS RankWorkspace
	act    []float64
}

func (r *relu1dRun) kinks() KinkSummary {
	lo, hi := r.data.Range()
	return r.net.Kinks(lo, hi, r.cfg.KinkMerge, r.cfg.KinkMin)
}

func (r *relu1dRun) Measure(m *Metrics) {
	if !r.measureLosses(m, r.cfg.Loss) {
		return
	}
	m.Rank = float64(NumericalRank(r.net.JacobianSingularValues(&r.rankWS, r.fresh), r.cfg.RankTau))
	r.net.Activations(r.act, r.data)
	m.FeatureSparsity = FeatureSparsity(r.act, r.data.Len(), r.cfg.Width, r.cfg.DupTau)
	k := r.kinks()
	m.Kinks, m.RawKinks = float64(k.Visible), float64(k.Raw)
}

func (r *relu1dRun) Metrics() []string {
	return []string{"train_loss", "rank", "feature_sparsity", "kinks"}
}

func (r *relu1dRun) Views() Views {
	loss := MetricPanel("Train loss", lossLabel("train", r.cfg.Loss, r.data.Len()), "train_loss")
	rank := MetricPanel("", fmt.Sprintf("rank of φ on fresh points (p = %d)", r.net.NumParams()), "rank")
	sparsity := MetricPanel("", "non-zero distinct features (%)", "feature_sparsity")
	predictor := Panel{Kind: PanelPredictor, Title: "Predictor h(x)"}
	return Views{
		Outcome: []string{"kinks", "rank"},
		Caption: fmt.Sprintf("width %d", r.cfg.Width),
		Main:    predictor,
		Side:    Panel{Kind: PanelNorms, Unit: "neuron", Title: "Jacobian column norms per neuron"},
		Curves:  [4]Panel{loss.WithYLabel(trainLossLabel), rank.WithYLabel(rankLabel), sparsity, MetricPanel("", "kinks", "kinks", "raw_kinks")},
		Figure:  [][]Panel{{loss, predictor}, {rank, sparsity}},
	}
}

func (r *relu1dRun) Picture(p *Picture, o PictureOptions) {
	scalarPicture(p, o, r.data, r.net.At)
	p.Kinks = r.kinks()
	if o.Pieces {
		w, b, a := r.net.W(), r.net.B(), r.net.A()
		p.Pieces = make([][]float64, len(w))
		for j := range w {
			piece := make([]float64, len(p.X))
			for i, x := range p.X {
				piece[i] = a[j] * math.Max(0, w[j]*x+b[j])
			}
			p.Pieces[j] = piece
		}
	}
	p.Norms = neuronNorms(r.net, r.data)
}

// neuronNorms returns, per neuron j, the norm of its three Jacobian columns on the
// training inputs: √Σ_i (a_j x_i)² + a_j² + z_ij² over the samples where z_ij > 0.
func neuronNorms(net *ReLU1D, data *Dataset) []float64 {
	w, b, a := net.W(), net.B(), net.A()
	out := make([]float64, len(w))
	for j := range w {
		sum := 0.0
		for i := 0; i < data.Len(); i++ {
			x := data.X[i*data.D]
			if z := w[j]*x + b[j]; z > 0 {
				sum += a[j]*x*a[j]*x + a[j]*a[j] + z*z
			}
		}
		out[j] = math.Sqrt(sum)
	}
	return out
}

// lossLabel names a loss axis: which set, the per-sample loss and the sample count.
func lossLabel(set string, l Loss, n int) string {
	per := "(h(x) − y)²"
	if l == LossHalfMSE {
		per += "/2"
	}
	return fmt.Sprintf("%s loss, mean %s over %d samples", set, per, n)
}

// Scenarios returns the presets of the paper's experiment.
func (relu1dExperiment) Scenarios() []ScenarioInfo {
	return []ScenarioInfo{
		{"relu1d-large", "two-layer ReLU net, 12 points: long linear warm-up to a large step (L = 0.5), then ÷3 — few kinks",
			func() Config { return relu1d("relu1d-large", 0.5, 3) }},
		{"relu1d-small", "two-layer ReLU net, 12 points: short warm-up (L = 0.02), small step, ÷2.5 — many kinks",
			func() Config { return relu1d("relu1d-small", 0.02, 2.5) }},
		{"relu1d-sde", "the SDE model of relu1d-large: Euler–Maruyama with dt = η and matched δ — the noise alone sparsifies",
			func() Config {
				c := relu1d("relu1d-sde", 0.5, 3)
				c.Method = MethodSDE
				return c
			}},
	}
}

// relu1d returns the reference 1D experiment with warm-up length until and decay
// factor decay at the end of the warm-up.
func relu1d(name string, until, decay float64) Config {
	return Config{
		Scenario: name, Model: ModelReLU1D, Seed: 1, Width: 100, Layers: []int{10, 10}, Biases: true, InitScale: 1,
		Dim: 200, Samples: 80, Support: 20, TestSamples: 1000, SDEDelta: -1,
		Loss: LossMSE, Method: MethodSGD, Batch: 1, Sampling: SampleIID,
		LR: 2e-4, Warmup: WarmupLinear, WarmupUntil: until, WarmupGain: -1, GrowEvery: 1,
		Decays: []Decay{{At: until, Factor: decay}},
		Iters:  31623, LogEvery: 125,
		RankTau: RankTauReLU, DupTau: DupTauReLU1D, KinkMerge: KinkMerge, KinkMin: KinkMinFrac,
	}
}
