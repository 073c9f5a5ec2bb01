package cnn

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Rands are the random streams of a run, kept apart so that two runs can share an
// initialization and a sample order while differing in, say, the schedule.
type Rands struct {
	Init   *rand.Rand // weights
	Data   *rand.Rand // the fixed feature images and units, and the augmentation
	Sample *rand.Rand // the order of the training images (shuffled epochs)
}

// Trainer trains a Net by SGD and measures it. Its methods are not safe for
// concurrent use.
type Trainer struct {
	cfg  Config
	net  *Net
	eval *Net // a copy of the parameters for metric snapshots

	rows, cols   int
	train, test  []float32 // images scaled to [0, 1]
	trainY       []uint8
	testY        []uint8
	nTrain, nTst int
	nEval        int

	r        Rands
	step     int
	order    []int32 // current epoch's permutation of the training images
	pos      int
	vel      []float32
	x        []float32 // the augmented input
	bpos     int       // examples of the current batch processed so far
	bloss    float64   // their loss sum
	batchSum float64   // sum of batch losses since the last TakeBatchLoss
	batchN   int
	diverged bool

	featImages []int32    // indices of the fixed feature images
	featUnits  [2][]int32 // drawn units of the middle and last measured stage

	snap Snapshot
}

// New validates cfg against d and returns a trainer at step 0 with weights drawn from
// r.Init.
func New(cfg Config, d *Data, r Rands) (*Trainer, error) {
	if err := cfg.Validate(d); err != nil {
		return nil, err
	}
	cfg.Blocks = slices.Clone(cfg.Blocks)
	t := &Trainer{cfg: cfg, r: r, rows: d.Rows, cols: d.Cols}
	t.nTrain, t.nTst, t.nEval = cfg.trainN(d), cfg.testN(d), cfg.evalN(d)
	px := d.Rows * d.Cols
	scale := func(p []uint8) []float32 {
		f := make([]float32, len(p))
		for i, v := range p {
			f[i] = float32(v) / 255
		}
		return f
	}
	t.train, t.trainY = scale(d.TrainPixels[:t.nTrain*px]), slices.Clone(d.TrainLabels[:t.nTrain])
	t.test, t.testY = scale(d.TestPixels[:t.nTst*px]), slices.Clone(d.TestLabels[:t.nTst])
	t.net = newNet(&t.cfg, d.Rows, d.Cols)
	t.net.init(r.Init)
	t.eval = newNet(&t.cfg, d.Rows, d.Cols)
	t.vel = make([]float32, len(t.net.params))
	t.x = make([]float32, px)
	t.order = make([]int32, t.nTrain)
	for i := range t.order {
		t.order[i] = int32(i)
	}
	t.pos = t.nTrain // shuffle at the first draw

	t.featImages = draw(r.Data, t.nTrain, cfg.FeatureImages)
	for k, s := range []int{t.net.middle, t.net.last} {
		t.featUnits[k] = draw(r.Data, len(t.net.stageOutput(s)), cfg.FeatureUnits)
	}
	t.snap.init(t)
	return t, nil
}

// draw returns min(k, n) distinct indices of [0, n) drawn uniformly, in increasing
// order.
func draw(r *rand.Rand, n, k int) []int32 {
	p := make([]int32, n)
	for i := range p {
		p[i] = int32(i)
	}
	k = min(k, n)
	for i := 0; i < k; i++ {
		j := i + r.IntN(n-i)
		p[i], p[j] = p[j], p[i]
	}
	p = p[:k]
	slices.Sort(p)
	return p
}

// Config returns the trainer's configuration.
func (t *Trainer) Config() Config { c := t.cfg; c.Blocks = slices.Clone(c.Blocks); return c }

// StepCount returns the number of SGD steps taken.
func (t *Trainer) StepCount() int { return t.step }

// Done reports whether the run has taken its Steps or diverged.
func (t *Trainer) Done() bool { return t.step >= t.cfg.Steps || t.diverged }

// Diverged reports whether a batch loss or a parameter became NaN or infinite.
func (t *Trainer) Diverged() bool { return t.diverged }

// Params returns the parameters (not a copy: for tests and checksums).
func (t *Trainer) Params() []float32 { return t.net.params }

// MACs returns the multiply-adds of one forward pass of one image.
func (t *Trainer) MACs() int64 { return t.net.macs }

// LR returns the step size of the next step.
func (t *Trainer) LR() float64 { return t.cfg.Schedule.LR(t.step, t.cfg.Steps) }

// TakeBatchLoss returns the mean loss of the batches since the previous call (NaN if
// none) and resets it: a training-loss curve that costs nothing extra.
func (t *Trainer) TakeBatchLoss() float64 {
	if t.batchN == 0 {
		return math.NaN()
	}
	m := t.batchSum / float64(t.batchN)
	t.batchSum, t.batchN = 0, 0
	return m
}

// next returns the index of the next training image, reshuffling at each epoch.
func (t *Trainer) next() int {
	if t.pos == len(t.order) {
		for i := len(t.order) - 1; i > 0; i-- {
			j := t.r.Sample.IntN(i + 1)
			t.order[i], t.order[j] = t.order[j], t.order[i]
		}
		t.pos = 0
	}
	t.pos++
	return int(t.order[t.pos-1])
}

// input writes training image i, translated by a random (dx, dy) ∈ [−Shift, Shift]²
// with zero fill, to t.x.
func (t *Trainer) input(i int) []float32 {
	px := t.rows * t.cols
	img := t.train[i*px:][:px]
	s := t.cfg.Shift
	if s == 0 {
		return img
	}
	dx := t.r.Data.IntN(2*s+1) - s
	dy := t.r.Data.IntN(2*s+1) - s
	clear(t.x)
	for y := max(0, dy); y < min(t.rows, t.rows+dy); y++ {
		copy(t.x[y*t.cols+max(0, dx):][:t.cols-abs(dx)], img[(y-dy)*t.cols+max(0, -dx):][:t.cols-abs(dx)])
	}
	return t.x
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// Step takes up to k SGD steps (fewer at the end of the run or after a divergence)
// and returns how many it took; a batch begun by Advance is finished first. It
// allocates nothing.
func (t *Trainer) Step(k int) int {
	done := 0
	for done < k && !t.Done() {
		done += t.Advance(t.cfg.Batch - t.bpos)
	}
	return done
}

// Advance processes up to k training examples (forward and backward passes),
// applying the update whenever a batch is complete, and returns the number of steps
// completed. A step of a large batch costs more than a frame in a browser; Advance
// spreads it over several calls with the same result, bit for bit, as Step.
func (t *Trainer) Advance(k int) int {
	steps := 0
	for k > 0 && !t.Done() {
		n := min(k, t.cfg.Batch-t.bpos)
		if done, _ := t.StepPart(n, t.LR()); done {
			steps++
		}
		k -= n
	}
	return steps
}

// StepPart processes up to k examples (at least one) of the current step and, when
// its batch is complete, applies the update with step size lr and reports true with
// the batch's mean loss. Advance is StepPart with the schedule's step size; a caller
// with a schedule of its own (sim.Run) passes it here.
func (t *Trainer) StepPart(k int, lr float64) (done bool, loss float64) {
	B := t.cfg.Batch
	for k = max(k, 1); k > 0; k-- {
		if t.bpos == 0 {
			clear(t.net.grads)
			t.bloss = 0
		}
		i := t.next()
		x := t.input(i)
		y := int(t.trainY[i])
		t.bloss += t.net.forward(x, y)
		t.net.backward(x, y, 1/float64(B))
		t.bpos++
		if t.bpos < B {
			continue
		}
		loss := t.bloss / float64(B)
		t.batchSum += loss
		t.batchN++
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			t.diverged = true
		}
		t.update(float32(lr))
		t.step++
		t.bpos = 0
		return true, loss
	}
	return false, math.NaN()
}

// update applies g ← ∇L + λθ, v ← μv + g, θ ← θ − ηv (the heavy-ball form of PyTorch's
// SGD; with μ = 0 and λ = 0 it is plain SGD).
func (t *Trainer) update(lr float32) {
	p, g := t.net.params, t.net.grads[:len(t.net.params)]
	mu, wd := float32(t.cfg.Momentum), float32(t.cfg.WeightDecay)
	if mu == 0 && wd == 0 {
		axpy(p, -lr, g)
		return
	}
	v := t.vel[:len(p)]
	for i := range p {
		gi := g[i] + wd*p[i]
		v[i] = mu*v[i] + gi
		p[i] -= lr * v[i]
	}
}

// TestImage returns test image i as the network sees it (rows·cols values in [0, 1],
// row-major; not a copy), to draw next to its Prediction.
func (t *Trainer) TestImage(i int) []float32 {
	px := t.rows * t.cols
	return t.test[i*px : (i+1)*px]
}

// ImageSize returns the rows and columns of the images.
func (t *Trainer) ImageSize() (rows, cols int) { return t.rows, t.cols }
