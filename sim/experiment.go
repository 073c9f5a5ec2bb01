package sim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Experiment is one model kind, complete: the settings it reads, how it checks them,
// how it builds its data and initial parameters from the seed streams, and the
// parameter table it reads and writes. A Run asks an Experiment for an Instance and
// from then on talks to the Instance only.
//
// Each model kind lives in its own files (relu1d_experiment.go, diag_experiment.go,
// mlp_experiment.go) or its own package, and is listed once, in registry.go or by a
// call to Register. No code outside those places asks which model a run trains.
type Experiment interface {
	// Name is the value of the model setting that selects the experiment.
	Name() string
	// Doc says in a few words what is trained on what.
	Doc() string
	// Settings returns the settings the experiment reads besides the common ones
	// (seed, the step-size schedule, the optimizer), in the order the controls show
	// them. Settings shared by several experiments are the same *Setting.
	Settings() []*Setting
	// Check validates the settings against each other; every setting is already in
	// its own range.
	Check(c *Config) error
	// SampleCount returns the number of training samples c describes.
	SampleCount(c *Config) (int, error)
	// Layout returns how the parameters θ of c read as a table.
	Layout(c *Config) ParamLayout
	// New builds the data and the model of c: the data (and anything else random that
	// is not the model) from s.Data, the initial parameters from s.Init.
	New(c *Config, s Streams) (Instance, error)
}

// ErrWaiting is wrapped by the error of an Experiment's New when its data are still
// on their way (the browser fetches the images of the image scenarios): the caller
// shows the message and tries again when they have arrived.
var ErrWaiting = errors.New("waiting for the data")

// Streams are the random streams an Experiment builds a run from.
type Streams struct {
	Init *rand.Rand // the initial parameters
	Data *rand.Rand // the data set, then the fixed points the metrics are taken on
}

// Instance is one model being trained, with its data.
type Instance interface {
	// Params returns θ itself: an optimizer step, the -init file and the golden
	// digests read and write it in place.
	Params() []float64
	// SampleCount returns the number of training samples a batch indexes.
	SampleCount() int
	// Step does one optimizer step with step size lr on the training samples b.Index
	// (their labels plus b.Noise), and returns the size of the largest residual (or any measure
	// that grows without bound when the run diverges).
	Step(b Batch, lr float64) float64
	// Measure fills in the metrics the model has. m arrives with every metric NaN.
	Measure(m *Metrics)
	// Metrics returns the keys of the metrics Measure fills in, in the order a status
	// line shows them.
	Metrics() []string
	// Views returns the panels the model offers.
	Views() Views
	// Picture fills in the data of the model's panels for its current parameters.
	Picture(p *Picture, o PictureOptions)
}

// Pieced is implemented by an Instance whose optimizer step or metric snapshot costs
// more than a browser frame (the convolutional network: a step of batch 32 takes 60–80
// ms as WebAssembly, a snapshot seconds). Run then does both in pieces (Run.Piece), and
// the result does not depend on how the work was split: a step is the same however
// its examples were spread over calls, and a snapshot measures the parameters as they
// were when it began. Such an instance draws its own batches (from its own sample
// stream), so Step ignores b.Index, b.Noise and b.Loss; Step and Measure are the
// whole step and the whole snapshot.
type Pieced interface {
	Instance
	// StepPart works on the current optimizer step with step size lr: up to n more
	// of its examples (at least one), applying the update after the last. It reports
	// whether the step is complete and, when it is, what Step returns.
	StepPart(lr float64, n int) (done bool, worst float64)
	// BeginMeasure starts a metric snapshot of the current parameters.
	BeginMeasure()
	// MeasurePart spends about work units (multiply-adds) on the snapshot begun, at
	// least one piece, and reports whether it is complete; when it is, it has filled
	// in m as Measure does.
	MeasurePart(m *Metrics, work int64) bool
}

// Scalar is implemented by an Instance whose model has one real output h_θ(x)
// trained on real labels: the SDE model of SGD is defined for such models.
type Scalar interface {
	Instance
	// Model returns the model.
	Model() Model
	// Train returns the training set.
	Train() *Dataset
}

// Batch is what one optimizer step sees.
type Batch struct {
	Index []int     // training samples
	Noise []float64 // added to their labels, or nil for none
	Loss  Loss
	// Single is set for the one-sample SGD step, which models may fuse.
	Single bool
}

// label returns the label of the batch's k-th sample in ds, with its noise.
func (b *Batch) label(ds *Dataset, k int) float64 {
	y := ds.Y[b.Index[k]]
	if b.Noise != nil {
		y += b.Noise[k]
	}
	return y
}

// ParamLayout is how θ reads as a table (params.csv, init.csv and -init): θ is the
// concatenation of the columns, one row per neuron or coordinate, or a single column
// with a row per parameter.
type ParamLayout struct {
	Columns []string // the header
	Size    string   // the setting the number of rows sets, or "" when it is fixed
	Row     string   // what a row is
	Params  int      // the length of θ
	What    string   // what fixes Params, for error messages ("width 100")
	Doc     string   // how θ reads when the columns do not say it, or ""
}

// Header returns the table's header line.
func (l ParamLayout) Header() string { return strings.Join(l.Columns, ",") }

// registry lists the experiments, the built-in ones first.
var registry []Experiment

// Register adds an experiment kept in a package of its own; call it from that
// package's init. It panics on a name already taken. An experiment with a method
// Scenarios() []ScenarioInfo brings its presets along (see NewScenario).
func Register(e Experiment) {
	if _, ok := Lookup(e.Name()); ok {
		panic("sim: Register: model " + e.Name() + " registered twice")
	}
	registry = append(registry, e)
	Settings = collectSettings()
	if p, ok := e.(interface{ Scenarios() []ScenarioInfo }); ok {
		Scenarios = append(Scenarios, p.Scenarios()...)
	}
}

// Lookup returns the experiment named name.
func Lookup(name string) (Experiment, bool) {
	for _, e := range registry {
		if e.Name() == name {
			return e, true
		}
	}
	return nil, false
}

// Experiments returns every registered experiment, in order.
func Experiments() []Experiment { return append([]Experiment(nil), registry...) }

// ModelNames returns the names of the registered experiments.
func ModelNames() []string {
	out := make([]string, len(registry))
	for i, e := range registry {
		out[i] = e.Name()
	}
	return out
}

// Experiment returns the experiment of c's model, or an error naming the model.
func (c *Config) Experiment() (Experiment, error) {
	if e, ok := Lookup(c.Model); ok {
		return e, nil
	}
	return nil, fmt.Errorf("sim: model %q: unknown (allowed: %s)", c.Model, strings.Join(ModelNames(), ", "))
}

// scalarTrainer is the optimizer step and the losses of a model with one real
// output: the built-in experiments embed it.
type scalarTrainer struct {
	model      Model
	data, test *Dataset
	fused      func(x []float64, y, lr, c float64) float64 // one-sample SGD step
	grad, acc  []float64
}

func newScalarTrainer(m Model, data, test *Dataset, fused func(x []float64, y, lr, c float64) float64) scalarTrainer {
	p := m.NumParams()
	return scalarTrainer{model: m, data: data, test: test, fused: fused, grad: make([]float64, p), acc: make([]float64, p)}
}

func (t *scalarTrainer) Params() []float64 { return t.model.Params() }
func (t *scalarTrainer) SampleCount() int  { return t.data.Len() }
func (t *scalarTrainer) Model() Model      { return t.model }
func (t *scalarTrainer) Train() *Dataset   { return t.data }

// Step is the fused step for one sample, else θ ← θ − lr·(c/B)·Σ_i r_i ∇h(x_i).
func (t *scalarTrainer) Step(b Batch, lr float64) float64 {
	c := b.Loss.slope()
	if b.Single {
		i := b.Index[0]
		return math.Abs(t.fused(t.data.Input(i), b.label(t.data, 0), lr, c))
	}
	c /= float64(len(b.Index))
	theta := t.model.Params()
	clear(t.acc)
	worst := 0.0
	for k, i := range b.Index {
		res := t.model.Gradient(t.grad, t.data.Input(i)) - b.label(t.data, k)
		worst = max(worst, math.Abs(res))
		s := c * res
		for j, g := range t.grad {
			t.acc[j] += s * g
		}
	}
	for j := range theta {
		theta[j] -= lr * t.acc[j]
	}
	return worst
}

// measureLosses fills in the train and test losses and reports whether the model is
// still finite: when it is not, the other metrics stay NaN.
func (t *scalarTrainer) measureLosses(m *Metrics, loss Loss) bool {
	m.TrainLoss = datasetLoss(t.model, t.data, loss)
	if math.IsNaN(m.TrainLoss) || math.IsInf(m.TrainLoss, 0) || !finiteAll(t.model.Params()) {
		m.TrainLoss = math.NaN()
		return false
	}
	if t.test != nil {
		m.TestLoss = datasetLoss(t.model, t.test, loss)
	}
	return true
}

// datasetLoss returns the mean loss of model over ds (noise-free labels).
func datasetLoss(model Model, ds *Dataset, loss Loss) float64 {
	sum := 0.0
	for i := 0; i < ds.Len(); i++ {
		sum += loss.value(model.Predict(ds.Input(i)) - ds.Y[i])
	}
	return sum / float64(ds.Len())
}

// check reports whether theta fits the layout, naming the first bad entry.
func (l ParamLayout) check(theta []float64) error {
	if len(theta) != l.Params {
		return fmt.Errorf("sim: %d initial parameters for %s, want %d", len(theta), l.What, l.Params)
	}
	for i, v := range theta {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("sim: initial parameter %d is %v, want a finite number", i, v)
		}
	}
	return nil
}

// ModelsReading returns the names of the experiments that read the setting key, or
// nil when it is common to every experiment: what the controls page shows for which
// model.
func ModelsReading(key string) []string {
	var out []string
	for _, e := range registry {
		for _, s := range e.Settings() {
			if s.Key == key {
				out = append(out, e.Name())
			}
		}
	}
	return out
}
