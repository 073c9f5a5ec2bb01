//go:build js && wasm

package render

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"kinkscope/render/app"
	"kinkscope/render/figure"
	"kinkscope/sim"
)

// runColors returns a color per run (figure.RunColors).
func runColors(snap *app.Snapshot) []color.RGBA {
	return figure.RunColors(len(snap.Runs), snap.CompareKey)
}

// runDashes returns a dash pattern per run (figure.RunDashes).
func runDashes(snap *app.Snapshot) [][]float64 { return figure.RunDashes(len(snap.Runs)) }

// drag is a data point being moved on the predictor plot.
type drag struct {
	index  int     // the point, or −1
	px, py float64 // where the pointer is, in CSS pixels
}

// drawPanels draws the panels the lead run's model offers into the slots of the
// layout and returns the predictor plot's geometry (invalid when there is none), for
// editing.
func drawPanels(c *canvas, snap *app.Snapshot, rects [numSlots]Rect, dr drag) PlotGeometry {
	cols := runColors(snap)
	v := snap.Views
	geom := drawPanel(c, snap, v.Main, rects[SlotMain], cols, dr)
	drawPanel(c, snap, v.Side, rects[SlotSide], cols, dr)
	drawStepSize(c, snap, rects[SlotSchedule], cols)
	for i, p := range v.Curves {
		drawPanel(c, snap, p, rects[SlotCurves1+Slot(i)], cols, dr)
	}
	return geom
}

// drawPanel draws one panel by its kind; only the predictor returns a valid
// geometry.
func drawPanel(c *canvas, snap *app.Snapshot, p sim.Panel, r Rect, cols []color.RGBA, dr drag) PlotGeometry {
	switch p.Kind {
	case sim.PanelMetrics:
		drawMetrics(c, snap, p, r)
	case sim.PanelStepSize:
		drawStepSize(c, snap, r, cols)
	case sim.PanelPredictor:
		return drawPredictor(c, snap, r, cols, dr)
	case sim.PanelNorms:
		drawNorms(c, snap, p, r, cols)
	case sim.PanelCoefficients:
		drawBeta(c, snap, r, cols)
	case sim.PanelActivations:
		drawActivations(c, snap, p, r)
	case sim.PanelDigits:
		drawDigits(c, snap, p, r)
	default:
		newFrame(c, r, p.Title, "", "", 0, 1, 0, 1, false, nil)
	}
	return PlotGeometry{}
}

// drawMetrics paints a panel of metrics, as render/figure describes it.
func drawMetrics(c *canvas, snap *app.Snapshot, p sim.Panel, r Rect) {
	if len(p.Metrics) == 0 {
		return
	}
	colors := figure.RunColors(len(snap.Runs), snap.CompareKey)
	dashes := runDashes(snap)
	runs := make([]figure.RunHistory, len(snap.Runs))
	var decays []int
	for i, rv := range snap.Runs {
		runs[i] = figure.RunHistory{Rows: rv.History, Color: colors[i], Dash: dashes[i], Label: rv.Label}
		decays = append(decays, rv.Decays...)
	}
	paintPlot(c, r, figure.MetricsPlot(p, runs, snap.Config.Iters, decays, float64(snap.State.Iter)))
}

// paintPlot paints a figure.Plot into r.
func paintPlot(c *canvas, r Rect, pl figure.Plot) {
	title := pl.Title
	if pl.Y.Log {
		title += " (log scale)"
	}
	lg := &legendPlan{entries: pl.Legend}
	for _, s := range pl.Series {
		lg.curves = append(lg.curves, [2][]float64{s.X, s.Y})
	}
	f := newFrameLegend(c, r, title, pl.XLabel, pl.YLabel, pl.X.Lo, pl.X.Hi, pl.Y.Lo, pl.Y.Hi, pl.Y.Log, nil, lg)
	for _, x := range pl.VLines {
		f.vline(x, colDecay)
	}
	if !math.IsNaN(pl.Now) {
		f.nowLine(pl.Now)
	}
	for _, s := range pl.Series {
		f.series(s.X, s.Y, s.Width, s.Color, s.Dash...)
	}
	f.drawLegend(pl.Legend)
}

// seriesFrame draws the axes of a metric against the iteration, with the decays
// dashed and the current iteration marked.
func seriesFrame(c *canvas, snap *app.Snapshot, r Rect, title, ylabel string, ylo, yhi float64, logY bool, lg *legendPlan) *frame {
	f := newFrameLegend(c, r, title, "iteration", ylabel, 0, float64(max(snap.Config.Iters, 1)), ylo, yhi, logY, nil, lg)
	var decays []int
	for _, rv := range snap.Runs {
		decays = append(decays, rv.Decays...)
	}
	slices.Sort(decays)
	for _, d := range slices.Compact(decays) {
		f.vline(float64(d), colDecay)
	}
	f.nowLine(float64(snap.State.Iter))
	return f
}

func drawPredictor(c *canvas, snap *app.Snapshot, r Rect, cols []color.RGBA, dr drag) PlotGeometry {
	if len(snap.Runs) == 0 || len(snap.Runs[0].X) == 0 {
		newFrame(c, r, "Predictor h(x)", "x", "y", 0, 1, 0, 1, false, nil)
		return PlotGeometry{}
	}
	lead := snap.Runs[0]
	gridX, teacherH := lead.X, lead.Teacher
	// The y range follows the data, widened to show the predictors unless they are
	// wild: a far-off initial predictor must not flatten the data into a line.
	dlo, dhi := math.Inf(1), math.Inf(-1)
	for _, y := range snap.DataY {
		dlo, dhi = math.Min(dlo, y), math.Max(dhi, y)
	}
	span := math.Max(dhi-dlo, 1)
	ylo, yhi := dlo, dhi
	for _, hs := range append([][]float64{teacherH}, gridHs(snap)...) {
		for _, h := range hs {
			if !math.IsNaN(h) {
				ylo = math.Max(math.Min(ylo, h), dlo-span)
				yhi = math.Min(math.Max(yhi, h), dhi+span)
			}
		}
	}
	pad := 0.08 * (yhi - ylo)
	ylo, yhi = ylo-pad, yhi+pad
	dashes := runDashes(snap)
	lg := &legendPlan{avoidBottom: 17 + 12*float64(len(snap.Runs)-1)}
	lg.entries = append(lg.entries, figure.Entry{Label: "data", Color: colData, Mark: "dot"})
	for i, x := range snap.DataX {
		lg.points = append(lg.points, [2]float64{x, snap.DataY[i]})
	}
	if teacherH != nil {
		lg.entries = append(lg.entries, figure.Entry{Label: fmt.Sprintf("teacher (%d kinks, top)", lead.TeacherKinks.Visible), Color: colTeacher})
		lg.curves = append(lg.curves, [2][]float64{gridX, teacherH})
		lg.avoidTop = 9
	}
	if len(snap.Runs) == 1 {
		lg.entries = append(lg.entries, figure.Entry{Label: "h(x)", Color: colRun},
			figure.Entry{Label: "kink, sized by slope change", Color: colMidnight, Mark: "triangle"})
	}
	for i, rv := range snap.Runs {
		if len(snap.Runs) > 1 {
			lg.entries = append(lg.entries, figure.Entry{Label: rv.Label, Color: cols[i], Dash: dashes[i]})
		}
		lg.curves = append(lg.curves, [2][]float64{gridX, rv.H})
	}
	if snap.View.Pieces {
		lg.entries = append(lg.entries, figure.Entry{Label: "neurons a·ReLU(wx+b)", Color: colPiece})
		for _, p := range lead.Pieces {
			lg.curves = append(lg.curves, [2][]float64{gridX, p})
		}
	}
	title := fmt.Sprintf("Predictor h(x): %d kinks (%d neurons' kinks in range)", lead.Kinks.Visible, lead.Kinks.Raw)
	if len(snap.Runs) > 1 {
		title = "Predictor h(x), kinks per run"
		for _, rv := range snap.Runs {
			title += fmt.Sprintf(" · %d", rv.Kinks.Visible)
		}
	} else if r.W < 420 {
		title = fmt.Sprintf("Predictor: %d kinks (%d raw)", lead.Kinks.Visible, lead.Kinks.Raw)
	}
	f := newFrameLegend(c, r, title, "x", "y", gridX[0], gridX[len(gridX)-1], ylo, yhi, false, nil, lg)
	for _, p := range lead.Pieces {
		f.series(gridX, p, 1, colPiece)
	}
	if teacherH != nil {
		f.series(gridX, teacherH, 3, colTeacher)
		for _, k := range lead.TeacherKinks.Clusters {
			if k.Visible {
				f.plot().triangle(f.X(k.X), f.in.Y, 8, colTeacher) // teacher kinks hang from the top
			}
		}
	}
	for i, rv := range snap.Runs {
		f.series(gridX, rv.H, 2, cols[i], dashes[i]...)
	}
	pc := f.plot()
	for i, x := range snap.DataX {
		if i == dr.index {
			pc.circle(dr.px, dr.py, 5, colNow) // being dragged
			continue
		}
		f.dot(f.X(x), f.Y(snap.DataY[i]), 3.5, colData)
	}
	// Kinks as triangles on the x axis, sized by their slope change; compared runs
	// get one row each.
	base := f.in.Y + f.in.H
	for i, rv := range snap.Runs {
		largest := 0.0
		for _, k := range rv.Kinks.Clusters {
			largest = math.Max(largest, math.Abs(k.SlopeChange))
		}
		row := base - float64(i)*12
		for _, k := range rv.Kinks.Clusters {
			switch {
			case !k.Visible && len(snap.Runs) == 1:
				pc.triangle(f.X(k.X), row-5, 5, colSteel)
			case k.Visible:
				h := 6 + 10*math.Sqrt(math.Abs(k.SlopeChange)/largest)
				if len(snap.Runs) > 1 {
					h = 9
				}
				var kc color.Color = colMidnight
				if len(snap.Runs) > 1 {
					kc = cols[i]
				}
				pc.triangle(f.X(k.X), row-h, h, kc)
			}
		}
	}
	f.drawLegend(lg.entries)
	return PlotGeometry{In: f.in, XLo: f.xlo, XHi: f.xhi, YLo: f.ylo, YHi: f.yhi, Valid: true}
}

// gridHs returns every run's predictor on the grid.
func gridHs(snap *app.Snapshot) [][]float64 {
	out := make([][]float64, len(snap.Runs))
	for i, rv := range snap.Runs {
		out[i] = rv.H
	}
	return out
}

// sortedDesc returns a copy of v sorted in decreasing order.
func sortedDesc(v []float64) []float64 {
	out := slices.Clone(v)
	slices.SortFunc(out, func(a, b float64) int {
		switch {
		case a > b:
			return -1
		case a < b:
			return 1
		}
		return 0
	})
	return out
}

func countNonZero(v []float64) int {
	n := 0
	for _, x := range v {
		if x != 0 {
			n++
		}
	}
	return n
}

func countPositive(v []float64) int {
	n := 0
	for _, x := range v {
		if x > 0 {
			n++
		}
	}
	return n
}

// drawSortedNorms draws one panel of Jacobian column norms, each run's sorted in
// decreasing order: bars for one run, a line per run when several are compared. A
// log axis is used when the view asks for it or always is set.
func drawSortedNorms(c *canvas, snap *app.Snapshot, r Rect, cols []color.RGBA, title, xlabel string, norms [][]float64, always bool) {
	all := make([][]float64, len(norms))
	for i, v := range norms {
		all[i] = sortedDesc(v)
	}
	n := 0
	if len(all) > 0 {
		n = len(all[0])
	}
	view := *snap
	view.View.LogBar = view.View.LogBar || always
	f := normFrame(c, &view, r, title, xlabel, n, all)
	for i, v := range all {
		clr := cols[i]
		if len(all) == 1 {
			clr = colRunLight
		}
		bars(f, v, i, len(all), clr, runDashes(snap)[i])
	}
}

// normFrame draws the axes for sorted column norms.
func normFrame(c *canvas, snap *app.Snapshot, r Rect, title, xlabel string, n int, all [][]float64) *frame {
	ylabel := "column norm of φ"
	if snap.View.LogBar {
		lo, hi := figure.LogRange(all...)
		lo = math.Max(lo, hi*1e-6)
		return newFrame(c, r, title+" (log)", xlabel, ylabel, 0, float64(max(n, 1)), lo, hi, true, nil)
	}
	return newFrame(c, r, title, xlabel, ylabel, 0, float64(max(n, 1)), 0, figure.NiceMax(slices.Concat(all...), 1e-9), false, nil)
}

// bars draws sorted values as bars (one run) or as a step line (compared runs).
func bars(f *frame, vals []float64, i, of int, clr color.Color, dash []float64) {
	pc := f.plot()
	n := float64(max(len(vals), 1))
	bw := f.in.W / n
	base := f.in.Y + f.in.H
	if of == 1 {
		for k, v := range vals {
			y := f.Y(v)
			if math.IsNaN(y) {
				continue
			}
			pc.fillRect(Rect{f.X(float64(k)) + bw*0.1, y, math.Max(bw*0.8, 0.6), base - y}, clr)
		}
		return
	}
	xs := make([]float64, len(vals))
	for k := range xs {
		xs[k] = float64(k) + 0.5
	}
	f.series(xs, vals, 1.6, clr, dash...)
}

// drawNorms draws the Jacobian column norms per unit (neuron, parameter,
// coordinate), sorted, with the count of non-zero ones in the title.
func drawNorms(c *canvas, snap *app.Snapshot, p sim.Panel, r Rect, cols []color.RGBA) {
	norms := make([][]float64, len(snap.Runs))
	active := ""
	for i, rv := range snap.Runs {
		norms[i] = rv.Norms
		if i > 0 {
			active += " · "
		}
		active += fmt.Sprintf("%d", countPositive(rv.Norms))
	}
	title := p.Title
	switch {
	case p.Log:
	case len(snap.Runs) != 1 && r.W < 400:
		title = fmt.Sprintf("Active columns: %s", active)
	case len(snap.Runs) != 1:
		title = fmt.Sprintf("Column norms per %s, active: %s", p.Unit, active)
	case r.W < 400:
		title = fmt.Sprintf("Column norms: %s/%d active", active, len(norms[0]))
	default:
		title = fmt.Sprintf("%s: %s of %d active", p.Title, active, len(norms[0]))
	}
	if p.Log && r.W < 400 {
		title = "Column norms per " + p.Unit
	}
	drawSortedNorms(c, snap, r, cols, title, p.Unit+"s, sorted by norm", norms, p.Log)
}

func drawBeta(c *canvas, snap *app.Snapshot, r Rect, cols []color.RGBA) {
	var truth []float64
	if len(snap.Runs) > 0 {
		truth = snap.Runs[0].Truth
	}
	d := len(truth)
	lo, hi := 0.0, 0.0
	for _, v := range truth {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	for _, rv := range snap.Runs {
		for _, v := range rv.Coef {
			if !math.IsNaN(v) {
				lo, hi = math.Max(math.Min(lo, v), -2), math.Min(math.Max(hi, v), 2)
			}
		}
	}
	pad := 0.08 * math.Max(hi-lo, 0.1)
	title := "β = u·v (elementwise) against the truth β*"
	if len(snap.Runs) == 1 && len(snap.State.Runs) == 1 {
		title = fmt.Sprintf("β = u·v against the truth β*: %s non-zero coordinates", figure.FormatNumber(snap.State.L0))
	}
	lg := &legendPlan{entries: []figure.Entry{{Label: fmt.Sprintf("β* (%d-sparse truth)", countNonZero(truth)), Color: colSteel}}}
	if len(snap.Runs) == 1 {
		lg.entries = append(lg.entries, figure.Entry{Label: "β", Color: colRun, Mark: "dot"})
	} else {
		for i, rv := range snap.Runs {
			lg.entries = append(lg.entries, figure.Entry{Label: rv.Label, Color: cols[i], Mark: "dot"})
		}
	}
	offset := func(i int) float64 { return (float64(i) - float64(len(snap.Runs)-1)/2) * 0.3 }
	stem := func(x, v float64) {
		if v != 0 && !math.IsNaN(v) {
			lg.curves = append(lg.curves, [2][]float64{{x, x}, {0, v}})
		}
	}
	for k, v := range truth {
		stem(float64(k), v)
	}
	for i, rv := range snap.Runs {
		for k, v := range rv.Coef {
			stem(float64(k)+offset(i), v)
		}
	}
	f := newFrameLegend(c, r, title, "coordinate k", "β_k", -1, float64(max(d, 1)), lo-pad, hi+pad, false, nil, lg)
	zero := f.Y(0)
	for k, v := range truth {
		if v != 0 {
			f.stem(f.X(float64(k)), zero, f.Y(v), 3, colSteel)
		}
	}
	for i, rv := range snap.Runs {
		for k, v := range rv.Coef {
			y := f.Y(v)
			if math.IsNaN(y) {
				continue
			}
			x := f.X(float64(k) + offset(i))
			f.stem(x, zero, y, 1, cols[i])
			if math.Abs(v) > 1e-3 {
				f.dot(x, y, 2, cols[i])
			}
		}
	}
	f.drawLegend(lg.entries)
}

func drawStepSize(c *canvas, snap *app.Snapshot, r Rect, cols []color.RGBA) {
	var all [][]float64
	for _, rv := range snap.Runs {
		all = append(all, rv.Schedule)
	}
	lg := &legendPlan{}
	xss := make([][]float64, len(snap.Runs))
	for i, rv := range snap.Runs {
		xss[i] = make([]float64, len(rv.Schedule))
		for k := range xss[i] {
			xss[i][k] = float64(k * rv.Iters / max(len(xss[i])-1, 1))
		}
		lg.curves = append(lg.curves, [2][]float64{xss[i], rv.Schedule})
	}
	if len(snap.Runs) > 0 && len(snap.Runs[0].Decays) > 0 {
		lg.entries = append(lg.entries, figure.Entry{Label: "decay", Color: colDecay, Mark: "dash"})
	}
	lg.entries = append(lg.entries, figure.Entry{Label: "now", Color: colNow})
	f := seriesFrame(c, snap, r, "Step size η", "step size η", 0, figure.NiceMax(slices.Concat(all...), 1e-12), false, lg)
	dashes := runDashes(snap)
	for i, rv := range snap.Runs {
		f.series(xss[i], rv.Schedule, 1.6, cols[i], dashes[i]...)
	}
	f.drawLegend(lg.entries)
}

// drawHeader writes the status line and, when a run diverged or could not start, a
// banner with the reason.
func drawHeader(c *canvas, snap *app.Snapshot, w float64) {
	c.fillRect(Rect{0, 0, w, HeaderHeight}, colPage)
	st := snap.State
	status := "paused"
	if st.Running {
		status = "running"
	} else if st.Iter >= st.Iters && st.Iters > 0 {
		status = "finished"
	}
	// The figures and the numbers below are of the latest metric snapshot; between
	// two snapshots the line says which iteration that is.
	at := ""
	if st.MetricsIter != st.Iter {
		at = " (figures of " + figure.FormatNumber(float64(st.MetricsIter)) + ")"
	}
	line := fmt.Sprintf("%s · iteration %s / %s%s · η %s", st.Scenario, figure.FormatNumber(float64(st.Iter)), figure.FormatNumber(float64(st.Iters)), at, figure.FormatNumber(st.LR))
	for _, key := range snap.MetricKeys {
		d := sim.MustMetric(key)
		line += " · " + d.Label + " " + figure.FormatNumber(d.Shown(&st.Metrics))
		if d.Unit == "%" {
			line += " %"
		}
	}
	line += " · " + status
	if len(snap.Runs) > 1 {
		line = fmt.Sprintf("%s · %d runs compared · iteration %s / %s%s · %s", st.Scenario, len(snap.Runs),
			figure.FormatNumber(float64(st.Iter)), figure.FormatNumber(float64(st.Iters)), at, status)
	}
	if c.textWidth(line, 12) > w-16 {
		line = fmt.Sprintf("it %s%s · loss %s · rank %s · %s", figure.FormatNumber(float64(st.Iter)), at,
			figure.FormatNumber(st.TrainLoss), figure.FormatNumber(st.Rank), status)
	}
	c.text(line, 8, HeaderHeight/2, 12, alignLeftMiddle, colText, 0)
	if st.Error != "" {
		msg := st.Error
		bw := math.Min(w-16, c.textWidth(msg, 12)+24)
		box := Rect{(w - bw) / 2, HeaderHeight + 40, bw, 30}
		c.fillRect(box, colDangerBg)
		c.strokeRect(box, 1.5, colDanger)
		c.clip(box).text(msg, w/2, box.Y+15, 12, alignCenterMiddle, colDanger, 0)
	}
}
