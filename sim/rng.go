package sim

import (
	"math"
	"math/rand/v2"
)

// Stream names one of the independent random streams a run draws from. Keeping them
// apart lets two runs share the initialization and the sample order while differing
// in, say, the step size or the label noise.
type Stream uint64

const (
	StreamInit   Stream = iota + 1 // parameter initialization
	StreamData                     // synthetic data sets and fresh evaluation points
	StreamSample                   // mini-batch order
	StreamNoise                    // label noise and SDE increments
)

// NewRand returns the generator of stream s for a run seeded with seed.
func NewRand(seed uint64, s Stream) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15*uint64(s)))
}

// Normal returns a standard normal draw from r (Marsaglia's polar method).
//
// math/rand's NormFloat64 calls math.Exp and math.Log, which have assembly versions on
// amd64 but not on wasm, so their last bits may differ between the command-line tool
// and the browser; in a chaotic large-step run one flipped bit gives another
// trajectory. This sampler only needs a logarithm, computed by DetLog with
// platform-independent arithmetic.
func Normal(r *rand.Rand) float64 {
	for {
		u := 2*r.Float64() - 1
		v := 2*r.Float64() - 1
		s := u*u + v*v
		if s == 0 || s >= 1 {
			continue
		}
		return u * math.Sqrt(-2*DetLog(s)/s)
	}
}

// DetLog returns ln x for finite x > 0 using only +, −, ×, ÷ and exact scaling, so
// the result is the same on every platform (math.Log has an assembly version on amd64
// but not on wasm). It is accurate to a few ulps. Other inputs give math.Log's answer.
func DetLog(x float64) float64 {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return math.Log(x)
	}
	frac, exp := math.Frexp(x) // x = frac·2^exp, frac ∈ [½, 1)
	if frac < math.Sqrt2/2 {
		frac *= 2
		exp--
	}
	// ln(frac) = 2·atanh(s) with s = (frac−1)/(frac+1), |s| ≤ 0.172.
	s := (frac - 1) / (frac + 1)
	s2 := s * s
	sum, term := 0.0, s
	for k := 1; k <= 41; k += 2 {
		sum += term / float64(k)
		term *= s2
	}
	return 2*sum + float64(exp)*math.Ln2
}
