package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Metrics is one snapshot of a run. A metric that does not apply is NaN.
type Metrics struct {
	Iter              int
	LR                float64 // step size of the next iteration
	TrainLoss         float64 // mean per-sample loss on the (noise-free) training set
	TestLoss          float64 // mean per-sample loss on the test set (synthetic data)
	Rank              float64 // numerical rank of φ_θ on fresh points
	FeatureSparsity   float64 // fraction in [0, 1] (ReLU networks; for the MLP, hidden layer 2's, or 1's with one layer)
	FeatureSparsityL1 float64 // MLP: feature sparsity of hidden layer 1
	FeatureSparsityL2 float64 // MLP: feature sparsity of hidden layer 2 (NaN with one hidden layer)
	Kinks             float64 // visible kinks inside the data range (1D)
	RawKinks          float64 // single-neuron kinks inside the data range (1D)
	L0                float64 // ‖β‖₀ (diagonal network)
	L1                float64 // ‖β‖₁ (diagonal network)
}

// noMetrics has every metric NaN.
func noMetrics(iter int, lr float64) Metrics {
	nan := math.NaN()
	return Metrics{Iter: iter, LR: lr, TrainLoss: nan, TestLoss: nan, Rank: nan,
		FeatureSparsity: nan, FeatureSparsityL1: nan, FeatureSparsityL2: nan,
		Kinks: nan, RawKinks: nan, L0: nan, L1: nan}
}

// divergeResidual bounds |h(x) − y| before a run counts as diverged: far beyond any
// loss a converging run visits, and far below overflow.
const divergeResidual = 1e8

// Run is one simulation in progress. It advances step by step, takes a metric
// snapshot every LogInterval iterations, and keeps a history of bounded size.
type Run struct {
	cfg    Config
	data   *Dataset // training set
	test   *Dataset // test set, or nil
	model  Model    // net, diag or mlp
	net    *ReLU1D  // the model when it is a ReLU network, else nil
	diag   *Diagonal
	mlp    *MLP
	teach  *MLP      // the teacher of the MLP's data
	star   []float64 // β* of sparse regression, or nil
	sched  Schedule
	etaMax float64 // η_max the schedule is relative to, or NaN
	sample *rand.Rand
	noise  *rand.Rand

	iter int
	perm []int // epoch order
	pos  int   // next position in perm
	err  error // set when the run diverged

	fresh    []float64 // sorted points for the rank of a 1D net, p of them
	rankWS   RankWorkspace
	diagRank *diagRank
	mlpRank  *mlpRank
	xnorm    []float64 // ‖X_{:,k}‖ of the training inputs (diagonal network)
	act      []float64
	grad     []float64
	acc      []float64
	batch    []int
	sde      *gradientSDE
	em       EulerMaruyama
	history  History
}

// NewRun validates cfg and starts a run from the reference initialization.
func NewRun(cfg Config) (*Run, error) {
	return newRun(cfg, nil)
}

// NewRunFrom starts a run from the given initial parameters instead of drawing them:
// θ = [w | b | a] (length 3·width) for the ReLU network, [u | v] (length 2·dim) for
// the diagonal one, and the MLP's θ in the layout MLP documents.
func NewRunFrom(cfg Config, theta []float64) (*Run, error) {
	want, what := 3*cfg.Width, fmt.Sprintf("width %d", cfg.Width)
	switch cfg.Model {
	case ModelDiagonal:
		want, what = 2*cfg.Dim, fmt.Sprintf("dimension %d", cfg.Dim)
	case ModelMLP:
		want = MLPParams(cfg.Dim, cfg.Layers, cfg.Biases)
		what = fmt.Sprintf("layers %s with dim %d and biases %s", FormatLayers(cfg.Layers), cfg.Dim, cfg.Get("biases"))
	}
	if len(theta) != want {
		return nil, fmt.Errorf("sim: %d initial parameters for %s, want %d", len(theta), what, want)
	}
	for i, v := range theta {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("sim: initial parameter %d is %v, want a finite number", i, v)
		}
	}
	return newRun(cfg, theta)
}

func newRun(cfg Config, theta []float64) (*Run, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.clone()
	sched, etaMax, err := resolveSchedule(cfg)
	if err != nil {
		return nil, err
	}
	r := &Run{
		cfg: cfg, sched: sched, etaMax: etaMax,
		sample: NewRand(cfg.Seed, StreamSample), noise: NewRand(cfg.Seed, StreamNoise),
	}
	dataSeed := cfg.Seed
	if cfg.DataSeed > 0 {
		dataSeed = cfg.DataSeed
	}
	dataRand := NewRand(dataSeed, StreamData)
	switch cfg.Model {
	case ModelDiagonal:
		sr, err := NewSparseRegression(dataRand, cfg.Samples, cfg.Dim, cfg.Support, cfg.TestSamples)
		if err != nil {
			return nil, err
		}
		r.data, r.test, r.star = sr.Train, sr.Test, sr.BetaStar
		r.diag = NewDiagonal(cfg.Dim)
		r.model = r.diag
		if theta == nil {
			r.diag.InitReference(cfg.InitScale)
		}
		// Fresh inputs for the rank, 2d of them, drawn once after the data. Their QR
		// and condition number cost more than a short run: the edge search's probes,
		// which only ask whether a run diverges, go without.
		if !cfg.probe {
			r.diagRank = newDiagRank(dataRand, cfg.Dim)
		}
		r.xnorm = make([]float64, cfg.Dim)
		for k := range r.xnorm {
			for i := 0; i < r.data.Len(); i++ {
				x := r.data.X[i*cfg.Dim+k]
				r.xnorm[k] += x * x
			}
			r.xnorm[k] = math.Sqrt(r.xnorm[k])
		}
	case ModelMLP:
		if err := r.initMLP(cfg, dataRand, theta == nil); err != nil {
			return nil, err
		}
	default:
		r.data = PaperPoints()
		if cfg.Points != "" {
			var err error
			if r.data, err = ParsePoints(cfg.Points); err != nil {
				return nil, err
			}
		}
		r.net = NewReLU1D(cfg.Width)
		r.model = r.net
		if theta == nil {
			r.net.InitReference(NewRand(cfg.Seed, StreamInit), cfg.InitScale)
		}
		r.act = make([]float64, r.data.Len()*cfg.Width)
		// Fresh points for the rank: as many as parameters, uniform on the data
		// range, drawn once so the curve shows the network changing, not the points.
		lo, hi := r.data.Range()
		r.fresh = make([]float64, r.net.NumParams())
		for i := range r.fresh {
			r.fresh[i] = lo + (hi-lo)*dataRand.Float64()
		}
		slices.Sort(r.fresh)
	}
	if theta != nil {
		copy(r.model.Params(), theta)
	}
	n, p := r.data.Len(), r.model.NumParams()
	r.perm, r.pos = make([]int, n), n
	for i := range r.perm {
		r.perm[i] = i
	}
	r.grad, r.acc = make([]float64, p), make([]float64, p)
	if cfg.Method == MethodSDE {
		r.sde = newGradientSDE(r)
	}
	r.history = newHistory(maxHistory)
	r.history.add(r.measure())
	return r, nil
}

// resolveSchedule returns cfg's schedule and, when its step sizes are relative to
// the edge of stability, η_max, found by DefaultEdgeCache when cfg says auto.
func resolveSchedule(cfg Config) (Schedule, float64, error) {
	if cfg.LREdge == 0 {
		return cfg.Schedule(), math.NaN(), nil
	}
	if cfg.EtaMax == 0 {
		e, _, err := DefaultEdgeCache.Find(cfg, DefaultEdgeProbe)
		if err != nil {
			return Schedule{}, 0, err
		}
		cfg.EtaMax = e.EtaMax
	}
	return cfg.Schedule(), cfg.EtaMax, nil
}

// EtaMax returns η_max of the run's data draw when its step sizes are relative to
// it (lr_edge), else NaN.
func (r *Run) EtaMax() float64 { return r.etaMax }

// Config returns the run's configuration.
func (r *Run) Config() Config { return r.cfg.clone() }

// Data returns the training data (shared; do not modify).
func (r *Run) Data() *Dataset { return r.data }

// Net returns the ReLU network, or nil when the run trains another model (shared; it
// changes as the run advances).
func (r *Run) Net() *ReLU1D { return r.net }

// Diagonal returns the diagonal network, or nil when the run trains another model.
func (r *Run) Diagonal() *Diagonal { return r.diag }

// Model returns the trained model.
func (r *Run) Model() Model { return r.model }

// Test returns the test set, or nil.
func (r *Run) Test() *Dataset { return r.test }

// BetaStar returns the ground truth β* of sparse regression (shared), or nil.
func (r *Run) BetaStar() []float64 { return r.star }

// InputNorms returns ‖X_{:,k}‖ of the training inputs for the diagonal network
// (shared), or nil.
func (r *Run) InputNorms() []float64 { return r.xnorm }

// Schedule returns the step-size schedule.
func (r *Run) Schedule() Schedule { return r.sched }

// Iter returns the number of iterations done.
func (r *Run) Iter() int { return r.iter }

// Done reports whether the run has done all its iterations.
func (r *Run) Done() bool { return r.iter >= r.cfg.Iters }

// Err returns why the run stopped early (it diverged), or nil.
func (r *Run) Err() error { return r.err }

// History returns the metric snapshots so far.
func (r *Run) History() *History { return &r.history }

// Latest returns the most recent snapshot.
func (r *Run) Latest() Metrics { return r.history.Latest() }

// StepsToSnapshot returns the iterations until the next metric snapshot.
func (r *Run) StepsToSnapshot() int {
	k := r.cfg.LogInterval()
	next := min((r.iter/k+1)*k, r.cfg.Iters)
	return next - r.iter
}

// Advance does up to n iterations, taking every snapshot that falls on the way. It
// stops early at the end of the run or when the run diverges, and returns the
// iterations done.
func (r *Run) Advance(n int) int {
	done := 0
	for done < n && r.err == nil && !r.Done() {
		chunk := min(n-done, r.StepsToSnapshot())
		for k := 0; k < chunk; k++ {
			healthy := r.step()
			done++ // a diverging step is done too: r.iter counts it
			if !healthy {
				break
			}
		}
		if r.err == nil && (r.iter%r.cfg.LogInterval() == 0 || r.Done()) {
			r.history.add(r.measure())
		}
	}
	return done
}

// step does iteration r.iter and reports whether the run is still healthy.
func (r *Run) step() bool {
	lr := r.sched.At(r.iter)
	c := r.cfg.Loss.slope()
	worst := 0.0
	switch {
	case r.cfg.Method == MethodSDE:
		worst = r.sde.step(lr)
	case r.cfg.Method == MethodSGD && r.cfg.Batch == 1:
		i := r.nextBatch(1)[0]
		y := r.label(i)
		switch {
		case r.net != nil:
			worst = math.Abs(r.net.sgdStep1(r.data.X[i], y, lr, c))
		case r.mlp != nil:
			worst = math.Abs(r.mlp.sgdStep1(r.data.Input(i), y, lr, c))
		default:
			worst = math.Abs(r.diag.sgdStep1(r.data.Input(i), y, lr, c))
		}
	default:
		idx := r.allOrBatch()
		c /= float64(len(idx))
		theta := r.model.Params()
		clear(r.acc)
		for _, i := range idx {
			res := r.model.Gradient(r.grad, r.data.Input(i)) - r.label(i)
			worst = max(worst, math.Abs(res))
			s := c * res
			for k, g := range r.grad {
				r.acc[k] += s * g
			}
		}
		for k := range theta {
			theta[k] -= lr * r.acc[k]
		}
	}
	r.iter++
	if !(worst < divergeResidual) { // also catches NaN
		r.err = fmt.Errorf("diverged at step %d (step size %.4g): |h(x) − y| reached %.3g", r.iter, lr, worst)
		r.history.add(r.measure())
		return false
	}
	return true
}

// label returns the (possibly noisy) label of sample i for this step.
func (r *Run) label(i int) float64 {
	y := r.data.Y[i]
	if r.cfg.LabelNoise > 0 {
		y += r.cfg.LabelNoise * Normal(r.noise)
	}
	return y
}

func (r *Run) allOrBatch() []int {
	if r.cfg.Method == MethodGD {
		return r.perm // GD never shuffles, so this is 0..n−1 in order
	}
	return r.nextBatch(r.cfg.Batch)
}

// nextBatch returns the indices of the next mini-batch.
func (r *Run) nextBatch(b int) []int {
	n := len(r.perm)
	r.batch = r.batch[:0]
	if r.cfg.Sampling == SampleIID {
		// b distinct indices, as np.random.choice(n, b, replace=False).
		for len(r.batch) < b {
			i := r.sample.IntN(n)
			if !containsInt(r.batch, i) {
				r.batch = append(r.batch, i)
			}
		}
		return r.batch
	}
	for len(r.batch) < b {
		if r.pos == n {
			r.sample.Shuffle(n, func(i, j int) { r.perm[i], r.perm[j] = r.perm[j], r.perm[i] })
			r.pos = 0
		}
		r.batch = append(r.batch, r.perm[r.pos])
		r.pos++
	}
	return r.batch
}

// measure takes a snapshot of the current state.
func (r *Run) measure() Metrics {
	m := noMetrics(r.iter, r.sched.At(min(r.iter, r.cfg.Iters-1)))
	m.TrainLoss = r.meanLoss(r.data)
	if math.IsNaN(m.TrainLoss) || math.IsInf(m.TrainLoss, 0) || !finiteAll(r.model.Params()) {
		m.TrainLoss = math.NaN()
		return m
	}
	if r.test != nil {
		m.TestLoss = r.meanLoss(r.test)
	}
	if r.diag != nil {
		if r.diagRank != nil {
			m.Rank = float64(r.diagRank.rank(r.diag, r.cfg.RankTau))
		}
		m.L0, m.L1 = float64(r.diag.L0(L0Threshold)), r.diag.L1()
		return m
	}
	if r.mlp != nil {
		r.measureMLP(&m)
		return m
	}
	m.Rank = float64(NumericalRank(r.net.JacobianSingularValues(&r.rankWS, r.fresh), r.cfg.RankTau))
	r.net.Activations(r.act, r.data)
	m.FeatureSparsity = FeatureSparsity(r.act, r.data.Len(), r.cfg.Width, r.cfg.DupTau)
	lo, hi := r.data.Range()
	k := r.net.Kinks(lo, hi, r.cfg.KinkMerge, r.cfg.KinkMin)
	m.Kinks, m.RawKinks = float64(k.Visible), float64(k.Raw)
	return m
}

// meanLoss returns the mean loss of the model over ds (noise-free labels).
func (r *Run) meanLoss(ds *Dataset) float64 {
	sum := 0.0
	for i := 0; i < ds.Len(); i++ {
		sum += r.cfg.Loss.value(r.model.Predict(ds.Input(i)) - ds.Y[i])
	}
	return sum / float64(ds.Len())
}

// KinkSummary returns the kinks of the current 1D predictor inside the data range
// (none for the diagonal network and for an MLP on inputs of dimension d ≥ 2).
func (r *Run) KinkSummary() KinkSummary {
	lo, hi := r.data.Range()
	switch {
	case r.net != nil:
		return r.net.Kinks(lo, hi, r.cfg.KinkMerge, r.cfg.KinkMin)
	case r.mlp != nil && r.mlp.InputDim() == 1:
		return r.mlp.Kinks(lo, hi, r.cfg.KinkMerge, r.cfg.KinkMin)
	}
	return KinkSummary{}
}

func containsInt(v []int, x int) bool {
	for _, e := range v {
		if e == x {
			return true
		}
	}
	return false
}

func finiteAll(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
