package sim

import (
	"fmt"
	"math"
	"testing"
)

func TestReLU1DAtHand(t *testing.T) {
	// h(x) = 3·ReLU(x) + 0.5·ReLU(1 − 2x) − 1·ReLU(0·x − 1): the last neuron is dead.
	n := NewReLU1D(3)
	if err := n.SetParams([]float64{1, -2, 0}, []float64{0, 1, -1}, []float64{3, 0.5, -1}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ x, want float64 }{
		{-1, 1.5},  // only the second neuron: 0.5·3
		{0, 0.5},   // kink of the first neuron
		{0.25, 1},  // 0.75 + 0.25
		{0.5, 1.5}, // kink of the second neuron
		{2, 6},
	} {
		if got := n.At(tc.x); got != tc.want {
			t.Errorf("At(%g) = %g, want %g", tc.x, got, tc.want)
		}
		if got := n.Predict([]float64{tc.x}); got != tc.want {
			t.Errorf("Predict([%g]) = %g, want %g", tc.x, got, tc.want)
		}
	}
}

func TestReLU1DSetParams(t *testing.T) {
	n := NewReLU1D(2)
	if err := n.SetParams([]float64{1}, []float64{2, 3}, []float64{4, 5}); err == nil {
		t.Errorf("SetParams with a width-1 w = nil, want an error")
	}
	if err := n.SetParams([]float64{1, 2}, []float64{3, 4}, []float64{5, 6}); err != nil {
		t.Fatalf("SetParams = %v, want nil", err)
	}
	want := []float64{1, 2, 3, 4, 5, 6}
	for k, v := range n.Params() {
		if v != want[k] {
			t.Errorf("Params()[%d] = %g, want %g", k, v, want[k])
		}
	}
	if n.NumParams() != 6 || n.Width() != 2 {
		t.Errorf("NumParams(), Width() = %d, %d, want 6, 2", n.NumParams(), n.Width())
	}
}

func TestInitReference(t *testing.T) {
	// Statistical bounds: the sample standard deviation of m normal draws has a
	// relative standard error of about 1/√(2m) ≈ 1.6 % for m = 2048.
	const m, relTol = 2048, 0.08
	for _, scale := range []float64{1, 0.5} {
		n := NewReLU1D(m)
		n.InitReference(NewRand(7, StreamInit), scale)
		pos := 0
		for j, w := range n.W() {
			if math.Abs(w) != refInitW*scale {
				t.Fatalf("scale %g: w[%d] = %g, want ±%g", scale, j, w, refInitW*scale)
			}
			if w > 0 {
				pos++
			}
		}
		if f := float64(pos) / m; math.Abs(f-0.5) > 0.05 {
			t.Errorf("scale %g: fraction of positive w = %.3f, want 0.5 ± 0.05", scale, f)
		}
		for _, tc := range []struct {
			name string
			v    []float64
			std  float64
		}{{"b", n.B(), refInitB * scale}, {"a", n.A(), refInitA * scale}} {
			mean, ss := 0.0, 0.0
			for _, v := range tc.v {
				mean += v
			}
			mean /= m
			for _, v := range tc.v {
				ss += (v - mean) * (v - mean)
			}
			std := math.Sqrt(ss / (m - 1))
			if math.Abs(std/tc.std-1) > relTol {
				t.Errorf("scale %g: std(%s) = %.4g, want %.4g ± %g%%", scale, tc.name, std, tc.std, relTol*100)
			}
			if math.Abs(mean) > 5*tc.std/math.Sqrt(m) {
				t.Errorf("scale %g: mean(%s) = %.4g, want 0 ± %.3g", scale, tc.name, mean, 5*tc.std/math.Sqrt(m))
			}
		}
	}
}

// TestGradientFiniteDifferences checks ∇_θ h(x) against central differences of h on
// random networks at random points away from every kink.
func TestGradientFiniteDifferences(t *testing.T) {
	for _, m := range []int{1, 2, 5, 30, 100} {
		r := testRand(uint64(m))
		for trial := 0; trial < 5; trial++ {
			n := randomNet(r, m)
			if trial == 1 {
				n.A()[0] = 0 // a zero output weight
			}
			if trial == 2 {
				n.W()[0] = 0 // a constant neuron
			}
			grad := make([]float64, n.NumParams())
			for tested := 0; tested < 4; {
				x := 6*r.Float64() - 3
				if !awayFromKinks(n, x) {
					continue
				}
				tested++
				h := n.Gradient(grad, []float64{x})
				if want := n.At(x); h != want {
					t.Errorf("m=%d: Gradient(·, [%g]) returned h = %g, want At = %g", m, x, h, want)
				}
				fd := centralDiff(n.Params(), func() float64 { return n.At(x) })
				for k := range grad {
					if !closeRel(grad[k], fd[k], fdTol) {
						t.Errorf("m=%d trial %d: ∂h(%g)/∂θ_%d = %g, want %g (finite differences)", m, trial, x, k, grad[k], fd[k])
					}
				}
			}
		}
	}
}

// TestJacobianFiniteDifferences checks φ_θ(X) row by row against central differences
// of h(x_i), on the paper's points and on random ones.
func TestJacobianFiniteDifferences(t *testing.T) {
	r := testRand(11)
	for trial := 0; trial < 6; trial++ {
		m := []int{1, 3, 20}[trial%3]
		n := randomNet(r, m)
		ds := PaperPoints()
		if trial >= 3 {
			xs := make([]float64, 17)
			for i := range xs {
				xs[i] = 4*r.Float64() - 2
			}
			ds = oneD(xs)
		}
		ok := true
		for i := 0; i < ds.Len(); i++ {
			ok = ok && awayFromKinks(n, ds.Input(i)[0])
		}
		if !ok {
			trial--
			continue
		}
		p := n.NumParams()
		jac := make([]float64, ds.Len()*p)
		Jacobian(jac, n, ds)
		for i := 0; i < ds.Len(); i++ {
			x := ds.Input(i)
			fd := centralDiff(n.Params(), func() float64 { return n.Predict(x) })
			for k := 0; k < p; k++ {
				if got := jac[i*p+k]; !closeRel(got, fd[k], fdTol) {
					t.Errorf("trial %d: φ[%d][%d] (x = %g) = %g, want %g (finite differences)", trial, i, k, x[0], got, fd[k])
				}
			}
		}
	}
}

func TestJacobianPanicsOnWrongLength(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("Jacobian with a short destination did not panic")
		}
	}()
	n := NewReLU1D(2)
	Jacobian(make([]float64, 5), n, PaperPoints())
}

// slowSGDStep is the obvious batch-1 SGD step, written as the generic step of a run
// computes it: the gradient from Gradient, s = c·(h − y), θ_k ← θ_k − lr·(s·g_k).
func slowSGDStep(n *ReLU1D, grad []float64, x, y, lr, c float64) float64 {
	res := n.Gradient(grad, []float64{x}) - y
	s := c * res
	theta := n.Params()
	for k, g := range grad {
		theta[k] -= lr * (s * g)
	}
	return res
}

// TestSGDStep1MatchesGenericStep runs the fused batch-1 step and the generic step side
// by side through a large-step schedule, where one differing bit would grow into a
// different trajectory, and requires bitwise identical parameters throughout.
func TestSGDStep1MatchesGenericStep(t *testing.T) {
	const steps = 20000
	ds := PaperPoints()
	for _, tc := range []struct {
		seed uint64
		m    int
		loss Loss
	}{{1, 100, LossMSE}, {2, 30, LossHalfMSE}, {3, 5, LossMSE}} {
		t.Run(fmt.Sprintf("seed%d_m%d_%v", tc.seed, tc.m, tc.loss), func(t *testing.T) {
			fast := randomNet(NewRand(tc.seed, StreamInit), tc.m)
			slow := randomNet(NewRand(tc.seed, StreamInit), tc.m)
			sched := Schedule{Base: 2e-4, Shape: WarmupLinear, Gain: 199, Until: 0.5, Decays: []Decay{{0.5, 3}}, Total: steps}
			r := testRand(tc.seed)
			grad := make([]float64, slow.NumParams())
			c := tc.loss.slope()
			for i := 0; i < steps; i++ {
				k := r.IntN(ds.Len())
				x, y, lr := ds.X[k], ds.Y[k], sched.At(i)
				rf := fast.sgdStep1(x, y, lr, c)
				rs := slowSGDStep(slow, grad, x, y, lr, c)
				if math.Float64bits(rf) != math.Float64bits(rs) {
					t.Fatalf("step %d: sgdStep1 residual = %v, want %v (generic step)", i, rf, rs)
				}
				if !sameBits(fast.Params(), slow.Params()) {
					for q := range fast.Params() {
						if fast.Params()[q] != slow.Params()[q] {
							t.Fatalf("step %d: sgdStep1 θ[%d] = %v, want %v (generic step)", i, q, fast.Params()[q], slow.Params()[q])
						}
					}
					t.Fatalf("step %d: sgdStep1 parameters differ in sign bits from the generic step", i)
				}
			}
		})
	}
}

func TestActivationsReproducePredictions(t *testing.T) {
	r := testRand(5)
	ds := PaperPoints()
	for _, m := range []int{1, 7, 100} {
		n := randomNet(r, m)
		act := make([]float64, ds.Len()*m)
		n.Activations(act, ds)
		for i := 0; i < ds.Len(); i++ {
			x := ds.X[i]
			h := 0.0
			for j := 0; j < m; j++ {
				v := act[i*m+j]
				if want := math.Max(0, n.W()[j]*x+n.B()[j]); v != want {
					t.Errorf("m=%d: act[%d][%d] = %g, want %g", m, i, j, v, want)
				}
				h += n.A()[j] * v
			}
			if want := n.At(x); !closeRel(h, want, 1e-12) {
				t.Errorf("m=%d: Σ_j a_j act[%d][j] = %g, want h(%g) = %g", m, i, h, x, want)
			}
		}
	}
}

func TestColumnNorms(t *testing.T) {
	// Columns (3, 4), (0, 1) and (0, 0).
	jac := []float64{3, 0, 0, 4, 1, 0}
	got := make([]float64, 3)
	ColumnNorms(got, jac, 2, 3)
	for k, want := range []float64{5, 1, 0} {
		if got[k] != want {
			t.Errorf("ColumnNorms(%v)[%d] = %g, want %g", jac, k, got[k], want)
		}
	}

	n := NewReLU1D(2)
	cols := []float64{1, 2, 2, 0, 2, 0} // w: (1, 2), b: (2, 0), a: (2, 0)
	nn := make([]float64, 2)
	n.NeuronColumnNorms(nn, cols)
	for j, want := range []float64{3, 2} {
		if nn[j] != want {
			t.Errorf("NeuronColumnNorms(%v)[%d] = %g, want %g", cols, j, nn[j], want)
		}
	}

	// Property: the per-neuron norm is the norm of the neuron's three Jacobian columns.
	r := testRand(9)
	net := randomNet(r, 10)
	ds := PaperPoints()
	p := net.NumParams()
	jacR := make([]float64, ds.Len()*p)
	Jacobian(jacR, net, ds)
	colsR := make([]float64, p)
	ColumnNorms(colsR, jacR, ds.Len(), p)
	nnR := make([]float64, 10)
	net.NeuronColumnNorms(nnR, colsR)
	for j := 0; j < 10; j++ {
		ss := 0.0
		for i := 0; i < ds.Len(); i++ {
			for _, k := range []int{j, 10 + j, 20 + j} {
				ss += jacR[i*p+k] * jacR[i*p+k]
			}
		}
		if want := math.Sqrt(ss); !closeRel(nnR[j], want, 1e-12) {
			t.Errorf("NeuronColumnNorms[%d] = %g, want %g", j, nnR[j], want)
		}
	}
}
