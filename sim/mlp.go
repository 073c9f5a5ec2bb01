package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// MLP is a fully connected ReLU network on ℝᵈ with L hidden layers and a scalar output,
//
//	a₀ = x,  a_l = ReLU(W_l a_{l−1} + b_l) (l = 1..L),  h(x) = w_out·a_L + b_out,
//
// with the biases b_l and b_out present or all absent. Its dims are [d, h₁, …, h_L, 1].
//
// θ holds the layers in order, each as its weight matrix row by row (row j holds the
// weights into neuron j) followed by its bias vector (when there are biases):
//
//	θ = [W₁ | b₁ | W₂ | b₂ | … | W_L | b_L | w_out | b_out],
//
// W_l of size h_l × h_{l−1}: the order of the reference code's parameters() and of its
// Jacobian columns. For dims [1, m, 1] with biases this is [w | b | a | b_out], so the
// first 3m parameters are those of the ReLU1D with the same weights.
//
// An MLP keeps scratch buffers for its forward and backward passes, so that Predict
// and Gradient allocate nothing; it is therefore not safe for concurrent use.
type MLP struct {
	dims   []int
	biases bool
	theta  []float64
	wOff   []int // offset of layer k's weights in θ (k = 0..L, k = L the output layer)
	bOff   []int // offset of layer k's biases, −1 without biases

	act [][]float64 // a_{k+1} of the last forward pass (k = 0..L−1)
	tan [][]float64 // da_{k+1}/dx along a line (1D kinks)
	dlt [][]float64 // ∂h/∂z_{k+1} of the last backward pass
	lz  [][]float64 // z_{k+1}(x) along a line (1D kinks)
	ldz [][]float64 // dz_{k+1}/dx along a line
	in1 [1]float64  // the input of At
}

// Initialization scales of the teacher–student experiment: weights N(0, σ²) with
// σ = 1 for the teacher and 0.8 for the student, biases U(±1/√fan_in) for both (the
// reference code's PyTorch default for biases).
const (
	TeacherWeightStd = 1.0
	StudentWeightStd = 0.8
)

// Limits of the student (the layers setting): hidden layers, neurons per layer, and
// parameters in all. Each snapshot's rank is the SVD of the Jacobian on as many
// fresh inputs as parameters, O(p³): about 4 ms natively for the reference p = 181
// (d = 5), 0.15 s at p = 769.
const (
	MaxMLPLayers = 4
	MaxMLPWidth  = 256
	MaxMLPParams = 1000
)

// NewMLP returns a network with the given dims [d, h₁, …, h_L, 1] (L ≥ 1) and all
// parameters zero. It panics on dims that do not describe such a network.
func NewMLP(dims []int, biases bool) *MLP {
	if len(dims) < 3 || dims[len(dims)-1] != 1 {
		panic(fmt.Sprintf("sim: MLP dims %v, want [d, h₁, …, h_L, 1] with L ≥ 1", dims))
	}
	for _, v := range dims {
		if v < 1 {
			panic(fmt.Sprintf("sim: MLP dims %v, want positive sizes", dims))
		}
	}
	L := len(dims) - 2
	n := &MLP{dims: slices.Clone(dims), biases: biases,
		wOff: make([]int, L+1), bOff: make([]int, L+1)}
	p := 0
	for k := 0; k <= L; k++ {
		n.wOff[k] = p
		p += dims[k+1] * dims[k]
		n.bOff[k] = -1
		if biases {
			n.bOff[k] = p
			p += dims[k+1]
		}
	}
	n.theta = make([]float64, p)
	for k := 0; k < L; k++ {
		n.act = append(n.act, make([]float64, dims[k+1]))
		n.tan = append(n.tan, make([]float64, dims[k+1]))
		n.dlt = append(n.dlt, make([]float64, dims[k+1]))
		n.lz = append(n.lz, make([]float64, dims[k+1]))
		n.ldz = append(n.ldz, make([]float64, dims[k+1]))
	}
	return n
}

// MLPParams returns the number of parameters of a network with dims
// [d, hidden…, 1], without building it.
func MLPParams(d int, hidden []int, biases bool) int {
	p, prev := 0, d
	for _, h := range append(slices.Clone(hidden), 1) {
		p += h * prev
		if biases {
			p += h
		}
		prev = h
	}
	return p
}

// Dims returns [d, h₁, …, h_L, 1] (a copy).
func (n *MLP) Dims() []int { return slices.Clone(n.dims) }

// InputDim returns d.
func (n *MLP) InputDim() int { return n.dims[0] }

// Depth returns the number of hidden layers L.
func (n *MLP) Depth() int { return len(n.dims) - 2 }

// Width returns the number of neurons of hidden layer l (1..L).
func (n *MLP) Width(l int) int {
	n.checkLayer(l, n.Depth())
	return n.dims[l]
}

// HasBiases reports whether the network has biases.
func (n *MLP) HasBiases() bool { return n.biases }

// NumParams returns p.
func (n *MLP) NumParams() int { return len(n.theta) }

// Params returns θ in the layout of the type's documentation.
func (n *MLP) Params() []float64 { return n.theta }

// Weights returns W_l (aliased, row-major h_l × h_{l−1}) for l = 1..L, and the output
// weights w_out for l = L+1.
func (n *MLP) Weights(l int) []float64 {
	n.checkLayer(l, n.Depth()+1)
	k := l - 1
	return n.theta[n.wOff[k] : n.wOff[k]+n.dims[k+1]*n.dims[k]]
}

// Bias returns b_l (aliased) for l = 1..L, b_out for l = L+1, or nil without biases.
func (n *MLP) Bias(l int) []float64 {
	n.checkLayer(l, n.Depth()+1)
	k := l - 1
	if !n.biases {
		return nil
	}
	return n.theta[n.bOff[k] : n.bOff[k]+n.dims[k+1]]
}

func (n *MLP) checkLayer(l, top int) {
	if l < 1 || l > top {
		panic(fmt.Sprintf("sim: MLP layer %d out of range [1, %d]", l, top))
	}
}

// Init draws every weight from N(0, weightStd²) (weightStd·Normal(r)) and every bias
// from U(±1/√fan_in) (fan_in the layer's input size), layer by layer in θ's order.
func (n *MLP) Init(r *rand.Rand, weightStd float64) {
	for k := 0; k < len(n.wOff); k++ {
		w := n.theta[n.wOff[k] : n.wOff[k]+n.dims[k+1]*n.dims[k]]
		for i := range w {
			w[i] = weightStd * Normal(r)
		}
		if n.biases {
			bound := 1 / math.Sqrt(float64(n.dims[k]))
			b := n.theta[n.bOff[k] : n.bOff[k]+n.dims[k+1]]
			for i := range b {
				b[i] = (2*r.Float64() - 1) * bound
			}
		}
	}
}

// layer returns layer k's weights (row-major) and biases (nil without biases).
func (n *MLP) layer(k int) (w, b []float64) {
	w = n.theta[n.wOff[k] : n.wOff[k]+n.dims[k+1]*n.dims[k]]
	if n.biases {
		b = n.theta[n.bOff[k] : n.bOff[k]+n.dims[k+1]]
	}
	return w, b
}

// forward computes the hidden activations of the first upto hidden layers into n.act.
func (n *MLP) forward(x []float64, upto int) {
	in := x[:n.dims[0]]
	for k := 0; k < upto; k++ {
		w, b := n.layer(k)
		out := n.act[k]
		nin := len(in)
		for j := range out {
			row := w[j*nin : (j+1)*nin]
			s := 0.0
			for i, v := range row {
				s += v * in[i]
			}
			if b != nil {
				s += b[j]
			}
			if s > 0 {
				out[j] = s
			} else {
				out[j] = 0
			}
		}
		in = out
	}
}

// output returns w_out·a_L + b_out from the activations of the last forward pass.
func (n *MLP) output() float64 {
	L := n.Depth()
	w, b := n.layer(L)
	h := 0.0
	for j, a := range n.act[L-1] {
		h += w[j] * a
	}
	if b != nil {
		h += b[0]
	}
	return h
}

// Predict returns h(x); x must have length d.
func (n *MLP) Predict(x []float64) float64 {
	n.forward(x, n.Depth())
	return n.output()
}

// At returns h(x) for a network on scalar inputs (d = 1).
func (n *MLP) At(x float64) float64 {
	if n.dims[0] != 1 {
		panic("sim: MLP.At needs input dimension 1")
	}
	n.in1[0] = x
	return n.Predict(n.in1[:])
}

// topDelta sets δ_L = w_out ⊙ 1{z_L > 0} from the last forward pass.
func (n *MLP) topDelta() {
	L := n.Depth()
	wout, _ := n.layer(L)
	top := n.dlt[L-1]
	for j, a := range n.act[L-1] {
		if a > 0 {
			top[j] = wout[j]
		} else {
			top[j] = 0
		}
	}
}

// Gradient writes ∇_θ h(x) into dst (length p, θ's layout) and returns h(x), by
// backpropagation: with δ_l = ∂h/∂z_l, ∂h/∂W_l = δ_l a_{l−1}ᵀ, ∂h/∂b_l = δ_l and
// δ_{l−1} = (W_lᵀ δ_l) ⊙ 1{z_{l−1} > 0}, starting from δ_out = 1.
func (n *MLP) Gradient(dst, x []float64) float64 {
	if len(dst) != len(n.theta) {
		panic("sim: MLP gradient destination has the wrong length")
	}
	L := n.Depth()
	n.forward(x, L)
	h := n.output()
	// Output layer: ∂h/∂w_out = a_L, ∂h/∂b_out = 1.
	wout, _ := n.layer(L)
	copy(dst[n.wOff[L]:n.wOff[L]+len(wout)], n.act[L-1])
	if n.biases {
		dst[n.bOff[L]] = 1
	}
	n.topDelta()
	for k := L - 1; k >= 0; k-- {
		in := x[:n.dims[0]]
		if k > 0 {
			in = n.act[k-1]
		}
		nin := len(in)
		d := n.dlt[k]
		w, _ := n.layer(k)
		gw := dst[n.wOff[k] : n.wOff[k]+len(w)]
		for j, dj := range d {
			row := gw[j*nin : (j+1)*nin]
			if dj == 0 {
				clear(row)
				continue
			}
			for i, v := range in {
				row[i] = dj * v
			}
		}
		if n.biases {
			copy(dst[n.bOff[k]:n.bOff[k]+len(d)], d)
		}
		if k > 0 {
			n.propagate(k)
		}
	}
	return h
}

// propagate sets δ_{k−1} (n.dlt[k−1]) from δ_k and layer k's weights: the
// back-propagation through W_k and the ReLU of layer k−1.
func (n *MLP) propagate(k int) {
	w, _ := n.layer(k)
	below, d := n.dlt[k-1], n.dlt[k]
	nin := len(below)
	clear(below)
	for j, dj := range d {
		if dj == 0 {
			continue
		}
		row := w[j*nin : (j+1)*nin]
		for i, v := range row {
			below[i] += v * dj
		}
	}
	for i, a := range n.act[k-1] {
		if !(a > 0) {
			below[i] = 0
		}
	}
}

// sgdStep1 is the fused SGD step for a batch of one sample (x, y): with
// s = c·(h(x) − y) it sets θ_k ← θ_k − lr·(s·∂_k h(x)), each product rounded as in the
// generic step (Gradient, then the update), so the two agree bit for bit. Each
// layer's δ is propagated down before the layer's weights change. It returns h(x) − y.
func (n *MLP) sgdStep1(x []float64, y, lr, c float64) float64 {
	L := n.Depth()
	n.forward(x, L)
	r := n.output() - y
	s := c * r
	wout, bout := n.layer(L)
	n.topDelta() // before w_out changes
	for j, a := range n.act[L-1] {
		wout[j] -= lr * (s * a)
	}
	if bout != nil {
		bout[0] -= lr * s // s·1 = s exactly
	}
	for k := L - 1; k >= 0; k-- {
		in := x[:n.dims[0]]
		if k > 0 {
			in = n.act[k-1]
			n.propagate(k) // reads W_k before the update below
		}
		nin := len(in)
		d := n.dlt[k]
		w, b := n.layer(k)
		for j, dj := range d {
			if dj == 0 {
				continue // every gradient entry of the row is 0: θ − lr·(s·0) = θ
			}
			row := w[j*nin : (j+1)*nin]
			for i, v := range in {
				row[i] -= lr * (s * (dj * v))
			}
			if b != nil {
				b[j] -= lr * (s * dj)
			}
		}
	}
	return r
}

// Activations writes the post-ReLU activations of hidden layer l (1..L) on the inputs
// of ds into dst (n × h_l, row-major).
func (n *MLP) Activations(l int, dst []float64, ds *Dataset) {
	n.checkLayer(l, n.Depth())
	m := n.dims[l]
	if len(dst) != ds.Len()*m || ds.D != n.dims[0] {
		panic("sim: MLP.Activations: dimensions do not match")
	}
	for i := 0; i < ds.Len(); i++ {
		n.forward(ds.Input(i), l)
		copy(dst[i*m:(i+1)*m], n.act[l-1])
	}
}

// ParseLayers reads hidden-layer widths written as "10,10": 1 to MaxMLPLayers layers,
// each of 1 to MaxMLPWidth neurons.
func ParseLayers(s string) ([]int, error) {
	parts := strings.Split(strings.TrimSpace(s), ",")
	if len(parts) > MaxMLPLayers {
		return nil, fmt.Errorf("%d layers, at most %d", len(parts), MaxMLPLayers)
	}
	out := make([]int, len(parts))
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 1 || v > MaxMLPWidth {
			return nil, fmt.Errorf("layer %d %q is not a width in [1, %d]", i+1, strings.TrimSpace(p), MaxMLPWidth)
		}
		out[i] = v
	}
	return out, nil
}

// FormatLayers writes widths in the form ParseLayers reads (the cnn's blocks use it
// too).
func FormatLayers(widths []int) string {
	parts := make([]string, len(widths))
	for i, w := range widths {
		parts[i] = strconv.Itoa(w)
	}
	return strings.Join(parts, ",")
}

// lineAt evaluates the network along the scalar input (d = 1) at x: for each of the
// first upto+1 hidden layers (at most L) it sets n.lz, n.ldz to the pre-activations z
// and dz/dx, and for the first upto layers n.act, n.tan to the activations and
// da/dx, with the ReLU masks taken at x.
func (n *MLP) lineAt(x float64, upto int) {
	for k := 0; k <= upto && k < n.Depth(); k++ {
		w, b := n.layer(k)
		z, dz := n.lz[k], n.ldz[k]
		if k == 0 {
			for j := range z {
				z[j], dz[j] = w[j]*x, w[j]
			}
		} else {
			in, din := n.act[k-1], n.tan[k-1]
			nin := len(in)
			for j := range z {
				row := w[j*nin : (j+1)*nin]
				s, ds := 0.0, 0.0
				for i, v := range row {
					s += v * in[i]
					ds += v * din[i]
				}
				z[j], dz[j] = s, ds
			}
		}
		if b != nil {
			for j := range z {
				z[j] += b[j]
			}
		}
		if k == upto {
			break
		}
		for j := range z {
			if z[j] > 0 {
				n.act[k][j], n.tan[k][j] = z[j], dz[j]
			} else {
				n.act[k][j], n.tan[k][j] = 0, 0
			}
		}
	}
}

// pieceBounds returns the ends of piece p of the line cut at the sorted points xs:
// piece 0 starts at −∞ and the last piece ends at +∞.
func pieceBounds(xs []float64, p int) (u, v float64) {
	u, v = math.Inf(-1), math.Inf(1)
	if p > 0 {
		u = xs[p-1]
	}
	if p < len(xs) {
		v = xs[p]
	}
	return u, v
}

// pieceInterior returns a point strictly inside (u, v) where possible (u < v, either
// may be infinite): the midpoint, or a point one unit (or |bound|) inside the finite
// bound, or 0.
func pieceInterior(u, v float64) float64 {
	switch {
	case math.IsInf(u, -1) && math.IsInf(v, 1):
		return 0
	case math.IsInf(u, -1):
		return v - math.Max(1, math.Abs(v))
	case math.IsInf(v, 1):
		return u + math.Max(1, math.Abs(u))
	}
	return u/2 + v/2
}

// Breakpoints returns the points of the real line where some hidden neuron's
// pre-activation changes sign (d = 1), in increasing order, and for each the slope
// change of h there, h'(x⁺) − h'(x⁻), and the number of neurons switching there.
//
// The predictor is piecewise linear, and exactly so along the way: layer 1's
// pre-activations are affine, with the zeros −b_j/w_j; between consecutive
// breakpoints of layers 1..k every activation of those layers is affine in x, so each
// pre-activation z of layer k+1 is affine there too, and its zero (if any) inside the
// piece is x₀ − z(x₀)/z'(x₀) for any x₀ of the piece. Walking the pieces layer by
// layer finds every breakpoint; h' on each final piece (forward-mode, masks taken
// inside the piece) gives the slope changes. A neuron that is dead downstream makes a
// breakpoint with zero slope change.
func (n *MLP) Breakpoints() []Kink {
	if n.dims[0] != 1 {
		panic("sim: MLP.Breakpoints needs input dimension 1")
	}
	L := n.Depth()
	var xs []float64
	var count []int
	var roots []float64
	for k := 0; k < L; k++ {
		roots = roots[:0]
		for p := 0; p <= len(xs); p++ {
			u, v := pieceBounds(xs, p)
			x0 := pieceInterior(u, v)
			if !(u < x0 && x0 < v) {
				continue // no room between two adjacent floats
			}
			n.lineAt(x0, k)
			for j, z := range n.lz[k] {
				if dz := n.ldz[k][j]; dz != 0 {
					if root := x0 - z/dz; u < root && root < v {
						roots = append(roots, root)
					}
				}
			}
		}
		if len(roots) == 0 {
			continue
		}
		slices.Sort(roots)
		// Merge the new roots into xs, one entry per distinct position.
		mx := make([]float64, 0, len(xs)+len(roots))
		mc := make([]int, 0, len(xs)+len(roots))
		i, j := 0, 0
		for i < len(xs) || j < len(roots) {
			if j == len(roots) || i < len(xs) && xs[i] < roots[j] {
				mx, mc = append(mx, xs[i]), append(mc, count[i])
				i++
				continue
			}
			if len(mx) > 0 && mx[len(mx)-1] == roots[j] {
				mc[len(mc)-1]++
			} else {
				mx, mc = append(mx, roots[j]), append(mc, 1)
			}
			j++
		}
		xs, count = mx, mc
	}
	slopes := make([]float64, len(xs)+1)
	wout, _ := n.layer(L)
	for p := range slopes {
		u, v := pieceBounds(xs, p)
		x0 := pieceInterior(u, v)
		if !(u < x0 && x0 < v) {
			x0 = u // a piece with no interior: its slope change is its neighbour's
		}
		n.lineAt(x0, L)
		s := 0.0
		for j, t := range n.tan[L-1] {
			s += wout[j] * t
		}
		slopes[p] = s
	}
	out := make([]Kink, len(xs))
	for i, x := range xs {
		out[i] = Kink{X: x, SlopeChange: slopes[i+1] - slopes[i], Neurons: count[i]}
	}
	return out
}

// Kinks returns the kinks of the predictor (d = 1) inside [lo, hi]: the breakpoints
// where its slope changes (see Breakpoints), clustered as ReLU1D.Kinks clusters
// single-neuron kinks: kinks closer than merge (chained) form one cluster with the
// summed slope change, visible when that exceeds minFrac of the largest.
func (n *MLP) Kinks(lo, hi, merge, minFrac float64) KinkSummary {
	var ks []Kink
	for _, k := range n.Breakpoints() {
		if k.SlopeChange != 0 && k.X >= lo && k.X <= hi {
			ks = append(ks, k)
		}
	}
	return clusterKinks(ks, merge, minFrac)
}

// mlpRank computes the rank of φ_θ for an MLP on fixed fresh inputs, as many as
// parameters.
//
// In general it is the SVD of the explicit p×p Jacobian. For scalar inputs (d = 1)
// the points are sorted, and on a run of consecutive points that share their
// activation pattern (which neurons are active) every column of φ is an affine
// function α + βt of the input t. With the orthonormal basis {1/√n_s, (t − t̄_s)/d_s}
// of each such segment s (n_s points, mean t̄_s, d_s = ‖t − t̄_s‖), φ = Q·C with Q
// having orthonormal columns and C the 2S×p matrix of the projections, so φ and C
// share their singular values: an SVD of at most 2S rows (S segments, at most the
// number of pieces of the predictor plus one, per run of points) replaces the p×p one.
type mlpRank struct {
	pts     *Dataset  // the fresh inputs, sorted when d = 1
	jac     []float64 // φ, nf × p
	red     []float64 // C, up to 2S × p
	keep    []int     // non-zero columns of φ
	pattern []bool    // activation pattern of the current point
	prev    []bool    // and of the previous one
}

// dropZeroColumns compacts the nf×p Jacobian in rk.jac to its non-zero columns (the
// parameters of dead neurons have none), which leaves its non-zero singular values
// as they are and makes the SVD cheaper: it costs O(nf·cols²). It returns the number
// of columns kept.
func (rk *mlpRank) dropZeroColumns(nf, p int) int {
	keep := rk.keep[:0]
	for k := 0; k < p; k++ {
		for i := 0; i < nf; i++ {
			if rk.jac[i*p+k] != 0 {
				keep = append(keep, k)
				break
			}
		}
	}
	rk.keep = keep
	cols := len(keep)
	if cols == p || cols == 0 {
		return cols
	}
	for i := 0; i < nf; i++ {
		row := rk.jac[i*p : (i+1)*p]
		dst := rk.jac[i*cols : (i+1)*cols]
		for j, k := range keep {
			dst[j] = row[k] // i·cols+j ≤ i·p+k: reads stay ahead of writes
		}
	}
	return cols
}

// newMLPRank draws p fresh inputs for a network with input dimension d and p
// parameters: uniform on [lo, hi] (sorted) for d = 1, on the unit sphere otherwise.
func newMLPRank(r *rand.Rand, d, p int, lo, hi float64) *mlpRank {
	pts := &Dataset{D: d, Y: make([]float64, p)}
	if d == 1 {
		pts.X = make([]float64, p)
		for i := range pts.X {
			pts.X[i] = lo + (hi-lo)*r.Float64()
		}
		slices.Sort(pts.X)
	} else {
		pts.X = drawInputs(r, p, d)
	}
	return &mlpRank{pts: pts}
}

// singularValues returns the singular values of φ_θ on the fresh inputs (in no
// particular order; zeros may be omitted when d = 1).
func (rk *mlpRank) singularValues(n *MLP) []float64 {
	nf, p := rk.pts.Len(), n.NumParams()
	rk.jac = grow(rk.jac, nf*p)
	if n.InputDim() != 1 {
		Jacobian(rk.jac, n, rk.pts)
		cols := rk.dropZeroColumns(nf, p)
		if cols == 0 {
			return nil
		}
		return SingularValues(rk.jac[:nf*cols], nf, cols)
	}
	hidden := 0
	for l := 1; l <= n.Depth(); l++ {
		hidden += n.Width(l)
	}
	rk.pattern, rk.prev = grow(rk.pattern, hidden), grow(rk.prev, hidden)
	// cuts[s] is the first point of segment s.
	cuts := make([]int, 0, 16)
	for i := 0; i < nf; i++ {
		n.Gradient(rk.jac[i*p:(i+1)*p], rk.pts.Input(i))
		q := 0
		for _, a := range n.act {
			for _, v := range a {
				rk.pattern[q] = v > 0
				q++
			}
		}
		if i == 0 || !slices.Equal(rk.pattern, rk.prev) {
			cuts = append(cuts, i)
		}
		rk.pattern, rk.prev = rk.prev, rk.pattern
	}
	cuts = append(cuts, nf)
	if 2*(len(cuts)-1) >= nf {
		return SingularValues(rk.jac, nf, p) // no smaller than φ itself
	}
	t := rk.pts.X
	rk.red = grow(rk.red, 2*(len(cuts)-1)*p)
	rows := 0
	for s := 0; s+1 < len(cuts); s++ {
		i0, i1 := cuts[s], cuts[s+1]
		mean := 0.0
		for _, v := range t[i0:i1] {
			mean += v
		}
		mean /= float64(i1 - i0)
		dev := 0.0
		for _, v := range t[i0:i1] {
			dev += (v - mean) * (v - mean)
		}
		dev = math.Sqrt(dev)
		c0 := rk.red[rows*p : (rows+1)*p]
		clear(c0)
		w0 := 1 / math.Sqrt(float64(i1-i0))
		for i := i0; i < i1; i++ {
			for k, g := range rk.jac[i*p : (i+1)*p] {
				c0[k] += w0 * g
			}
		}
		rows++
		if dev == 0 {
			continue
		}
		c1 := rk.red[rows*p : (rows+1)*p]
		clear(c1)
		for i := i0; i < i1; i++ {
			w1 := (t[i] - mean) / dev
			for k, g := range rk.jac[i*p : (i+1)*p] {
				c1[k] += w1 * g
			}
		}
		rows++
	}
	return SingularValues(rk.red[:rows*p], rows, p)
}
