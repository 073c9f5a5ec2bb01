package figure

import "math"

// Decimate thins the curve (xs, ys), sorted by x, to at most about 4 points per
// bucket of `buckets` equal x intervals: the first, the smallest, the largest and
// the last point of each. Drawn at one bucket per pixel column this looks the same
// as the whole curve, however long the history. NaN values stay (they break the
// curve where the run was not measured). The inputs are not modified.
func Decimate(xs, ys []float64, buckets int) ([]float64, []float64) {
	if len(xs) <= 4*buckets || len(xs) < 2 || buckets < 1 {
		return xs, ys
	}
	lo, hi := xs[0], xs[len(xs)-1]
	if !(hi > lo) {
		return xs, ys
	}
	ox, oy := make([]float64, 0, 4*buckets+4), make([]float64, 0, 4*buckets+4)
	flush := func(idx []int) {
		for _, i := range idx {
			ox, oy = append(ox, xs[i]), append(oy, ys[i])
		}
	}
	start := 0
	bucketOf := func(x float64) int { return min(buckets-1, int(float64(buckets)*(x-lo)/(hi-lo))) }
	for start < len(xs) {
		b := bucketOf(xs[start])
		end := start
		imin, imax := -1, -1
		hasNaN := false
		for end < len(xs) && bucketOf(xs[end]) == b {
			y := ys[end]
			if math.IsNaN(y) {
				hasNaN = true
			} else {
				if imin < 0 || y < ys[imin] {
					imin = end
				}
				if imax < 0 || y > ys[imax] {
					imax = end
				}
			}
			end++
		}
		if hasNaN {
			flush(rangeInts(start, end)) // keep the gaps exactly
		} else {
			idx := []int{start}
			a, c := min(imin, imax), max(imin, imax)
			for _, i := range []int{a, c, end - 1} {
				if i != idx[len(idx)-1] {
					idx = append(idx, i)
				}
			}
			flush(idx)
		}
		start = end
	}
	return ox, oy
}

func rangeInts(a, b int) []int {
	out := make([]int, 0, b-a)
	for i := a; i < b; i++ {
		out = append(out, i)
	}
	return out
}
