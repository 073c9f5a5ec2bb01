package cnn

// A layer owns its output and scratch buffers for one example; gradients of its
// parameters accumulate (+=) over the examples of a batch.
type layer interface {
	forward(in []float32)
	// backward takes the loss gradient w.r.t. the layer's output (which it may
	// overwrite) and writes the gradient w.r.t. its input to din, unless din is nil.
	backward(in, dout, din []float32)
	output() []float32
	macs() int64 // multiply-adds of one forward pass
}

// conv is a K×K convolution with zero padding K/2 (output size = input size), stride
// 1, followed by ReLU. Planes are row-major.
//
// The fast path works on the padded input laid out with row stride wp = w+2·pad: the
// output pixel (y, x) of channel co is Σ_{ci,ky,kx} W·inP[ci][(y+ky)·wp + x+kx], so
// one filter tap (ci, ky, kx) adds W times a contiguous run of inP to a contiguous run
// of the "wide" output (row stride wp). That run, of length (h−1)·wp + w, covers
// every output pixel plus 2·pad junk columns per row, which are never read; the
// gradient rows keep zeros there, so they add nothing going back.
type conv struct {
	cin, cout, k, pad, h, w int
	hUse, wUse              int // outputs computed: a following max-pool drops the rest
	wp, hp, run, dps        int
	weight, bias            []float32 // weight[((co·cin+ci)·k+ky)·k+kx]
	dweight, dbias          []float32
	inP, dinP               []float32 // cin planes of hp·wp
	wide                    []float32 // cout planes of h·wp
	dwide                   []float32 // cout planes of k−1 zeros, h·wp values, k−1 zeros
	out                     []float32 // cout planes of h·w, after ReLU
}

// newConv returns a convolution of h×w planes whose outputs beyond row hUse and column
// wUse are never read (they stay zero).
func newConv(cin, cout, k, h, w, hUse, wUse int) *conv {
	pad := k / 2
	c := &conv{cin: cin, cout: cout, k: k, pad: pad, h: h, w: w, hUse: hUse, wUse: wUse, wp: w + 2*pad, hp: h + 2*pad}
	c.run = (hUse-1)*c.wp + wUse
	c.dps = h*c.wp + 2*(k-1)
	c.inP = make([]float32, cin*c.hp*c.wp)
	c.dinP = make([]float32, cin*c.hp*c.wp)
	c.wide = make([]float32, cout*h*c.wp)
	c.dwide = make([]float32, cout*c.dps)
	c.out = make([]float32, cout*h*w)
	return c
}

func (c *conv) nparams() (nw, nb int) { return c.cout * c.cin * c.k * c.k, c.cout }
func (c *conv) fanIn() int            { return c.cin * c.k * c.k }
func (c *conv) output() []float32     { return c.out }
func (c *conv) macs() int64           { return int64(c.cout * c.cin * c.k * c.k * c.hUse * c.wUse) }

// rowTaps adds the k taps wr of one filter row, applied to src, to y (y[i] +=
// Σ_kx wr[kx]·src[i+kx]).
func rowTaps(y, wr, src []float32) {
	switch len(wr) {
	case 3:
		conv3(y, wr[0], wr[1], wr[2], src)
	case 5:
		conv5(y, wr[0], wr[1], wr[2], wr[3], wr[4], src)
	default:
		for kx, wv := range wr {
			axpy(y, wv, src[kx:][:len(y)])
		}
	}
}

// rowTapsFlipped is rowTaps with the taps in reverse order: y[i] += Σ_t wr[k−1−t]·src[i+t].
func rowTapsFlipped(y, wr, src []float32) {
	switch len(wr) {
	case 3:
		conv3(y, wr[2], wr[1], wr[0], src)
	case 5:
		conv5(y, wr[4], wr[3], wr[2], wr[1], wr[0], src)
	default:
		k := len(wr)
		for t := range wr {
			axpy(y, wr[k-1-t], src[t:][:len(y)])
		}
	}
}

// rowGrads adds Σ_i d[i]·src[i+kx] to g[kx] for each of the k taps of a filter row.
func rowGrads(g, d, src []float32) {
	switch len(g) {
	case 3:
		a, b, e := corr3(d, src)
		g[0] += a
		g[1] += b
		g[2] += e
	case 5:
		a, b, e, f, h := corr5(d, src)
		g[0] += a
		g[1] += b
		g[2] += e
		g[3] += f
		g[4] += h
	default:
		for kx := range g {
			g[kx] += dot(d, src[kx:])
		}
	}
}

func (c *conv) forward(in []float32) {
	h, w, wp, pad, k := c.h, c.w, c.wp, c.pad, c.k
	plane, wplane := c.hp*wp, h*wp
	for ci := 0; ci < c.cin; ci++ {
		for y := 0; y < h; y++ {
			copy(c.inP[ci*plane+(y+pad)*wp+pad:][:w], in[(ci*h+y)*w:][:w])
		}
	}
	for co := 0; co < c.cout; co++ {
		row := c.wide[co*wplane:][:c.run]
		b := c.bias[co]
		for i := range row {
			row[i] = b
		}
		wt := c.weight[co*c.cin*k*k:][:c.cin*k*k]
		for ci := 0; ci < c.cin; ci++ {
			src := c.inP[ci*plane:][:plane]
			for ky := 0; ky < k; ky++ {
				rowTaps(row, wt[(ci*k+ky)*k:][:k], src[ky*wp:])
			}
		}
		out := c.out[co*h*w:][:h*w]
		for y := 0; y < c.hUse; y++ {
			o, r := out[y*w:][:c.wUse], row[y*wp:][:c.wUse]
			for x, v := range r {
				o[x] = max(v, 0)
			}
		}
	}
}

func (c *conv) backward(in, dout, din []float32) {
	h, w, wp, pad, k := c.h, c.w, c.wp, c.pad, c.k
	plane := c.hp * wp
	for co := 0; co < c.cout; co++ {
		drow := c.dwide[co*c.dps+k-1:][:c.run]
		out, d := c.out[co*h*w:][:h*w], dout[co*h*w:][:h*w]
		sum := float32(0)
		for y := 0; y < c.hUse; y++ {
			dr, o, dd := drow[y*wp:][:c.wUse], out[y*w:][:c.wUse], d[y*w:][:c.wUse]
			for x := range dr {
				if o[x] > 0 {
					dr[x] = dd[x]
					sum += dd[x]
				} else {
					dr[x] = 0
				}
			}
		}
		c.dbias[co] += sum
		dwt := c.dweight[co*c.cin*k*k:][:c.cin*k*k]
		for ci := 0; ci < c.cin; ci++ {
			src := c.inP[ci*plane:][:plane]
			for ky := 0; ky < k; ky++ {
				rowGrads(dwt[(ci*k+ky)*k:][:k], drow, src[ky*wp:])
			}
		}
	}
	if din == nil {
		return
	}
	// dinP[ci][ky·wp + kx + p] += W·drow[p] for every tap: with k−1 zeros on either
	// side of drow that is, for each filter row, the flipped taps applied to the
	// padded gradient row, over run+k−1 positions.
	clear(c.dinP)
	for co := 0; co < c.cout; co++ {
		dpad := c.dwide[co*c.dps:][:c.run+2*(k-1)]
		wt := c.weight[co*c.cin*k*k:][:c.cin*k*k]
		for ci := 0; ci < c.cin; ci++ {
			dst := c.dinP[ci*plane:][:plane]
			for ky := 0; ky < k; ky++ {
				rowTapsFlipped(dst[ky*wp:][:c.run+k-1], wt[(ci*k+ky)*k:][:k], dpad)
			}
		}
	}
	for ci := 0; ci < c.cin; ci++ {
		for y := 0; y < h; y++ {
			copy(din[(ci*h+y)*w:][:w], c.dinP[ci*plane+(y+pad)*wp+pad:][:w])
		}
	}
}

// pool is a p×p max-pool with stride p (rows and columns beyond a multiple of p are
// dropped, as in ConvNetJS and PyTorch).
type pool struct {
	c, h, w, p, ho, wo int
	out                []float32
	arg                []int32 // index into the input of each output's maximum
}

func newPool(c, h, w, p int) *pool {
	q := &pool{c: c, h: h, w: w, p: p, ho: h / p, wo: w / p}
	q.out = make([]float32, c*q.ho*q.wo)
	q.arg = make([]int32, len(q.out))
	return q
}

func (q *pool) output() []float32 { return q.out }
func (q *pool) macs() int64       { return int64(q.c * q.h * q.w / 8) } // comparisons, roughly

func (q *pool) forward(in []float32) {
	o := 0
	for c := 0; c < q.c; c++ {
		for i := 0; i < q.ho; i++ {
			for j := 0; j < q.wo; j++ {
				best := c*q.h*q.w + i*q.p*q.w + j*q.p
				m := in[best]
				for a := 0; a < q.p; a++ {
					r := in[c*q.h*q.w+(i*q.p+a)*q.w+j*q.p:][:q.p]
					for b, v := range r {
						if v > m {
							m, best = v, c*q.h*q.w+(i*q.p+a)*q.w+j*q.p+b
						}
					}
				}
				q.out[o], q.arg[o] = m, int32(best)
				o++
			}
		}
	}
}

func (q *pool) backward(in, dout, din []float32) {
	if din == nil {
		return
	}
	clear(din[:q.c*q.h*q.w])
	for o, a := range q.arg {
		din[a] += dout[o]
	}
}

// dense is a fully connected layer, out = W·in + b, followed by ReLU when relu.
type dense struct {
	nin, nout      int
	relu           bool
	weight, bias   []float32 // weight[o·nin+i]
	dweight, dbias []float32
	out            []float32
}

func newDense(nin, nout int, relu bool) *dense {
	return &dense{nin: nin, nout: nout, relu: relu, out: make([]float32, nout)}
}

func (d *dense) nparams() (nw, nb int) { return d.nin * d.nout, d.nout }
func (d *dense) fanIn() int            { return d.nin }
func (d *dense) output() []float32     { return d.out }
func (d *dense) macs() int64           { return int64(d.nin * d.nout) }

func (d *dense) forward(in []float32) {
	in = in[:d.nin]
	for o := range d.out {
		v := d.bias[o] + dot(d.weight[o*d.nin:][:d.nin], in)
		if d.relu {
			v = max(v, 0)
		}
		d.out[o] = v
	}
}

func (d *dense) backward(in, dout, din []float32) {
	in = in[:d.nin]
	dout = dout[:d.nout]
	if d.relu {
		for o, v := range d.out {
			if v <= 0 {
				dout[o] = 0
			}
		}
	}
	for o, g := range dout {
		if g == 0 {
			continue
		}
		d.dbias[o] += g
		axpy(d.dweight[o*d.nin:][:d.nin], g, in)
	}
	if din == nil {
		return
	}
	din = din[:d.nin]
	clear(din)
	for o, g := range dout {
		if g != 0 {
			axpy(din, g, d.weight[o*d.nin:][:d.nin])
		}
	}
}
