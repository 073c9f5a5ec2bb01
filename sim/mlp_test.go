package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// slowMLP is the obvious evaluation of an MLP from its documented layout, with
// every pre-activation: the reference the optimized passes are checked against.
func slowMLP(n *MLP, x []float64) (h float64, pre [][]float64) {
	a := slices.Clone(x)
	for l := 1; l <= n.Depth()+1; l++ {
		w, b := n.Weights(l), n.Bias(l)
		out := make([]float64, len(w)/len(a))
		for j := range out {
			for i := range a {
				out[j] += w[j*len(a)+i] * a[i]
			}
			if b != nil {
				out[j] += b[j]
			}
		}
		if l == n.Depth()+1 {
			return out[0], pre
		}
		pre = append(pre, slices.Clone(out))
		for j := range out {
			out[j] = math.Max(0, out[j])
		}
		a = out
	}
	panic("unreachable")
}

// mlpAwayFromKinks reports whether every hidden pre-activation at x is at least
// kinkMargin away from zero, so that finite differences do not cross a ReLU kink.
func mlpAwayFromKinks(n *MLP, x []float64) bool {
	_, pre := slowMLP(n, x)
	for _, z := range pre {
		for _, v := range z {
			if math.Abs(v) < kinkMargin {
				return false
			}
		}
	}
	return true
}

// randomMLP returns a network with the given dims and random weights N(0, σ²), σ
// random in [0.5, 1.5], and biases U(±1/√fan_in).
func randomMLP(r *rand.Rand, dims []int, biases bool) *MLP {
	n := NewMLP(dims, biases)
	n.Init(r, 0.5+r.Float64())
	return n
}

// randomInput returns a point of ℝᵈ with coordinates uniform in [−1.5, 1.5].
func randomInput(r *rand.Rand, d int) []float64 {
	x := make([]float64, d)
	for k := range x {
		x[k] = 3*r.Float64() - 1.5
	}
	return x
}

// mlpShapes are the networks the tests check: one to four hidden layers, scalar and
// vector inputs, narrow and wide layers.
var mlpShapes = [][]int{
	{1, 1, 1},
	{1, 7, 1},
	{3, 5, 1},
	{1, 10, 10, 1},
	{5, 10, 10, 1},
	{2, 4, 3, 5, 1},
	{1, 6, 5, 4, 3, 1},
	{4, 3, 8, 2, 6, 1},
}

func TestMLPLayout(t *testing.T) {
	for _, dims := range mlpShapes {
		for _, biases := range []bool{true, false} {
			n := NewMLP(dims, biases)
			L := len(dims) - 2
			if n.Depth() != L || n.InputDim() != dims[0] || n.HasBiases() != biases || !slices.Equal(n.Dims(), dims) {
				t.Errorf("%v biases %v: Depth, InputDim, HasBiases, Dims = %d, %d, %v, %v", dims, biases, n.Depth(), n.InputDim(), n.HasBiases(), n.Dims())
			}
			if got, want := n.NumParams(), MLPParams(dims[0], dims[1:L+1], biases); got != want || len(n.Params()) != got {
				t.Errorf("%v biases %v: NumParams() = %d, MLPParams = %d, len(Params()) = %d", dims, biases, got, want, len(n.Params()))
			}
			// Numbering θ's entries shows the layout: layer by layer, weights row by
			// row, then the biases.
			for k := range n.Params() {
				n.Params()[k] = float64(k)
			}
			next := 0.0
			for l := 1; l <= L+1; l++ {
				w, b := n.Weights(l), n.Bias(l)
				if len(w) != dims[l]*dims[l-1] {
					t.Fatalf("%v: Weights(%d) has %d entries, want %d", dims, l, len(w), dims[l]*dims[l-1])
				}
				for _, v := range w {
					if v != next {
						t.Fatalf("%v biases %v: Weights(%d) = %v…, want θ entries from %g on", dims, biases, l, w, next)
					}
					next++
				}
				if biases != (b != nil) || biases && len(b) != dims[l] {
					t.Fatalf("%v biases %v: Bias(%d) = %v", dims, biases, l, b)
				}
				for _, v := range b {
					if v != next {
						t.Fatalf("%v: Bias(%d) = %v, want θ entries from %g on", dims, l, b, next)
					}
					next++
				}
				if l <= L && n.Width(l) != dims[l] {
					t.Errorf("%v: Width(%d) = %d, want %d", dims, l, n.Width(l), dims[l])
				}
			}
			if int(next) != n.NumParams() {
				t.Errorf("%v biases %v: the layers cover %g of %d parameters", dims, biases, next, n.NumParams())
			}
		}
	}
}

func TestNewMLPPanics(t *testing.T) {
	for _, dims := range [][]int{nil, {1, 1}, {1, 2, 2}, {0, 2, 1}, {1, 0, 1}, {2, 3, -1, 1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewMLP(%v) did not panic", dims)
				}
			}()
			NewMLP(dims, true)
		}()
	}
}

// TestMLPHand checks a network small enough to evaluate by hand.
func TestMLPHand(t *testing.T) {
	// Layer 1: z = (x₁ − x₂, 2x₂ − 1); layer 2: z = a₁ + a₂ − 1; h = 3a + 0.5.
	n := NewMLP([]int{2, 2, 1, 1}, true)
	copy(n.Params(), []float64{1, -1, 0, 2, 0, -1, 1, 1, -1, 3, 0.5})
	for _, tc := range []struct {
		x    []float64
		want float64
	}{
		{[]float64{0, 0}, 0.5},             // a₁ = (0, 0), a₂ = 0
		{[]float64{3, 1}, 3*2 + 0.5},       // a₁ = (2, 1), a₂ = 2
		{[]float64{1, 2}, 3*2 + 0.5},       // a₁ = (0, 3), a₂ = 2
		{[]float64{2, 1.25}, 3*1.25 + 0.5}, // a₁ = (0.75, 1.5), a₂ = 1.25
		{[]float64{-1, 0.5}, 0.5},          // a₁ = (0, 0)
	} {
		if got := n.Predict(tc.x); got != tc.want {
			t.Errorf("Predict(%v) = %g, want %g", tc.x, got, tc.want)
		}
	}
	m := NewMLP([]int{1, 2, 1}, false)
	copy(m.Params(), []float64{1, -2, 3, 0.5})
	for _, tc := range []struct{ x, want float64 }{{-1, 1}, {0, 0}, {2, 6}} {
		if got := m.At(tc.x); got != tc.want {
			t.Errorf("At(%g) = %g, want %g", tc.x, got, tc.want)
		}
	}
}

func TestMLPPredictMatchesSlow(t *testing.T) {
	r := testRand(3)
	for _, dims := range mlpShapes {
		for _, biases := range []bool{true, false} {
			n := randomMLP(r, dims, biases)
			for trial := 0; trial < 20; trial++ {
				x := randomInput(r, dims[0])
				want, _ := slowMLP(n, x)
				if got := n.Predict(x); !closeRel(got, want, 1e-13) {
					t.Errorf("%v: Predict(%v) = %v, want %v", dims, x, got, want)
				}
			}
		}
	}
}

// TestMLPGradientFiniteDifferences checks ∇_θ h(x) against central differences at
// depths 1 to 4 (hidden layers), with and without biases, on random networks at
// random points away from every ReLU kink.
func TestMLPGradientFiniteDifferences(t *testing.T) {
	r := testRand(5)
	for _, dims := range mlpShapes {
		for _, biases := range []bool{true, false} {
			n := randomMLP(r, dims, biases)
			grad := make([]float64, n.NumParams())
			for tested := 0; tested < 5; {
				x := randomInput(r, dims[0])
				if !mlpAwayFromKinks(n, x) {
					continue
				}
				tested++
				h := n.Gradient(grad, x)
				if want := n.Predict(x); h != want {
					t.Errorf("%v: Gradient returned h = %v, want Predict = %v", dims, h, want)
				}
				fd := centralDiff(n.Params(), func() float64 { return n.Predict(x) })
				for k := range grad {
					if !closeRel(grad[k], fd[k], fdTol) {
						t.Errorf("%v biases %v: ∂h(%v)/∂θ_%d = %g, want %g (finite differences)", dims, biases, x, k, grad[k], fd[k])
					}
				}
			}
		}
	}
}

// TestMLPJacobianFiniteDifferences checks φ_θ(X) row by row against central
// differences on networks of depth 2, 3 and 4 (and 1), with and without biases.
func TestMLPJacobianFiniteDifferences(t *testing.T) {
	r := testRand(7)
	for _, dims := range [][]int{{1, 10, 10, 1}, {5, 10, 10, 1}, {2, 4, 3, 5, 1}, {3, 5, 4, 3, 2, 1}, {2, 6, 1}} {
		for _, biases := range []bool{true, false} {
			n := randomMLP(r, dims, biases)
			ds := &Dataset{D: dims[0]}
			for ds.Len() < 12 {
				x := randomInput(r, dims[0])
				if mlpAwayFromKinks(n, x) {
					ds.X = append(ds.X, x...)
					ds.Y = append(ds.Y, 0)
				}
			}
			p := n.NumParams()
			jac := make([]float64, ds.Len()*p)
			Jacobian(jac, n, ds)
			for i := 0; i < ds.Len(); i++ {
				x := ds.Input(i)
				fd := centralDiff(n.Params(), func() float64 { return n.Predict(x) })
				for k := 0; k < p; k++ {
					if got := jac[i*p+k]; !closeRel(got, fd[k], fdTol) {
						t.Errorf("%v biases %v: φ[%d][%d] = %g, want %g (finite differences)", dims, biases, i, k, got, fd[k])
					}
				}
			}
		}
	}
}

// TestMLPMatchesReLU1D checks the two-layer fast path against the general network.
// The mapping: ReLU1D's θ = [w | b | a] is the MLP [1, m, 1] with biases whose θ is
// [W₁ = w | b₁ = b | w_out = a | b_out = 0], so ReLU1D's parameters are the first 3m
// of the MLP's and its gradient the first 3m entries of the MLP's gradient (the last,
// ∂h/∂b_out, is 1).
func TestMLPMatchesReLU1D(t *testing.T) {
	const tol = 1e-12
	r := testRand(9)
	for _, m := range []int{1, 5, 100} {
		net := randomNet(r, m)
		mlp := NewMLP([]int{1, m, 1}, true)
		copy(mlp.Params(), net.Params()) // b_out stays 0
		gNet, gMLP := make([]float64, 3*m), make([]float64, 3*m+1)
		for trial := 0; trial < 50; trial++ {
			x := 6*r.Float64() - 3
			if got, want := mlp.At(x), net.At(x); math.Abs(got-want) > tol*math.Max(1, math.Abs(want)) {
				t.Errorf("m=%d: MLP.At(%g) = %v, ReLU1D.At = %v", m, x, got, want)
			}
			hn := net.Gradient(gNet, []float64{x})
			hm := mlp.Gradient(gMLP, []float64{x})
			if math.Abs(hn-hm) > tol*math.Max(1, math.Abs(hn)) {
				t.Errorf("m=%d: Gradient h = %v (MLP), %v (ReLU1D)", m, hm, hn)
			}
			for k := range gNet {
				if math.Abs(gNet[k]-gMLP[k]) > tol*math.Max(1, math.Abs(gNet[k])) {
					t.Errorf("m=%d x=%g: ∂h/∂θ_%d = %v (MLP), %v (ReLU1D)", m, x, k, gMLP[k], gNet[k])
				}
			}
			if gMLP[3*m] != 1 {
				t.Errorf("m=%d: ∂h/∂b_out = %v, want 1", m, gMLP[3*m])
			}
		}
		act, actNet := make([]float64, 12*m), make([]float64, 12*m)
		mlp.Activations(1, act, PaperPoints())
		net.Activations(actNet, PaperPoints())
		if !slices.Equal(act, actNet) {
			t.Errorf("m=%d: MLP activations differ from ReLU1D's", m)
		}
		lo, hi := -2.0, 2.0
		km, kn := mlp.Kinks(lo, hi, KinkMerge, KinkMinFrac), net.Kinks(lo, hi, KinkMerge, KinkMinFrac)
		if km.Raw != kn.Raw || km.Visible != kn.Visible || len(km.Clusters) != len(kn.Clusters) {
			t.Errorf("m=%d: MLP kinks raw %d, visible %d, %d clusters; ReLU1D %d, %d, %d", m, km.Raw, km.Visible, len(km.Clusters), kn.Raw, kn.Visible, len(kn.Clusters))
			continue
		}
		for i := range km.Clusters {
			a, b := km.Clusters[i], kn.Clusters[i]
			if math.Abs(a.X-b.X) > 1e-9 || math.Abs(a.SlopeChange-b.SlopeChange) > 1e-9*math.Max(1, math.Abs(b.SlopeChange)) {
				t.Errorf("m=%d: cluster %d = %+v (MLP), %+v (ReLU1D)", m, i, a, b)
			}
		}
	}
}

// slowMLPStep is the batch-1 SGD step as a run's generic step computes it.
func slowMLPStep(n *MLP, grad, x []float64, y, lr, c float64) float64 {
	res := n.Gradient(grad, x) - y
	s := c * res
	theta := n.Params()
	for k, g := range grad {
		theta[k] -= lr * (s * g)
	}
	return res
}

// TestMLPSGDStep1MatchesGenericStep runs the fused step and the generic one side by
// side through a large-step schedule on teacher data and requires bitwise identical
// parameters throughout.
func TestMLPSGDStep1MatchesGenericStep(t *testing.T) {
	const steps = 10001
	for _, tc := range []struct {
		dims   []int
		biases bool
	}{{[]int{1, 10, 10, 1}, true}, {[]int{5, 10, 10, 1}, true}, {[]int{3, 8, 6, 4, 1}, false}} {
		t.Run(fmt.Sprint(tc.dims, tc.biases), func(t *testing.T) {
			// Labels from a random teacher of the same input dimension.
			teacher := randomMLP(testRand(1), []int{tc.dims[0], 2, 2, 1}, true)
			ds := &Dataset{D: tc.dims[0], X: randomInput(testRand(2), 50*tc.dims[0]), Y: make([]float64, 50)}
			for i := range ds.Y {
				ds.Y[i] = teacher.Predict(ds.Input(i))
			}
			fast, slow := NewMLP(tc.dims, tc.biases), NewMLP(tc.dims, tc.biases)
			fast.Init(NewRand(2, StreamInit), StudentWeightStd)
			slow.Init(NewRand(2, StreamInit), StudentWeightStd)
			sched := Schedule{Base: 0.04, Shape: WarmupSqrt, Gain: 5, Until: 0.5, Decays: []Decay{{0.5, 5}}, Total: steps}
			r := testRand(3)
			grad := make([]float64, slow.NumParams())
			for i := 0; i < steps; i++ {
				k := r.IntN(ds.Len())
				x, y, lr := ds.Input(k), ds.Y[k], sched.At(i)
				rf := fast.sgdStep1(x, y, lr, 2)
				rs := slowMLPStep(slow, grad, x, y, lr, 2)
				if math.Float64bits(rf) != math.Float64bits(rs) {
					t.Fatalf("step %d: sgdStep1 residual = %v, want %v (generic step)", i, rf, rs)
				}
				if !sameBits(fast.Params(), slow.Params()) {
					for q := range fast.Params() {
						if fast.Params()[q] != slow.Params()[q] {
							t.Fatalf("step %d: sgdStep1 θ[%d] = %v, want %v (generic step)", i, q, fast.Params()[q], slow.Params()[q])
						}
					}
					t.Fatalf("step %d: sgdStep1 parameters differ in sign bits from the generic step", i)
				}
			}
		})
	}
}

// TestMLPActivations checks that the last hidden layer's activations reproduce the
// predictions and that every layer's match the slow evaluation.
func TestMLPActivations(t *testing.T) {
	r := testRand(13)
	for _, dims := range mlpShapes {
		n := randomMLP(r, dims, true)
		ds := &Dataset{D: dims[0], X: randomInput(r, 9*dims[0]), Y: make([]float64, 9)}
		for l := 1; l <= n.Depth(); l++ {
			m := dims[l]
			act := make([]float64, ds.Len()*m)
			n.Activations(l, act, ds)
			for i := 0; i < ds.Len(); i++ {
				_, pre := slowMLP(n, ds.Input(i))
				for j := 0; j < m; j++ {
					if want := math.Max(0, pre[l-1][j]); !closeRel(act[i*m+j], want, 1e-13) {
						t.Errorf("%v: layer %d activation [%d][%d] = %v, want %v", dims, l, i, j, act[i*m+j], want)
					}
				}
				if l == n.Depth() {
					h := n.Bias(l + 1)[0]
					for j, w := range n.Weights(l + 1) {
						h += w * act[i*m+j]
					}
					if want := n.Predict(ds.Input(i)); !closeRel(h, want, 1e-13) {
						t.Errorf("%v: w_out·a_L + b_out = %v, want Predict = %v", dims, h, want)
					}
				}
			}
		}
	}
}

// TestMLPInit checks the initialization's statistics: weights N(0, σ²) and biases
// U(±1/√fan_in), whose standard deviation is bound/√3.
func TestMLPInit(t *testing.T) {
	// The sample standard deviation of k draws has a relative standard error of about
	// 1/√(2k): 1.3 % for the 3,000-odd weights of a layer.
	const relTol = 0.08
	n := NewMLP([]int{12, 256, 12, 1}, true)
	n.Init(NewRand(4, StreamInit), 0.8)
	for l := 1; l <= 3; l++ {
		fanIn := []int{12, 256, 12}[l-1]
		bound := 1 / math.Sqrt(float64(fanIn))
		for _, b := range n.Bias(l) {
			if !(math.Abs(b) <= bound) {
				t.Errorf("layer %d: bias %v outside ±%v", l, b, bound)
			}
		}
		if l == 1 || l == 2 {
			if sd := stdDev(n.Weights(l)); math.Abs(sd-0.8) > relTol*0.8 {
				t.Errorf("layer %d: weight standard deviation %v, want 0.8", l, sd)
			}
		}
	}
	if sd, want := stdDev(n.Bias(1)), 1/math.Sqrt(12)/math.Sqrt(3); math.Abs(sd-want) > 2*relTol*want {
		t.Errorf("layer 1: bias standard deviation %v, want %v", sd, want)
	}
	// Same stream, same network; the init stream only.
	m := NewMLP([]int{12, 256, 12, 1}, true)
	m.Init(NewRand(4, StreamInit), 0.8)
	if !sameBits(m.Params(), n.Params()) {
		t.Errorf("two inits from the same stream differ")
	}
}

func stdDev(v []float64) float64 {
	mean, ss := 0.0, 0.0
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return math.Sqrt(ss / float64(len(v)))
}

// TestMLPAllocatesNothing checks the hot paths.
func TestMLPAllocatesNothing(t *testing.T) {
	n := randomMLP(testRand(1), []int{5, 10, 10, 1}, true)
	m := randomMLP(testRand(2), []int{1, 10, 10, 1}, true)
	x := []float64{0.1, -0.3, 0.5, 0.2, -0.7}
	grad := make([]float64, n.NumParams())
	for name, f := range map[string]func(){
		"Predict":  func() { n.Predict(x) },
		"Gradient": func() { n.Gradient(grad, x) },
		"sgdStep1": func() { n.sgdStep1(x, 0.3, 1e-6, 2) },
		"At":       func() { m.At(0.25) },
	} {
		if allocs := testing.AllocsPerRun(100, f); allocs != 0 {
			t.Errorf("%s allocates %v times, want 0", name, allocs)
		}
	}
}

// slopeAt returns h'(x) from the slow evaluation, by the chain rule with the masks
// at x.
func slopeAt(n *MLP, x float64) float64 {
	// Central differences on a scale far below any piece make an exact slope for a
	// piecewise-linear h away from its breakpoints, up to rounding.
	const eps = 1e-7
	hp, _ := slowMLP(n, []float64{x + eps})
	hm, _ := slowMLP(n, []float64{x - eps})
	return (hp - hm) / (2 * eps)
}

// TestMLPKinksHand checks the breakpoints of h(x) = ReLU(ReLU(x) − ReLU(x − 1) − ½):
// layer-1 kinks at 0 (no slope change: the second layer is off there) and 1 (slope
// 1 → 0), and layer 2's at ½ (slope 0 → 1).
func TestMLPKinksHand(t *testing.T) {
	n := NewMLP([]int{1, 2, 1, 1}, true)
	copy(n.Params(), []float64{1, 1, 0, -1, 1, -1, -0.5, 1, 0})
	bps := n.Breakpoints()
	want := []Kink{{X: 0, SlopeChange: 0, Neurons: 1}, {X: 0.5, SlopeChange: 1, Neurons: 1}, {X: 1, SlopeChange: -1, Neurons: 1}}
	if len(bps) != len(want) {
		t.Fatalf("Breakpoints() = %+v, want %+v", bps, want)
	}
	for i := range want {
		if math.Abs(bps[i].X-want[i].X) > 1e-15 || math.Abs(bps[i].SlopeChange-want[i].SlopeChange) > 1e-15 || bps[i].Neurons != 1 {
			t.Errorf("breakpoint %d = %+v, want %+v", i, bps[i], want[i])
		}
	}
	ks := n.Kinks(-2, 2, KinkMerge, KinkMinFrac)
	if ks.Raw != 2 || ks.Visible != 2 || len(ks.Clusters) != 2 || ks.Clusters[0].X != 0.5 || ks.Clusters[1].X != 1 {
		t.Errorf("Kinks(−2, 2) = %+v, want the two kinks at ½ and 1", ks)
	}
	if ks := n.Kinks(-2, 0.75, KinkMerge, KinkMinFrac); ks.Raw != 1 || ks.Clusters[0].X != 0.5 {
		t.Errorf("Kinks(−2, ¾) = %+v, want the kink at ½", ks)
	}
	// With neuron 2's kink at 0.53, h rises by 0.03 between ½ and 0.53: the two kinks
	// are closer than KinkMerge and cancel in one invisible cluster.
	n.Bias(1)[1] = -0.53
	ks = n.Kinks(-2, 2, KinkMerge, KinkMinFrac)
	if ks.Raw != 2 || len(ks.Clusters) != 1 || ks.Clusters[0].Neurons != 2 || math.Abs(ks.Clusters[0].SlopeChange) > 1e-12 || ks.Visible != 0 {
		t.Errorf("Kinks with kinks at ½ and 0.53 = %+v, want one cluster of two cancelling kinks, not visible", ks)
	}
}

// TestMLPBreakpointsAgainstSlopeScan checks the exact walk over the pieces on random
// 1D networks against a brute-force scan of h's slope on a fine grid: every grid
// cell where the slope changes holds a breakpoint of matching total slope change,
// and every breakpoint with a clear slope change shows in the scan.
func TestMLPBreakpointsAgainstSlopeScan(t *testing.T) {
	const (
		lo, hi = -2.0, 2.0
		cells  = 40000
		dx     = (hi - lo) / cells
		tol    = 1e-7 // slope differences below this are rounding
	)
	r := testRand(17)
	shapes := [][]int{{1, 2, 2, 1}, {1, 10, 10, 1}, {1, 6, 5, 4, 1}, {1, 5, 4, 3, 3, 1}, {1, 8, 1}}
	for trial := 0; trial < 15; trial++ {
		dims := shapes[trial%len(shapes)]
		n := randomMLP(r, dims, trial%4 != 3)
		bps := n.Breakpoints()
		if !slices.IsSortedFunc(bps, func(a, b Kink) int { return cmpFloat(a.X, b.X) }) {
			t.Fatalf("%v: breakpoints not sorted", dims)
		}
		// Grid slopes, cell by cell, from the slow evaluation.
		h := make([]float64, cells+1)
		for i := range h {
			h[i], _ = slowMLP(n, []float64{lo + float64(i)*dx})
		}
		slope := make([]float64, cells)
		for i := range slope {
			slope[i] = (h[i+1] - h[i]) / dx
		}
		// Each change of the cell slope between cells i and i+1 needs breakpoints in
		// [x_i, x_{i+2}] whose slope changes add up to it (a kink inside a cell
		// shares its change between the cell's two neighbours).
		seen := make([]bool, len(bps))
		for i := 0; i+1 < cells; i++ {
			diff := slope[i+1] - slope[i]
			a, b := lo+float64(i)*dx, lo+float64(i+2)*dx
			sum, any := 0.0, false
			for q, k := range bps {
				if k.X >= a-1e-12 && k.X <= b+1e-12 {
					sum += k.SlopeChange
					any = true
					if math.Abs(diff) > tol {
						seen[q] = true
					}
				}
			}
			if math.Abs(diff) > tol && !any {
				t.Errorf("%v trial %d: the slope changes by %g in [%g, %g], with no breakpoint there", dims, trial, diff, a, b)
			}
			if !any && math.Abs(diff) > tol || any && math.Abs(diff) > tol+math.Abs(sum)+tol*math.Abs(diff) {
				t.Errorf("%v trial %d: slope change %g in [%g, %g], breakpoints there add to %g", dims, trial, diff, a, b, sum)
			}
		}
		for q, k := range bps {
			inside := k.X > lo+2*dx && k.X < hi-2*dx
			if inside && math.Abs(k.SlopeChange) > 1e-5 && !seen[q] {
				t.Errorf("%v trial %d: breakpoint %+v does not show in the slope scan", dims, trial, k)
			}
		}
		// The slope changes add up exactly between any two points: h'(b) − h'(a).
		for q := 0; q < 20; q++ {
			a, b := 4*r.Float64()-2, 4*r.Float64()-2
			if a > b {
				a, b = b, a
			}
			if nearBreakpoint(bps, a) || nearBreakpoint(bps, b) {
				continue
			}
			sum := 0.0
			for _, k := range bps {
				if k.X > a && k.X < b {
					sum += k.SlopeChange
				}
			}
			if want := slopeAt(n, b) - slopeAt(n, a); math.Abs(sum-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Errorf("%v trial %d: slope changes in (%g, %g) add to %g, want h'(b) − h'(a) = %g", dims, trial, a, b, sum, want)
			}
		}
		// Kinks keeps the breakpoints with a slope change inside the range.
		ks := n.Kinks(-1, 1, KinkMerge, KinkMinFrac)
		raw := 0
		for _, k := range bps {
			if k.X >= -1 && k.X <= 1 && k.SlopeChange != 0 {
				raw++
			}
		}
		if ks.Raw != raw {
			t.Errorf("%v trial %d: Kinks(−1, 1).Raw = %d, want %d", dims, trial, ks.Raw, raw)
		}
	}
}

// nearBreakpoint reports whether x is within 1e-6 of a breakpoint.
func nearBreakpoint(bps []Kink, x float64) bool {
	for _, k := range bps {
		if math.Abs(k.X-x) < 1e-6 {
			return true
		}
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestMLPRankMatchesSVD checks the rank's singular values against the SVD of the
// explicit Jacobian on the same fresh points: the segment reduction for d = 1 and
// the plain SVD otherwise, on random and trained-looking (partly dead) networks.
func TestMLPRankMatchesSVD(t *testing.T) {
	r := testRand(19)
	for trial, dims := range [][]int{{1, 10, 10, 1}, {1, 10, 10, 1}, {1, 3, 1}, {1, 6, 5, 4, 1}, {5, 10, 10, 1}, {1, 20, 20, 1}} {
		n := randomMLP(r, dims, trial != 1)
		if trial == 3 {
			clear(n.Weights(2)[:10]) // dead neurons
		}
		rk := newMLPRank(r, dims[0], n.NumParams(), -1, 1)
		p := n.NumParams()
		jac := make([]float64, p*p)
		Jacobian(jac, n, rk.pts)
		want := SingularValues(jac, p, p)
		got := slices.Clone(rk.singularValues(n))
		slices.Sort(got)
		slices.Reverse(got)
		top := want[0]
		for k := range want {
			g := 0.0
			if k < len(got) {
				g = got[k]
			}
			if math.Abs(g-want[k]) > 1e-9*top {
				t.Errorf("%v: σ_%d = %g, want %g (explicit SVD, σ_max %g)", dims, k, g, want[k], top)
			}
		}
		if g, w := NumericalRank(got, RankTauReLU), NumericalRank(want, RankTauReLU); g != w {
			t.Errorf("%v: rank %d, want %d", dims, g, w)
		}
	}
}

func TestParseLayers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
	}{{"10,10", []int{10, 10}}, {" 1 , 256 ", []int{1, 256}}, {"7", []int{7}}, {"1,2,3,4", []int{1, 2, 3, 4}}} {
		got, err := ParseLayers(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseLayers(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
		}
		if back, err := ParseLayers(FormatLayers(got)); err != nil || !slices.Equal(back, got) {
			t.Errorf("ParseLayers(FormatLayers(%v)) = %v, %v", got, back, err)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"", `layer 1 ""`},
		{"10,0", `layer 2 "0" is not a width in [1, 256]`},
		{"10,257", `layer 2 "257"`},
		{"1,2,3,4,5", "5 layers, at most 4"},
		{"10,x", `layer 2 "x"`},
	} {
		if _, err := ParseLayers(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseLayers(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}
