package sim

import (
	"math"
	"slices"
	"testing"
)

// TestMLPRankDropsOnlyZeroColumns: in d ≥ 2 the rank's SVD runs on the Jacobian's
// non-zero columns; its singular values must be those of the whole Jacobian, with
// dead neurons (whose parameters have all-zero columns) present.
func TestMLPRankDropsOnlyZeroColumns(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		r := testRand(seed)
		n := NewMLP([]int{5, 10, 10, 1}, true)
		n.Init(r, 0.8)
		// Kill some first-layer neurons: a large negative bias keeps them off on the
		// unit sphere.
		b := n.Bias(1)
		for j := 0; j < int(seed)%5+1; j++ {
			b[j] = -100
		}
		rk := newMLPRank(testRand(seed+100), 5, n.NumParams(), -1, 1)
		p, nf := n.NumParams(), rk.pts.Len()
		full := make([]float64, nf*p)
		Jacobian(full, n, rk.pts)
		want := SingularValues(full, nf, p)
		got := rk.singularValues(n)
		if len(rk.keep) >= p {
			t.Fatalf("seed %d: no column was dropped; the test does not test the compaction", seed)
		}
		slices.Sort(got)
		slices.Reverse(got)
		for i := range want {
			g := 0.0
			if i < len(got) {
				g = got[i]
			}
			if math.Abs(g-want[i]) > 1e-10*want[0] {
				t.Errorf("seed %d: σ_%d = %g, want %g", seed, i, g, want[i])
				break
			}
		}
		if gr, wr := NumericalRank(got, RankTauReLU), NumericalRank(want, RankTauReLU); gr != wr {
			t.Errorf("seed %d: rank %d, want %d", seed, gr, wr)
		}
	}
}
