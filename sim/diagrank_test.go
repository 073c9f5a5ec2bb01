package sim

import (
	"math"
	"testing"
)

// TestDiagRankAgainstSVD: the O(d) rank of the diagonal network equals the SVD's
// count whenever no coordinate lies in the band Ostrowski's theorem leaves open, and
// the SVD's count always lies within the bracket.
func TestDiagRankAgainstSVD(t *testing.T) {
	exact := 0
	for seed := uint64(1); seed <= 40; seed++ {
		r := testRand(seed)
		d := 5 + int(seed)*3
		dr := newDiagRank(r, d)
		n := NewDiagonal(d)
		u, v := n.U(), n.V()
		for _, tau := range []float64{1e-2, 1e-4, 1e-6} {
			// Odd seeds spread coordinates over 14 decades; even seeds split them
			// into live ones and ones collapsed far below τ, as training leaves them.
			for k := range u {
				scale := math.Pow(10, -14*r.Float64())
				if seed%2 == 0 {
					scale = math.Pow(10, -r.Float64())
					if r.IntN(2) == 0 {
						scale *= tau * 1e-3
					}
				}
				if r.IntN(5) == 0 {
					scale = 0
				}
				u[k], v[k] = scale*Normal(r), scale*Normal(r)
			}
			sv := dr.singularValues(n)
			if near(sv, tau) {
				continue
			}
			want := NumericalRank(sv, tau)
			lo, hi := dr.bracket(n, tau)
			if want < lo || want > hi {
				t.Errorf("seed %d d %d τ %g: SVD rank %d outside the bracket [%d, %d]", seed, d, tau, want, lo, hi)
			}
			if lo == hi {
				exact++
				if got := dr.rank(n, tau); got != want {
					t.Errorf("seed %d d %d τ %g: rank = %d, want %d (SVD)", seed, d, tau, got, want)
				}
			}
		}
	}
	if exact < 20 {
		t.Errorf("only %d cases had no coordinate in the band; the test does not check exact agreement", exact)
	}
}

// near reports whether a singular value lies within 1% of the threshold, where the
// SVD's own count is not reliable.
func near(sv []float64, tau float64) bool {
	for _, s := range sv {
		if math.Abs(s/sv[0]-tau) < 0.01*tau {
			return true
		}
	}
	return false
}
