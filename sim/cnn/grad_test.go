package cnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"kinkscope/sim"
)

// synthData returns noisy copies of one random template per class: learnable, but
// not in one step.
func synthData(seed uint64, rows, cols, nTrain, nTest int) *Data {
	r := rand.New(rand.NewPCG(seed, 99))
	d := &Data{Rows: rows, Cols: cols}
	templates := make([][]uint8, Classes)
	for c := range templates {
		templates[c] = make([]uint8, rows*cols)
		for p := range templates[c] {
			templates[c][p] = uint8(255 * r.IntN(2))
		}
	}
	mk := func(n int) ([]uint8, []uint8) {
		px := make([]uint8, n*rows*cols)
		lab := make([]uint8, n)
		for i := 0; i < n; i++ {
			l := r.IntN(Classes)
			lab[i] = uint8(l)
			for p := 0; p < rows*cols; p++ {
				v := templates[l][p]
				if r.IntN(3) == 0 {
					v = uint8(r.IntN(256))
				}
				px[i*rows*cols+p] = v
			}
		}
		return px, lab
	}
	d.TrainPixels, d.TrainLabels = mk(nTrain)
	d.TestPixels, d.TestLabels = mk(nTest)
	return d
}

func testRands(seed uint64) Rands {
	return Rands{Init: sim.NewRand(seed, sim.StreamInit), Data: sim.NewRand(seed, sim.StreamData), Sample: sim.NewRand(seed, sim.StreamSample)}
}

// smallConfig is a network with every kind of layer: two blocks of two convolutions
// (3×3 and 5×5) with max-pools 2 and 3, a ReLU dense layer and the classifier.
func smallConfig() Config {
	c := Default()
	c.Blocks = []Block{{Convs: 2, Filters: 3, Kernel: 3, Pool: 2}, {Convs: 2, Filters: 4, Kernel: 5, Pool: 3}}
	c.Dense = 7
	c.TrainImages, c.TestImages, c.EvalImages = 0, 0, 0
	c.Batch = 4
	c.Steps = 50
	c.FeatureImages = 20
	c.FeatureUnits = 1000
	return c
}

// Finite differences in float32: step fdStep on one parameter, central difference;
// agreement within fdAbs + fdRel·|grad|. A coordinate near a ReLU kink or a max-pool
// switch, where the central difference is not a derivative. Such a coordinate is
// recognized by a central difference with step fdStep/3 that disagrees with the one
// with fdStep beyond the tolerance; it is skipped, and at most fdMaxSkip of the
// checked coordinates may be.
const (
	fdStep    = 3e-4
	fdAbs     = 3e-3
	fdRel     = 2e-2
	fdMaxSkip = 0.25
)

// TestGradientFiniteDifferences checks the backpropagated gradient of the loss of a
// batch against central finite differences for the weights and biases of every
// convolution and dense layer. The gradient of an early layer passes back through
// every later layer (ReLU, max-pool, convolution input gradients), so this checks the
// backward pass of every layer.
func TestGradientFiniteDifferences(t *testing.T) {
	for _, cfg := range []Config{smallConfig(), Reference()} {
		// Small images keep the number of ReLU units, and so the chance that a
		// finite-difference step crosses a kink, low.
		d := synthData(7, 12, 12, 30, 5)
		cfg.TrainImages, cfg.TestImages, cfg.EvalImages, cfg.FeatureImages = 0, 0, 0, 10
		tr, err := New(cfg, d, testRands(1))
		if err != nil {
			t.Fatal(err)
		}
		net := tr.net
		// Non-zero biases, so that bias gradients matter.
		r := rand.New(rand.NewPCG(8, 8))
		for _, l := range net.layers {
			switch l := l.(type) {
			case *conv:
				copy(l.bias, randSlice(r, len(l.bias), -0.1, 0.1))
			case *dense:
				copy(l.bias, randSlice(r, len(l.bias), -0.1, 0.1))
			}
		}
		batch := []int{0, 1, 2}
		loss := func() float64 {
			s := 0.0
			for _, i := range batch {
				s += net.forward(tr.train[i*tr.rows*tr.cols:][:tr.rows*tr.cols], int(tr.trainY[i]))
			}
			return s / float64(len(batch))
		}
		clear(net.grads)
		for _, i := range batch {
			x := tr.train[i*tr.rows*tr.cols:][:tr.rows*tr.cols]
			net.forward(x, int(tr.trainY[i]))
			net.backward(x, int(tr.trainY[i]), 1/float64(len(batch)))
		}
		grad := append([]float32(nil), net.grads...)
		for li, l := range net.layers {
			var tensors []struct {
				name string
				p    []float32
			}
			switch l := l.(type) {
			case *conv:
				tensors = append(tensors, struct {
					name string
					p    []float32
				}{fmt.Sprintf("layer %d conv weight", li), l.weight}, struct {
					name string
					p    []float32
				}{fmt.Sprintf("layer %d conv bias", li), l.bias})
			case *dense:
				tensors = append(tensors, struct {
					name string
					p    []float32
				}{fmt.Sprintf("layer %d dense weight", li), l.weight}, struct {
					name string
					p    []float32
				}{fmt.Sprintf("layer %d dense bias", li), l.bias})
			default:
				continue
			}
			for _, tn := range tensors {
				checked, skipped := 0, 0
				for trial := 0; trial < 24; trial++ {
					j := r.IntN(len(tn.p))
					// position of tn.p[j] in the flat parameter slice
					off := offsetIn(net.params, tn.p) + j
					g := float64(grad[off])
					old := net.params[off]
					central := func(h float32) float64 {
						// The perturbations actually applied, after rounding to float32.
						net.params[off] = old + h
						hp := float64(net.params[off]) - float64(old)
						lp := loss()
						net.params[off] = old - h
						hm := float64(old) - float64(net.params[off])
						lm := loss()
						net.params[off] = old
						return (lp - lm) / (hp + hm)
					}
					fd, fdSmall := central(fdStep), central(fdStep/3)
					checked++
					if math.Abs(fd-fdSmall) > fdAbs+fdRel*math.Abs(fd) {
						skipped++
						continue
					}
					if math.Abs(fd-g) > fdAbs+fdRel*math.Abs(g) {
						t.Errorf("%v: %s[%d]: backprop %.6g, finite difference %.6g", cfg.Blocks, tn.name, j, g, fd)
					}
				}
				if float64(skipped) > fdMaxSkip*float64(checked) {
					t.Errorf("%v: %s: %d of %d coordinates straddle a kink, want at most %.0f%%", cfg.Blocks, tn.name, skipped, checked, 100*fdMaxSkip)
				}
			}
		}
	}
}

// offsetIn returns the position of sub's first element in the slice all.
func offsetIn(all, sub []float32) int {
	for i := range all {
		if &all[i] == &sub[0] {
			return i
		}
	}
	panic("cnn: parameter tensor not in the parameter slice")
}

// TestLayerInputGradients checks each kind of layer on its own: the gradient w.r.t.
// its input that backward returns, for the loss ⟨r, layer(x)⟩ with a random r, against
// central finite differences (same tolerances and kink rule as above).
func TestLayerInputGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	c5 := newConv(3, 4, 5, 9, 8, 9, 8)
	c3 := newConv(2, 3, 3, 7, 7, 6, 6)
	for _, c := range []*conv{c5, c3} {
		nw, nb := c.nparams()
		c.weight, c.bias = randSlice(r, nw, -0.5, 0.5), randSlice(r, nb, -0.2, 0.2)
		c.dweight, c.dbias = make([]float32, nw), make([]float32, nb)
	}
	d := newDense(20, 6, true)
	d.weight, d.bias = randSlice(r, 120, -0.5, 0.5), randSlice(r, 6, -0.2, 0.2)
	d.dweight, d.dbias = make([]float32, 120), make([]float32, 6)
	for _, tc := range []struct {
		name string
		l    layer
		nin  int
	}{
		{"conv 5×5", c5, 3 * 9 * 8},
		{"conv 3×3, last row and column dropped", c3, 2 * 7 * 7},
		{"max-pool 3", newPool(2, 7, 8, 3), 2 * 7 * 8},
		{"dense ReLU", d, 20},
		{"dense linear", &dense{nin: 20, nout: 6, weight: d.weight, bias: d.bias, dweight: d.dweight, dbias: d.dbias, out: make([]float32, 6)}, 20},
	} {
		x := randSlice(r, tc.nin, -1, 1)
		tc.l.forward(x)
		rv := randSlice(r, len(tc.l.output()), -1, 1)
		if c, ok := tc.l.(*conv); ok {
			for i := range rv {
				if i/c.w%c.h >= c.hUse || i%c.w >= c.wUse {
					rv[i] = 0 // outputs nobody reads
				}
			}
		}
		loss := func() float64 {
			tc.l.forward(x)
			s := 0.0
			for i, v := range tc.l.output() {
				s += float64(rv[i]) * float64(v)
			}
			return s
		}
		loss()
		din := make([]float32, tc.nin)
		tc.l.backward(x, append([]float32(nil), rv...), din)
		skipped := 0
		for trial := 0; trial < 20; trial++ {
			j := r.IntN(tc.nin)
			old := x[j]
			central := func(h float32) float64 {
				x[j] = old + h
				hp := float64(x[j]) - float64(old)
				lp := loss()
				x[j] = old - h
				hm := float64(old) - float64(x[j])
				lm := loss()
				x[j] = old
				return (lp - lm) / (hp + hm)
			}
			fd, fdSmall := central(fdStep), central(fdStep/3)
			if math.Abs(fd-fdSmall) > fdAbs+fdRel*math.Abs(fd) {
				skipped++
				continue
			}
			if g := float64(din[j]); math.Abs(fd-g) > fdAbs+fdRel*math.Abs(g) {
				t.Errorf("%s: ∂L/∂x[%d]: backprop %.6g, finite difference %.6g", tc.name, j, g, fd)
			}
		}
		if float64(skipped) > fdMaxSkip*20 {
			t.Errorf("%s: %d of 20 coordinates straddle a kink", tc.name, skipped)
		}
	}
}
