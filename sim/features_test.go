package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestFeatureSparsityHand(t *testing.T) {
	// dense: three clearly different positive columns (pairwise |corr| < 0.9 after
	// row normalization), so nothing is dropped.
	dense := [][]float64{
		{1, 4, 1},
		{2, 3, 3},
		{3, 2, 1},
		{4, 1, 3},
	}
	withCols := func(rows [][]float64, extra func(i int, row []float64) []float64) [][]float64 {
		out := make([][]float64, len(rows))
		for i, r := range rows {
			out[i] = extra(i, slices.Clone(r))
		}
		return out
	}
	for _, tc := range []struct {
		name string
		act  [][]float64
		tau  float64
		want float64
	}{
		{"dense distinct features", dense, DupTauReLU1D, 1},
		{"a scaled copy of column 0 deletes column 0", withCols(dense, func(_ int, r []float64) []float64 { return append(r, 2*r[0]) }), DupTauReLU1D, 12.0 / 16},
		{"two copies keep only the last", withCols(dense, func(_ int, r []float64) []float64 { return append(r, r[1], r[1]) }), DupTauReLU1D, 12.0 / 20},
		{"all-zero columns are dropped but counted in m", withCols(dense, func(_ int, r []float64) []float64 { return append([]float64{0}, append(r, 0)...) }), DupTauReLU1D, 12.0 / 20},
		{"an all-zero row stays zero", append(slices.Clone(dense), []float64{0, 0, 0}), DupTauReLU1D, 12.0 / 15},
		{"all zero", [][]float64{{0, 0}, {0, 0}}, DupTauReLU1D, 0},
		// After row normalization both columns are exactly the constant 1/√2 (rows scaled
		// by powers of two normalize exactly): no correlation is defined and neither
		// counts as a duplicate.
		{"constant columns are never duplicates", [][]float64{{1, 1}, {4, 4}, {2, 2}}, DupTauReLU1D, 1},
		// Rows (3, 4, 0)/5 and (3, 0, 4)/5: column 0 is the constant 0.6 and stays;
		// columns 1 and 2 have correlation −1, so column 1 goes.
		{"a constant column next to varying ones", [][]float64{{3, 4, 0}, {3, 0, 4}}, DupTauReLU1D, 3.0 / 6},
		{"one live column", [][]float64{{1, 0}, {1, 0}, {0, 0}}, DupTauReLU1D, 2.0 / 6},
		// With two samples every pair of non-constant columns has |corr| = 1: the scan
		// deletes each column while a later one is present and keeps the last.
		{"two samples", [][]float64{{1, 2, 3}, {3, 1, 2}}, DupTauReLU1D, 2.0 / 6},
		{"sparse columns", [][]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0, 0, 0}}, DupTauReLU1D, 3.0 / 12},
		{"single neuron", [][]float64{{1}, {0}, {2}}, DupTauReLU1D, 2.0 / 3},
	} {
		n, m := len(tc.act), len(tc.act[0])
		act := make([]float64, 0, n*m)
		for _, r := range tc.act {
			act = append(act, r...)
		}
		orig := slices.Clone(act)
		if got := FeatureSparsity(act, n, m, tc.tau); got != tc.want {
			t.Errorf("%s: FeatureSparsity(%v, %g) = %g, want %g", tc.name, tc.act, tc.tau, got, tc.want)
		}
		if ref := slowFeatureSparsity(act, n, m, tc.tau); ref != tc.want {
			t.Errorf("%s: slowFeatureSparsity(%v, %g) = %g, want %g (the test's reference is wrong)", tc.name, tc.act, tc.tau, ref, tc.want)
		}
		if !sameBits(act, orig) {
			t.Errorf("%s: FeatureSparsity modified its input", tc.name)
		}
	}
	if got := FeatureSparsity(nil, 0, 3, DupTauReLU1D); !math.IsNaN(got) {
		t.Errorf("FeatureSparsity of 0 samples = %g, want NaN", got)
	}
}

// slowFeatureSparsity is a literal port of the reference code's feature_sparsity
// (numpy): row-normalize with NaN → 0, keep columns with a positive entry, take
// np.corrcoef of the kept columns minus the identity, and scan with the
// delete-row-and-column loop.
func slowFeatureSparsity(act []float64, n, m int, thr float64) float64 {
	phi := make([][]float64, n)
	for i := range phi {
		phi[i] = make([]float64, m)
		ss := 0.0
		for j := 0; j < m; j++ {
			ss += act[i*m+j] * act[i*m+j]
		}
		for j := 0; j < m; j++ {
			v := act[i*m+j] / math.Sqrt(ss)
			if math.IsNaN(v) {
				v = 0
			}
			phi[i][j] = v
		}
	}
	// idx_keep = np.where((phi > 0.0).sum(0) > 0)[0]
	var idxKeep []int
	for j := 0; j < m; j++ {
		for i := 0; i < n; i++ {
			if phi[i][j] > 0 {
				idxKeep = append(idxKeep, j)
				break
			}
		}
	}
	// corr_matrix = np.corrcoef(phi_filtered.T) − np.eye(k)
	k := len(idxKeep)
	cent := make([][]float64, k)
	for q, j := range idxKeep {
		mean := 0.0
		for i := 0; i < n; i++ {
			mean += phi[i][j]
		}
		mean /= float64(n)
		cent[q] = make([]float64, n)
		for i := 0; i < n; i++ {
			cent[q][i] = phi[i][j] - mean
		}
	}
	cov := make([][]float64, k)
	for p := range cov {
		cov[p] = make([]float64, k)
		for q := range cov[p] {
			for i := 0; i < n; i++ {
				cov[p][q] += cent[p][i] * cent[q][i]
			}
			cov[p][q] /= float64(n - 1)
		}
	}
	corr := make([][]float64, k)
	for p := range corr {
		corr[p] = make([]float64, k)
		for q := range corr[p] {
			c := cov[p][q] / math.Sqrt(cov[p][p])
			c /= math.Sqrt(cov[q][q])
			if !math.IsNaN(c) {
				c = math.Max(-1, math.Min(1, c))
			}
			corr[p][q] = c
		}
		corr[p][p] -= 1
	}
	var idxToDelete []int
	for i, j := 0, 0; i != len(corr); j++ {
		count := 0
		for _, v := range corr[i] {
			if math.Abs(v) > thr {
				count++
			}
		}
		if count > 0 {
			corr = slices.Delete(corr, i, i+1)
			for r := range corr {
				corr[r] = slices.Delete(corr[r], i, i+1)
			}
			idxToDelete = append(idxToDelete, j)
		} else {
			i++
		}
	}
	nnz := 0
	for q, j := range idxKeep {
		if slices.Contains(idxToDelete, q) {
			continue
		}
		for i := 0; i < n; i++ {
			if phi[i][j] != 0 {
				nnz++
			}
		}
	}
	return float64(nnz) / float64(n*m)
}

// maxCorrNear reports whether some pair of columns of act has a Pearson correlation
// (after row normalization) within eps of ±tau in absolute value, where two correct
// implementations may round to different sides.
func maxCorrNear(act []float64, n, m int, tau, eps float64) bool {
	phi := slices.Clone(act)
	for i := 0; i < n; i++ {
		ss := 0.0
		for j := 0; j < m; j++ {
			ss += phi[i*m+j] * phi[i*m+j]
		}
		for j := 0; j < m && ss > 0; j++ {
			phi[i*m+j] /= math.Sqrt(ss)
		}
	}
	col := func(j int) []float64 {
		c := make([]float64, n)
		mean := 0.0
		for i := range c {
			c[i] = phi[i*m+j]
			mean += c[i]
		}
		for i := range c {
			c[i] -= mean / float64(n)
		}
		return c
	}
	for p := 0; p < m; p++ {
		cp := col(p)
		for q := p + 1; q < m; q++ {
			cq := col(q)
			var sxy, sxx, syy float64
			for i := range cp {
				sxy += cp[i] * cq[i]
				sxx += cp[i] * cp[i]
				syy += cq[i] * cq[i]
			}
			if c := math.Abs(sxy / math.Sqrt(sxx*syy)); math.Abs(c-tau) < eps {
				return true
			}
		}
	}
	return false
}

// randomActivations returns n×m ReLU activations of a random 1D net on random
// inputs, with planted exact duplicates, near-duplicates, zero columns and zero rows.
func randomActivations(r *rand.Rand, n, m int) []float64 {
	net := randomNet(r, m)
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = 3*r.Float64() - 1.5
	}
	act := make([]float64, n*m)
	net.Activations(act, oneD(xs))
	for plant := 0; plant < m/3; plant++ {
		src, dst := r.IntN(m), r.IntN(m)
		scale := 0.1 + 3*r.Float64()
		noise := []float64{0, 1e-4, 1e-3, 1e-2, 0.1}[r.IntN(5)]
		for i := 0; i < n; i++ {
			v := scale * act[i*m+src]
			if v > 0 {
				v = math.Max(0, v+noise*r.NormFloat64())
			}
			act[i*m+dst] = v
		}
	}
	if r.IntN(3) == 0 {
		j := r.IntN(m)
		for i := 0; i < n; i++ {
			act[i*m+j] = 0
		}
	}
	if r.IntN(3) == 0 {
		i := r.IntN(n)
		clear(act[i*m : (i+1)*m])
	}
	return act
}

// TestFeatureSparsityMatchesReference compares FeatureSparsity with the literal port
// of the reference code on random sparse activations.
func TestFeatureSparsityMatchesReference(t *testing.T) {
	const nearTau = 1e-9
	r := testRand(17)
	compared, skipped, withDuplicates := 0, 0, 0
	for trial := 0; trial < 300; trial++ {
		n, m := 2+r.IntN(20), 1+r.IntN(60)
		tau := []float64{DupTauReLU1D, DupTauTeacher, DupTauDeepNets}[trial%3]
		act := randomActivations(r, n, m)
		if maxCorrNear(act, n, m, tau, nearTau) {
			skipped++
			continue
		}
		orig := slices.Clone(act)
		got := FeatureSparsity(act, n, m, tau)
		want := slowFeatureSparsity(act, n, m, tau)
		if got != want {
			t.Errorf("trial %d (%d×%d, τ %g): FeatureSparsity = %g, want %g (reference port)", trial, n, m, tau, got, want)
		}
		if !sameBits(act, orig) {
			t.Errorf("trial %d: FeatureSparsity modified its input", trial)
		}
		if got < 0 || got > 1 {
			t.Errorf("trial %d: FeatureSparsity = %g, want a fraction in [0, 1]", trial, got)
		}
		nnz := 0
		for _, v := range act {
			if v != 0 {
				nnz++
			}
		}
		if got < float64(nnz)/float64(n*m) {
			withDuplicates++
		}
		compared++
	}
	t.Logf("%d cases compared, %d with duplicates, %d skipped near τ", compared, withDuplicates, skipped)
	// The cases must exercise the duplicate scan, not only the counting.
	if compared < 250 || withDuplicates < compared/4 {
		t.Errorf("compared %d cases (%d with duplicates, %d skipped near τ), want at least 250 with a quarter having duplicates", compared, withDuplicates, skipped)
	}
}

// kinkNet returns a network with a kink at xs[j] whose slope changes by ds[j]: neuron
// j has w_j = ws[j] (a power of two, so −b/w is exact), b_j = −w_j·xs[j] and
// a_j = ds[j]/|w_j|.
func kinkNet(xs, ds, ws []float64) *ReLU1D {
	n := NewReLU1D(len(xs))
	for j := range xs {
		n.W()[j] = ws[j]
		n.B()[j] = -ws[j] * xs[j]
		n.A()[j] = ds[j] / math.Abs(ws[j])
	}
	return n
}

func TestKinksHand(t *testing.T) {
	type cluster struct {
		x, slope float64
		neurons  int
		visible  bool
	}
	for _, tc := range []struct {
		name       string
		xs, ds, ws []float64
		lo, hi     float64
		merge      float64
		want       []cluster
		raw        int
	}{
		{"three separate kinks", []float64{1, -1, 0}, []float64{3, 1, -2}, []float64{1, -2, 4},
			-2, 2, 0.05, []cluster{{-1, 1, 1, true}, {0, -2, 1, true}, {1, 3, 1, true}}, 3},
		{"a chain closer than merge is one cluster", []float64{0, 0.0625, 0.125, 0.5}, []float64{1, 1, 2, 1}, []float64{1, 1, -1, 1},
			-1, 1, 0.1, []cluster{{(0 + 0.0625 + 2*0.125) / 4, 4, 3, true}, {0.5, 1, 1, true}}, 4},
		{"a gap equal to merge splits", []float64{0, 0.5}, []float64{1, 1}, []float64{1, 1},
			-1, 1, 0.5, []cluster{{0, 1, 1, true}, {0.5, 1, 1, true}}, 2},
		{"opposite signs cancel", []float64{0.5, 0.515625, -1}, []float64{2, -2, 1}, []float64{1, -1, 2},
			-2, 2, 0.05, []cluster{{-1, 1, 1, true}, {0.5078125, 0, 2, false}}, 3},
		{"kinks outside [lo, hi] are ignored, the ends count", []float64{-3, -2, 0, 2, 3}, []float64{1, 1, 1, 1, 1}, []float64{1, 1, 1, -1, 1},
			-2, 2, 0.05, []cluster{{-2, 1, 1, true}, {0, 1, 1, true}, {2, 1, 1, true}}, 3},
		// minFrac = 5 %: 0.05 of the largest is not more than 5 %, 0.0625 is.
		{"visible threshold", []float64{-1, 0, 1}, []float64{1, 0.05, -0.0625}, []float64{1, 1, 1},
			-2, 2, 0.05, []cluster{{-1, 1, 1, true}, {0, 0.05, 1, false}, {1, -0.0625, 1, true}}, 3},
		{"no kinks", []float64{5}, []float64{1}, []float64{1}, -1, 1, 0.05, nil, 0},
	} {
		n := kinkNet(tc.xs, tc.ds, tc.ws)
		got := n.Kinks(tc.lo, tc.hi, tc.merge, KinkMinFrac)
		if got.Raw != tc.raw {
			t.Errorf("%s: Raw = %d, want %d", tc.name, got.Raw, tc.raw)
		}
		if len(got.Clusters) != len(tc.want) {
			t.Errorf("%s: %d clusters %+v, want %d", tc.name, len(got.Clusters), got.Clusters, len(tc.want))
			continue
		}
		visible := 0
		for i, w := range tc.want {
			c := got.Clusters[i]
			if math.Abs(c.X-w.x) > 1e-12 || math.Abs(c.SlopeChange-w.slope) > 1e-12 || c.Neurons != w.neurons || c.Visible != w.visible {
				t.Errorf("%s: cluster %d = %+v, want {X:%g SlopeChange:%g Neurons:%d Visible:%v}", tc.name, i, c, w.x, w.slope, w.neurons, w.visible)
			}
			if w.visible {
				visible++
			}
		}
		if got.Visible != visible {
			t.Errorf("%s: Visible = %d, want %d", tc.name, got.Visible, visible)
		}
	}
}

func TestKinksIgnoreFlatNeurons(t *testing.T) {
	n := NewReLU1D(3)
	// a_j = 0: no slope; w_j = 0: no kink; the third neuron has its kink at 0.25.
	if err := n.SetParams([]float64{1, 0, -4}, []float64{0, 1, 1}, []float64{0, 2, 1}); err != nil {
		t.Fatal(err)
	}
	got := n.Kinks(-1, 1, KinkMerge, KinkMinFrac)
	if got.Raw != 1 || got.Visible != 1 || len(got.Clusters) != 1 || got.Clusters[0].X != 0.25 || got.Clusters[0].SlopeChange != 4 {
		t.Errorf("Kinks = %+v, want one visible kink at 0.25 with slope change 4", got)
	}
}

// TestKinksSlopeChangesAddUp checks on random networks that the signed slope changes
// of the clusters inside [lo, hi] add up to the change of h's slope from left of lo to
// right of hi, measured with h itself, and that merging never loses a neuron.
func TestKinksSlopeChangesAddUp(t *testing.T) {
	const delta, tol = 1e-4, 1e-6
	r := testRand(23)
	for trial := 0; trial < 50; trial++ {
		m := 1 + r.IntN(100)
		n := randomNet(r, m)
		lo, hi := -1-r.Float64(), 1+r.Float64()
		ok := true
		raw := 0
		for j := 0; j < m; j++ {
			x := -n.B()[j] / n.W()[j]
			ok = ok && math.Abs(x-lo) > 10*delta && math.Abs(x-hi) > 10*delta
			if x >= lo && x <= hi {
				raw++
			}
		}
		if !ok {
			continue
		}
		for _, merge := range []float64{0, KinkMerge, 0.5} {
			k := n.Kinks(lo, hi, merge, KinkMinFrac)
			sum, neurons := 0.0, 0
			for i, c := range k.Clusters {
				sum += c.SlopeChange
				neurons += c.Neurons
				if i > 0 && c.X < k.Clusters[i-1].X {
					t.Errorf("trial %d: clusters not sorted: X[%d] = %g < X[%d] = %g", trial, i, c.X, i-1, k.Clusters[i-1].X)
				}
			}
			left := (n.At(lo) - n.At(lo-delta)) / delta
			right := (n.At(hi+delta) - n.At(hi)) / delta
			if !closeRel(sum, right-left, tol) {
				t.Errorf("trial %d merge %g: Σ slope changes = %g, want h'(hi+) − h'(lo−) = %g", trial, merge, sum, right-left)
			}
			if neurons != raw || k.Raw != raw {
				t.Errorf("trial %d merge %g: Raw = %d and clusters hold %d neurons, want %d", trial, merge, k.Raw, neurons, raw)
			}
			if merge == 0 && len(k.Clusters) != raw {
				t.Errorf("trial %d: merge 0 gave %d clusters, want %d", trial, len(k.Clusters), raw)
			}
		}
	}
}

func ExampleReLU1D_Kinks() {
	// Kinks at −0.5 and 0.5 and a pair at 0.25 / 0.26 whose slope changes cancel.
	n := kinkNet([]float64{-0.5, 0.5, 0.25, 0.26}, []float64{1, -1, 2, -2}, []float64{1, 1, 1, -1})
	k := n.Kinks(-1, 1, KinkMerge, KinkMinFrac)
	fmt.Println(k.Raw, len(k.Clusters), k.Visible)
	// Output: 4 3 2
}
