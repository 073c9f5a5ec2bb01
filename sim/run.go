package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// divergeResidual bounds |h(x) − y| before a run counts as diverged: far beyond any
// loss a converging run visits, and far below overflow.
const divergeResidual = 1e8

// Run is one simulation in progress. It advances step by step, takes a metric
// snapshot every LogInterval iterations, and keeps a history of bounded size. What
// the model is, Run leaves to its Instance.
type Run struct {
	cfg    Config
	model  Instance
	sched  Schedule
	etaMax float64 // η_max the schedule is relative to, or NaN
	sample *rand.Rand
	noise  *rand.Rand

	iter int
	perm []int // epoch order
	pos  int   // next position in perm
	err  error // set when the run diverged

	batch    []int
	noiseBuf []float64 // label noise of the current batch
	sde      *gradientSDE
	em       EulerMaruyama
	history  History

	// A Pieced model's work in progress (see Piece): a step begun, a snapshot begun
	// (of iteration iter, to be stored in pending).
	pieced    Pieced
	stepping  bool
	measuring bool
	pending   Metrics
}

// NewRun validates cfg and starts a run from the reference initialization.
func NewRun(cfg Config) (*Run, error) {
	return newRun(cfg, nil)
}

// NewRunFrom starts a run from the given initial parameters instead of drawing them,
// in the layout of the model (Experiment.Layout): θ = [w | b | a] (length 3·width)
// for relu1d, [u | v] (length 2·dim) for diag, and the MLP's θ in the layout MLP
// documents.
func NewRunFrom(cfg Config, theta []float64) (*Run, error) {
	e, err := cfg.Experiment()
	if err != nil {
		return nil, err
	}
	if err := e.Layout(&cfg).check(theta); err != nil {
		return nil, err
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
	e, _ := cfg.Experiment() // Validate found it
	model, err := e.New(&r.cfg, Streams{Init: NewRand(cfg.Seed, StreamInit), Data: NewRand(dataSeed, StreamData)})
	if err != nil {
		return nil, err
	}
	r.model = model
	if theta != nil {
		copy(r.model.Params(), theta)
	}
	n := r.model.SampleCount()
	r.perm, r.pos = make([]int, n), n
	for i := range r.perm {
		r.perm[i] = i
	}
	if cfg.Method == MethodSDE {
		s, ok := model.(Scalar)
		if !ok {
			return nil, fmt.Errorf("sim: method sde: not defined for model %s (allowed: sgd, gd)", cfg.Model)
		}
		r.sde = newGradientSDE(r, s)
	}
	r.history = newHistory(maxHistory)
	if p, ok := model.(Pieced); ok {
		// The first snapshot too is done in pieces: until it is complete, Latest has
		// every metric NaN.
		r.pieced = p
		r.history.latest = noMetrics(0, r.sched.At(0))
		r.beginMeasure()
		return r, nil
	}
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

// Model returns the model being trained (shared; it changes as the run advances).
func (r *Run) Model() Instance { return r.model }

// Views returns the panels the run's model offers.
func (r *Run) Views() Views { return r.model.Views() }

// Picture returns the data of the run's panels for its current parameters.
func (r *Run) Picture(o PictureOptions) Picture {
	var p Picture
	r.model.Picture(&p, o)
	return p
}

// L0At returns the number of coefficients |β_k| above tau for a model with
// coefficients (the diagonal network's β = u ⊙ v), else NaN: ‖β‖₀ at another
// threshold than the L0 metric's.
func (r *Run) L0At(tau float64) float64 {
	if c, ok := r.model.(interface{ l0(float64) float64 }); ok {
		return c.l0(tau)
	}
	return math.NaN()
}

// MetricKeys returns the keys of the metrics the run's model measures, in the order
// a status line shows them.
func (r *Run) MetricKeys() []string { return r.model.Metrics() }

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
// iterations done. Work begun by Piece is finished first (a step finished counts).
func (r *Run) Advance(n int) int {
	done := 0
	for r.Busy() {
		done += r.Piece(math.MaxInt, math.MaxInt64)
	}
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
	var worst float64
	switch {
	case r.pieced != nil:
		worst = r.model.Step(Batch{Loss: r.cfg.Loss}, lr)
	case r.cfg.Method == MethodSDE:
		worst = r.sde.step(lr)
	default:
		b := Batch{Index: r.allOrBatch(), Loss: r.cfg.Loss, Single: r.cfg.Method == MethodSGD && r.cfg.Batch == 1}
		if r.cfg.LabelNoise > 0 {
			r.noiseBuf = r.noiseBuf[:0]
			for range b.Index {
				r.noiseBuf = append(r.noiseBuf, r.cfg.LabelNoise*Normal(r.noise))
			}
			b.Noise = r.noiseBuf
		}
		worst = r.model.Step(b, lr)
	}
	r.iter++
	if !(worst < divergeResidual) { // also catches NaN
		r.diverged(lr, worst)
		return false
	}
	return true
}

// diverged stops the run at the step just done. A Pieced model's snapshot of the
// diverged parameters would cost as much as any other, for nothing: it gets every
// metric NaN.
func (r *Run) diverged(lr, worst float64) {
	if r.pieced != nil {
		r.err = fmt.Errorf("diverged at step %d (step size %.4g): the loss reached %.3g", r.iter, lr, worst)
		r.history.add(noMetrics(r.iter, r.sched.At(min(r.iter, r.cfg.Iters-1))))
		return
	}
	r.err = fmt.Errorf("diverged at step %d (step size %.4g): |h(x) − y| reached %.3g", r.iter, lr, worst)
	r.history.add(r.measure())
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

// Busy reports whether a step or a snapshot is in progress (see Piece).
func (r *Run) Busy() bool { return r.stepping || r.measuring }

// Pieced reports whether the run's model does its steps and snapshots in pieces
// (Pieced), so that a caller with a deadline should advance it by Piece.
func (r *Run) Pieced() bool { return r.pieced != nil }

// Piece does a bounded piece of the run's work and returns the iterations it
// completed (0 or 1). For a Pieced model: the rest of the snapshot in progress, up to
// about work units of it; else up to examples examples of the current step (a step
// that completes an interval begins its snapshot, which the next pieces do before
// the next step). For any other model: one iteration, as Advance(1). Advance and
// Piece may be mixed; the run is the same, bit for bit, however it was split.
func (r *Run) Piece(examples int, work int64) int {
	if r.pieced == nil {
		return r.Advance(1)
	}
	if r.measuring {
		if r.pieced.MeasurePart(&r.pending, work) {
			r.measuring = false
			r.history.add(r.pending)
		}
		return 0
	}
	if r.err != nil || r.Done() {
		return 0
	}
	lr := r.sched.At(r.iter)
	done, worst := r.pieced.StepPart(lr, max(examples, 1))
	r.stepping = !done
	if !done {
		return 0
	}
	r.iter++
	if !(worst < divergeResidual) {
		r.diverged(lr, worst)
		return 1
	}
	if r.iter%r.cfg.LogInterval() == 0 || r.Done() {
		r.beginMeasure()
	}
	return 1
}

// beginMeasure starts a Pieced model's snapshot of the current iteration.
func (r *Run) beginMeasure() {
	r.pending = noMetrics(r.iter, r.sched.At(min(r.iter, r.cfg.Iters-1)))
	r.pieced.BeginMeasure()
	r.measuring = true
}

// measure takes a snapshot of the current state.
func (r *Run) measure() Metrics {
	m := noMetrics(r.iter, r.sched.At(min(r.iter, r.cfg.Iters-1)))
	r.model.Measure(&m)
	return m
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
