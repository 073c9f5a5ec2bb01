package cnn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"kinkscope/sim"
)

// Net is the network of a Config with buffers for one example: every parameter lives
// in one flat slice (Params) and its gradient at the same position in Grads.
type Net struct {
	layers []layer
	dout   [][]float32 // gradient w.r.t. layer l's output
	params []float32
	grads  []float32
	probs  [Classes]float64
	rows   int
	cols   int
	stages []int // the layer whose output is the output of stage s
	// Measured stages: Middle and Last index stages.
	middle, last int
	macs         int64
}

// newNet builds the network of c for rows×cols images; its parameters are zero.
func newNet(c *Config, rows, cols int) *Net {
	n := &Net{rows: rows, cols: cols}
	type paramLayer interface {
		nparams() (int, int)
	}
	ch, h, w := 1, rows, cols
	for _, b := range c.Blocks {
		for j := 0; j < b.Convs; j++ {
			hUse, wUse := h, w
			if j == b.Convs-1 {
				hUse, wUse = h/b.Pool*b.Pool, w/b.Pool*b.Pool
			}
			n.layers = append(n.layers, newConv(ch, b.Filters, b.Kernel, h, w, hUse, wUse))
			ch = b.Filters
		}
		if b.Pool > 1 {
			n.layers = append(n.layers, newPool(ch, h, w, b.Pool))
			h, w = h/b.Pool, w/b.Pool
		}
		n.stages = append(n.stages, len(n.layers)-1)
	}
	units := ch * h * w
	if c.Dense > 0 {
		n.layers = append(n.layers, newDense(units, c.Dense, true))
		n.stages = append(n.stages, len(n.layers)-1)
		units = c.Dense
	}
	n.layers = append(n.layers, newDense(units, Classes, false))
	n.last = len(n.stages) - 1
	n.middle = (len(n.stages)+1)/2 - 1
	total := 0
	for _, l := range n.layers {
		if p, ok := l.(paramLayer); ok {
			nw, nb := p.nparams()
			total += nw + nb
		}
		n.dout = append(n.dout, make([]float32, len(l.output())))
		n.macs += l.macs()
	}
	n.params = make([]float32, total)
	n.grads = make([]float32, total)
	off := 0
	take := func(k int) ([]float32, []float32) {
		p, g := n.params[off:off+k:off+k], n.grads[off:off+k:off+k]
		off += k
		return p, g
	}
	for _, l := range n.layers {
		switch l := l.(type) {
		case *conv:
			nw, nb := l.nparams()
			l.weight, l.dweight = take(nw)
			l.bias, l.dbias = take(nb)
		case *dense:
			nw, nb := l.nparams()
			l.weight, l.dweight = take(nw)
			l.bias, l.dbias = take(nb)
		}
	}
	return n
}

// init draws He-normal weights, N(0, 2/fan-in), and zero biases from r.
func (n *Net) init(r *rand.Rand) {
	for _, l := range n.layers {
		var wt []float32
		var fan int
		switch l := l.(type) {
		case *conv:
			wt, fan = l.weight, l.fanIn()
		case *dense:
			wt, fan = l.weight, l.fanIn()
		default:
			continue
		}
		std := math.Sqrt(2 / float64(fan))
		for i := range wt {
			wt[i] = float32(std * sim.Normal(r))
		}
	}
}

// forward runs x (rows·cols values) through the network and returns the softmax
// probabilities (also kept for backward) and the loss −ln p_label.
func (n *Net) forward(x []float32, label int) (loss float64) {
	in := x
	for _, l := range n.layers {
		l.forward(in)
		in = l.output()
	}
	logits := in
	m := math.Inf(-1)
	for _, z := range logits {
		m = max(m, float64(z))
	}
	sum := 0.0
	for k, z := range logits {
		n.probs[k] = sim.DetExp(float64(z) - m)
		sum += n.probs[k]
	}
	for k := range n.probs {
		n.probs[k] /= sum
	}
	return sim.DetLog(sum) + m - float64(logits[label])
}

// predicted returns the class of largest probability after forward.
func (n *Net) predicted() int {
	best := 0
	for k, p := range n.probs {
		if p > n.probs[best] {
			best = k
		}
	}
	return best
}

// backward adds scale·∇_θ loss of the last forward to the gradients.
func (n *Net) backward(x []float32, label int, scale float64) {
	L := len(n.layers)
	d := n.dout[L-1]
	for k := range d {
		p := n.probs[k]
		if k == label {
			p--
		}
		d[k] = float32(p * scale)
	}
	for l := L - 1; l >= 0; l-- {
		in, din := x, []float32(nil)
		if l > 0 {
			in, din = n.layers[l-1].output(), n.dout[l-1]
		}
		n.layers[l].backward(in, n.dout[l], din)
	}
}

// stageOutput returns the post-ReLU output of stage s after forward.
func (n *Net) stageOutput(s int) []float32 { return n.layers[n.stages[s]].output() }

// ParamCount returns the number of parameters of c's network on rows×cols images.
func ParamCount(c *Config, rows, cols int) int {
	return len(newNet(c, rows, cols).params)
}

// StageUnits returns the number of units (channels × positions) of measured stage k:
// 0 the middle one, 1 the last one before the classifier.
func (t *Trainer) StageUnits(k int) int {
	return len(t.net.stageOutput([]int{t.net.middle, t.net.last}[k]))
}

// StageName describes measured stage k (0 the middle one, 1 the last one) in a few
// words: "block 2, 16×7×7 units" or "dense layer, 64 units".
func (t *Trainer) StageName(k int) string {
	s := []int{t.net.middle, t.net.last}[k]
	switch l := t.net.layers[t.net.stages[s]].(type) {
	case *pool:
		return fmt.Sprintf("block %d, %d×%d×%d units", s+1, l.c, l.ho, l.wo)
	case *conv:
		return fmt.Sprintf("block %d, %d×%d×%d units", s+1, l.cout, l.h, l.w)
	case *dense:
		return fmt.Sprintf("dense layer, %d units", l.nout)
	}
	return fmt.Sprintf("stage %d", s+1)
}
