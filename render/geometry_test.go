package render

import (
	"math"
	"testing"
)

func TestPlotGeometryRoundTrip(t *testing.T) {
	g := PlotGeometry{In: Rect{50, 30, 400, 200}, XLo: -1.3, XHi: 1.6, YLo: -2.5, YHi: 3, Valid: true}
	for _, p := range [][2]float64{{0, 0}, {-1.3, -2.5}, {1.6, 3}, {0.37, 1.2}} {
		px, py := g.ToScreen(p[0], p[1])
		x, y := g.ToData(px, py)
		if math.Abs(x-p[0]) > 1e-12 || math.Abs(y-p[1]) > 1e-12 {
			t.Errorf("ToData(ToScreen(%v)) = %v, %v", p, x, y)
		}
	}
	if !g.Inside(60, 40) || g.Inside(10, 40) || (PlotGeometry{}).Inside(60, 40) {
		t.Errorf("Inside is wrong")
	}
	xs, ys := []float64{0, 1}, []float64{0, 1}
	px, py := g.ToScreen(1, 1)
	if i := nearestPoint(g, xs, ys, px+3, py-4); i != 1 {
		t.Errorf("nearestPoint near point 1 = %d", i)
	}
	if i := nearestPoint(g, xs, ys, px+30, py); i != -1 {
		t.Errorf("nearestPoint far from every point = %d", i)
	}
}
