package cnn

import "math"

// SparsityJob computes the feature sparsity coefficient of an n×m activation matrix
// exactly as sim.FeatureSparsity does (same operations in the same order, so the same
// bits), but in pieces: Advance does at most a given amount of work and returns, so
// that a browser can spread the O(m²·n) duplicate scan over several frames.
//
// The steps (see sim.FeatureSparsity): unit-norm rows; drop always-zero neurons;
// center and normalize the columns so that Pearson correlations are dot products;
// scan the neurons in index order and delete neuron i if |corr(i, k)| > τ for a
// neuron k still present; count the non-zero entries of the kept neurons over n·m.
type SparsityJob struct {
	n, m    int
	tau     float64
	phi     []float64 // n×m, rows scaled to unit norm
	cols    []float64 // m×n: centered, unit-norm columns
	alive   []int32   // neurons non-zero on some sample, in index order
	hasCol  []bool    // column j has a defined correlation (not constant)
	present []bool
	next    int // position in alive of the next neuron to scan
	phase   int
	result  float64
}

const (
	phaseNormalize = iota
	phaseScan
	phaseDone
)

// Reset starts the computation for act (n×m, row-major; copied, not modified),
// reusing the job's buffers.
func (j *SparsityJob) Reset(act []float64, n, m int, tau float64) {
	j.n, j.m, j.tau = n, m, tau
	j.phi = append(j.phi[:0], act[:n*m]...)
	j.cols = grow(j.cols, m*n)
	j.alive = j.alive[:0]
	j.hasCol = growBool(j.hasCol, m)
	j.present = growBool(j.present, m)
	j.next, j.phase, j.result = 0, phaseNormalize, math.NaN()
	if n == 0 || m == 0 {
		j.phase = phaseDone
	}
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

func growBool(s []bool, n int) []bool {
	if cap(s) < n {
		s = make([]bool, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// Done reports whether the result is ready.
func (j *SparsityJob) Done() bool { return j.phase == phaseDone }

// Result returns the coefficient once Done (NaN before, and for an empty matrix).
func (j *SparsityJob) Result() float64 { return j.result }

// Advance works until done or until about budget multiply-adds have been spent (at
// least one unit of progress is always made) and returns the multiply-adds spent.
func (j *SparsityJob) Advance(budget int64) int64 {
	n, m := j.n, j.m
	var spent int64
	if j.phase == phaseNormalize {
		for i := 0; i < n; i++ {
			row := j.phi[i*m : (i+1)*m]
			norm := 0.0
			for _, v := range row {
				norm += v * v
			}
			if norm > 0 {
				norm = math.Sqrt(norm)
				for k := range row {
					row[k] /= norm
				}
			}
		}
		for c := 0; c < m; c++ {
			col := j.cols[c*n : (c+1)*n]
			nonzero := false
			mean := 0.0
			for i := 0; i < n; i++ {
				col[i] = j.phi[i*m+c]
				nonzero = nonzero || col[i] != 0
				mean += col[i]
			}
			if !nonzero {
				continue
			}
			j.alive = append(j.alive, int32(c))
			j.present[c] = true
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
				j.hasCol[c] = true
			}
		}
		spent += int64(4 * n * m)
		j.phase = phaseScan
	}
	for j.phase == phaseScan && (spent == 0 || spent < budget) {
		if j.next == len(j.alive) {
			j.finish()
			break
		}
		i := int(j.alive[j.next])
		j.next++
		if !j.hasCol[i] {
			continue
		}
		ci := j.cols[i*n : (i+1)*n]
		for _, k32 := range j.alive {
			k := int(k32)
			if k == i || !j.present[k] || !j.hasCol[k] {
				continue
			}
			ck := j.cols[k*n : (k+1)*n]
			c := 0.0
			for q := range ci {
				c += ci[q] * ck[q]
			}
			spent += int64(n)
			if math.Abs(c) > j.tau {
				j.present[i] = false
				break
			}
		}
		spent++
	}
	return spent
}

func (j *SparsityJob) finish() {
	nnz := 0
	for _, c := range j.alive {
		if !j.present[c] {
			continue
		}
		for i := 0; i < j.n; i++ {
			if j.phi[i*j.m+int(c)] != 0 {
				nnz++
			}
		}
	}
	j.result = float64(nnz) / float64(j.n*j.m)
	j.phase = phaseDone
}
