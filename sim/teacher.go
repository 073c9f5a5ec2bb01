package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// TeacherWidths are the hidden widths of the teacher–student experiment's teacher,
// a d→2→2→1 ReLU network with biases.
var TeacherWidths = []int{2, 2}

// TeacherStudent is the data of the teacher–student experiment: a random teacher
// network and inputs labeled by it, without noise.
type TeacherStudent struct {
	Teacher     *MLP
	Train, Test *Dataset
}

// NewTeacherStudent draws a teacher d→2→2→1 (weights N(0, 1), biases
// U(±1/√fan_in)), then n training and nTest test inputs (uniform on [−1, 1] for d = 1,
// uniform on the unit sphere of ℝᵈ for d ≥ 2), labeled y = teacher(x), in that order
// from r.
func NewTeacherStudent(r *rand.Rand, d, n, nTest int) (*TeacherStudent, error) {
	if d < 1 || n < 1 || nTest < 1 {
		return nil, fmt.Errorf("sim: teacher–student data needs d ≥ 1, n ≥ 1, nTest ≥ 1; got d=%d n=%d nTest=%d", d, n, nTest)
	}
	teacher := NewMLP(slices.Concat([]int{d}, TeacherWidths, []int{1}), true)
	teacher.Init(r, TeacherWeightStd)
	label := func(rows int) *Dataset {
		ds := &Dataset{D: d, X: drawInputs(r, rows, d), Y: make([]float64, rows)}
		for i := range ds.Y {
			ds.Y[i] = teacher.Predict(ds.Input(i))
		}
		return ds
	}
	train := label(n)
	return &TeacherStudent{Teacher: teacher, Train: train, Test: label(nTest)}, nil
}

// drawInputs returns rows inputs of dimension d (row-major): uniform on [−1, 1] for
// d = 1, uniform on the unit sphere for d ≥ 2 (a standard normal vector, normalized).
func drawInputs(r *rand.Rand, rows, d int) []float64 {
	x := make([]float64, rows*d)
	for i := 0; i < rows; i++ {
		row := x[i*d : (i+1)*d]
		if d == 1 {
			row[0] = 2*r.Float64() - 1
			continue
		}
		for {
			s := 0.0
			for k := range row {
				row[k] = Normal(r)
				s += row[k] * row[k]
			}
			if s > 0 {
				s = math.Sqrt(s)
				for k := range row {
					row[k] /= s
				}
				break
			}
		}
	}
	return x
}

// initMLP sets up a run of the MLP student: the teacher and its data from dataRand
// (the training samples replaced by cfg.Points when set, the test set kept), the
// student (drawn from the init stream when draw), then the rank's fresh inputs from
// dataRand.
func (r *Run) initMLP(cfg Config, dataRand *rand.Rand, draw bool) error {
	ts, err := NewTeacherStudent(dataRand, cfg.Dim, cfg.Samples, cfg.TestSamples)
	if err != nil {
		return err
	}
	r.data, r.test, r.teach = ts.Train, ts.Test, ts.Teacher
	if cfg.Points != "" {
		if r.data, err = ParsePoints(cfg.Points); err != nil {
			return err
		}
	}
	r.mlp = NewMLP(slices.Concat([]int{cfg.Dim}, cfg.Layers, []int{1}), cfg.Biases)
	r.model = r.mlp
	if draw {
		r.mlp.Init(NewRand(cfg.Seed, StreamInit), StudentWeightStd*cfg.InitScale)
	}
	lo, hi := r.data.Range()
	r.mlpRank = newMLPRank(dataRand, cfg.Dim, r.mlp.NumParams(), lo, hi)
	widest := 0
	for l := 1; l <= min(2, r.mlp.Depth()); l++ {
		widest = max(widest, r.mlp.Width(l))
	}
	r.act = make([]float64, r.data.Len()*widest)
	return nil
}

// measureMLP fills in the MLP's metrics: the rank, the feature sparsity of hidden
// layers 1 and 2 (FeatureSparsity is layer 2's, or layer 1's in a one-layer net) and,
// in 1D, the kinks.
func (r *Run) measureMLP(m *Metrics) {
	m.Rank = float64(NumericalRank(r.mlpRank.singularValues(r.mlp), r.cfg.RankTau))
	n := r.data.Len()
	for l := 1; l <= min(2, r.mlp.Depth()); l++ {
		w := r.mlp.Width(l)
		act := r.act[:n*w]
		r.mlp.Activations(l, act, r.data)
		fs := FeatureSparsity(act, n, w, r.cfg.DupTau)
		if l == 1 {
			m.FeatureSparsityL1 = fs
		} else {
			m.FeatureSparsityL2 = fs
		}
		m.FeatureSparsity = fs
	}
	if r.mlp.InputDim() == 1 {
		k := r.KinkSummary()
		m.Kinks, m.RawKinks = float64(k.Visible), float64(k.Raw)
	}
}

// MLP returns the MLP student, or nil when the run trains another model (shared; it
// changes as the run advances).
func (r *Run) MLP() *MLP { return r.mlp }

// Teacher returns the teacher network of the MLP's data, or nil (shared; do not
// modify).
func (r *Run) Teacher() *MLP { return r.teach }

// TeacherKinks returns the kinks of the teacher inside the training data's range,
// with the run's clustering rules, for an MLP run on scalar inputs (d = 1); none
// otherwise.
func (r *Run) TeacherKinks() KinkSummary {
	if r.teach == nil || r.teach.InputDim() != 1 {
		return KinkSummary{}
	}
	lo, hi := r.data.Range()
	return r.teach.Kinks(lo, hi, r.cfg.KinkMerge, r.cfg.KinkMin)
}
