package cnn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Slow, obvious references for the fast kernels and layers.

func refConvForward(c *conv, in []float32) []float32 {
	out := make([]float32, c.cout*c.h*c.w)
	for co := 0; co < c.cout; co++ {
		for y := 0; y < c.h; y++ {
			for x := 0; x < c.w; x++ {
				s := float64(c.bias[co])
				for ci := 0; ci < c.cin; ci++ {
					for ky := 0; ky < c.k; ky++ {
						for kx := 0; kx < c.k; kx++ {
							yy, xx := y+ky-c.pad, x+kx-c.pad
							if yy < 0 || yy >= c.h || xx < 0 || xx >= c.w {
								continue
							}
							s += float64(c.weight[((co*c.cin+ci)*c.k+ky)*c.k+kx]) * float64(in[(ci*c.h+yy)*c.w+xx])
						}
					}
				}
				out[(co*c.h+y)*c.w+x] = float32(math.Max(s, 0))
			}
		}
	}
	return out
}

// refConvBackward returns the weight, bias and input gradients for output gradient
// dout, given the (reference) output.
func refConvBackward(c *conv, in, out, dout []float32) (dw, db, din []float32) {
	dw = make([]float32, len(c.weight))
	db = make([]float32, c.cout)
	din = make([]float32, len(in))
	for co := 0; co < c.cout; co++ {
		for y := 0; y < c.h; y++ {
			for x := 0; x < c.w; x++ {
				o := (co*c.h+y)*c.w + x
				if out[o] <= 0 {
					continue
				}
				g := dout[o]
				db[co] += g
				for ci := 0; ci < c.cin; ci++ {
					for ky := 0; ky < c.k; ky++ {
						for kx := 0; kx < c.k; kx++ {
							yy, xx := y+ky-c.pad, x+kx-c.pad
							if yy < 0 || yy >= c.h || xx < 0 || xx >= c.w {
								continue
							}
							wi, ii := ((co*c.cin+ci)*c.k+ky)*c.k+kx, (ci*c.h+yy)*c.w+xx
							dw[wi] += g * in[ii]
							din[ii] += g * c.weight[wi]
						}
					}
				}
			}
		}
	}
	return dw, db, din
}

func randSlice(r *rand.Rand, n int, lo, hi float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(lo + (hi-lo)*r.Float64())
	}
	return s
}

// Tolerance of the fast float32 kernels against the references (different order of
// float32 additions).
const kernelTol = 1e-4

func closeTo(got, want float32, tol float64) bool {
	return math.Abs(float64(got-want)) <= tol*(1+math.Abs(float64(want)))
}

func TestKernelsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 100, 1003} {
		x, y := randSlice(r, n, -1, 1), randSlice(r, n+3, -1, 1)
		want := 0.0
		for i := range x {
			want += float64(x[i]) * float64(y[i])
		}
		if got := dot(x, y); !closeTo(got, float32(want), kernelTol) {
			t.Errorf("dot, n = %d: %v, want %v", n, got, want)
		}
		y0 := append([]float32(nil), y...)
		x0 := append([]float32(nil), x...)
		axpy(y, 0.7, x)
		for i := range y {
			w := y0[i]
			if i < n {
				w += 0.7 * x[i]
			}
			if y[i] != w {
				t.Fatalf("axpy, n = %d: y[%d] = %v, want %v", n, i, y[i], w)
			}
		}
		for i := range x {
			if x[i] != x0[i] {
				t.Fatalf("axpy modified x")
			}
		}
	}
}

func TestConvMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	// hUse×wUse: the outputs a following max-pool reads; the rest stay zero.
	for _, tc := range []struct{ cin, cout, k, h, w, hUse, wUse int }{
		{1, 3, 5, 28, 28, 28, 28}, {3, 4, 3, 14, 14, 14, 14}, {2, 2, 1, 5, 7, 5, 7}, {4, 5, 7, 9, 6, 9, 6},
		{8, 16, 5, 14, 14, 12, 12}, {3, 2, 3, 7, 7, 6, 6}, {2, 3, 5, 11, 10, 9, 8},
	} {
		c := newConv(tc.cin, tc.cout, tc.k, tc.h, tc.w, tc.hUse, tc.wUse)
		nw, nb := c.nparams()
		c.weight, c.bias = randSlice(r, nw, -0.5, 0.5), randSlice(r, nb, -0.3, 0.3)
		c.dweight, c.dbias = make([]float32, nw), make([]float32, nb)
		in := randSlice(r, tc.cin*tc.h*tc.w, -1, 1)
		c.forward(in)
		want := refConvForward(c, in)
		unused := func(i int) bool { return i/tc.w%tc.h >= tc.hUse || i%tc.w >= tc.wUse }
		for i := range want {
			if unused(i) {
				want[i] = 0
			}
		}
		for i := range want {
			if !closeTo(c.out[i], want[i], kernelTol) {
				t.Fatalf("%+v: out[%d] = %v, want %v", tc, i, c.out[i], want[i])
			}
		}
		dout := randSlice(r, len(want), -1, 1)
		for i := range dout {
			if unused(i) {
				dout[i] = 0 // what the max-pool sends back there
			}
		}
		dw, db, din := refConvBackward(c, in, want, dout)
		got := make([]float32, len(in))
		c.backward(in, append([]float32(nil), dout...), got)
		for _, p := range []struct {
			name      string
			got, want []float32
		}{{"dweight", c.dweight, dw}, {"dbias", c.dbias, db}, {"din", got, din}} {
			for i := range p.want {
				if !closeTo(p.got[i], p.want[i], kernelTol) {
					t.Fatalf("%+v: %s[%d] = %v, want %v", tc, p.name, i, p.got[i], p.want[i])
				}
			}
		}
	}
}

func TestPoolAndDenseMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	q := newPool(3, 14, 14, 3)
	in := randSlice(r, 3*14*14, -1, 1)
	q.forward(in)
	for c := 0; c < 3; c++ {
		for i := 0; i < 4; i++ {
			for j := 0; j < 4; j++ {
				m := float32(math.Inf(-1))
				for a := 0; a < 3; a++ {
					for b := 0; b < 3; b++ {
						m = max(m, in[(c*14+i*3+a)*14+j*3+b])
					}
				}
				if got := q.out[(c*4+i)*4+j]; got != m {
					t.Fatalf("pool out (%d,%d,%d) = %v, want %v", c, i, j, got, m)
				}
			}
		}
	}
	d := newDense(37, 11, true)
	d.weight, d.bias = randSlice(r, 37*11, -1, 1), randSlice(r, 11, -1, 1)
	x := randSlice(r, 37, -1, 1)
	d.forward(x)
	for o := 0; o < 11; o++ {
		s := float64(d.bias[o])
		for i := 0; i < 37; i++ {
			s += float64(d.weight[o*37+i]) * float64(x[i])
		}
		if !closeTo(d.out[o], float32(math.Max(s, 0)), kernelTol) {
			t.Errorf("dense out[%d] = %v, want %v", o, d.out[o], math.Max(s, 0))
		}
	}
}
