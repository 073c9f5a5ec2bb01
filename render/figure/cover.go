package figure

import "math"

// Box is an axis-aligned rectangle: X, Y its corner of least coordinates, W, H its
// size. The page measures in CSS pixels (y down), the command line in points (y up);
// covering does not care which.
type Box struct{ X, Y, W, H float64 }

// Covers reports whether the box, grown by pad on every side, meets any of the
// curves (polylines x0, y0, x1, y1, …) or points (x, y pairs): where a legend may go.
// Segments with a non-finite end are not drawn and meet nothing.
func (b Box) Covers(curves [][]float64, points []float64, pad float64) bool {
	b = Box{b.X - pad, b.Y - pad, b.W + 2*pad, b.H + 2*pad}
	for _, c := range curves {
		if len(c) == 2 && b.meets(c[0], c[1], c[0], c[1]) {
			return true
		}
		for i := 0; i+3 < len(c); i += 2 {
			if b.meets(c[i], c[i+1], c[i+2], c[i+3]) {
				return true
			}
		}
	}
	for i := 0; i+1 < len(points); i += 2 {
		if b.meets(points[i], points[i+1], points[i], points[i+1]) {
			return true
		}
	}
	return false
}

// meets reports whether the segment (x0, y0)–(x1, y1) meets the box (Liang–Barsky
// clipping: the part of the segment inside each of the box's four half-planes).
func (b Box) meets(x0, y0, x1, y1 float64) bool {
	for _, v := range []float64{x0, y0, x1, y1} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	t0, t1 := 0.0, 1.0
	dx, dy := x1-x0, y1-y0
	for _, e := range [4][2]float64{{-dx, x0 - b.X}, {dx, b.X + b.W - x0}, {-dy, y0 - b.Y}, {dy, b.Y + b.H - y0}} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}
