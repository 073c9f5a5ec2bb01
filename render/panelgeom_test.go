package render

import "testing"

func TestCovers(t *testing.T) {
	box := Rect{10, 10, 20, 10}
	cases := []struct {
		name   string
		curves [][]float64
		points []float64
		want   bool
	}{
		{"nothing", nil, nil, false},
		{"a point inside", nil, []float64{15, 15}, true},
		{"a point within the pad", nil, []float64{31, 15}, true},
		{"a point outside", nil, []float64{40, 15}, false},
		{"a segment across, ends outside", [][]float64{{0, 15, 50, 15}}, nil, true},
		{"a diagonal missing the corner", [][]float64{{0, 30, 8, 0}}, nil, false},
		{"a vertical stem through", [][]float64{{20, 0, 20, 40}}, nil, true},
		{"a curve beside", [][]float64{{0, 40, 10, 40, 50, 45}}, nil, false},
		{"a NaN gap", [][]float64{{0, 15, 0.0 / zero, 15, 50, 50}}, nil, false},
	}
	for _, c := range cases {
		if got := Covers(box, c.curves, c.points, 2); got != c.want {
			t.Errorf("%s: Covers = %v, want %v", c.name, got, c.want)
		}
	}
}

var zero float64

func TestIntersect(t *testing.T) {
	a := Rect{0, 0, 10, 10}
	if got := a.Intersect(Rect{5, -5, 10, 10}); got != (Rect{5, 0, 5, 5}) {
		t.Errorf("Intersect = %+v, want {5 0 5 5}", got)
	}
	if got := a.Intersect(Rect{20, 0, 5, 5}); got.W != 0 {
		t.Errorf("disjoint Intersect = %+v, want W 0", got)
	}
}
