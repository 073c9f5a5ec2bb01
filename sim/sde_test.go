package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Statistical tests of EulerMaruyama compare sample moments with closed forms; a
// sample statistic may stray from its expectation by sdeZ standard errors of the
// estimator (a Gaussian tail of 6·10⁻⁵ per comparison).
const sdeZ = 4

// diagOU is the diagonal Ornstein–Uhlenbeck process dX_i = −θ_i X_i dt + σ_i dB_i.
type diagOU struct{ theta, sigma []float64 }

func (o *diagOU) Dim() int      { return len(o.theta) }
func (o *diagOU) NoiseDim() int { return len(o.theta) }
func (o *diagOU) Drift(dst, x []float64) {
	for i, th := range o.theta {
		dst[i] = -th * x[i]
	}
}
func (o *diagOU) Diffuse(dst, x, xi []float64) {
	for i, s := range o.sigma {
		dst[i] = s * xi[i]
	}
}

// ouDiscrete returns the mean and variance of the Euler–Maruyama iterate x_k of
// dX = −θX dt + σ dB from x0. With a = 1 − θdt the recursion x_{k+1} = a·x_k + σ√dt·ξ_k
// is linear with Gaussian noise, so x_k ~ N(a^k·x0, σ²dt·(1 − a^{2k})/(1 − a²)) exactly.
func ouDiscrete(theta, sigma, x0, dt float64, k int) (mean, variance float64) {
	a := 1 - theta*dt
	ak := math.Pow(a, float64(k))
	return ak * x0, sigma * sigma * dt * (1 - ak*ak) / (1 - a*a)
}

// ouExact returns the mean x0·e^{−θt} and variance σ²/(2θ)·(1 − e^{−2θt}) of X_t.
func ouExact(theta, sigma, x0, t float64) (mean, variance float64) {
	e := math.Exp(-theta * t)
	return x0 * e, sigma * sigma / (2 * theta) * (1 - e*e)
}

// ouBias returns first-order bounds on |E x_k − E X_t| and |Var x_k − Var X_t| for t = k·dt:
// a^k = e^{−θt}·(1 − θ²t·dt/2 + O(dt²)) gives the first, and the discrete stationary
// variance σ²/(θ(2 − θdt)) = σ²/(2θ)·(1 + θdt/2 + O(dt²)) with the transient term the
// second, which is at most σ²dt·(¼ + 1/(4e)) < σ²dt/2.
func ouBias(theta, sigma, x0, t, dt float64) (mean, variance float64) {
	return theta * theta * t * math.Abs(x0) * dt / 2, sigma * sigma * dt / 2
}

// TestEulerMaruyamaOU runs many Ornstein–Uhlenbeck paths in one and three dimensions
// and checks the sample mean, variance and cross-covariances at time T against the exact
// moments of the discrete recursion, and, for a small dt, against the moments of the SDE
// itself within the sampling error plus the O(dt) bias of the scheme.
func TestEulerMaruyamaOU(t *testing.T) {
	const (
		paths   = 20000
		horizon = 1.0
		// ouBiasSlack multiplies the first-order bias bound of ouBias, whose O(dt²)
		// remainder it must cover.
		ouBiasSlack = 2
		// ouPower is how many standard errors apart the discrete and continuous
		// moments must be at the coarse step, so that matching the discrete ones is
		// a statement about the scheme and not only about the SDE.
		ouPower = 6
	)
	for _, tc := range []struct {
		name              string
		theta, sigma, x0  []float64
		dt                float64
		continuous, power bool
	}{
		{"1d_coarse", []float64{1}, []float64{0.8}, []float64{2}, 0.25, false, true},
		{"1d_fine", []float64{1}, []float64{0.8}, []float64{2}, 1.0 / 32, true, false},
		{"3d_coarse", []float64{0.5, 1, 2}, []float64{1, 0.5, 0.3}, []float64{1, -2, 0.5}, 0.25, false, true},
		{"3d_fine", []float64{0.5, 1, 2}, []float64{1, 0.5, 0.3}, []float64{1, -2, 0.5}, 1.0 / 32, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := len(tc.theta)
			steps := int(math.Round(horizon / tc.dt))
			var s SDE = &diagOU{tc.theta, tc.sigma}
			mean := make([]float64, p)
			variance := make([]float64, p)
			for i := range p {
				mean[i], variance[i] = ouDiscrete(tc.theta[i], tc.sigma[i], tc.x0[i], tc.dt, steps)
				cm, cv := ouExact(tc.theta[i], tc.sigma[i], tc.x0[i], horizon)
				seVar := variance[i] * math.Sqrt(2.0/(paths-1))
				if tc.power && math.Abs(variance[i]-cv) < ouPower*seVar {
					t.Errorf("component %d: discrete variance %.4g and continuous %.4g are %.1f standard errors apart, want ≥ %d: the test cannot tell the scheme from the SDE",
						i, variance[i], cv, math.Abs(variance[i]-cv)/seVar, ouPower)
				}
				if tc.continuous {
					bm, bv := ouBias(tc.theta[i], tc.sigma[i], tc.x0[i], horizon, tc.dt)
					if d := math.Abs(mean[i] - cm); d > bm {
						t.Errorf("component %d: |E x_K − E X_T| = %.3g, want ≤ first-order bound %.3g", i, d, bm)
					}
					if d := math.Abs(variance[i] - cv); d > bv {
						t.Errorf("component %d: |Var x_K − Var X_T| = %.3g, want ≤ first-order bound %.3g", i, d, bv)
					}
				}
			}
			var em EulerMaruyama
			x := make([]float64, p)
			sum := make([]float64, p)     // Σ (x_i − m_i)
			cross := make([]float64, p*p) // Σ (x_i − m_i)(x_j − m_j)
			for seed := uint64(1); seed <= 4; seed++ {
				r := NewRand(seed, StreamNoise)
				clear(sum)
				clear(cross)
				for range paths {
					copy(x, tc.x0)
					for range steps {
						em.Step(s, x, tc.dt, r)
					}
					for i := range p {
						di := x[i] - mean[i]
						sum[i] += di
						for j := range p {
							cross[i*p+j] += di * (x[j] - mean[j])
						}
					}
				}
				for i := range p {
					m := mean[i] + sum[i]/paths
					v := (cross[i*p+i] - sum[i]*sum[i]/paths) / (paths - 1)
					seMean := math.Sqrt(variance[i] / paths)
					seVar := variance[i] * math.Sqrt(2.0/(paths-1))
					if math.Abs(m-mean[i]) > sdeZ*seMean {
						t.Errorf("seed %d: mean of x_%d(T) = %.5g, want %.5g ± %.2g (discrete recursion)", seed, i, m, mean[i], sdeZ*seMean)
					}
					if math.Abs(v-variance[i]) > sdeZ*seVar {
						t.Errorf("seed %d: variance of x_%d(T) = %.5g, want %.5g ± %.2g (discrete recursion)", seed, i, v, variance[i], sdeZ*seVar)
					}
					for j := i + 1; j < p; j++ {
						c := (cross[i*p+j] - sum[i]*sum[j]/paths) / (paths - 1)
						// For independent Gaussians the sample covariance has standard
						// error √(v_i·v_j/n).
						seCov := math.Sqrt(variance[i] * variance[j] / paths)
						if math.Abs(c) > sdeZ*seCov {
							t.Errorf("seed %d: covariance of x_%d(T), x_%d(T) = %.3g, want 0 ± %.2g", seed, i, j, c, sdeZ*seCov)
						}
					}
					if !tc.continuous {
						continue
					}
					cm, cv := ouExact(tc.theta[i], tc.sigma[i], tc.x0[i], horizon)
					bm, bv := ouBias(tc.theta[i], tc.sigma[i], tc.x0[i], horizon, tc.dt)
					if tol := sdeZ*seMean + ouBiasSlack*bm; math.Abs(m-cm) > tol {
						t.Errorf("seed %d: mean of x_%d(T) = %.5g, want %.5g ± %.2g (SDE)", seed, i, m, cm, tol)
					}
					if tol := sdeZ*seVar + ouBiasSlack*bv; math.Abs(v-cv) > tol {
						t.Errorf("seed %d: variance of x_%d(T) = %.5g, want %.5g ± %.2g (SDE)", seed, i, v, cv, tol)
					}
				}
			}
		})
	}
}

// gradFlow is dX = −∇L(X) dt + 0·dB with the double-well chain
// L(x) = Σ_i (x_i² − 1)²/4 + (c/2)·Σ_i (x_{i+1} − x_i)², and a Brownian motion of
// dimension n that the diffusion ignores.
type gradFlow struct {
	p, n int
	c    float64
}

func (g *gradFlow) Dim() int      { return g.p }
func (g *gradFlow) NoiseDim() int { return g.n }
func (g *gradFlow) Drift(dst, x []float64) {
	for i := range dst {
		dst[i] = -(x[i]*x[i] - 1) * x[i]
		if i > 0 {
			dst[i] -= g.c * (x[i] - x[i-1])
		}
		if i+1 < len(x) {
			dst[i] -= g.c * (x[i] - x[i+1])
		}
	}
}
func (g *gradFlow) Diffuse(dst, x, xi []float64) { clear(dst) }

func (g *gradFlow) loss(x []float64) float64 {
	l := 0.0
	for i := range x {
		l += (x[i]*x[i] - 1) * (x[i]*x[i] - 1) / 4
		if i+1 < len(x) {
			l += g.c / 2 * (x[i+1] - x[i]) * (x[i+1] - x[i])
		}
	}
	return l
}

// TestEulerMaruyamaZeroDiffusionIsGD checks that with G ≡ 0 a step is the explicit Euler
// step x ← x + f(x)·dt bit for bit, so gradient descent when f = −∇L, that the loss then
// does not increase for a small dt, and that every step still draws NoiseDim normals.
func TestEulerMaruyamaZeroDiffusionIsGD(t *testing.T) {
	const steps = 200
	s := &gradFlow{p: 6, n: 4, c: 0.3}
	f := make([]float64, s.p)
	for seed := uint64(1); seed <= 4; seed++ {
		init := testRand(seed)
		x := make([]float64, s.p)
		for i := range x {
			x[i] = 2*init.Float64() - 1
		}
		want := slices.Clone(x)
		dt := 0.01 + 0.04*init.Float64()
		r, twin := NewRand(seed, StreamNoise), NewRand(seed, StreamNoise)
		var em EulerMaruyama
		for k := range steps {
			before := s.loss(x)
			em.Step(s, x, dt, r)
			s.Drift(f, want)
			for i := range want {
				want[i] = want[i] + float64(f[i]*dt) // rounded like Step, never an FMA
			}
			if !sameBits(x, want) {
				t.Fatalf("seed %d, step %d: Step(G ≡ 0) = %v, want x + f(x)·dt = %v", seed, k, x, want)
			}
			if after := s.loss(x); after > before {
				t.Fatalf("seed %d, step %d: L(x) = %v after a GD step of %v, want ≤ %v", seed, k, after, dt, before)
			}
			for range s.n {
				Normal(twin)
			}
		}
		if got, want := r.Uint64(), twin.Uint64(); got != want {
			t.Errorf("seed %d: next draw after %d steps = %#x, want %#x (%d normals per step)", seed, steps, got, want, s.n)
		}
	}
}

// mixedNoise is dX = −(X + 0.1·sin X) dt + diag(√(1 + X²/4))·A dB with a fixed p×n
// matrix A: multiplicative noise of another dimension than the state.
type mixedNoise struct {
	p, n int
	a    []float64
}

func (m *mixedNoise) Dim() int      { return m.p }
func (m *mixedNoise) NoiseDim() int { return m.n }
func (m *mixedNoise) Drift(dst, x []float64) {
	for i := range dst {
		dst[i] = -(x[i] + 0.1*math.Sin(x[i]))
	}
}
func (m *mixedNoise) Diffuse(dst, x, xi []float64) {
	for i := range dst {
		s := 0.0
		for j, v := range xi {
			s += m.a[i*m.n+j] * v
		}
		dst[i] = math.Sqrt(1+x[i]*x[i]/4) * s
	}
}

func newMixedNoise(r *rand.Rand, p, n int) *mixedNoise {
	a := make([]float64, p*n)
	for i := range a {
		a[i] = Normal(r)
	}
	return &mixedNoise{p, n, a}
}

// TestEulerMaruyamaStepMatchesStepWith checks that Step is StepWith with ΔB_i = √dt·ξ_i
// for ξ_i the next normals of the generator in index order, bit for bit, that it draws
// nothing else, and that StepWith leaves dB alone.
func TestEulerMaruyamaStepMatchesStepWith(t *testing.T) {
	const steps = 100
	for seed := uint64(1); seed <= 4; seed++ {
		init := testRand(seed)
		s := newMixedNoise(init, 3, 5)
		dt := []float64{1e-3, 0.01, 0.1, 0.5}[seed-1]
		x := []float64{Normal(init), Normal(init), Normal(init)}
		y := slices.Clone(x)
		r, twin := NewRand(seed, StreamNoise), NewRand(seed, StreamNoise)
		var em, ew EulerMaruyama
		dB := make([]float64, s.n)
		for k := range steps {
			em.Step(s, x, dt, r)
			for i := range dB {
				dB[i] = math.Sqrt(dt) * Normal(twin)
			}
			saved := slices.Clone(dB)
			ew.StepWith(s, y, dt, dB)
			if !sameBits(dB, saved) {
				t.Fatalf("seed %d, step %d: StepWith changed dB from %v to %v", seed, k, saved, dB)
			}
			if !sameBits(x, y) {
				t.Fatalf("seed %d, step %d (dt = %v): Step = %v, want StepWith(√dt·ξ) = %v", seed, k, dt, x, y)
			}
		}
		if got, want := r.Uint64(), twin.Uint64(); got != want {
			t.Errorf("seed %d: next draw after %d steps = %#x, want %#x (%d normals per step)", seed, steps, got, want, s.n)
		}
	}
}

// callLog is a one-dimensional SDE that records which of Drift and Diffuse was called
// and at which x.
type callLog struct{ calls []string }

func (c *callLog) Dim() int      { return 1 }
func (c *callLog) NoiseDim() int { return 1 }
func (c *callLog) Drift(dst, x []float64) {
	c.calls = append(c.calls, fmt.Sprintf("Drift(%v)", x[0]))
	dst[0] = 1
}
func (c *callLog) Diffuse(dst, x, xi []float64) {
	c.calls = append(c.calls, fmt.Sprintf("Diffuse(%v)", x[0]))
	dst[0] = xi[0]
}

// TestEulerMaruyamaCallOrder checks the order the SDE documents, on which a Diffuse
// that reuses Drift's work relies: Drift, then Diffuse, both at x_k.
func TestEulerMaruyamaCallOrder(t *testing.T) {
	s := &callLog{}
	var em EulerMaruyama
	x := []float64{0.5}
	em.StepWith(s, x, 0.25, []float64{0.125})
	em.StepWith(s, x, 0.25, []float64{-1})
	want := []string{"Drift(0.5)", "Diffuse(0.5)", "Drift(0.875)", "Diffuse(0.875)"}
	if !slices.Equal(s.calls, want) {
		t.Errorf("calls = %q, want %q", s.calls, want)
	}
	if x[0] != 0.125 {
		t.Errorf("x after two steps = %v, want 0.125", x[0])
	}
}

func TestEulerMaruyamaAllocatesNothing(t *testing.T) {
	for _, s := range []SDE{
		&diagOU{[]float64{1, 2, 3}, []float64{0.5, 0.5, 0.5}},
		newMixedNoise(testRand(1), 3, 5),
		&gradFlow{p: 6, n: 4, c: 0.3},
	} {
		var em EulerMaruyama
		x := make([]float64, s.Dim())
		dB := make([]float64, s.NoiseDim())
		r := NewRand(1, StreamNoise)
		em.Step(s, x, 0.01, r) // warm-up: the buffers are allocated here
		if got := testing.AllocsPerRun(100, func() { em.Step(s, x, 0.01, r) }); got != 0 {
			t.Errorf("%T: allocations per Step = %v, want 0", s, got)
		}
		if got := testing.AllocsPerRun(100, func() { em.StepWith(s, x, 0.01, dB) }); got != 0 {
			t.Errorf("%T: allocations per StepWith = %v, want 0", s, got)
		}
	}
}

func TestEulerMaruyamaPanics(t *testing.T) {
	s := &diagOU{[]float64{1, 2}, []float64{1, 1}}
	r := NewRand(1, StreamNoise)
	for _, tc := range []struct {
		name string
		f    func(em *EulerMaruyama)
	}{
		{"Step short x", func(em *EulerMaruyama) { em.Step(s, []float64{0}, 0.1, r) }},
		{"Step negative dt", func(em *EulerMaruyama) { em.Step(s, []float64{0, 0}, -0.1, r) }},
		{"Step NaN dt", func(em *EulerMaruyama) { em.Step(s, []float64{0, 0}, math.NaN(), r) }},
		{"StepWith long x", func(em *EulerMaruyama) { em.StepWith(s, []float64{0, 0, 0}, 0.1, []float64{0, 0}) }},
		{"StepWith short dB", func(em *EulerMaruyama) { em.StepWith(s, []float64{0, 0}, 0.1, []float64{0}) }},
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "sim: ") {
					t.Errorf("%s: panic %q, want a message starting with \"sim: \"", tc.name, msg)
				}
			}()
			var em EulerMaruyama
			tc.f(&em)
		}()
	}
}

// gbm is geometric Brownian motion dX = μX dt + σX dB, whose solution is
// X_T = X0·exp((μ − σ²/2)T + σB_T) and whose Euler–Maruyama iterate has mean
// (1 + μdt)^k·X0 exactly, since ΔB_k is independent of x_k.
type gbm struct{ mu, sigma float64 }

func (g *gbm) Dim() int                     { return 1 }
func (g *gbm) NoiseDim() int                { return 1 }
func (g *gbm) Drift(dst, x []float64)       { dst[0] = g.mu * x[0] }
func (g *gbm) Diffuse(dst, x, xi []float64) { dst[0] = g.sigma * x[0] * xi[0] }

// gbmLevels holds, for dt = T/2^k with k = kMin…kMax, sample statistics of the error
// e = x_K − X_T of Euler–Maruyama against the exact solution on the same Brownian path.
type gbmLevels struct {
	dt     []float64
	absErr []float64 // mean |e|: the strong error
	err    []float64 // mean e: estimates the weak error E x_K − E X_T
	errSD  []float64 // sample standard deviation of e
	mean   []float64 // mean x_K
	sd     []float64 // sample standard deviation of x_K
}

// gbmErrors samples paths Brownian paths on the grid T/2^kMax, integrates each with
// StepWith on every coarser grid by summing fine increments, and compares with the exact
// solution driven by the same path.
func gbmErrors(g *gbm, x0, horizon float64, kMin, kMax, paths int, seed uint64) gbmLevels {
	fine := 1 << kMax
	levels := kMax - kMin + 1
	var out gbmLevels
	sumAbs := make([]float64, levels)
	sumE, sumE2 := make([]float64, levels), make([]float64, levels)
	sumX, sumX2 := make([]float64, levels), make([]float64, levels)
	r := NewRand(seed, StreamNoise)
	w := make([]float64, fine)
	dB := make([]float64, 1)
	x := make([]float64, 1)
	var em EulerMaruyama
	sq := math.Sqrt(horizon / float64(fine))
	for range paths {
		bT := 0.0
		for j := range w {
			w[j] = sq * Normal(r)
			bT += w[j]
		}
		exact := x0 * math.Exp((g.mu-g.sigma*g.sigma/2)*horizon+g.sigma*bT)
		for l := range levels {
			stride := 1 << (kMax - kMin - l)
			dt := horizon / float64(fine/stride)
			x[0] = x0
			for j := 0; j < fine; j += stride {
				dB[0] = 0
				for _, v := range w[j : j+stride] {
					dB[0] += v
				}
				em.StepWith(g, x, dt, dB)
			}
			e := x[0] - exact
			sumAbs[l] += math.Abs(e)
			sumE[l] += e
			sumE2[l] += e * e
			sumX[l] += x[0]
			sumX2[l] += x[0] * x[0]
		}
	}
	n := float64(paths)
	sd := func(s, s2 float64) float64 { return math.Sqrt(math.Max(0, (s2-s*s/n)/(n-1))) }
	for l := range levels {
		out.dt = append(out.dt, horizon/float64(int(1)<<(kMin+l)))
		out.absErr = append(out.absErr, sumAbs[l]/n)
		out.err = append(out.err, sumE[l]/n)
		out.errSD = append(out.errSD, sd(sumE[l], sumE2[l]))
		out.mean = append(out.mean, sumX[l]/n)
		out.sd = append(out.sd, sd(sumX[l], sumX2[l]))
	}
	return out
}

// logSlope returns the least-squares slope of log y against log x.
func logSlope(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx += math.Log(x[i])
		my += math.Log(math.Abs(y[i]))
	}
	mx /= float64(len(x))
	my /= float64(len(x))
	var sxy, sxx float64
	for i := range x {
		dx := math.Log(x[i]) - mx
		sxy += dx * (math.Log(math.Abs(y[i])) - my)
		sxx += dx * dx
	}
	return sxy / sxx
}

// Strong-order test of Higham (SIAM Review 43, 2001, §6) on geometric Brownian motion.
const (
	strongMu, strongSigma  = 2.0, 1.0
	strongKMin, strongKMax = 4, 9 // dt = 1/16 … 1/512
	strongPaths            = 2000
	strongLo, strongHi     = 0.35, 0.7 // accepted slopes of log E|e| against log dt; theory ½
)

// TestEulerMaruyamaStrongOrder fits the slope of log E|x_K − X_T| against log dt for
// geometric Brownian motion, with every step size following the same Brownian paths.
func TestEulerMaruyamaStrongOrder(t *testing.T) {
	g := &gbm{strongMu, strongSigma}
	var pooled []float64
	for seed := uint64(1); seed <= 4; seed++ {
		lv := gbmErrors(g, 1, 1, strongKMin, strongKMax, strongPaths, seed)
		slope := logSlope(lv.dt, lv.absErr)
		t.Logf("seed %d: E|e| = %.4g for dt = %v: slope %.3f", seed, lv.absErr, lv.dt, slope)
		if slope < strongLo || slope > strongHi {
			t.Errorf("seed %d: strong order (slope of log E|e| against log dt) = %.3f, want in [%v, %v]", seed, slope, strongLo, strongHi)
		}
		if pooled == nil {
			pooled = make([]float64, len(lv.dt))
		}
		for i, v := range lv.absErr {
			pooled[i] += v / 4
		}
		if seed == 4 {
			t.Logf("strong order of Euler–Maruyama on dX = %vX dt + %vX dB, X0 = 1, T = 1, %d paths: %.3f (theory 0.5)",
				strongMu, strongSigma, 4*strongPaths, logSlope(lv.dt, pooled))
		}
	}
}

// Weak-order test on geometric Brownian motion. The error e = x_K − X_T on a shared path
// has expectation X0·((1 + μdt)^K − e^{μT}) exactly and a much smaller variance than x_K,
// so its sample mean resolves an O(dt) weak error with few paths.
const (
	weakMu, weakSigma  = 2.0, 0.5
	weakKMin, weakKMax = 3, 8 // dt = 1/8 … 1/256
	weakPaths          = 4000
	weakLo, weakHi     = 0.7, 1.4 // accepted slopes of log |E e| against log dt; theory 1
)

// TestEulerMaruyamaWeakOrder checks the sample mean of x_K against its exact value
// (1 + μdt)^K·X0, the sample mean of e = x_K − X_T against (1 + μdt)^K·X0 − e^{μT}·X0, and
// fits the slope of log |mean e| against log dt.
func TestEulerMaruyamaWeakOrder(t *testing.T) {
	g := &gbm{weakMu, weakSigma}
	var pooled []float64
	for seed := uint64(1); seed <= 4; seed++ {
		lv := gbmErrors(g, 1, 1, weakKMin, weakKMax, weakPaths, seed)
		for i, dt := range lv.dt {
			discrete := math.Pow(1+weakMu*dt, 1/dt)
			if se := lv.sd[i] / math.Sqrt(weakPaths); math.Abs(lv.mean[i]-discrete) > sdeZ*se {
				t.Errorf("seed %d, dt = %v: mean x_K = %.5g, want (1 + μdt)^K = %.5g ± %.2g", seed, dt, lv.mean[i], discrete, sdeZ*se)
			}
			want := discrete - math.Exp(weakMu)
			if se := lv.errSD[i] / math.Sqrt(weakPaths); math.Abs(lv.err[i]-want) > sdeZ*se {
				t.Errorf("seed %d, dt = %v: mean (x_K − X_T) = %.5g, want %.5g ± %.2g", seed, dt, lv.err[i], want, sdeZ*se)
			}
		}
		slope := logSlope(lv.dt, lv.err)
		t.Logf("seed %d: E e = %.4g for dt = %v: slope %.3f", seed, lv.err, lv.dt, slope)
		if slope < weakLo || slope > weakHi {
			t.Errorf("seed %d: weak order (slope of log |E e| against log dt) = %.3f, want in [%v, %v]", seed, slope, weakLo, weakHi)
		}
		if pooled == nil {
			pooled = make([]float64, len(lv.dt))
		}
		for i, v := range lv.err {
			pooled[i] += v / 4
		}
		if seed == 4 {
			exact := make([]float64, len(lv.dt))
			for i, dt := range lv.dt {
				exact[i] = math.Pow(1+weakMu*dt, 1/dt) - math.Exp(weakMu)
			}
			t.Logf("weak order of Euler–Maruyama on dX = %vX dt + %vX dB, X0 = 1, T = 1, %d paths: %.3f (exact %.3f, theory 1)",
				weakMu, weakSigma, 4*weakPaths, logSlope(lv.dt, pooled), logSlope(lv.dt, exact))
		}
	}
}

// BenchmarkEulerMaruyamaOU measures one Step of a 300-dimensional diagonal
// Ornstein–Uhlenbeck process: 300 normal draws and one drift and one diffusion call.
func BenchmarkEulerMaruyamaOU(b *testing.B) {
	const p = 300
	o := &diagOU{make([]float64, p), make([]float64, p)}
	for i := range p {
		o.theta[i] = 0.5 + float64(i)/p
		o.sigma[i] = 0.1
	}
	var s SDE = o
	x := make([]float64, p)
	r := NewRand(1, StreamNoise)
	var em EulerMaruyama
	b.ReportAllocs()
	for b.Loop() {
		em.Step(s, x, 0.01, r)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}
