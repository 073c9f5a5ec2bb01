package figure

import "image/color"

// The palette of every figure. Runs take the reference's blues: light steel blue →
// cornflower → blue → midnight blue, the small or constant step lightest, larger
// steps and later decays darker.
var (
	LightSteel = color.RGBA{R: 176, G: 196, B: 222, A: 255}
	Cornflower = color.RGBA{R: 100, G: 149, B: 237, A: 255}
	Blue       = color.RGBA{R: 0, G: 0, B: 255, A: 255}
	Midnight   = color.RGBA{R: 25, G: 25, B: 112, A: 255}
	MediumBlue = color.RGBA{R: 0, G: 0, B: 205, A: 255}   // the SDE and runs of no preset
	Run        = color.RGBA{R: 30, G: 80, B: 200, A: 255} // a single run on the page
	SDE        = color.RGBA{R: 205, G: 70, B: 40, A: 255} // the SDE against SGD's blue
	Teacher    = color.RGBA{R: 235, G: 150, B: 60, A: 255}
	Kink       = color.RGBA{R: 220, G: 80, B: 20, A: 255}
	Data       = color.RGBA{A: 255}
	Decay      = color.RGBA{R: 120, G: 120, B: 120, A: 255}
	// Now marks the current iteration: a green that no run (blues), the SDE (red),
	// the teacher (orange) or a decay (grey) has.
	Now   = color.RGBA{R: 0, G: 140, B: 90, A: 255}
	Piece = color.RGBA{R: 160, G: 180, B: 210, A: 255}
	Grid  = color.RGBA{R: 229, G: 233, B: 239, A: 255}
	Alert = color.RGBA{R: 176, G: 32, B: 32, A: 255}
)

// scenarioColors gives each reference run the color of its curve in the paper.
var scenarioColors = map[string]color.RGBA{
	"relu1d-small": Cornflower,
	"relu1d-large": Midnight,
	"diag-const":   LightSteel,
	"diag-decay10": Cornflower,
	"diag-decay30": Blue,
	"diag-decay50": Midnight,

	"teacher3-const":   LightSteel,
	"teacher3-decay10": Cornflower,
	"teacher3-decay30": Blue,
	"teacher3-decay50": Midnight,
}

// ScenarioColor returns the color of a preset's curve in the paper, and whether it
// has one.
func ScenarioColor(scenario string) (color.RGBA, bool) {
	c, ok := scenarioColors[scenario]
	return c, ok
}

// RunColors returns a color per run of a figure of n runs that differ in the setting
// compareKey ("" for one run): the page's blue for one run; for compared runs the
// reference's blues from light to dark (small or early first), or blue against red
// for SGD against its SDE.
func RunColors(n int, compareKey string) []color.RGBA {
	switch {
	case n <= 1:
		return []color.RGBA{Run}
	case compareKey == "method":
		return []color.RGBA{Run, SDE, LightSteel, Midnight}[:min(n, 4)]
	case n == 2:
		return []color.RGBA{Cornflower, Midnight}
	case n == 3:
		return []color.RGBA{Cornflower, Blue, Midnight}
	}
	return []color.RGBA{LightSteel, Cornflower, Blue, Midnight}[:min(n, 4)]
}

// RunDashes returns a dash pattern per run of a figure of n runs (on, off lengths in
// points; nil is a solid line), so that compared runs differ by more than their
// shade of blue: solid, dashed, dotted, dash-dotted.
func RunDashes(n int) [][]float64 {
	all := [][]float64{nil, {7, 3}, {2, 2.5}, {9, 3, 2, 3}}
	if n <= 1 {
		return all[:1]
	}
	return all[:min(n, len(all))]
}
