package main

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
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
	var lines [][]vg.Point
	for _, cv := range lp.curves {
		pts := make([]vg.Point, len(cv))
		for i, xy := range cv {
			pts[i] = vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
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
// bottom left) where a box of size, pad inside the area's edges, meets none of the
// polylines; ok is false when every corner meets one.
func legendCorner(area vg.Rectangle, size vg.Point, pad vg.Length, lines [][]vg.Point) (top, left, ok bool) {
	for _, corner := range [4][2]bool{{true, false}, {true, true}, {false, false}, {false, true}} {
		top, left := corner[0], corner[1]
		box := vg.Rectangle{Min: vg.Point{X: area.Max.X - size.X - pad, Y: area.Max.Y - size.Y - pad}}
		if left {
			box.Min.X = area.Min.X
		}
		if !top {
			box.Min.Y = area.Min.Y
		}
		box.Max = vg.Point{X: box.Min.X + size.X + pad, Y: box.Min.Y + size.Y + pad}
		if !meets(box, lines) {
			return top, left, true
		}
	}
	return false, false, false
}

// meets reports whether a polyline passes through the box.
func meets(box vg.Rectangle, lines [][]vg.Point) bool {
	for _, pts := range lines {
		for i := range pts {
			if inside(box, pts[i]) {
				return true
			}
			if i > 0 && segmentMeets(box, pts[i-1], pts[i]) {
				return true
			}
		}
	}
	return false
}

func inside(b vg.Rectangle, p vg.Point) bool {
	return p.X >= b.Min.X && p.X <= b.Max.X && p.Y >= b.Min.Y && p.Y <= b.Max.Y
}

// segmentMeets reports whether the segment a–b crosses the box (Liang–Barsky
// clipping: the part of the segment inside each of the box's four half-planes).
func segmentMeets(b vg.Rectangle, a, c vg.Point) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := float64(c.X-a.X), float64(c.Y-a.Y)
	for _, e := range [4][2]float64{
		{-dx, float64(a.X - b.Min.X)}, {dx, float64(b.Max.X - a.X)},
		{-dy, float64(a.Y - b.Min.Y)}, {dy, float64(b.Max.Y - a.Y)},
	} {
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
