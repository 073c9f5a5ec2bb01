package render

import "math"

// PanelGeometry is where the parts of one panel went in the last frame, in CSS
// pixels: the browser tests read it (window.kinkscope.geometry()) to check that no
// legend covers data and no tick label is clipped, at every screen size.
type PanelGeometry struct {
	Title  string `json:"title"`
	Outer  Rect   `json:"outer"`  // the panel
	In     Rect   `json:"in"`     // its plotting area
	Legend Rect   `json:"legend"` // the legend's box; W = 0 without a legend
	Ticks  []Rect `json:"ticks"`  // every tick label's box
	// YLabel is the y label as drawn (shortened to fit), YLabelBox its box.
	YLabel    string      `json:"ylabel"`
	YLabelBox Rect        `json:"ylabelBox"`
	Curves    [][]float64 `json:"curves"` // drawn polylines, x0, y0, x1, y1, …
	Points    []float64   `json:"points"` // drawn marks (data points, stems' ends), x, y pairs
}

// legendPad is the room kept between a legend's box and any data, in CSS pixels.
const legendPad = 2

// Overlaps reports whether two rectangles share interior points.
func (r Rect) Overlaps(o Rect) bool {
	return r.X < o.X+o.W && o.X < r.X+r.W && r.Y < o.Y+o.H && o.Y < r.Y+r.H
}

// Contains reports whether o lies inside r, with tolerance eps.
func (r Rect) Contains(o Rect, eps float64) bool {
	return o.X >= r.X-eps && o.Y >= r.Y-eps && o.X+o.W <= r.X+r.W+eps && o.Y+o.H <= r.Y+r.H+eps
}

// grow returns r widened by d on every side.
func (r Rect) grow(d float64) Rect { return Rect{r.X - d, r.Y - d, r.W + 2*d, r.H + 2*d} }

// segmentHits reports whether the segment (x0, y0)–(x1, y1) meets r (Liang–Barsky
// clipping). Segments with a non-finite end are not drawn and meet nothing.
func segmentHits(r Rect, x0, y0, x1, y1 float64) bool {
	for _, v := range []float64{x0, y0, x1, y1} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	t0, t1 := 0.0, 1.0
	dx, dy := x1-x0, y1-y0
	for _, e := range [4][2]float64{{-dx, x0 - r.X}, {dx, r.X + r.W - x0}, {-dy, y0 - r.Y}, {dy, r.Y + r.H - y0}} {
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

// Covers reports whether box covers any of the curves (polylines x0, y0, x1, y1, …)
// or points (x, y pairs) within pad pixels.
func Covers(box Rect, curves [][]float64, points []float64, pad float64) bool {
	b := box.grow(pad)
	for _, c := range curves {
		if len(c) == 2 && segmentHits(b, c[0], c[1], c[0], c[1]) {
			return true
		}
		for i := 0; i+3 < len(c); i += 2 {
			if segmentHits(b, c[i], c[i+1], c[i+2], c[i+3]) {
				return true
			}
		}
	}
	for i := 0; i+1 < len(points); i += 2 {
		if segmentHits(b, points[i], points[i+1], points[i], points[i+1]) {
			return true
		}
	}
	return false
}

// Intersect returns the part of r inside o (W or H zero when they do not overlap).
func (r Rect) Intersect(o Rect) Rect {
	x0, y0 := math.Max(r.X, o.X), math.Max(r.Y, o.Y)
	x1, y1 := math.Min(r.X+r.W, o.X+o.W), math.Min(r.Y+r.H, o.Y+o.H)
	return Rect{x0, y0, math.Max(0, x1-x0), math.Max(0, y1-y0)}
}
