package render

// Panel names one plot of the simulator view.
type Panel int

const (
	PanelPredictor Panel = iota // h(x), the data and the kinks
	PanelNorms                  // Jacobian column norms per neuron
	PanelStepSize               // the schedule
	PanelLoss                   // train loss
	PanelRank                   // Jacobian rank
	PanelSparsity               // feature sparsity
	PanelKinks                  // kink count
	numPanels
)

var panelNames = [...]string{"predictor", "norms", "step size", "loss", "rank", "sparsity", "kinks"}

func (p Panel) String() string { return panelNames[p] }

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
	panel Panel
	span  int
}

var (
	wideGrid = grid{cols: 4, weights: []float64{1.15, 1}, rows: [][]cell{
		{{PanelPredictor, 2}, {PanelNorms, 1}, {PanelStepSize, 1}},
		{{PanelLoss, 1}, {PanelRank, 1}, {PanelSparsity, 1}, {PanelKinks, 1}},
	}}
	mediumGrid = grid{cols: 3, weights: []float64{1.4, 1, 1}, rows: [][]cell{
		{{PanelPredictor, 3}},
		{{PanelNorms, 1}, {PanelLoss, 1}, {PanelRank, 1}},
		{{PanelSparsity, 1}, {PanelKinks, 1}, {PanelStepSize, 1}},
	}}
	narrowGrid = grid{cols: 2, weights: []float64{1.5, 1, 1, 1}, rows: [][]cell{
		{{PanelPredictor, 2}},
		{{PanelNorms, 1}, {PanelStepSize, 1}},
		{{PanelLoss, 1}, {PanelRank, 1}},
		{{PanelSparsity, 1}, {PanelKinks, 1}},
	}}
)

// Layout returns the rectangle of every panel for a view of w×h CSS pixels: four
// columns on a wide screen, three on a tablet, two on a phone. Panels never overlap
// and stay inside the view below the header.
func Layout(w, h float64) [numPanels]Rect {
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
	var out [numPanels]Rect
	y := float64(HeaderHeight)
	avail := max(h-HeaderHeight, 0)
	colW := w / float64(g.cols)
	for r, row := range g.rows {
		rowH := avail * g.weights[r] / total
		col := 0
		for _, c := range row {
			out[c.panel] = Rect{
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
