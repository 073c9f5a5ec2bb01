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
	line := func(pts ...float64) []vg.Point {
		var out []vg.Point
		for i := 0; i < len(pts); i += 2 {
			out = append(out, vg.Point{X: vg.Length(pts[i]), Y: vg.Length(pts[i+1])})
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		lines     [][]vg.Point
		top, left bool
		ok        bool
	}{
		{"nothing", nil, true, false, true},
		{"a rise to the top right", [][]vg.Point{line(0, 0, 300, 200)}, true, true, true},
		{"a fall from the top left too", [][]vg.Point{line(0, 0, 300, 200), line(0, 200, 300, 0)}, false, false, false},
		{"a line along the top", [][]vg.Point{line(0, 190, 300, 190)}, false, false, true},
		{"along the top and a rise at the right", [][]vg.Point{line(0, 190, 300, 190), line(250, 0, 260, 100)}, false, true, true},
		// A segment crossing the box with neither end inside it.
		{"a crossing segment", [][]vg.Point{line(200, 230, 320, 150)}, true, true, true},
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
		var lines [][]vg.Point
		for range 1 + rng.IntN(3) {
			var l []vg.Point
			for range 2 + rng.IntN(5) {
				l = append(l, vg.Point{X: vg.Length(rng.Float64() * 300), Y: vg.Length(rng.Float64() * 200)})
			}
			lines = append(lines, l)
		}
		top, left, ok := legendCorner(area, size, 3, lines)
		if !ok {
			continue
		}
		box := vg.Rectangle{Min: vg.Point{X: 300 - 83, Y: 200 - 33}}
		if left {
			box.Min.X = 0
		}
		if !top {
			box.Min.Y = 0
		}
		box.Max = vg.Point{X: box.Min.X + 83, Y: box.Min.Y + 33}
		for _, l := range lines {
			for i := 1; i < len(l); i++ {
				for k := range 201 {
					f := vg.Length(k) / 200
					p := vg.Point{X: l[i-1].X + f*(l[i].X-l[i-1].X), Y: l[i-1].Y + f*(l[i].Y-l[i-1].Y)}
					if inside(box, p) {
						t.Fatalf("corner top %v left %v said free, but %v lies in %v", top, left, p, box)
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
