package sim

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack"
	gonumlapack "gonum.org/v1/gonum/lapack/gonum"
)

// Rank thresholds of the paper: σ_k/σ_max > τ counts.
const (
	RankTauReLU     = 1e-4  // ReLU networks
	RankTauDiagonal = 1e-15 // diagonal linear networks
)

// SingularValues returns the singular values of the r×c row-major matrix a in
// decreasing order, with LAPACK's dgesvd (gonum); a is not modified. It is also the
// slow, obvious reference for the structured computations below.
func SingularValues(a []float64, r, c int) []float64 {
	var impl gonumlapack.Implementation
	work := slices.Clone(a)
	s := make([]float64, min(r, c))
	var query [1]float64
	impl.Dgesvd(lapack.SVDNone, lapack.SVDNone, r, c, work, c, s, nil, 1, nil, 1, query[:], -1)
	buf := make([]float64, max(int(query[0]), 1))
	if !impl.Dgesvd(lapack.SVDNone, lapack.SVDNone, r, c, work, c, s, nil, 1, nil, 1, buf, len(buf)) {
		panic("sim: SVD did not converge")
	}
	return s
}

// NumericalRank returns #{k : σ_k/σ_max > tau}; zero for an all-zero matrix.
func NumericalRank(sv []float64, tau float64) int {
	top := 0.0
	for _, s := range sv {
		top = max(top, s)
	}
	if top == 0 || math.IsNaN(top) {
		return 0
	}
	r := 0
	for _, s := range sv {
		if s/top > tau {
			r++
		}
	}
	return r
}

// RankWorkspace holds the buffers of ReLU1D.JacobianSingularValues, so repeated
// snapshots allocate little.
type RankWorkspace struct {
	lo, hi   []int     // active index range [lo, hi) of each neuron on the points
	cuts     []int     // segment boundaries
	seg      []int     // segment of each cut position
	cnt      []float64 // neuron statistics binned by (first, last+1) segment
	gram     []float64
	eigWork  []float64
	segMean  []float64
	segSqrtN []float64
	segDev   []float64
}

// JacobianSingularValues returns the singular values of φ_θ(T), the Jacobian on the
// sorted points t (not necessarily in order of size, zeros omitted).
//
// It exploits the structure of φ instead of factorizing the |t|×3m matrix. Neuron j
// is active on a contiguous run of the sorted points (a suffix if w_j > 0, a prefix if
// w_j < 0), so the cuts where some neuron switches split the points into S segments
// on which every column of φ is an affine function α + βt. With an orthonormal basis
// {1, t − t̄} per segment, φ = Q·C where Q has orthonormal columns and C is 2S×3m, so
// φ and C share their singular values. The Gram matrix CCᵀ needs, for each pair of
// segments, sums over the neurons active on both of three per-neuron numbers
// (Σα² = a²+b², Σαβ = bw, Σβ² = a²+w² over the neuron's three columns), which a 2D
// prefix sum gives in O(S² + m). Its eigenvalues are σ²: one symmetric eigenproblem
// of size 2S ≤ 2(m+1) instead of an SVD of size 3m.
func (n *ReLU1D) JacobianSingularValues(ws *RankWorkspace, t []float64) []float64 {
	m, np := n.m, len(t)
	w, b, a := n.W(), n.B(), n.A()
	ws.lo, ws.hi = grow(ws.lo, m), grow(ws.hi, m)
	ws.cuts = append(ws.cuts[:0], 0, np)
	for j := 0; j < m; j++ {
		// Find the switching index with the same expression the Jacobian evaluates;
		// w·t + b is monotone in t in floating point too.
		active := func(i int) bool { return w[j]*t[i]+b[j] > 0 }
		switch {
		case w[j] > 0:
			ws.lo[j], ws.hi[j] = firstTrue(np, active), np
		case w[j] < 0:
			ws.lo[j], ws.hi[j] = 0, firstTrue(np, func(i int) bool { return !active(i) })
		case b[j] > 0:
			ws.lo[j], ws.hi[j] = 0, np
		default:
			ws.lo[j], ws.hi[j] = 0, 0
		}
		if ws.lo[j] < ws.hi[j] {
			ws.cuts = append(ws.cuts, ws.lo[j], ws.hi[j])
		}
	}
	slices.Sort(ws.cuts)
	ws.cuts = slices.Compact(ws.cuts)
	nseg := len(ws.cuts) - 1
	if nseg < 1 {
		return nil
	}
	// Segment statistics: √n_s, mean t̄_s and deviation d_s = ‖t − t̄_s‖.
	ws.segSqrtN, ws.segMean, ws.segDev = grow(ws.segSqrtN, nseg), grow(ws.segMean, nseg), grow(ws.segDev, nseg)
	for s := 0; s < nseg; s++ {
		pts := t[ws.cuts[s]:ws.cuts[s+1]]
		mean := 0.0
		for _, v := range pts {
			mean += v
		}
		mean /= float64(len(pts))
		dev := 0.0
		for _, v := range pts {
			dev += (v - mean) * (v - mean)
		}
		ws.segSqrtN[s], ws.segMean[s], ws.segDev[s] = math.Sqrt(float64(len(pts))), mean, math.Sqrt(dev)
	}
	// Bin each active neuron by its first segment f and one past its last, l; then
	// cum[f][l] (after prefix sums) holds the sums over neurons with first ≤ f and
	// last+1 ≥ l, which are exactly the neurons active on segments f..l−1.
	segOf := func(idx int) int { s, _ := slices.BinarySearch(ws.cuts, idx); return s }
	dim := nseg + 1
	ws.cnt = grow(ws.cnt, 3*dim*dim)
	clear(ws.cnt)
	for j := 0; j < m; j++ {
		if ws.lo[j] >= ws.hi[j] {
			continue
		}
		f, l := segOf(ws.lo[j]), segOf(ws.hi[j])
		k := 3 * (f*dim + l)
		ws.cnt[k] += a[j]*a[j] + b[j]*b[j]
		ws.cnt[k+1] += b[j] * w[j]
		ws.cnt[k+2] += a[j]*a[j] + w[j]*w[j]
	}
	// Prefix sums: increasing in f, decreasing in l.
	for f := 0; f < dim; f++ {
		for l := dim - 2; l >= 0; l-- {
			for q := 0; q < 3; q++ {
				ws.cnt[3*(f*dim+l)+q] += ws.cnt[3*(f*dim+l+1)+q]
			}
		}
	}
	for f := 1; f < dim; f++ {
		for l := 0; l < dim; l++ {
			for q := 0; q < 3; q++ {
				ws.cnt[3*(f*dim+l)+q] += ws.cnt[3*((f-1)*dim+l)+q]
			}
		}
	}
	// Rows of C: (s, 0) for the constant basis vector and (s, 1) for the linear one,
	// which is absent on single-point segments.
	rows := make([]int, 0, 2*nseg) // row r ↦ 2s+u
	for s := 0; s < nseg; s++ {
		rows = append(rows, 2*s)
		if ws.segDev[s] > 0 {
			rows = append(rows, 2*s+1)
		}
	}
	dimG := len(rows)
	ws.gram = grow(ws.gram, dimG*dimG)
	for r1, code1 := range rows {
		s1, u1 := code1/2, code1%2
		for r2 := r1; r2 < dimG; r2++ {
			s2, u2 := rows[r2]/2, rows[r2]%2
			// Neurons active on both s1 ≤ s2: first ≤ s1, last+1 ≥ s2+1.
			k := 3 * (s1*dim + s2 + 1)
			sA, sB, sC := ws.cnt[k], ws.cnt[k+1], ws.cnt[k+2]
			t1, t2 := ws.segMean[s1], ws.segMean[s2]
			var g float64
			switch {
			case u1 == 0 && u2 == 0:
				g = ws.segSqrtN[s1] * ws.segSqrtN[s2] * (sA + (t1+t2)*sB + t1*t2*sC)
			case u1 == 0 && u2 == 1:
				g = ws.segSqrtN[s1] * ws.segDev[s2] * (sB + t1*sC)
			case u1 == 1 && u2 == 0:
				g = ws.segDev[s1] * ws.segSqrtN[s2] * (sB + t2*sC)
			default:
				g = ws.segDev[s1] * ws.segDev[s2] * sC
			}
			ws.gram[r1*dimG+r2] = g
			ws.gram[r2*dimG+r1] = g
		}
	}
	ev := ws.symEigenvalues(ws.gram[:dimG*dimG], dimG)
	for i, v := range ev {
		ev[i] = math.Sqrt(max(v, 0))
	}
	return ev
}

// symEigenvalues returns the eigenvalues of the symmetric n×n matrix a (overwritten)
// in a new slice. It calls LAPACK's dsyev directly rather than through gonum/mat,
// whose interfaces would link most of mat into the browser build.
func (ws *RankWorkspace) symEigenvalues(a []float64, n int) []float64 {
	var impl gonumlapack.Implementation
	var query [1]float64
	impl.Dsyev(lapack.EVNone, blas.Upper, n, a, n, nil, query[:], -1)
	ws.eigWork = grow(ws.eigWork, max(int(query[0]), 3*n))
	w := make([]float64, n)
	if !impl.Dsyev(lapack.EVNone, blas.Upper, n, a, n, w, ws.eigWork, len(ws.eigWork)) {
		panic("sim: symmetric eigenvalue iteration did not converge")
	}
	return w
}

// firstTrue returns the smallest i in [0, n) with pred(i), or n; pred must be
// monotone (false…false true…true).
func firstTrue(n int, pred func(int) bool) int {
	lo, hi := 0, n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if pred(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// grow returns a slice of length n, reusing buf's storage when it is large enough.
func grow[T any](buf []T, n int) []T {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]T, n)
}
