package sim

import (
	"fmt"
	"math"
	"testing"
)

// detLogEps bounds the relative error |DetLog(x) − ln x| / |ln x| in units of the
// machine epsilon 2⁻⁵². (20 million samples in a test run once reached 3.9, near
// x ∈ [½, 1) where 2·atanh(s) − ln 2 cancels.)
const detLogEps = 5

func relErrEps(got, want float64) float64 {
	return math.Abs(got-want) / math.Abs(want) / 0x1p-52
}

// refLog is math.Log, with subnormal inputs scaled into the normal range first: the
// amd64 assembly of math.Log does not normalize them (golang/go#56600) and returns
// about −709 for 5e-324, whose logarithm is −744.44.
func refLog(x float64) float64 {
	if x < 0x1p-1022 {
		return math.Log(x*0x1p64) - 64*math.Ln2
	}
	return math.Log(x)
}

func TestDetLogMatchesLog(t *testing.T) {
	xs := []float64{
		1, 2, 0.5, math.E, 10, 0.1, math.Sqrt2, math.Sqrt2 / 2,
		math.Nextafter(1, 2), math.Nextafter(1, 0), 1 + 1e-10, 1 - 1e-10,
		math.Nextafter(math.Sqrt2/2, 0), math.Nextafter(math.Sqrt2/2, 1),
		math.MaxFloat64, math.SmallestNonzeroFloat64, 0x1p-1022, 0x1p-1030 * 3,
	}
	r := testRand(53)
	for i := 0; i < 200000; i++ {
		// Mantissas uniform in [1, 2), exponents over the whole range, subnormals included.
		xs = append(xs, math.Ldexp(1+r.Float64(), r.IntN(2098)-1074))
	}
	for i := 0; i < 20000; i++ {
		xs = append(xs, 1+(r.Float64()-0.5)*1e-3, r.Float64()) // near 1, and Normal's range (0, 1)
	}
	worst, worstX := 0.0, 0.0
	for _, x := range xs {
		if x == 0 {
			continue
		}
		got, want := DetLog(x), refLog(x)
		if x == 1 {
			if got != 0 {
				t.Errorf("DetLog(1) = %g, want 0", got)
			}
			continue
		}
		if d := relErrEps(got, want); d > worst {
			worst, worstX = d, x
		}
	}
	if worst > detLogEps {
		t.Errorf("DetLog(%v) = %v, want %v (math.Log): relative error %.2f ε, want ≤ %d ε", worstX, DetLog(worstX), refLog(worstX), worst, detLogEps)
	}
	t.Logf("largest relative detLog error over %d inputs: %.2f ε at x = %v", len(xs), worst, worstX)
}

// TestNormalStatistics checks the mean, variance and two probabilities of Normal
// against a standard normal with bounds of 5 standard errors, over several seeds.
func TestNormalStatistics(t *testing.T) {
	const (
		draws = 100000
		z     = 5 // standard errors
		pIn1  = 0.6826894921370859
	)
	for seed := uint64(1); seed <= 4; seed++ {
		r := NewRand(seed, StreamNoise)
		var sum, sum2 float64
		neg, in1 := 0, 0
		for i := 0; i < draws; i++ {
			v := Normal(r)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("seed %d: Normal() = %v, want a finite number", seed, v)
			}
			sum += v
			sum2 += v * v
			if v < 0 {
				neg++
			}
			if math.Abs(v) < 1 {
				in1++
			}
		}
		mean := sum / draws
		variance := sum2/draws - mean*mean
		for _, tc := range []struct {
			name      string
			got, want float64
			se        float64
		}{
			{"mean", mean, 0, 1 / math.Sqrt(draws)},
			{"variance", variance, 1, math.Sqrt(2.0 / draws)},
			{"P(z < 0)", float64(neg) / draws, 0.5, math.Sqrt(0.25 / draws)},
			{"P(|z| < 1)", float64(in1) / draws, pIn1, math.Sqrt(pIn1 * (1 - pIn1) / draws)},
		} {
			if math.Abs(tc.got-tc.want) > z*tc.se {
				t.Errorf("seed %d: %s of %d Normal draws = %.5f, want %.5f ± %.5f", seed, tc.name, draws, tc.got, tc.want, z*tc.se)
			}
		}
	}
}

func TestRandStreams(t *testing.T) {
	const k = 64
	draw := func(seed uint64, s Stream) []uint64 {
		r := NewRand(seed, s)
		out := make([]uint64, k)
		for i := range out {
			out[i] = r.Uint64()
		}
		return out
	}
	streams := []Stream{StreamInit, StreamData, StreamSample, StreamNoise}
	seen := map[uint64]string{}
	for _, seed := range []uint64{0, 1, 2, 1 << 53} {
		for _, s := range streams {
			a, b := draw(seed, s), draw(seed, s)
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("seed %d stream %d: draw %d = %d then %d, want the same", seed, s, i, a[i], b[i])
				}
			}
			// No two (seed, stream) pairs share a draw: 64-bit collisions are negligible.
			for i, v := range a {
				if prev, ok := seen[v]; ok {
					t.Errorf("seed %d stream %d draw %d = %d, also drawn by %s", seed, s, i, v, prev)
				}
				seen[v] = fmt.Sprintf("seed %d stream %d draw %d", seed, s, i)
			}
		}
	}
	// Normal is a function of the stream alone.
	r1, r2 := NewRand(9, StreamNoise), NewRand(9, StreamNoise)
	for i := 0; i < 1000; i++ {
		if a, b := Normal(r1), Normal(r2); math.Float64bits(a) != math.Float64bits(b) {
			t.Fatalf("Normal draw %d = %v and %v from the same seed, want identical", i, a, b)
		}
	}
}
