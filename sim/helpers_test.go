package sim

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Finite differences: central differences with step fdStep are exact for functions
// that are linear along the perturbation, up to rounding of order ε_mach·|f|/fdStep.
const (
	fdStep = 1e-6
	fdTol  = 1e-6 // relative to max(1, |derivative|)
	// kinkMargin keeps w_j x + b_j away from zero so that no perturbation of size
	// fdStep·max(1, |x|) crosses a ReLU kink.
	kinkMargin = 1e-3
)

// testRand returns a seeded generator for test inputs.
func testRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// randomNet returns a width-m network with the reference initialization.
func randomNet(r *rand.Rand, m int) *ReLU1D {
	n := NewReLU1D(m)
	n.InitReference(r, 1)
	return n
}

// awayFromKinks reports whether no neuron of n switches within kinkMargin of x.
func awayFromKinks(n *ReLU1D, x float64) bool {
	w, b := n.W(), n.B()
	for j := range w {
		if math.Abs(w[j]*x+b[j]) < kinkMargin {
			return false
		}
	}
	return true
}

// centralDiff returns (f(θ+εe_k) − f(θ−εe_k))/(2ε) for every k, restoring θ.
func centralDiff(theta []float64, f func() float64) []float64 {
	out := make([]float64, len(theta))
	for k := range theta {
		v := theta[k]
		theta[k] = v + fdStep
		fp := f()
		theta[k] = v - fdStep
		fm := f()
		theta[k] = v
		out[k] = (fp - fm) / (2 * fdStep)
	}
	return out
}

// closeRel reports |got − want| ≤ tol·max(1, |want|).
func closeRel(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// sameBits reports whether two vectors are bitwise identical.
func sameBits(p, q []float64) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if math.Float64bits(p[i]) != math.Float64bits(q[i]) {
			return false
		}
	}
	return true
}

// oneD returns a 1D data set with inputs x and zero labels.
func oneD(x []float64) *Dataset {
	return &Dataset{D: 1, X: x, Y: make([]float64, len(x))}
}

// mustScenario returns the named preset or fails the test.
func mustScenario(t testing.TB, name string) Config {
	t.Helper()
	c, ok := Scenario(name)
	if !ok {
		t.Fatalf("Scenario(%q) not found", name)
	}
	return c
}

// mustSet applies key=value settings or fails the test.
func mustSet(t testing.TB, c *Config, kv ...string) {
	t.Helper()
	for i := 0; i+1 < len(kv); i += 2 {
		if err := c.Set(kv[i], kv[i+1]); err != nil {
			t.Fatalf("Set(%q, %q) = %v, want nil", kv[i], kv[i+1], err)
		}
	}
}
