package cnn

import (
	"math"
	"slices"
)

// Metrics are the measurements of a network at one step.
type Metrics struct {
	Step       int
	LR         float64 // step size of the next step
	TrainLoss  float64 // mean cross-entropy on the EvalImages training images
	TrainError float64 // fraction of them misclassified
	TestLoss   float64
	TestError  float64
	// Feature sparsity coefficient and plain fraction of non-zero activations of the
	// measured stages: [0] the middle one, [1] the last one before the classifier.
	Sparsity [2]float64
	NonZero  [2]float64
	Diverged bool
}

// PredictionCount is how many test digits a snapshot keeps predictions for.
const PredictionCount = 16

// Prediction is the network's answer on one test digit.
type Prediction struct {
	Index     int     // position in the test set
	Label     int     // true digit
	Predicted int     // digit of largest probability
	Prob      float64 // that probability
}

// Snapshot measures a frozen copy of a trainer's parameters, in pieces if asked: the
// trainer may keep stepping between pieces, and the snapshot still describes the
// step at which it began. A trainer owns one snapshot, reused by Begin (no
// allocations after the first).
type Snapshot struct {
	t     *Trainer
	m     Metrics
	phase int
	pos   int
	acc   [2]float64 // loss sum, errors
	act   [2][]float64
	nnz   [2]int64
	job   [2]SparsityJob
	pred  [PredictionCount]Prediction
	npred int
}

const (
	snapTrain = iota
	snapTest
	snapFeatures
	snapSparsity0
	snapSparsity1
	snapDone
)

func (s *Snapshot) init(t *Trainer) {
	s.t = t
	for k := range s.act {
		s.act[k] = make([]float64, len(t.featImages)*len(t.featUnits[k]))
	}
	s.phase = snapDone
}

// Begin starts a snapshot of the trainer's current parameters and returns it.
func (t *Trainer) Begin() *Snapshot {
	s := &t.snap
	copy(t.eval.params, t.net.params)
	s.m = Metrics{Step: t.step, LR: t.LR(), Diverged: t.diverged}
	s.phase, s.pos, s.acc, s.nnz, s.npred = snapTrain, 0, [2]float64{}, [2]int64{}, 0
	return s
}

// Metrics measures the trainer's current parameters in one go.
func (t *Trainer) Metrics() Metrics {
	s := t.Begin()
	for !s.Advance(math.MaxInt64) {
	}
	return s.m
}

// Done reports whether the snapshot is complete.
func (s *Snapshot) Done() bool { return s.phase == snapDone }

// Metrics returns the measurements once Done.
func (s *Snapshot) Metrics() Metrics { return s.m }

// Predictions returns the predictions for the first PredictionCount test digits (fewer
// if the test set is smaller) once Done. The slice is reused by the next snapshot.
func (s *Snapshot) Predictions() []Prediction { return s.pred[:s.npred] }

// Advance works on the snapshot until it is done or about budget multiply-adds have
// been spent (always at least one forward pass or one piece of the duplicate scan)
// and reports whether it is done. Forward passes cost Trainer.MACs each.
func (s *Snapshot) Advance(budget int64) bool {
	t := s.t
	net := t.eval
	px := t.rows * t.cols
	var spent int64
	for s.phase != snapDone && (spent == 0 || spent < budget) {
		switch s.phase {
		case snapTrain, snapTest:
			imgs, labels, n := t.train, t.trainY, t.nEval
			if s.phase == snapTest {
				imgs, labels, n = t.test, t.testY, t.nTst
			}
			if s.pos < n {
				y := int(labels[s.pos])
				s.acc[0] += net.forward(imgs[s.pos*px:][:px], y)
				p := net.predicted()
				if p != y {
					s.acc[1]++
				}
				if s.phase == snapTest && s.pos < PredictionCount {
					s.pred[s.pos] = Prediction{Index: s.pos, Label: y, Predicted: p, Prob: net.probs[p]}
					s.npred = s.pos + 1
				}
				s.pos++
				spent += net.macs
				continue
			}
			if s.phase == snapTrain {
				s.m.TrainLoss, s.m.TrainError = s.acc[0]/float64(n), s.acc[1]/float64(n)
			} else {
				s.m.TestLoss, s.m.TestError = s.acc[0]/float64(n), s.acc[1]/float64(n)
			}
			s.phase++
			s.pos, s.acc = 0, [2]float64{}
		case snapFeatures:
			if s.pos < len(t.featImages) {
				i := int(t.featImages[s.pos])
				net.forward(t.train[i*px:][:px], int(t.trainY[i]))
				for k, st := range []int{net.middle, net.last} {
					out := net.stageOutput(st)
					units := t.featUnits[k]
					row := s.act[k][s.pos*len(units):][:len(units)]
					for u, j := range units {
						row[u] = float64(out[j])
					}
					for _, v := range out {
						if v != 0 {
							s.nnz[k]++
						}
					}
				}
				s.pos++
				spent += net.macs
				continue
			}
			n := len(t.featImages)
			for k, st := range []int{net.middle, net.last} {
				s.m.NonZero[k] = float64(s.nnz[k]) / float64(n*len(net.stageOutput(st)))
				s.job[k].Reset(s.act[k], n, len(t.featUnits[k]), t.cfg.DupTau)
			}
			s.phase++
		case snapSparsity0, snapSparsity1:
			k := s.phase - snapSparsity0
			spent += s.job[k].Advance(budget - spent)
			if s.job[k].Done() {
				s.m.Sparsity[k] = s.job[k].Result()
				s.phase++
			}
		}
	}
	return s.phase == snapDone
}

// ActivationMap is an images × units picture of a measured stage's post-ReLU
// activations on the feature images: rows sorted by digit, columns by how many
// images a unit is active on (most first), values divided by the largest.
type ActivationMap struct {
	Rows, Cols int
	Values     []float32 // Rows×Cols, row-major, in [0, 1]
	Labels     []uint8   // digit of each row
}

// ActivationMap writes the activation map of stage k (0 middle, 1 last) of a done
// snapshot to dst, reusing dst's buffers, with at most maxUnits columns (the most
// active units).
func (s *Snapshot) ActivationMap(k, maxUnits int, dst *ActivationMap) {
	t := s.t
	n, m := len(t.featImages), len(t.featUnits[k])
	act := s.act[k]
	type col struct{ j, count int }
	cols := make([]col, m)
	top := 0.0
	for j := range cols {
		cols[j].j = j
		for i := 0; i < n; i++ {
			if v := act[i*m+j]; v != 0 {
				cols[j].count++
				top = max(top, v)
			}
		}
	}
	slices.SortStableFunc(cols, func(a, b col) int { return b.count - a.count })
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	slices.SortStableFunc(rows, func(a, b int) int {
		return int(t.trainY[t.featImages[a]]) - int(t.trainY[t.featImages[b]])
	})
	c := min(m, maxUnits)
	dst.Rows, dst.Cols = n, c
	if cap(dst.Values) < n*c {
		dst.Values = make([]float32, n*c)
	}
	dst.Values = dst.Values[:n*c]
	dst.Labels = append(dst.Labels[:0], make([]uint8, n)...)
	for r, i := range rows {
		dst.Labels[r] = t.trainY[t.featImages[i]]
		for q := 0; q < c; q++ {
			v := act[i*m+cols[q].j]
			if top > 0 {
				v /= top
			}
			dst.Values[r*c+q] = float32(v)
		}
	}
}
