package render

import (
	"math"
	"strconv"
	"strings"
)

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

// formatEditedPoints writes 1D data as the points setting, rounding what a pointer
// placed to 3 decimals so that the URL stays short.
func formatEditedPoints(xs, ys []float64) string {
	var sb strings.Builder
	for i := range xs {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.FormatFloat(round3(xs[i]), 'g', -1, 64))
		sb.WriteByte(':')
		sb.WriteString(strconv.FormatFloat(round3(ys[i]), 'g', -1, 64))
	}
	return sb.String()
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// Edit is one change to the data a user makes on the predictor plot.
type Edit struct {
	Kind  EditKind
	Index int     // the point moved or deleted
	X, Y  float64 // the new position (add, move), in data coordinates
}

// EditKind is what an Edit does.
type EditKind int

const (
	EditAdd EditKind = iota
	EditMove
	EditDelete
)

// ApplyEdit returns the points setting after the edit, or "" and false when the edit
// would leave no data (the last point cannot be deleted) or names no point.
func ApplyEdit(xs, ys []float64, e Edit) (string, bool) {
	nx, ny := append([]float64(nil), xs...), append([]float64(nil), ys...)
	switch e.Kind {
	case EditAdd:
		nx, ny = append(nx, e.X), append(ny, e.Y)
	case EditMove:
		if e.Index < 0 || e.Index >= len(nx) {
			return "", false
		}
		nx[e.Index], ny[e.Index] = e.X, e.Y
	case EditDelete:
		if e.Index < 0 || e.Index >= len(nx) || len(nx) == 1 {
			return "", false
		}
		nx, ny = append(nx[:e.Index], nx[e.Index+1:]...), append(ny[:e.Index], ny[e.Index+1:]...)
	}
	return formatEditedPoints(nx, ny), true
}
