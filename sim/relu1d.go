package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// ReLU1D is the two-layer ReLU network on scalar inputs
//
//	h(x) = Σ_j a_j ReLU(w_j x + b_j),  j = 1..m,
//
// with no output bias. Its parameters are stored as θ = [w | b | a], so that
// ∇_θ h(x) = [a ⊙ x·1{wx+b>0} | a ⊙ 1{wx+b>0} | ReLU(wx+b)].
type ReLU1D struct {
	m     int
	theta []float64
}

// Reference initialization scales of the paper's 1D experiment (Blanc et al.'s
// "large" initialization): w_j = ±2.5, b_j ~ 2.5·N(0,1), a_j ~ 4·N(0,1).
const (
	refInitW = 2.5
	refInitB = 2.5
	refInitA = 4.0
)

// NewReLU1D returns a width-m network with all parameters zero.
func NewReLU1D(m int) *ReLU1D {
	if m < 1 {
		panic("sim: ReLU1D width must be positive")
	}
	return &ReLU1D{m: m, theta: make([]float64, 3*m)}
}

// Width returns the number of hidden neurons m.
func (n *ReLU1D) Width() int { return n.m }

// NumParams returns 3m.
func (n *ReLU1D) NumParams() int { return 3 * n.m }

// Params returns θ = [w | b | a].
func (n *ReLU1D) Params() []float64 { return n.theta }

// W returns the input weights (aliased).
func (n *ReLU1D) W() []float64 { return n.theta[:n.m] }

// B returns the biases (aliased).
func (n *ReLU1D) B() []float64 { return n.theta[n.m : 2*n.m] }

// A returns the output weights (aliased).
func (n *ReLU1D) A() []float64 { return n.theta[2*n.m:] }

// InitReference draws the paper's initialization, every scale multiplied by scale:
// w_j = ±2.5·scale with a random sign, b_j ~ N(0, (2.5·scale)²), a_j ~ N(0, (4·scale)²).
func (n *ReLU1D) InitReference(r *rand.Rand, scale float64) {
	w, b, a := n.W(), n.B(), n.A()
	for j := range w {
		w[j] = refInitW * scale
		if r.Uint64()&1 == 0 {
			w[j] = -w[j]
		}
	}
	for j := range b {
		b[j] = refInitB * scale * Normal(r)
	}
	for j := range a {
		a[j] = refInitA * scale * Normal(r)
	}
}

// SetParams copies w, b and a into the network; they must have the network's width.
func (n *ReLU1D) SetParams(w, b, a []float64) error {
	if len(w) != n.m || len(b) != n.m || len(a) != n.m {
		return fmt.Errorf("sim: parameters of width %d, %d, %d for a network of width %d", len(w), len(b), len(a), n.m)
	}
	copy(n.W(), w)
	copy(n.B(), b)
	copy(n.A(), a)
	return nil
}

// Predict returns h(x[0]).
func (n *ReLU1D) Predict(x []float64) float64 { return n.At(x[0]) }

// At returns h(x).
func (n *ReLU1D) At(x float64) float64 {
	w, b, a := n.W(), n.B(), n.A()
	h := 0.0
	for j := range w {
		if z := w[j]*x + b[j]; z > 0 {
			h += a[j] * z
		}
	}
	return h
}

// Gradient writes ∇_θ h(x[0]) into dst and returns h(x[0]).
func (n *ReLU1D) Gradient(dst, x []float64) float64 {
	m := n.m
	if len(dst) != 3*m {
		panic("sim: ReLU1D gradient destination has the wrong length")
	}
	w, b, a := n.W(), n.B(), n.A()
	gw, gb, ga := dst[:m], dst[m:2*m], dst[2*m:]
	xv := x[0]
	h := 0.0
	for j := range w {
		if z := w[j]*xv + b[j]; z > 0 {
			h += a[j] * z
			gw[j], gb[j], ga[j] = a[j]*xv, a[j], z
		} else {
			gw[j], gb[j], ga[j] = 0, 0, 0
		}
	}
	return h
}

// sgdStep1 is the fused SGD step for a batch of one sample (x, y): with
// s = c·(h(x) − y) it sets θ_k ← θ_k − lr·(s·∂_k h(x)), computing each product in the
// same order as the generic step so the two agree bit for bit. It returns h(x) − y.
func (n *ReLU1D) sgdStep1(x, y, lr, c float64) float64 {
	w, b, a := n.W(), n.B(), n.A()
	h := 0.0
	for j := range w {
		if z := w[j]*x + b[j]; z > 0 {
			h += a[j] * z
		}
	}
	r := h - y
	// The generic step accumulates s·g_k with s = c·r and then subtracts lr·(s·g_k);
	// (lr·s)·g_k would round differently.
	s := c * r
	for j := range w {
		if z := w[j]*x + b[j]; z > 0 {
			aj := a[j]
			w[j] -= lr * (s * (aj * x))
			b[j] -= lr * (s * aj)
			a[j] -= lr * (s * z)
		}
	}
	return r
}

// NeuronColumnNorms writes, for each neuron j, the norm of its three Jacobian columns
// together, ‖(φ_{:,w_j}, φ_{:,b_j}, φ_{:,a_j})‖, from the per-parameter column norms
// cols (length 3m) into dst (length m).
func (n *ReLU1D) NeuronColumnNorms(dst, cols []float64) {
	m := n.m
	for j := 0; j < m; j++ {
		dst[j] = math.Sqrt(cols[j]*cols[j] + cols[m+j]*cols[m+j] + cols[2*m+j]*cols[2*m+j])
	}
}

// Activations writes the hidden activations ReLU(w_j x_i + b_j) on the inputs of ds
// into dst (n×m, row-major).
func (n *ReLU1D) Activations(dst []float64, ds *Dataset) {
	w, b := n.W(), n.B()
	m := n.m
	for i := 0; i < ds.Len(); i++ {
		x := ds.X[i*ds.D]
		row := dst[i*m : (i+1)*m]
		for j := range row {
			row[j] = math.Max(0, w[j]*x+b[j])
		}
	}
}
