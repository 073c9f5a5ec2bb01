package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// SDE is dX = f(X) dt + G(X) dB with X ∈ ℝᵖ and B a standard Brownian motion in ℝⁿ.
//
// The solver never forms the p×n matrix G(x): it only asks for products G(x)·ξ, so a
// diffusion that is diagonal, low-rank or built from a Jacobian costs what it costs to
// apply. Drift and Diffuse must not modify their inputs. A step calls Drift and then
// Diffuse, both at x_k and before it writes x, so Diffuse may reuse what Drift computed
// (per-sample gradients, say).
type SDE interface {
	// Dim returns p, the dimension of the state X.
	Dim() int
	// NoiseDim returns n, the dimension of the Brownian motion B.
	NoiseDim() int
	// Drift writes f(x) into dst (length p).
	Drift(dst, x []float64)
	// Diffuse writes G(x)·xi into dst (length p) for xi ∈ ℝⁿ.
	Diffuse(dst, x, xi []float64)
}

// EulerMaruyama integrates an SDE with the Euler–Maruyama scheme
// x_{k+1} = x_k + f(x_k)·dt + G(x_k)·ΔB_k, ΔB_k ~ N(0, dt·I_n);
// it holds the scratch buffers so that steps allocate nothing.
//
// The scheme has strong order ½ (E|x_K − X_T| = O(√dt)) and weak order 1
// (|E φ(x_K) − E φ(X_T)| = O(dt)). With f = −∇L and G ≡ 0 a step is exactly the
// gradient-descent step x ← x − dt·∇L(x), so dt plays the part of the step size η.
//
// A step uses only +, −, × and √ on float64 (the products are rounded before they
// are added, so no architecture fuses them into an FMA): given the same Drift,
// Diffuse and generator it gives the same bits on amd64 and wasm.
//
// The zero value is ready to use. An EulerMaruyama is not safe for concurrent use.
type EulerMaruyama struct {
	f, g []float64 // f(x_k) and G(x_k)·ΔB_k, both length p
	dB   []float64 // ΔB_k drawn by Step, length n
}

// Step advances x in place by dt, drawing ΔB = √dt·ξ with ξ_i = Normal(r).
//
// Step draws exactly s.NoiseDim() normals from r, ξ_0 first, even when the diffusion
// vanishes: the noise stream then stays aligned when the noise level changes (from
// δ > 0 to δ = 0 included), so runs that differ only in δ see the same ξ at every
// step, and a run is reproducible from its seed alone. It panics if len(x) ≠ s.Dim()
// or dt is negative or NaN.
func (em *EulerMaruyama) Step(s SDE, x []float64, dt float64, r *rand.Rand) {
	if !(dt >= 0) {
		panic(fmt.Sprintf("sim: EulerMaruyama.Step: dt = %v, want dt ≥ 0", dt))
	}
	em.dB = grow(em.dB, s.NoiseDim())
	sq := math.Sqrt(dt)
	for i := range em.dB {
		em.dB[i] = sq * Normal(r)
	}
	em.StepWith(s, x, dt, em.dB)
}

// StepWith advances x in place by dt with the given Brownian increment dB (length n),
// so that several step sizes can follow one Brownian path.
//
// dB is not modified. StepWith panics if len(x) ≠ s.Dim() or len(dB) ≠ s.NoiseDim().
func (em *EulerMaruyama) StepWith(s SDE, x []float64, dt float64, dB []float64) {
	p, n := s.Dim(), s.NoiseDim()
	if len(x) != p {
		panic(fmt.Sprintf("sim: EulerMaruyama: len(x) = %d, want Dim() = %d", len(x), p))
	}
	if len(dB) != n {
		panic(fmt.Sprintf("sim: EulerMaruyama: len(dB) = %d, want NoiseDim() = %d", len(dB), n))
	}
	em.f = grow(em.f, p)
	em.g = grow(em.g, p)
	// Drift, then Diffuse, both at x_k before x is overwritten (the SDE documents it).
	s.Drift(em.f, x)
	s.Diffuse(em.g, x, dB)
	f, g := em.f[:p], em.g[:p]
	for i := range x[:p] {
		// float64(·) rounds the product, which forbids fusing it into an FMA (Go
		// spec, "Arithmetic operators"): arm64 would fuse, amd64 and wasm do not.
		x[i] = x[i] + float64(f[i]*dt) + g[i]
	}
}
