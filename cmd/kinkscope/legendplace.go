package main

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"kinkscope/render/figure"
)

// legendPlacer puts a panel's legend in the first corner of its data area where the
// legend covers none of the panel's curves — top right, top left, bottom right,
// bottom left — as the page places its legends. Where every corner covers some, the
// legend stays at the top right. It is a plotter that draws nothing: gonum/plot draws
// the plotters before the legend, so it decides when the panel's size is known.
type legendPlacer struct {
	curves []plotter.XYs // in the panel's data coordinates (log₁₀ y on a log panel)
}

func (lp legendPlacer) Plot(c draw.Canvas, p *plot.Plot) {
	// The legend's width and height (its Rectangle's position is of no use here).
	size := p.Legend.Rectangle(c).Size()
	if size.X <= 0 || size.Y <= 0 {
		return // no entries
	}
	trX, trY := p.Transforms(&c)
	var lines [][]float64
	for _, cv := range lp.curves {
		pts := make([]float64, 0, 2*len(cv))
		for _, xy := range cv {
			pts = append(pts, float64(trX(xy.X)), float64(trY(xy.Y)))
		}
		lines = append(lines, pts)
	}
	top, left, ok := legendCorner(c.Rectangle, size, vg.Points(3), lines)
	if !ok {
		top, left = true, false
	}
	p.Legend.Top, p.Legend.Left = top, left
}

// legendCorner returns the first corner of area (top right, top left, bottom right,
// bottom left; y grows upwards) where a box of size, pad inside the area's edges,
// meets none of the polylines (x0, y0, x1, y1, …); ok is false when every corner
// meets one.
func legendCorner(area vg.Rectangle, size vg.Point, pad vg.Length, lines [][]float64) (top, left, ok bool) {
	w, h := float64(size.X+pad), float64(size.Y+pad)
	for _, corner := range [4][2]bool{{true, false}, {true, true}, {false, false}, {false, true}} {
		top, left := corner[0], corner[1]
		box := figure.Box{X: float64(area.Max.X) - w, Y: float64(area.Max.Y) - h, W: w, H: h}
		if left {
			box.X = float64(area.Min.X)
		}
		if !top {
			box.Y = float64(area.Min.Y)
		}
		if !box.Covers(lines, nil, 0) {
			return top, left, true
		}
	}
	return false, false, false
}
