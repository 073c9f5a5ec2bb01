package render

import "testing"

func TestLayoutFitsEveryWidth(t *testing.T) {
	for _, w := range []float64{320, 360, 599, 600, 800, 999, 1000, 1280, 1920} {
		h := 0.75 * w
		rects := Layout(w, h)
		for p, r := range rects {
			if r.W < 60 || r.H < 40 {
				t.Errorf("width %g: panel %v is %gx%g, too small to read", w, Slot(p), r.W, r.H)
			}
			if r.X < 0 || r.Y < HeaderHeight || r.X+r.W > w+1e-9 || r.Y+r.H > h+1e-9 {
				t.Errorf("width %g: panel %v %+v leaves the view", w, Slot(p), r)
			}
			for q := p + 1; q < len(rects); q++ {
				o := rects[q]
				if r.X < o.X+o.W && o.X < r.X+r.W && r.Y < o.Y+o.H && o.Y < r.Y+r.H {
					t.Errorf("width %g: panels %v and %v overlap", w, Slot(p), Slot(q))
				}
			}
		}
	}
}
