package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Metrics is one snapshot of a run. A metric that does not apply is NaN.
type Metrics struct {
	Iter            int
	LR              float64 // step size of the next iteration
	TrainLoss       float64 // mean per-sample loss on the (noise-free) training set
	Rank            float64 // numerical rank of φ_θ on fresh points
	FeatureSparsity float64 // fraction in [0, 1]
	Kinks           float64 // visible kinks inside the data range
	RawKinks        float64 // single-neuron kinks inside the data range
}

// divergeResidual bounds |h(x) − y| before a run counts as diverged: far beyond any
// loss a converging run visits, and far below overflow.
const divergeResidual = 1e8

// Run is one simulation in progress. It advances step by step, takes a metric
// snapshot every LogInterval iterations, and keeps a history of bounded size.
type Run struct {
	cfg    Config
	data   *Dataset
	net    *ReLU1D
	sched  Schedule
	sample *rand.Rand
	noise  *rand.Rand

	iter int
	perm []int // epoch order
	pos  int   // next position in perm
	err  error // set when the run diverged

	fresh   []float64 // sorted points for the rank, p of them
	rankWS  RankWorkspace
	act     []float64
	grad    []float64
	acc     []float64
	batch   []int
	history History
}

// NewRun validates cfg and starts a run from the reference initialization.
func NewRun(cfg Config) (*Run, error) {
	return newRun(cfg, nil)
}

// NewRunFrom starts a run from the given initial parameters θ = [w | b | a] instead
// of drawing them; their length must be 3·width.
func NewRunFrom(cfg Config, theta []float64) (*Run, error) {
	if len(theta) != 3*cfg.Width {
		return nil, fmt.Errorf("sim: %d initial parameters for width %d, want %d", len(theta), cfg.Width, 3*cfg.Width)
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
	data := PaperPoints()
	if cfg.Points != "" {
		var err error
		if data, err = ParsePoints(cfg.Points); err != nil {
			return nil, err
		}
	}
	n := data.Len()
	if cfg.Method == MethodSGD && cfg.Batch > n {
		return nil, fmt.Errorf("sim: batch %d out of range [1, %d] for %d data points", cfg.Batch, n, n)
	}
	r := &Run{
		cfg: cfg, data: data, net: NewReLU1D(cfg.Width), sched: cfg.Schedule(),
		sample: NewRand(cfg.Seed, StreamSample), noise: NewRand(cfg.Seed, StreamNoise),
		perm: make([]int, n), pos: n,
	}
	for i := range r.perm {
		r.perm[i] = i
	}
	if theta != nil {
		copy(r.net.Params(), theta)
	} else {
		r.net.InitReference(NewRand(cfg.Seed, StreamInit), cfg.InitScale)
	}
	p := r.net.NumParams()
	r.grad, r.acc = make([]float64, p), make([]float64, p)
	r.act = make([]float64, n*cfg.Width)
	// Fresh points for the rank: as many as parameters, uniform on the data range,
	// drawn once so the curve shows the network changing, not the points.
	lo, hi := data.Range()
	fr := NewRand(cfg.Seed, StreamData)
	r.fresh = make([]float64, p)
	for i := range r.fresh {
		r.fresh[i] = lo + (hi-lo)*fr.Float64()
	}
	slices.Sort(r.fresh)
	r.history = newHistory(maxHistory)
	r.history.add(r.measure())
	return r, nil
}

// Config returns the run's configuration.
func (r *Run) Config() Config { return r.cfg.clone() }

// Data returns the training data (shared; do not modify).
func (r *Run) Data() *Dataset { return r.data }

// Net returns the network (shared; it changes as the run advances).
func (r *Run) Net() *ReLU1D { return r.net }

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
	if r.cfg.Method == MethodSGD && r.cfg.Batch == 1 {
		i := r.nextBatch(1)[0]
		y := r.label(i)
		worst = math.Abs(r.net.sgdStep1(r.data.X[i], y, lr, c))
	} else {
		idx := r.allOrBatch()
		c /= float64(len(idx))
		theta := r.net.Params()
		clear(r.acc)
		for _, i := range idx {
			res := r.net.Gradient(r.grad, r.data.Input(i)) - r.label(i)
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
	m := Metrics{Iter: r.iter, LR: r.sched.At(min(r.iter, r.cfg.Iters-1))}
	m.TrainLoss = r.trainLoss()
	if math.IsNaN(m.TrainLoss) || math.IsInf(m.TrainLoss, 0) || !finiteAll(r.net.Params()) {
		m.Rank, m.FeatureSparsity, m.Kinks, m.RawKinks = math.NaN(), math.NaN(), math.NaN(), math.NaN()
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

// trainLoss returns the mean loss over the noise-free training set.
func (r *Run) trainLoss() float64 {
	sum := 0.0
	for i := 0; i < r.data.Len(); i++ {
		sum += r.cfg.Loss.value(r.net.Predict(r.data.Input(i)) - r.data.Y[i])
	}
	return sum / float64(r.data.Len())
}

// KinkSummary returns the kinks of the current predictor inside the data range.
func (r *Run) KinkSummary() KinkSummary {
	lo, hi := r.data.Range()
	return r.net.Kinks(lo, hi, r.cfg.KinkMerge, r.cfg.KinkMin)
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
