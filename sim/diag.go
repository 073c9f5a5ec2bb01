package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Diagonal is the diagonal linear network h(x) = ⟨u ⊙ v, x⟩ on ℝᵈ, a linear predictor
// β = u ⊙ v with a non-convex parametrization. θ = [u | v], so that
// ∇_θ h(x) = [v ⊙ x | u ⊙ x].
type Diagonal struct {
	d     int
	theta []float64
}

// L0Threshold is the magnitude above which a coordinate of β counts in ‖β‖₀, as in
// the reference code.
const L0Threshold = 1e-50

// NewDiagonal returns a network on ℝᵈ with all parameters zero.
func NewDiagonal(d int) *Diagonal {
	if d < 1 {
		panic("sim: Diagonal dimension must be positive")
	}
	return &Diagonal{d: d, theta: make([]float64, 2*d)}
}

// Dim returns the input dimension d.
func (n *Diagonal) Dim() int { return n.d }

// NumParams returns 2d.
func (n *Diagonal) NumParams() int { return 2 * n.d }

// Params returns θ = [u | v].
func (n *Diagonal) Params() []float64 { return n.theta }

// U returns u (aliased).
func (n *Diagonal) U() []float64 { return n.theta[:n.d] }

// V returns v (aliased).
func (n *Diagonal) V() []float64 { return n.theta[n.d:] }

// InitReference sets u = α·1 and v = 0 with α = 0.1·scale, the reference's small
// initialization.
func (n *Diagonal) InitReference(scale float64) {
	u, v := n.U(), n.V()
	for k := range u {
		u[k], v[k] = 0.1*scale, 0
	}
}

// Beta writes β = u ⊙ v into dst (length d) and returns it.
func (n *Diagonal) Beta(dst []float64) []float64 {
	u, v := n.U(), n.V()
	for k := range dst {
		dst[k] = u[k] * v[k]
	}
	return dst
}

// Predict returns ⟨u ⊙ v, x⟩.
func (n *Diagonal) Predict(x []float64) float64 {
	u, v := n.U(), n.V()
	h := 0.0
	for k, xk := range x[:n.d] {
		h += u[k] * v[k] * xk
	}
	return h
}

// Gradient writes ∇_θ h(x) = [v ⊙ x | u ⊙ x] into dst and returns h(x).
func (n *Diagonal) Gradient(dst, x []float64) float64 {
	if len(dst) != 2*n.d {
		panic("sim: Diagonal gradient destination has the wrong length")
	}
	u, v := n.U(), n.V()
	gu, gv := dst[:n.d], dst[n.d:]
	h := 0.0
	for k, xk := range x[:n.d] {
		h += u[k] * v[k] * xk
		gu[k], gv[k] = v[k]*xk, u[k]*xk
	}
	return h
}

// sgdStep1 is the fused SGD step for one sample, rounding like the generic step
// (θ_k ← θ_k − lr·(s·g_k) with s = c·(h − y)). It returns h(x) − y.
func (n *Diagonal) sgdStep1(x []float64, y, lr, c float64) float64 {
	u, v := n.U(), n.V()
	h := 0.0
	for k, xk := range x[:n.d] {
		h += u[k] * v[k] * xk
	}
	r := h - y
	s := c * r
	for k, xk := range x[:n.d] {
		uk := u[k]
		u[k] -= lr * (s * (v[k] * xk))
		v[k] -= lr * (s * (uk * xk))
	}
	return r
}

// L0 returns ‖β‖₀: the coordinates with |u_k v_k| > tau.
func (n *Diagonal) L0(tau float64) int {
	u, v := n.U(), n.V()
	c := 0
	for k := range u {
		if math.Abs(u[k]*v[k]) > tau {
			c++
		}
	}
	return c
}

// L1 returns ‖β‖₁.
func (n *Diagonal) L1() float64 {
	u, v := n.U(), n.V()
	s := 0.0
	for k := range u {
		s += math.Abs(u[k] * v[k])
	}
	return s
}

// ColumnNorms writes the Jacobian column norms on the training inputs:
// ‖φ_{:,u_k}‖ = |v_k|·‖X_{:,k}‖ into du and ‖φ_{:,v_k}‖ = |u_k|·‖X_{:,k}‖ into dv,
// given the column norms xnorm_k = ‖X_{:,k}‖.
func (n *Diagonal) ColumnNorms(du, dv, xnorm []float64) {
	u, v := n.U(), n.V()
	for k := range u {
		du[k] = math.Abs(v[k]) * xnorm[k]
		dv[k] = math.Abs(u[k]) * xnorm[k]
	}
}

// SparseRegression is the diagonal-network experiment's data: Gaussian inputs, a
// sparse ground truth β* and noise-free labels, with a test set from the same law.
type SparseRegression struct {
	Train, Test *Dataset
	BetaStar    []float64
}

// NewSparseRegression draws n training and nTest test rows x ~ N(0, I_d) and
// y = ⟨β*, x⟩, where β* has r non-zero coordinates (the first r), |N(0,1)| draws
// normalized to ‖β*‖₂ = 1.
func NewSparseRegression(rng *rand.Rand, n, d, r, nTest int) (*SparseRegression, error) {
	if n < 1 || d < 1 || r < 0 || r > d || nTest < 1 {
		return nil, fmt.Errorf("sim: sparse regression needs n ≥ 1, d ≥ 1, 0 ≤ r ≤ d, nTest ≥ 1; got n=%d d=%d r=%d nTest=%d", n, d, r, nTest)
	}
	beta := make([]float64, d)
	norm := 0.0
	for k := 0; k < r; k++ {
		beta[k] = math.Abs(Normal(rng))
		norm += beta[k] * beta[k]
	}
	if norm > 0 {
		norm = math.Sqrt(norm)
		for k := 0; k < r; k++ {
			beta[k] /= norm
		}
	}
	draw := func(rows int) *Dataset {
		ds := &Dataset{D: d, X: make([]float64, rows*d), Y: make([]float64, rows)}
		for i := 0; i < rows; i++ {
			row := ds.X[i*d : (i+1)*d]
			y := 0.0
			for k := range row {
				row[k] = Normal(rng)
				y += beta[k] * row[k]
			}
			ds.Y[i] = y
		}
		return ds
	}
	train := draw(n)
	return &SparseRegression{Train: train, Test: draw(nTest), BetaStar: beta}, nil
}

// diagRank computes the rank of φ_θ on fixed fresh inputs X_f (2d×d, Gaussian, so
// of full column rank). φ = X_f·[diag(v) | diag(u)], so with the thin QR X_f = Q·R
// (computed once) φ and R·[diag(v) | diag(u)] share their singular values, and since
// (R·[diag(v) | diag(u)])(…)ᵀ = R·diag(u² + v²)·Rᵀ, so do φ and the d×d matrix
// R·diag(√(u²+v²)). One d×d SVD replaces the 2d×2d one (8× fewer flops), and the
// scaling by √(u²+v²) keeps tiny singular values as resolvable as in φ itself.
type diagRank struct {
	r    []float64 // R, d×d row-major, upper triangular
	buf  []float64
	cond float64 // κ = √(λ_max/λ_min) of X_fᵀX_f = RᵀR, the condition number of R
}

// newDiagRank draws 2d fresh inputs and factorizes them.
func newDiagRank(rng *rand.Rand, d int) *diagRank {
	m := 2 * d
	a := make([]float64, m*d)
	for i := range a {
		a[i] = Normal(rng)
	}
	dr := &diagRank{r: upperFromQR(a, m, d), buf: make([]float64, d*d)}
	sv := SingularValues(dr.r, d, d)
	dr.cond = sv[0] / sv[len(sv)-1]
	return dr
}

// rank returns the rank of φ at threshold tau without an SVD: the number of
// coordinates with √(s_k/s_max) > tau, where s_k = u_k² + v_k².
//
// By Ostrowski's theorem, the eigenvalues of S·G·S (G = RᵀR, S = diag(√s_k)) are
// θ_i·s_(i), the sorted s_k each scaled by some θ_i ∈ [λ_min(G), λ_max(G)]. So
// σ_i/σ_max = √(θ_i/θ_1)·√(s_(i)/s_(1)): a coordinate with √(s_k/s_max) above κ·tau
// certainly counts in the SVD's rank and one below tau/κ certainly does not, κ being
// R's condition number (about 6 for Gaussian inputs). Only coordinates inside that
// band could be decided differently by an SVD; at the paper's τ = 1e-15 an SVD decides
// them by rounding error anyway (its singular values are accurate to about
// 2e-16·σ_max), and during training coordinates collapse through the band in a few
// snapshots. Counting at the band's centre costs O(d) instead of an O(d³) SVD, which
// in the browser took 25 ms or more per snapshot. The tests check the band's bounds
// (bracket, in diag_test.go).
func (dr *diagRank) rank(n *Diagonal, tau float64) int {
	ratios := dr.ratios(n)
	count := 0
	for _, r := range ratios {
		if r > tau {
			count++
		}
	}
	return count
}

// ratios returns √(s_k/s_max) per coordinate (all zero for a zero network).
func (dr *diagRank) ratios(n *Diagonal) []float64 {
	u, v := n.U(), n.V()
	out := grow(dr.buf[:0], len(u))[:len(u)]
	smax := 0.0
	for k := range u {
		out[k] = u[k]*u[k] + v[k]*v[k]
		smax = max(smax, out[k])
	}
	for k := range out {
		if smax > 0 {
			out[k] = math.Sqrt(out[k] / smax)
		}
	}
	return out
}

// singularValues returns the singular values of φ for the network n.
func (dr *diagRank) singularValues(n *Diagonal) []float64 {
	d := n.d
	u, v := n.U(), n.V()
	for i := 0; i < d; i++ {
		for k := 0; k < d; k++ {
			dr.buf[i*d+k] = dr.r[i*d+k] * math.Hypot(u[k], v[k])
		}
	}
	return SingularValues(dr.buf, d, d)
}
