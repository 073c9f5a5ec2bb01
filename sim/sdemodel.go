package sim

import "math"

// gradientSDE is the SDE model of SGD for a run,
//
//	dθ = −∇L(θ) dt + √(ηδ) φ_θ(X)ᵀ dB,  B a standard Brownian motion in ℝⁿ,
//
// integrated by Euler–Maruyama with dt = η, the current step size, so one step is
// θ ← θ − η∇L(θ) + η√δ·φ_θ(X)ᵀξ with ξ ~ N(0, Iₙ).
//
// Normalization: L is the run's loss, the mean over the n samples of ℓ(h, y), with
// ∂ℓ/∂h = c·(h − y) (c = 2 for mse, 1 for half-mse). An SGD step with batch B has the
// same mean and a noise covariance of about η²·c²·mean(r²)/(n·B)·φᵀφ when the
// residuals r are of similar size, while the EM step's noise covariance is η²·δ·φᵀφ.
// "Matched" δ (SDEDelta < 0) is therefore δ = c²·mean(r²)/(n·B), recomputed from the
// residuals at every step: the SDE then has SGD's noise level at whatever loss it
// sits, and stabilizes where SGD does. For half-mse this is the paper's 2L/n.
type gradientSDE struct {
	run   *Run
	model Model    // the run's model
	data  *Dataset // its training set
	eta   float64
	grads []float64 // n×p per-sample gradients ∇_θ h(x_i) at the last Drift
	m2    float64   // mean squared residual at the last Drift
	worst float64   // largest |residual| at the last Drift
}

func newGradientSDE(r *Run, s Scalar) *gradientSDE {
	m, data := s.Model(), s.Train()
	return &gradientSDE{run: r, model: m, data: data, grads: make([]float64, data.Len()*m.NumParams())}
}

// Dim returns p.
func (g *gradientSDE) Dim() int { return g.model.NumParams() }

// NoiseDim returns n.
func (g *gradientSDE) NoiseDim() int { return g.data.Len() }

// Drift writes −∇L(θ) into dst. x must be the model's own parameters, the θ that
// EulerMaruyama updates in place; Drift also keeps the per-sample gradients and
// residuals for the Diffuse call that follows at the same θ.
func (g *gradientSDE) Drift(dst, x []float64) {
	n, p := g.data.Len(), g.model.NumParams()
	c := g.run.cfg.Loss.slope() / float64(n)
	clear(dst)
	g.m2, g.worst = 0, 0
	for i := 0; i < n; i++ {
		gi := g.grads[i*p : (i+1)*p]
		res := g.model.Gradient(gi, g.data.Input(i)) - g.data.Y[i]
		g.m2 += res * res
		g.worst = max(g.worst, math.Abs(res))
		s := c * res
		for k, v := range gi {
			dst[k] += s * v
		}
	}
	for k := range dst {
		dst[k] = -dst[k]
	}
	g.m2 /= float64(n)
}

// Diffuse writes √(ηδ)·φ_θ(X)ᵀξ into dst, using the gradients of the last Drift.
func (g *gradientSDE) Diffuse(dst, x, xi []float64) {
	p := g.model.NumParams()
	clear(dst)
	for i, z := range xi {
		gi := g.grads[i*p : (i+1)*p]
		for k, v := range gi {
			dst[k] += z * v
		}
	}
	scale := math.Sqrt(g.eta * g.delta())
	for k := range dst {
		dst[k] *= scale
	}
}

// delta returns δ for the current step.
func (g *gradientSDE) delta() float64 {
	cfg := &g.run.cfg
	if cfg.SDEDelta >= 0 {
		return cfg.SDEDelta
	}
	c := cfg.Loss.slope()
	return c * c * g.m2 / float64(g.data.Len()*cfg.Batch)
}

// step does one Euler–Maruyama step with step size eta and returns the largest
// |residual| before it.
func (g *gradientSDE) step(eta float64) float64 {
	g.eta = eta
	g.run.em.Step(g, g.model.Params(), eta, g.run.noise)
	return g.worst
}
