package sim

import "math"

// Model is a scalar predictor h_θ(x) with a flat parameter vector θ ∈ ℝᵖ.
type Model interface {
	// NumParams returns p.
	NumParams() int
	// Params returns θ itself (not a copy): optimizers update it in place.
	Params() []float64
	// Predict returns h_θ(x).
	Predict(x []float64) float64
	// Gradient writes ∇_θ h_θ(x) into dst (length p) and returns h_θ(x).
	Gradient(dst, x []float64) float64
}

// Jacobian writes φ_θ(X), the n×p matrix whose row i is ∇_θ h_θ(x_i)ᵀ, into dst
// (row-major, length n·p) for the inputs of ds.
func Jacobian(dst []float64, m Model, ds *Dataset) {
	p := m.NumParams()
	if len(dst) != ds.Len()*p {
		panic("sim: Jacobian destination has the wrong length")
	}
	for i := 0; i < ds.Len(); i++ {
		m.Gradient(dst[i*p:(i+1)*p], ds.Input(i))
	}
}

// ColumnNorms writes ‖φ_{:,k}‖₂ for each column k of the n×p row-major matrix jac
// into dst (length p). The noise of SGD is conjectured to shrink these norms.
func ColumnNorms(dst, jac []float64, n, p int) {
	if len(dst) != p || len(jac) != n*p {
		panic("sim: ColumnNorms: dimensions do not match")
	}
	for k := range dst {
		dst[k] = 0
	}
	for i := 0; i < n; i++ {
		row := jac[i*p : (i+1)*p]
		for k, v := range row {
			dst[k] += v * v
		}
	}
	for k, v := range dst {
		dst[k] = math.Sqrt(v)
	}
}
