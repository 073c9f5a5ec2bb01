package render

import "math"

// PlotGeometry maps data coordinates to CSS pixels in a panel's plotting area.
type PlotGeometry struct {
	In                 Rect
	XLo, XHi, YLo, YHi float64
	Valid              bool
}

// ToData returns the data coordinates of the CSS pixel (px, py).
func (g PlotGeometry) ToData(px, py float64) (x, y float64) {
	x = g.XLo + (px-g.In.X)/g.In.W*(g.XHi-g.XLo)
	y = g.YLo + (g.In.Y+g.In.H-py)/g.In.H*(g.YHi-g.YLo)
	return x, y
}

// ToScreen returns the CSS pixel of the data point (x, y).
func (g PlotGeometry) ToScreen(x, y float64) (px, py float64) {
	px = g.In.X + (x-g.XLo)/(g.XHi-g.XLo)*g.In.W
	py = g.In.Y + g.In.H - (y-g.YLo)/(g.YHi-g.YLo)*g.In.H
	return px, py
}

// Inside reports whether the CSS pixel lies in the plotting area.
func (g PlotGeometry) Inside(px, py float64) bool {
	return g.Valid && px >= g.In.X && px <= g.In.X+g.In.W && py >= g.In.Y && py <= g.In.Y+g.In.H
}

// grabRadius is how close, in CSS pixels, a press must be to a point to grab it.
const grabRadius = 10

// nearestPoint returns the index of the data point within grabRadius of the CSS
// pixel (px, py), or −1.
func nearestPoint(g PlotGeometry, xs, ys []float64, px, py float64) int {
	best, bestD := -1, float64(grabRadius)
	for i := range xs {
		sx, sy := g.ToScreen(xs[i], ys[i])
		if d := math.Hypot(sx-px, sy-py); d <= bestD {
			best, bestD = i, d
		}
	}
	return best
}
