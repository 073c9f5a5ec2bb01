package figure

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDecimateKeepsTheEnvelope(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 10000
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range xs {
		xs[i] = float64(i * 3)
		ys[i] = r.NormFloat64()
	}
	ys[5000] = math.NaN()
	const buckets = 200
	dx, dy := Decimate(xs, ys, buckets)
	if len(dx) > 4*buckets+n/buckets { // the bucket with the NaN is kept whole
		t.Errorf("Decimate kept %d points, want about %d at most", len(dx), 4*buckets)
	}
	if dx[0] != xs[0] || dx[len(dx)-1] != xs[n-1] {
		t.Errorf("Decimate lost an end point")
	}
	// Per bucket, the kept points have the same min and max as all points.
	lo, hi := xs[0], xs[n-1]
	bucket := func(x float64) int { return min(buckets-1, int(buckets*(x-lo)/(hi-lo))) }
	type mm struct{ min, max float64 }
	env := func(x, y []float64) map[int]mm {
		out := map[int]mm{}
		for i := range x {
			if math.IsNaN(y[i]) {
				continue
			}
			b := bucket(x[i])
			e, ok := out[b]
			if !ok {
				e = mm{y[i], y[i]}
			}
			e.min, e.max = math.Min(e.min, y[i]), math.Max(e.max, y[i])
			out[b] = e
		}
		return out
	}
	full, kept := env(xs, ys), env(dx, dy)
	for b, e := range full {
		if kept[b] != e {
			t.Errorf("bucket %d: kept envelope %v, want %v", b, kept[b], e)
		}
	}
	nan := false
	for _, y := range dy {
		nan = nan || math.IsNaN(y)
	}
	if !nan {
		t.Errorf("Decimate dropped the NaN gap")
	}
	if sx, _ := Decimate(xs[:100], ys[:100], buckets); len(sx) != 100 {
		t.Errorf("a short curve was thinned to %d points", len(sx))
	}
}
