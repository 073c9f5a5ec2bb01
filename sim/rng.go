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

// DetExp returns eˣ with the pure-Go algorithm of the math package (FreeBSD's
// e_exp.c). math.Exp has an assembly version on amd64 but not on wasm, and the two
// may differ in the last bit; the convolutional network's softmax and the exp-run
// warm-up use this one so that a run is the same, bit for bit, natively and in the
// browser.
func DetExp(x float64) float64 {
	const (
		ln2Hi     = 6.93147180369123816490e-01
		ln2Lo     = 1.90821492927058770002e-10
		log2e     = 1.44269504088896338700e+00
		overflow  = 7.09782712893383973096e+02
		underflow = -7.45133219101941108420e+02
		nearZero  = 1.0 / (1 << 28)
		p1        = 1.66666666666666657415e-01
		p2        = -2.77777777770155933842e-03
		p3        = 6.61375632143793436117e-05
		p4        = -1.65339022054652515390e-06
		p5        = 4.13813679705723846039e-08
	)
	switch {
	case math.IsNaN(x) || math.IsInf(x, 1) || x > overflow:
		if x > overflow {
			return math.Inf(1)
		}
		return x
	case x < underflow:
		return 0
	case -nearZero < x && x < nearZero:
		return 1 + x
	}
	var k int
	if x < 0 {
		k = int(log2e*x - 0.5)
	} else {
		k = int(log2e*x + 0.5)
	}
	hi := x - float64(k)*ln2Hi
	lo := float64(k) * ln2Lo
	r := hi - lo
	t := r * r
	c := r - t*(p1+t*(p2+t*(p3+t*(p4+t*p5))))
	y := 1 - ((lo - (r*c)/(2-c)) - hi)
	return math.Ldexp(y, k)
}
