package sim

import (
	gonumlapack "gonum.org/v1/gonum/lapack/gonum"
)

// upperFromQR returns the d×d upper-triangular factor R of the QR factorization of the
// m×d row-major matrix a (m ≥ d); a is overwritten.
func upperFromQR(a []float64, m, d int) []float64 {
	var impl gonumlapack.Implementation
	tau := make([]float64, d)
	var query [1]float64
	impl.Dgeqrf(m, d, a, d, tau, query[:], -1)
	work := make([]float64, max(int(query[0]), d))
	impl.Dgeqrf(m, d, a, d, tau, work, len(work))
	r := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for k := i; k < d; k++ {
			r[i*d+k] = a[i*d+k]
		}
	}
	return r
}
