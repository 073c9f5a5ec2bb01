package render

// Slot names a place on the simulator's page; what it shows is up to the model's
// views (sim.Views): Main and Side their large panels, Curves1–4 their metric panels.
type Slot int

const (
	SlotMain     Slot = iota // the model's main panel (the predictor, β, …)
	SlotSide                 // the panel beside it (column norms)
	SlotSchedule             // the step-size schedule
	SlotCurves1              // the model's first panel of metrics
	SlotCurves2
	SlotCurves3
	SlotCurves4
	numSlots
)

var slotNames = [...]string{"main", "side", "schedule", "curves 1", "curves 2", "curves 3", "curves 4"}

func (p Slot) String() string { return slotNames[p] }

// Rect is a rectangle in CSS pixels.
type Rect struct{ X, Y, W, H float64 }

// HeaderHeight is the height of the status line above the panels, in CSS pixels.
const HeaderHeight = 26

// grid describes one layout: columns, and per row the panels with their column spans.
type grid struct {
	cols int
	rows [][]cell
	// weight of each row's height; the predictor row gets more
	weights []float64
}

type cell struct {
	slot Slot
	span int
}

var (
	wideGrid = grid{cols: 4, weights: []float64{1.15, 1}, rows: [][]cell{
		{{SlotMain, 2}, {SlotSide, 1}, {SlotSchedule, 1}},
		{{SlotCurves1, 1}, {SlotCurves2, 1}, {SlotCurves3, 1}, {SlotCurves4, 1}},
	}}
	mediumGrid = grid{cols: 3, weights: []float64{1.4, 1, 1}, rows: [][]cell{
		{{SlotMain, 3}},
		{{SlotSide, 1}, {SlotCurves1, 1}, {SlotCurves2, 1}},
		{{SlotCurves3, 1}, {SlotCurves4, 1}, {SlotSchedule, 1}},
	}}
	narrowGrid = grid{cols: 2, weights: []float64{1.5, 1, 1, 1}, rows: [][]cell{
		{{SlotMain, 2}},
		{{SlotSide, 1}, {SlotSchedule, 1}},
		{{SlotCurves1, 1}, {SlotCurves2, 1}},
		{{SlotCurves3, 1}, {SlotCurves4, 1}},
	}}
)

// Layout returns the rectangle of every panel for a view of w×h CSS pixels: four
// columns on a wide screen, three on a tablet, two on a phone. Panels never overlap
// and stay inside the view below the header.
func Layout(w, h float64) [numSlots]Rect {
	g := narrowGrid
	switch {
	case w >= 1000:
		g = wideGrid
	case w >= 600:
		g = mediumGrid
	}
	const gap = 4
	total := 0.0
	for _, wt := range g.weights {
		total += wt
	}
	var out [numSlots]Rect
	y := float64(HeaderHeight)
	avail := max(h-HeaderHeight, 0)
	colW := w / float64(g.cols)
	for r, row := range g.rows {
		rowH := avail * g.weights[r] / total
		col := 0
		for _, c := range row {
			out[c.slot] = Rect{
				X: float64(col)*colW + gap/2,
				Y: y + gap/2,
				W: max(float64(c.span)*colW-gap, 0),
				H: max(rowH-gap, 0),
			}
			col += c.span
		}
		y += rowH
	}
	return out
}
