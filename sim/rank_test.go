package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The structured singular values come from the eigenvalues of a Gram matrix, so a
// singular value σ is accurate to about ε_mach·σ_max²/σ, at worst √ε_mach·σ_max.
const (
	svRelTol = 1e-6 // on |σ_structured − σ_explicit| / σ_max
	// rankSkipFrac: NumericalRank is compared only when no σ/σ_max lies within this
	// relative distance of τ, where the two computations may legitimately disagree.
	rankSkipFrac = 0.01
)

func TestNumericalRankHand(t *testing.T) {
	outer := make([]float64, 4*3) // (1, 2, 3, 4)ᵀ(1, −1, 2)
	for i, u := range []float64{1, 2, 3, 4} {
		for j, v := range []float64{1, -1, 2} {
			outer[i*3+j] = u * v
		}
	}
	identity := make([]float64, 5*5)
	for i := 0; i < 5; i++ {
		identity[i*5+i] = 1
	}
	for _, tc := range []struct {
		name string
		a    []float64
		r, c int
		want int
	}{
		{"zero 3×4", make([]float64, 12), 3, 4, 0},
		{"identity 5×5", identity, 5, 5, 5},
		{"rank-1 outer product 4×3", outer, 4, 3, 1},
		{"1×1", []float64{-2}, 1, 1, 1},
	} {
		sv := SingularValues(tc.a, tc.r, tc.c)
		if got := NumericalRank(sv, RankTauReLU); got != tc.want {
			t.Errorf("%s: NumericalRank(%v, %g) = %d, want %d", tc.name, sv, RankTauReLU, got, tc.want)
		}
	}
	for _, tc := range []struct {
		sv   []float64
		tau  float64
		want int
	}{
		{nil, 1e-4, 0},
		{[]float64{0, 0}, 1e-4, 0},
		{[]float64{1, 1e-3, 1e-5}, 1e-4, 2},
		{[]float64{1e-5, 1, 1e-3}, 1e-4, 2}, // order does not matter
		{[]float64{2, 1}, 0.5, 1},           // σ/σ_max = τ exactly does not count
		{[]float64{math.NaN(), 1}, 1e-4, 0},
	} {
		if got := NumericalRank(tc.sv, tc.tau); got != tc.want {
			t.Errorf("NumericalRank(%v, %g) = %d, want %d", tc.sv, tc.tau, got, tc.want)
		}
	}
}

// TestNumericalRankLowRankProducts checks rank(AB) = k ≤ min(r, c) for random
// Gaussian A (r×k) and B (k×c), and that SingularValues leaves its input alone.
func TestNumericalRankLowRankProducts(t *testing.T) {
	const tau = 1e-10
	r := testRand(3)
	for trial := 0; trial < 40; trial++ {
		rows, cols := 1+r.IntN(30), 1+r.IntN(30)
		k := 1 + r.IntN(min(rows, cols))
		if trial%4 == 0 {
			k = min(rows, cols) + r.IntN(5) // full rank, possibly k > min dims
		}
		a, b := gaussian(r, rows*k), gaussian(r, k*cols)
		p := make([]float64, rows*cols)
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				for q := 0; q < k; q++ {
					p[i*cols+j] += a[i*k+q] * b[q*cols+j]
				}
			}
		}
		orig := slices.Clone(p)
		sv := SingularValues(p, rows, cols)
		if !sameBits(p, orig) {
			t.Errorf("SingularValues modified its input")
		}
		got := NumericalRank(sv, tau)
		want := min(k, rows, cols)
		if got != want || got > min(rows, cols) {
			t.Errorf("%d×%d product of inner dimension %d: NumericalRank = %d, want %d", rows, cols, k, got, want)
		}
	}
}

func gaussian(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	return v
}

// rankCase is a network and the sorted points its Jacobian is evaluated on.
type rankCase struct {
	name string
	net  *ReLU1D
	t    []float64
}

// rankCases builds seeded random networks with the degenerate neurons a trained
// network has: dead ones, a_j = 0, w_j = 0, duplicates and kinks exactly on points.
func rankCases() []rankCase {
	var cases []rankCase
	lo, hi := PaperPoints().Range()
	for _, m := range []int{1, 2, 5, 30, 100} {
		for v, variant := range []string{"plain", "degenerate", "few points", "tied points"} {
			r := testRand(uint64(100*m + v))
			n := randomNet(r, m)
			np := 3 * m
			switch variant {
			case "few points":
				np = 12
			}
			pts := make([]float64, np)
			for i := range pts {
				pts[i] = lo + (hi-lo)*r.Float64()
			}
			if variant == "tied points" {
				for i := 1; i < np; i += 3 {
					pts[i] = pts[i-1]
				}
			}
			slices.Sort(pts)
			w, b, a := n.W(), n.B(), n.A()
			if variant == "degenerate" {
				for j := 0; j < m; j++ {
					switch r.IntN(7) {
					case 0: // dead: its kink lies right of every point and it is active to the right
						w[j], b[j] = math.Abs(w[j]), -math.Abs(w[j])*(hi+1)
					case 1:
						a[j] = 0
					case 2:
						w[j] = 0 // constant neuron, b_j > 0 active everywhere, b_j ≤ 0 dead
					case 3: // kink exactly on a point: w·t + b = 0 there
						b[j] = -(w[j] * pts[r.IntN(np)])
					case 4: // duplicate of another neuron
						k := r.IntN(m)
						w[j], b[j], a[j] = w[k], b[k], a[k]
					case 5: // same kink as another neuron, other slope
						k := r.IntN(m)
						w[j], b[j] = 2*w[k], 2*b[k]
					}
				}
			}
			cases = append(cases, rankCase{fmt.Sprintf("m%d_%s", m, variant), n, pts})
		}
	}
	// Every neuron dead: φ = 0.
	dead := NewReLU1D(4)
	for j := range dead.W() {
		dead.W()[j], dead.B()[j], dead.A()[j] = 1, -10, 1
	}
	cases = append(cases, rankCase{"all dead", dead, []float64{-1, 0, 0.5, 1, 2}})
	return cases
}

// TestJacobianSingularValuesMatchSVD compares the structured singular values with
// gonum's SVD of the explicit Jacobian, reusing one workspace across all cases.
func TestJacobianSingularValuesMatchSVD(t *testing.T) {
	var ws RankWorkspace
	worst := 0.0
	for _, tc := range rankCases() {
		n, pts := tc.net, tc.t
		p := n.NumParams()
		theta, ptsOrig := slices.Clone(n.Params()), slices.Clone(pts)
		jac := make([]float64, len(pts)*p)
		Jacobian(jac, n, oneD(slices.Clone(pts)))
		want := SingularValues(jac, len(pts), p)
		got := n.JacobianSingularValues(&ws, pts)
		if !sameBits(n.Params(), theta) || !sameBits(pts, ptsOrig) {
			t.Errorf("%s: JacobianSingularValues modified the parameters or the points", tc.name)
		}
		slices.Sort(got)
		slices.Reverse(got)
		top := 0.0
		if len(want) > 0 {
			top = want[0]
		}
		for i := 0; i < max(len(got), len(want)); i++ {
			var g, w float64
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			d := math.Abs(g - w)
			if top > 0 {
				worst = max(worst, d/top)
			}
			if d > svRelTol*top || (top == 0 && g != 0) {
				t.Errorf("%s: σ_%d = %.10g, want %.10g (explicit SVD, σ_max %.4g)", tc.name, i, g, w, top)
				break
			}
		}
		if len(got) > 2*min(len(pts), n.Width()+1) {
			t.Errorf("%s: %d structured singular values, want at most 2·min(points, m+1)", tc.name, len(got))
		}

		rs, re := NumericalRank(got, RankTauReLU), NumericalRank(want, RankTauReLU)
		if nearThreshold(want, RankTauReLU) {
			t.Logf("%s: some σ/σ_max within %g%% of τ, rank not compared (%d vs %d)", tc.name, 100*rankSkipFrac, rs, re)
			continue
		}
		if rs != re {
			t.Errorf("%s: NumericalRank(structured) = %d, want %d (explicit SVD)", tc.name, rs, re)
		}
		if re > min(len(pts), p) {
			t.Errorf("%s: rank %d exceeds min(%d, %d)", tc.name, re, len(pts), p)
		}
	}
	t.Logf("largest |σ_structured − σ_explicit|/σ_max = %.3g (tolerance %g)", worst, svRelTol)
}

func nearThreshold(sv []float64, tau float64) bool {
	top := slices.Max(append([]float64{0}, sv...))
	for _, s := range sv {
		if math.Abs(s/top-tau) <= rankSkipFrac*tau {
			return true
		}
	}
	return false
}

// TestJacobianSingularValuesDuplicateNeurons checks a case whose rank is known: m
// copies of one neuron active on every point have the Jacobian of one neuron, whose
// three columns a·t, a and w·t + b span {1, t}: rank 2.
func TestJacobianSingularValuesDuplicateNeurons(t *testing.T) {
	var ws RankWorkspace
	for _, m := range []int{1, 3, 50} {
		n := NewReLU1D(m)
		for j := 0; j < m; j++ {
			n.W()[j], n.B()[j], n.A()[j] = 1, 5, 0.7
		}
		pts := []float64{-1, -0.5, 0, 0.3, 1, 2}
		if got := NumericalRank(n.JacobianSingularValues(&ws, pts), RankTauReLU); got != 2 {
			t.Errorf("%d copies of one always-active neuron: rank = %d, want 2", m, got)
		}
	}
}
