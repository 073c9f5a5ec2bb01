package sim

import (
	"fmt"
	"math"
)

// ModelDiagonal names the diagonal linear network on sparse regression.
const ModelDiagonal = "diag"

// settingSupport is the support of β* in sparse regression.
var settingSupport = intSetting("support", "non-zero coordinates r of β* (sparse regression)", 0, 1000, func(c *Config) *int { return &c.Support })

// diagExperiment is the paper's sparse regression: a diagonal linear network β = u ⊙ v
// learns an r-sparse β* from n Gaussian samples in dimension d.
type diagExperiment struct{}

func (diagExperiment) Name() string { return ModelDiagonal }
func (diagExperiment) Doc() string  { return "diagonal linear net" }

func (diagExperiment) Settings() []*Setting {
	return []*Setting{&settingDim, &settingSamples, &settingSupport, &settingTestSamples, &settingInitScale, &settingRankTau}
}

func (diagExperiment) Check(c *Config) error {
	if c.Support > c.Dim {
		return fmt.Errorf("sim: support %d out of range [0, %d] for dimension %d", c.Support, c.Dim, c.Dim)
	}
	return nil
}

func (diagExperiment) SampleCount(c *Config) (int, error) { return c.Samples, nil }

func (diagExperiment) Layout(c *Config) ParamLayout {
	return ParamLayout{Columns: []string{"u", "v"}, Size: "dim", Row: "coordinate",
		Params: 2 * c.Dim, What: fmt.Sprintf("dimension %d", c.Dim)}
}

func (diagExperiment) New(c *Config, s Streams) (Instance, error) {
	sr, err := NewSparseRegression(s.Data, c.Samples, c.Dim, c.Support, c.TestSamples)
	if err != nil {
		return nil, err
	}
	net := NewDiagonal(c.Dim)
	net.InitReference(c.InitScale)
	r := &diagRun{cfg: c, net: net, star: sr.BetaStar}
	r.scalarTrainer = newScalarTrainer(net, sr.Train, sr.Test, net.sgdStep1)
	// Fresh inputs for the rank, 2d of them, drawn once after the data. Their QR
	// and condition number cost more than a short run: the edge search's probes,
	// which only ask whether a run diverges, go without.
	if !c.probe {
		r.rank = newDiagRank(s.Data, c.Dim)
	}
	r.xnorm = make([]float64, c.Dim)
	for k := range r.xnorm {
		for i := 0; i < r.data.Len(); i++ {
			x := r.data.X[i*c.Dim+k]
			r.xnorm[k] += x * x
		}
		r.xnorm[k] = math.Sqrt(r.xnorm[k])
	}
	return r, nil
}

// diagRun is a diagonal linear network being trained.
type diagRun struct {
	scalarTrainer
	cfg   *Config
	net   *Diagonal
	star  []float64 // β*
	rank  *diagRank
	xnorm []float64 // ‖X_{:,k}‖ of the training inputs
}

func (r *diagRun) Measure(m *Metrics) {
	if !r.measureLosses(m, r.cfg.Loss) {
		return
	}
	if r.rank != nil {
		m.Rank = float64(r.rank.rank(r.net, r.cfg.RankTau))
	}
	m.L0, m.L1 = float64(r.net.L0(L0Threshold)), r.net.L1()
}

func (r *diagRun) Metrics() []string { return []string{"train_loss", "test_loss", "rank", "l0", "l1"} }

func (r *diagRun) Views() Views {
	loss := MetricPanel("Train loss", lossLabel("train", r.cfg.Loss, r.data.Len()), "train_loss")
	test := MetricPanel("Test loss", lossLabel("test", r.cfg.Loss, r.test.Len()), "test_loss")
	rank := MetricPanel("", fmt.Sprintf("rank of φ on fresh points (p = %d)", r.net.NumParams()), "rank")
	l0 := MetricPanel("Sparsity ‖β‖₀", fmt.Sprintf("coordinates k with |u_k v_k| > %g", L0Threshold), "l0")
	return Views{
		Outcome: []string{"test_loss", "l0"},
		Caption: fmt.Sprintf("d = %d, n = %d, r = %d", r.cfg.Dim, r.cfg.Samples, r.cfg.Support),
		Main:    Panel{Kind: PanelCoefficients, Title: "β = u·v against the truth β*"},
		Side:    Panel{Kind: PanelNorms, Unit: "coordinate", Title: "Column norms per coordinate k (u_k and v_k together)", Log: true},
		Curves:  [4]Panel{loss.WithYLabel(trainLossLabel), test.WithYLabel(testLossLabel), rank.WithYLabel(rankLabel), MetricPanel("Non-zero coordinates of β", "coordinates with |β_k| > 1e-50", "l0")},
		Figure:  [][]Panel{{loss, test}, {rank, l0}},
	}
}

func (r *diagRun) Picture(p *Picture, o PictureOptions) {
	d := r.net.Dim()
	p.Coef = r.net.Beta(make([]float64, d))
	p.Truth = append([]float64(nil), r.star...)
	nu, nv := make([]float64, d), make([]float64, d)
	r.net.ColumnNorms(nu, nv, r.xnorm)
	p.Norms = make([]float64, d)
	for k := range p.Norms {
		p.Norms[k] = math.Hypot(nu[k], nv[k])
	}
	if o.Fit {
		fitPicture(p, r.net, r.test)
	}
}

// Scenarios returns the presets of the paper's experiment.
func (diagExperiment) Scenarios() []ScenarioInfo {
	return []ScenarioInfo{
		{"diag-const", "diagonal linear net, n = 80, d = 200, 20-sparse β*: constant η = 0.89·η_max of the draw — dense β, the highest test loss",
			func() Config { return diag("diag-const", 0.89, nil) }},
		{"diag-decay10", "diagonal linear net: η = 0.99·η_max, decayed ÷4.8 at 10 % — short loss stabilization",
			func() Config { return diag("diag-decay10", 0.99, []Decay{{0.1, 4.8}}) }},
		{"diag-decay30", "diagonal linear net: η = 0.99·η_max, decayed ÷3.4 at 30 %",
			func() Config { return diag("diag-decay30", 0.99, []Decay{{0.3, 3.4}}) }},
		{"diag-decay50", "diagonal linear net: η = 0.99·η_max, decayed ÷1.5 at 50 % — long stabilization: over 10 draws × 3 seeds the lowest test loss and the fewest coordinates above 1e-6",
			func() Config { return diag("diag-decay50", 0.99, []Decay{{0.5, 1.5}}) }},
		{"diag-sde", "the SDE model of the reference's η = 0.282 decayed ÷1.5 at 50 % (data seed 1): Euler–Maruyama with dt = η and δ = 2·0.03/n, SGD's loss level before the decay",
			func() Config {
				// Matched δ diverges at this η (the Gaussian noise's tails are heavier
				// than SGD's at the edge of stability), so δ is SGD's matched value at
				// its stabilized loss, about 0.03, held constant.
				// It keeps the reference's η = 0.282 on data seed 1, where that η is stable.
				c := diag("diag-sde", 0, []Decay{{0.5, 1.5}})
				c.Method, c.LR, c.DataSeed = MethodSDE, 0.282, 1
				c.SDEDelta = 7.5e-4
				return c
			}},
	}
}

// diagDataSeed is the diagonal scenarios' default draw and diagEtaMax its η_max,
// computed by `kinkscope edge -scenario diag-const` (sim.DefaultEdgeProbe: 50,000-step
// constant runs on the 20 probe seeds 2⁵³+1…2⁵³+20, to 0.5 %). Over data seeds 1–10
// × seeds 1–3 the draw 7 is representative: its test losses per schedule are within
// 2.4× of the sweep's geometric means, and it orders const > 10 % > 30 % > 50 % on
// every seed.
const (
	diagDataSeed = 7
	diagEtaMax   = 0.23082415267613662
)

// diag returns the reference diagonal-network experiment with the given decays: n =
// 80, d = 200, r = 20, u₀ = 0.1·1, v₀ = 0, loss ‖Xβ − y‖²/(2n), SGD with batch 1 and
// indices drawn with replacement, N = 100,001. The step size before any decay is
// edge·η_max (lr_edge), not the reference's fixed 0.25 and 0.282: those were tuned to
// the reference's own draw and sit at or past the edge of stability of most others
// (η_max is 0.23 to 0.29 over data seeds 1–10), so that at a fixed η some draws
// diverge and others barely stabilize. Relative to each draw's own edge (-set
// eta_max=auto for another data_seed) the decays keep the reference's factors.
//
// The data set is one fixed draw (DataSeed 7) and the run seed varies only the
// sample order.
func diag(name string, edge float64, decays []Decay) Config {
	return Config{
		Scenario: name, Model: ModelDiagonal, Seed: 1, DataSeed: diagDataSeed, Width: 100, Layers: []int{10, 10}, Biases: true, InitScale: 1,
		Dim: 200, Samples: 80, Support: 20, TestSamples: 1000, SDEDelta: -1,
		Loss: LossHalfMSE, Method: MethodSGD, Batch: 1, Sampling: SampleIID,
		LR: 0.25, LREdge: edge, EtaMax: diagEtaMax, Warmup: WarmupNone, WarmupGain: -1, GrowEvery: 1, Decays: decays,
		Iters: 100001, LogEvery: 286,
		RankTau: RankTauDiagonal, DupTau: DupTauReLU1D, KinkMerge: KinkMerge, KinkMin: KinkMinFrac,
	}
}

// l0 returns ‖β‖₀ at threshold tau.
func (r *diagRun) l0(tau float64) float64 { return float64(r.net.L0(tau)) }
