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
