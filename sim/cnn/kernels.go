package cnn

// The hot loops of the network: y += a·x and x·y over float32 rows. They are written
// in the reslice form, 8 elements per iteration, so that the compiler proves every
// index in range from the loop condition and emits no bounds checks (in WebAssembly a
// bounds check is a compare and a branch per element, as costly as the arithmetic).

// axpy adds a·x to y over the first len(x) elements; len(y) must be at least len(x).
func axpy(y []float32, a float32, x []float32) {
	y = y[:len(x)]
	for len(x) >= 8 && len(y) >= 8 {
		y[0] += a * x[0]
		y[1] += a * x[1]
		y[2] += a * x[2]
		y[3] += a * x[3]
		y[4] += a * x[4]
		y[5] += a * x[5]
		y[6] += a * x[6]
		y[7] += a * x[7]
		x, y = x[8:], y[8:]
	}
	for i, v := range x {
		y[i] += a * v
	}
}

// dot returns x·y over the first len(x) elements; len(y) must be at least len(x).
// Four partial sums break the dependency chain of the additions.
func dot(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	for len(x) >= 8 && len(y) >= 8 {
		s0 += x[0]*y[0] + x[4]*y[4]
		s1 += x[1]*y[1] + x[5]*y[5]
		s2 += x[2]*y[2] + x[6]*y[6]
		s3 += x[3]*y[3] + x[7]*y[7]
		x, y = x[8:], y[8:]
	}
	for i, v := range x {
		s0 += v * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// conv3 adds w0·x[i] + … + w2·x[i+2] to y[i] for every i < len(y): the 3 taps of one
// filter row at once, so that y is loaded and stored once per 3 multiply-adds and each
// x is loaded once per 8 outputs. len(x) must be at least len(y)+2.
func conv3(y []float32, w0, w1, w2 float32, x []float32) {
	x = x[:len(y)+2]
	for len(y) >= 8 && len(x) >= 10 {
		x0 := x[0]
		x1 := x[1]
		x2 := x[2]
		x3 := x[3]
		x4 := x[4]
		x5 := x[5]
		x6 := x[6]
		x7 := x[7]
		x8 := x[8]
		x9 := x[9]
		y[0] += w0*x0 + w1*x1 + w2*x2
		y[1] += w0*x1 + w1*x2 + w2*x3
		y[2] += w0*x2 + w1*x3 + w2*x4
		y[3] += w0*x3 + w1*x4 + w2*x5
		y[4] += w0*x4 + w1*x5 + w2*x6
		y[5] += w0*x5 + w1*x6 + w2*x7
		y[6] += w0*x6 + w1*x7 + w2*x8
		y[7] += w0*x7 + w1*x8 + w2*x9
		x, y = x[8:], y[8:]
	}
	for i := range y {
		y[i] += w0*x[i+0] + w1*x[i+1] + w2*x[i+2]
	}
}

// conv5 adds w0·x[i] + … + w4·x[i+4] to y[i] for every i < len(y): the 5 taps of one
// filter row at once, so that y is loaded and stored once per 5 multiply-adds and each
// x is loaded once per 4 outputs. len(x) must be at least len(y)+4.
func conv5(y []float32, w0, w1, w2, w3, w4 float32, x []float32) {
	x = x[:len(y)+4]
	for len(y) >= 4 && len(x) >= 8 {
		x0 := x[0]
		x1 := x[1]
		x2 := x[2]
		x3 := x[3]
		x4 := x[4]
		x5 := x[5]
		x6 := x[6]
		x7 := x[7]
		y[0] += w0*x0 + w1*x1 + w2*x2 + w3*x3 + w4*x4
		y[1] += w0*x1 + w1*x2 + w2*x3 + w3*x4 + w4*x5
		y[2] += w0*x2 + w1*x3 + w2*x4 + w3*x5 + w4*x6
		y[3] += w0*x3 + w1*x4 + w2*x5 + w3*x6 + w4*x7
		x, y = x[4:], y[4:]
	}
	for i := range y {
		y[i] += w0*x[i+0] + w1*x[i+1] + w2*x[i+2] + w3*x[i+3] + w4*x[i+4]
	}
}

// corr3 returns Σ_i d[i]·x[i+k] for k = 0…2 over i < len(d): the gradients of the 3
// taps of one filter row at once, loading each d and x once per 8 positions.
// len(x) must be at least len(d)+2.
func corr3(d, x []float32) (s0, s1, s2 float32) {
	x = x[:len(d)+2]
	for len(d) >= 8 && len(x) >= 10 {
		d0 := d[0]
		d1 := d[1]
		d2 := d[2]
		d3 := d[3]
		d4 := d[4]
		d5 := d[5]
		d6 := d[6]
		d7 := d[7]
		x0 := x[0]
		x1 := x[1]
		x2 := x[2]
		x3 := x[3]
		x4 := x[4]
		x5 := x[5]
		x6 := x[6]
		x7 := x[7]
		x8 := x[8]
		x9 := x[9]
		s0 += d0*x0 + d1*x1 + d2*x2 + d3*x3 + d4*x4 + d5*x5 + d6*x6 + d7*x7
		s1 += d0*x1 + d1*x2 + d2*x3 + d3*x4 + d4*x5 + d5*x6 + d6*x7 + d7*x8
		s2 += d0*x2 + d1*x3 + d2*x4 + d3*x5 + d4*x6 + d5*x7 + d6*x8 + d7*x9
		d, x = d[8:], x[8:]
	}
	for i, v := range d {
		s0 += v * x[i+0]
		s1 += v * x[i+1]
		s2 += v * x[i+2]
	}
	return s0, s1, s2
}

// corr5 returns Σ_i d[i]·x[i+k] for k = 0…4 over i < len(d): the gradients of the 5
// taps of one filter row at once, loading each d and x once per 4 positions.
// len(x) must be at least len(d)+4.
func corr5(d, x []float32) (s0, s1, s2, s3, s4 float32) {
	x = x[:len(d)+4]
	for len(d) >= 4 && len(x) >= 8 {
		d0 := d[0]
		d1 := d[1]
		d2 := d[2]
		d3 := d[3]
		x0 := x[0]
		x1 := x[1]
		x2 := x[2]
		x3 := x[3]
		x4 := x[4]
		x5 := x[5]
		x6 := x[6]
		x7 := x[7]
		s0 += d0*x0 + d1*x1 + d2*x2 + d3*x3
		s1 += d0*x1 + d1*x2 + d2*x3 + d3*x4
		s2 += d0*x2 + d1*x3 + d2*x4 + d3*x5
		s3 += d0*x3 + d1*x4 + d2*x5 + d3*x6
		s4 += d0*x4 + d1*x5 + d2*x6 + d3*x7
		d, x = d[4:], x[4:]
	}
	for i, v := range d {
		s0 += v * x[i+0]
		s1 += v * x[i+1]
		s2 += v * x[i+2]
		s3 += v * x[i+3]
		s4 += v * x[i+4]
	}
	return s0, s1, s2, s3, s4
}
