package sim

import (
	"math"
	"slices"
)

// Duplicate-feature thresholds of the paper's feature sparsity coefficient.
const (
	DupTauReLU1D   = 0.999 // 1D two-layer network (reference code)
	DupTauTeacher  = 0.99  // teacher–student networks
	DupTauDeepNets = 0.95  // deep networks and the summary's wording
)

// FeatureSparsity returns the feature sparsity coefficient of the n×m activation
// matrix act (row-major, one row per training sample), as the reference code computes
// it:
//
//  1. scale each row to unit norm (an all-zero row stays zero);
//  2. drop neurons that are zero on every sample;
//  3. scan the remaining neurons in index order and delete neuron i if the absolute
//     Pearson correlation of its column with that of any neuron still present exceeds
//     tauDup (a constant column has no defined correlation and is never a duplicate);
//  4. return #(non-zero entries on the kept neurons) / (n·m).
//
// 1 means dense features, 0 all-zero ones. act is not modified.
func FeatureSparsity(act []float64, n, m int, tauDup float64) float64 {
	if n == 0 || m == 0 {
		return math.NaN()
	}
	phi := slices.Clone(act)
	for i := 0; i < n; i++ {
		row := phi[i*m : (i+1)*m]
		norm := 0.0
		for _, v := range row {
			norm += v * v
		}
		if norm > 0 {
			norm = math.Sqrt(norm)
			for j := range row {
				row[j] /= norm
			}
		}
	}
	// Centered, unit-norm columns of the non-zero neurons make Pearson correlations
	// plain dot products.
	var alive []int
	cols := make([][]float64, m)
	for j := 0; j < m; j++ {
		col := make([]float64, n)
		nonzero := false
		mean := 0.0
		for i := 0; i < n; i++ {
			col[i] = phi[i*m+j]
			nonzero = nonzero || col[i] != 0
			mean += col[i]
		}
		if !nonzero {
			continue
		}
		alive = append(alive, j)
		mean /= float64(n)
		ss := 0.0
		for i := range col {
			col[i] -= mean
			ss += col[i] * col[i]
		}
		if ss > 0 {
			ss = math.Sqrt(ss)
			for i := range col {
				col[i] /= ss
			}
			cols[j] = col
		}
	}
	present := make(map[int]bool, len(alive))
	for _, j := range alive {
		present[j] = true
	}
	for _, i := range alive {
		if cols[i] == nil {
			continue
		}
		for _, k := range alive {
			if k == i || !present[k] || cols[k] == nil {
				continue
			}
			c := 0.0
			for q := range cols[i] {
				c += cols[i][q] * cols[k][q]
			}
			if math.Abs(c) > tauDup {
				delete(present, i)
				break
			}
		}
	}
	nnz := 0
	for j := range present {
		for i := 0; i < n; i++ {
			if phi[i*m+j] != 0 {
				nnz++
			}
		}
	}
	return float64(nnz) / float64(n*m)
}

// Kink tolerances: kinks closer than KinkMerge chain into one cluster, and a cluster
// counts as visible when its net slope change exceeds KinkMinFrac of the largest.
// Calibrated on the reference code's final networks (see README).
const (
	KinkMerge   = 0.05
	KinkMinFrac = 0.05
)

// Kink is a breakpoint of a 1D piecewise-linear predictor.
type Kink struct {
	X           float64 // position
	SlopeChange float64 // slope right of X minus slope left of X
	Neurons     int     // neurons whose kinks merged into this one
	Visible     bool    // |SlopeChange| > minFrac·(largest |SlopeChange|)
}

// KinkSummary is what Kinks finds in a data range [Lo, Hi].
type KinkSummary struct {
	Clusters []Kink // merged kinks, by position
	Raw      int    // kinks of single neurons inside the range, before merging
	Visible  int    // clusters marked Visible: what a person counts on the plot
}

// Kinks returns the kinks of n inside [lo, hi]. Neuron j has its kink at −b_j/w_j,
// where the slope changes by a_j·|w_j|. Kinks of single neurons closer than merge
// (chained) form one cluster whose slope change is the signed sum, since nearby kinks
// of opposite sign cancel on the plot.
func (n *ReLU1D) Kinks(lo, hi, merge, minFrac float64) KinkSummary {
	w, b, a := n.W(), n.B(), n.A()
	var ks []Kink
	for j := range w {
		if w[j] == 0 || a[j] == 0 {
			continue
		}
		x := -b[j] / w[j]
		if x < lo || x > hi || math.IsNaN(x) {
			continue
		}
		ks = append(ks, Kink{X: x, SlopeChange: a[j] * math.Abs(w[j]), Neurons: 1})
	}
	return clusterKinks(ks, merge, minFrac)
}

// clusterKinks merges single kinks (each with Neurons = 1) as Kinks describes.
func clusterKinks(ks []Kink, merge, minFrac float64) KinkSummary {
	slices.SortFunc(ks, func(p, q Kink) int {
		switch {
		case p.X < q.X:
			return -1
		case p.X > q.X:
			return 1
		}
		return 0
	})
	sum := KinkSummary{Raw: len(ks)}
	for i := 0; i < len(ks); {
		c := Kink{}
		weight := 0.0
		j := i
		for ; j < len(ks) && (j == i || ks[j].X-ks[j-1].X < merge); j++ {
			c.SlopeChange += ks[j].SlopeChange
			c.Neurons += ks[j].Neurons
			c.X += ks[j].X * math.Abs(ks[j].SlopeChange)
			weight += math.Abs(ks[j].SlopeChange)
		}
		if weight > 0 {
			c.X /= weight
		} else {
			c.X = ks[i].X
		}
		sum.Clusters = append(sum.Clusters, c)
		i = j
	}
	largest := 0.0
	for _, c := range sum.Clusters {
		largest = max(largest, math.Abs(c.SlopeChange))
	}
	for i := range sum.Clusters {
		if largest > 0 && math.Abs(sum.Clusters[i].SlopeChange) > minFrac*largest {
			sum.Clusters[i].Visible = true
			sum.Visible++
		}
	}
	return sum
}
