package render

import (
	"math"

	"kinkscope/render/figure"
)

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

// Covers reports whether box covers any of the curves (polylines x0, y0, x1, y1, …)
// or points (x, y pairs) within pad pixels (figure.Box.Covers).
func Covers(box Rect, curves [][]float64, points []float64, pad float64) bool {
	return figure.Box(box).Covers(curves, points, pad)
}

// Intersect returns the part of r inside o (W or H zero when they do not overlap).
func (r Rect) Intersect(o Rect) Rect {
	x0, y0 := math.Max(r.X, o.X), math.Max(r.Y, o.Y)
	x1, y1 := math.Min(r.X+r.W, o.X+o.W), math.Min(r.Y+r.H, o.Y+o.H)
	return Rect{x0, y0, math.Max(0, x1-x0), math.Max(0, y1-y0)}
}
