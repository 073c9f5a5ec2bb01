package main

import (
	"image/color"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"kinkscope/render/figure"
)

// The corner chosen is the first, in the order top right, top left, bottom right,
// bottom left, whose box meets no line; and it meets none, checked point by point.
func TestLegendCorner(t *testing.T) {
	area := vg.Rectangle{Max: vg.Point{X: 300, Y: 200}}
	size := vg.Point{X: 80, Y: 30}
	line := func(pts ...float64) []float64 { return pts }
	for _, tc := range []struct {
		name      string
		lines     [][]float64
		top, left bool
		ok        bool
	}{
		{"nothing", nil, true, false, true},
		{"a rise to the top right", [][]float64{line(0, 0, 300, 200)}, true, true, true},
		{"a fall from the top left too", [][]float64{line(0, 0, 300, 200), line(0, 200, 300, 0)}, false, false, false},
		{"a line along the top", [][]float64{line(0, 190, 300, 190)}, false, false, true},
		{"along the top and a rise at the right", [][]float64{line(0, 190, 300, 190), line(250, 0, 260, 100)}, false, true, true},
		// A segment crossing the box with neither end inside it.
		{"a crossing segment", [][]float64{line(200, 230, 320, 150)}, true, true, true},
	} {
		top, left, ok := legendCorner(area, size, 3, tc.lines)
		if top != tc.top || left != tc.left || ok != tc.ok {
			t.Errorf("%s: top %v left %v ok %v, want %v %v %v", tc.name, top, left, ok, tc.top, tc.left, tc.ok)
		}
	}
	// Random lines: a corner said to be free has no point of a line inside its box,
	// sampled finely along every segment.
	rng := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		var lines [][]float64
		for range 1 + rng.IntN(3) {
			var l []float64
			for range 2 + rng.IntN(5) {
				l = append(l, rng.Float64()*300, rng.Float64()*200)
			}
			lines = append(lines, l)
		}
		top, left, ok := legendCorner(area, size, 3, lines)
		if !ok {
			continue
		}
		x0, y0 := 300.0-83, 200.0-33
		if left {
			x0 = 0
		}
		if !top {
			y0 = 0
		}
		for _, l := range lines {
			for i := 2; i+1 < len(l); i += 2 {
				for k := range 201 {
					f := float64(k) / 200
					x, y := l[i-2]+f*(l[i]-l[i-2]), l[i-1]+f*(l[i+1]-l[i-1])
					if x >= x0 && x <= x0+83 && y >= y0 && y <= y0+33 {
						t.Fatalf("corner top %v left %v said free, but (%v, %v) lies in its box", top, left, x, y)
					}
				}
			}
		}
	}
}

// The command line's metric panels move their legend off the curves, as the page's do:
// curves that rise to the top right put it at the top left, and curves along the top
// put it at the bottom.
func TestFigureLegendAvoidsCurves(t *testing.T) {
	xs := []float64{0, 250, 500, 750, 1000}
	black := color.RGBA{A: 255}
	for _, tc := range []struct {
		name      string
		ys        [2][]float64
		top, left bool
	}{
		{"rising", [2][]float64{{0, 1, 2, 3, 4}, {0, 0.9, 1.9, 2.9, 3.9}}, true, true},
		{"high", [2][]float64{{4, 4, 4, 4, 4}, {3.9, 3.9, 3.9, 3.9, 0}}, false, true},
	} {
		fp := figure.Plot{
			Title: "kinks", XLabel: "iteration", YLabel: "kinks",
			X: figure.Axis{Lo: 0, Hi: 1000}, Y: figure.Axis{Lo: 0, Hi: 4},
			Series: []figure.Series{{X: xs, Y: tc.ys[0], Color: black}, {X: xs, Y: tc.ys[1], Color: black, Dash: []float64{4, 2}}},
			Legend: []figure.Entry{{Label: "γ = 0.1", Color: black}, {Label: "γ = 0.5", Color: black, Dash: []float64{4, 2}}},
		}
		pl := plotOf(fp, "")
		c := vgimg.New(4*vg.Inch, 3*vg.Inch)
		pl.Draw(draw.New(c))
		if pl.Legend.Top != tc.top || pl.Legend.Left != tc.left {
			t.Errorf("%s: legend top %v left %v, want %v %v", tc.name, pl.Legend.Top, pl.Legend.Left, tc.top, tc.left)
		}
	}
}
