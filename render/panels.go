//go:build js && wasm

package render

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"kinkscope/sim"
)

// runColors returns a color per run: the run's blue for one run; for compared runs
// the reference's blues from light to dark (small or early first), or blue against
// red for SGD against its SDE.
func runColors(snap *Snapshot) []color.Color {
	n := len(snap.Runs)
	if n <= 1 {
		return []color.Color{colRun}
	}
	if snap.CompareKey == "method" {
		out := []color.Color{colRun, colSDE, colSteel, colMidnight}
		return out[:n]
	}
	switch n {
	case 2:
		return []color.Color{colRunLight, colMidnight}
	case 3:
		return []color.Color{colRunLight, colBlue, colMidnight}
	}
	return []color.Color{colSteel, colRunLight, colBlue, colMidnight}
}

// drag is a data point being moved on the predictor plot.
type drag struct {
	index  int     // the point, or −1
	px, py float64 // where the pointer is, in CSS pixels
}

// drawPanels draws every panel of snap into the rectangles of the layout and
// returns the predictor plot's geometry (invalid for other models), for editing.
func drawPanels(c *canvas, snap *Snapshot, rects [numPanels]Rect, dr drag) PlotGeometry {
	cols := runColors(snap)
	var geom PlotGeometry
	switch {
	case snap.Model == sim.ModelDiagonal:
		drawBeta(c, snap, rects[PanelPredictor], cols)
		drawDiagNorms(c, snap, rects[PanelNorms], cols)
	case snap.Model == sim.ModelMLP:
		if snap.Dim == 1 {
			geom = drawPredictor(c, snap, rects[PanelPredictor], cols, dr)
		}
		drawParamNorms(c, snap, rects[PanelNorms], cols)
	default:
		geom = drawPredictor(c, snap, rects[PanelPredictor], cols, dr)
		drawNorms(c, snap, rects[PanelNorms], cols)
	}
	drawStepSize(c, snap, rects[PanelStepSize], cols)

	metric := func(f func(sim.Metrics) float64) [][]float64 {
		out := make([][]float64, len(snap.Runs))
		for i, rv := range snap.Runs {
			out[i] = make([]float64, len(rv.History))
			for j, m := range rv.History {
				out[i][j] = f(m)
			}
		}
		return out
	}
	iters := metric(func(m sim.Metrics) float64 { return float64(m.Iter) })
	curves := func(r Rect, title, ylabel string, ys [][]float64, logY bool) *frame {
		var f *frame
		if logY {
			lo, hi := LogRange(ys...)
			f = seriesFrame(c, snap, r, title, ylabel, lo, hi, true)
		} else {
			f = seriesFrame(c, snap, r, title, ylabel, 0, niceMax(slices.Concat(ys...), 10), false)
		}
		for i := range ys {
			f.series(iters[i], ys[i], 1.6, cols[i])
		}
		if len(ys) > 1 {
			for i, rv := range snap.Runs {
				f.legend(rv.Label, cols[i], "")
			}
		}
		return f
	}
	loss := metric(func(m sim.Metrics) float64 { return m.TrainLoss })
	rank := metric(func(m sim.Metrics) float64 { return m.Rank })
	if snap.Model == sim.ModelMLP {
		test := metric(func(m sim.Metrics) float64 { return m.TestLoss })
		fs1 := metric(func(m sim.Metrics) float64 { return 100 * m.FeatureSparsityL1 })
		fs2 := metric(func(m sim.Metrics) float64 { return 100 * m.FeatureSparsityL2 })
		if snap.Dim != 1 {
			// No predictor to draw in d ≥ 2: the test loss takes the big panel.
			curves(rects[PanelPredictor], fmt.Sprintf("Test loss (log scale), inputs on the unit sphere in %d dimensions", snap.Dim), "mean loss on 1,000 fresh samples", test, true)
			curves(rects[PanelLoss], "Train loss (log scale)", "mean loss on the data", loss, true)
			curves(rects[PanelRank], "Jacobian rank", "rank of φ on fresh points", rank, false)
			curves(rects[PanelSparsity], "Feature sparsity, layer 1 (%)", "non-zero distinct features (%)", fs1, false)
			curves(rects[PanelKinks], "Feature sparsity, layer 2 (%)", "non-zero distinct features (%)", fs2, false)
			return geom
		}
		curves(rects[PanelLoss], "Train loss (log scale)", "mean loss on the data", loss, true)
		curves(rects[PanelRank], "Test loss (log scale)", "mean loss on 1,000 fresh samples", test, true)
		curves(rects[PanelSparsity], "Jacobian rank", "rank of φ on fresh points", rank, false)
		if len(snap.Runs) > 1 {
			curves(rects[PanelKinks], "Feature sparsity, layer 2 (%)", "non-zero distinct features (%)", fs2, false)
			return geom
		}
		f := seriesFrame(c, snap, rects[PanelKinks], "Feature sparsity per layer (%)", "non-zero distinct features (%)", 0, niceMax(slices.Concat(fs1[0], fs2[0]), 10), false)
		f.series(iters[0], fs1[0], 1.4, colRunLight)
		f.series(iters[0], fs2[0], 1.6, colMidnight)
		f.legend("layer 1", colRunLight, "")
		f.legend("layer 2", colMidnight, "")
		return geom
	}
	if snap.Model == sim.ModelDiagonal {
		curves(rects[PanelLoss], "Train loss (log scale)", "mean loss on the data", loss, true)
		curves(rects[PanelRank], "Test loss (log scale)", "mean loss on 1,000 fresh samples", metric(func(m sim.Metrics) float64 { return m.TestLoss }), true)
		curves(rects[PanelSparsity], "Jacobian rank", "rank of φ on fresh points", rank, false)
		curves(rects[PanelKinks], "Non-zero coordinates of β", "coordinates with |β_k| > 1e-50", metric(func(m sim.Metrics) float64 { return m.L0 }), false)
		return geom
	}
	curves(rects[PanelLoss], "Train loss (log scale)", "mean loss on the data", loss, true)
	curves(rects[PanelRank], "Jacobian rank", "rank of φ on fresh points", rank, false)
	curves(rects[PanelSparsity], "Feature sparsity (%)", "non-zero distinct features (%)", metric(func(m sim.Metrics) float64 { return 100 * m.FeatureSparsity }), false)
	kinks := metric(func(m sim.Metrics) float64 { return m.Kinks })
	if len(snap.Runs) > 1 {
		curves(rects[PanelKinks], "Kinks in the data range", "visible kinks", kinks, false)
		return geom
	}
	raw := metric(func(m sim.Metrics) float64 { return m.RawKinks })
	f := seriesFrame(c, snap, rects[PanelKinks], "Kinks in the data range", "kinks", 0, niceMax(raw[0], 10), false)
	f.series(iters[0], raw[0], 1.2, colSteel)
	f.series(iters[0], kinks[0], 1.6, colRun)
	f.legend("visible", colRun, "")
	f.legend("single neurons", colSteel, "")
	return geom
}

// seriesFrame draws the axes of a metric against the iteration, with the decays
// dashed and the current iteration marked.
func seriesFrame(c *canvas, snap *Snapshot, r Rect, title, ylabel string, ylo, yhi float64, logY bool) *frame {
	f := newFrame(c, r, title, "iteration", ylabel, 0, float64(max(snap.Config.Iters, 1)), ylo, yhi, logY, nil)
	var decays []int
	for _, rv := range snap.Runs {
		decays = append(decays, rv.Decays...)
	}
	slices.Sort(decays)
	for _, d := range slices.Compact(decays) {
		f.vline(float64(d), colDecay)
	}
	x := f.X(float64(snap.State.Iter))
	f.plot().line(x, f.in.Y, x, f.in.Y+f.in.H, 1, colNow)
	return f
}

// niceMax returns an upper axis bound above the finite values of v (at least floor).
func niceMax(v []float64, floor float64) float64 {
	top := floor
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			top = math.Max(top, x)
		}
	}
	ticks := LinearTicks(0, top*1.05, 4)
	return math.Max(ticks[len(ticks)-1].Value, top*1.05)
}

func drawPredictor(c *canvas, snap *Snapshot, r Rect, cols []color.Color, dr drag) PlotGeometry {
	if len(snap.GridX) == 0 || len(snap.Runs) == 0 {
		newFrame(c, r, "Predictor h(x)", "x", "y", 0, 1, 0, 1, false, nil)
		return PlotGeometry{}
	}
	// The y range follows the data, widened to show the predictors unless they are
	// wild: a far-off initial predictor must not flatten the data into a line.
	dlo, dhi := math.Inf(1), math.Inf(-1)
	for _, y := range snap.DataY {
		dlo, dhi = math.Min(dlo, y), math.Max(dhi, y)
	}
	span := math.Max(dhi-dlo, 1)
	ylo, yhi := dlo, dhi
	for _, hs := range append([][]float64{snap.TeacherH}, gridHs(snap)...) {
		for _, h := range hs {
			if !math.IsNaN(h) {
				ylo = math.Max(math.Min(ylo, h), dlo-span)
				yhi = math.Min(math.Max(yhi, h), dhi+span)
			}
		}
	}
	pad := 0.08 * (yhi - ylo)
	ylo, yhi = ylo-pad, yhi+pad
	lead := snap.Runs[0]
	title := fmt.Sprintf("Predictor h(x): %d kinks (%d neurons' kinks in range)", lead.Kinks.Visible, lead.Kinks.Raw)
	if len(snap.Runs) > 1 {
		title = "Predictor h(x), kinks per run"
		for _, rv := range snap.Runs {
			title += fmt.Sprintf(" · %d", rv.Kinks.Visible)
		}
	} else if r.W < 420 {
		title = fmt.Sprintf("Predictor: %d kinks (%d raw)", lead.Kinks.Visible, lead.Kinks.Raw)
	}
	f := newFrame(c, r, title, "x", "y", snap.GridX[0], snap.GridX[len(snap.GridX)-1], ylo, yhi, false, nil)
	for _, p := range lead.Pieces {
		f.series(snap.GridX, p, 1, colPiece)
	}
	if snap.TeacherH != nil {
		f.series(snap.GridX, snap.TeacherH, 3, colTeacher)
		for _, k := range snap.TeacherKinks.Clusters {
			if k.Visible {
				f.plot().triangle(f.X(k.X), f.in.Y, 8, colTeacher) // teacher kinks hang from the top
			}
		}
	}
	for i, rv := range snap.Runs {
		f.series(snap.GridX, rv.GridH, 2, cols[i])
	}
	pc := f.plot()
	for i, x := range snap.DataX {
		if i == dr.index {
			pc.circle(dr.px, dr.py, 5, colNow) // being dragged
			continue
		}
		pc.circle(f.X(x), f.Y(snap.DataY[i]), 3.5, colData)
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
	f.legend("data", colData, "dot")
	if snap.TeacherH != nil {
		f.legend(fmt.Sprintf("teacher (%d kinks, top)", snap.TeacherKinks.Visible), colTeacher, "")
	}
	if len(snap.Runs) == 1 {
		f.legend("h(x)", colRun, "")
		f.legend("kink, sized by slope change", colMidnight, "triangle")
	} else {
		for i, rv := range snap.Runs {
			f.legend(rv.Label, cols[i], "")
		}
	}
	if snap.View.Pieces {
		f.legend("neurons a·ReLU(wx+b)", colPiece, "")
	}
	return PlotGeometry{In: f.in, XLo: f.xlo, XHi: f.xhi, YLo: f.ylo, YHi: f.yhi, Valid: true}
}

// gridHs returns every run's predictor on the grid.
func gridHs(snap *Snapshot) [][]float64 {
	out := make([][]float64, len(snap.Runs))
	for i, rv := range snap.Runs {
		out[i] = rv.GridH
	}
	return out
}

// drawParamNorms draws the sorted Jacobian column norms of every parameter of a
// deep network, on a log axis.
func drawParamNorms(c *canvas, snap *Snapshot, r Rect, cols []color.Color) {
	norms := make([][]float64, len(snap.Runs))
	for i, rv := range snap.Runs {
		norms[i] = rv.Norms
	}
	drawSortedNorms(c, snap, r, cols, "Jacobian column norms per parameter", "parameters, sorted by norm", norms, true)
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
func drawSortedNorms(c *canvas, snap *Snapshot, r Rect, cols []color.Color, title, xlabel string, norms [][]float64, always bool) {
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
		bars(f, v, i, len(all), clr)
	}
}

// normFrame draws the axes for sorted column norms.
func normFrame(c *canvas, snap *Snapshot, r Rect, title, xlabel string, n int, all [][]float64) *frame {
	ylabel := "column norm of φ"
	if snap.View.LogBar {
		lo, hi := LogRange(all...)
		lo = math.Max(lo, hi*1e-6)
		return newFrame(c, r, title+" (log)", xlabel, ylabel, 0, float64(max(n, 1)), lo, hi, true, nil)
	}
	return newFrame(c, r, title, xlabel, ylabel, 0, float64(max(n, 1)), 0, niceMax(slices.Concat(all...), 1e-9), false, nil)
}

// bars draws sorted values as bars (one run) or as a step line (compared runs).
func bars(f *frame, vals []float64, i, of int, clr color.Color) {
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
	f.series(xs, vals, 1.6, clr)
}

func drawNorms(c *canvas, snap *Snapshot, r Rect, cols []color.Color) {
	norms := make([][]float64, len(snap.Runs))
	title := ""
	for i, rv := range snap.Runs {
		norms[i] = rv.Norms
		if i > 0 {
			title += " · "
		}
		title += fmt.Sprintf("%d", countPositive(rv.Norms))
	}
	switch {
	case len(snap.Runs) != 1:
		title = "Column norms per neuron, active: " + title
	case r.W < 400:
		title = fmt.Sprintf("Column norms: %s/%d active", title, len(norms[0]))
	default:
		title = fmt.Sprintf("Jacobian column norms per neuron: %s of %d active", title, len(norms[0]))
	}
	drawSortedNorms(c, snap, r, cols, title, "neurons, sorted by norm", norms, false)
}

// drawDiagNorms draws ‖φ_{:,u_k}‖ and ‖φ_{:,v_k}‖ together per coordinate: the noise
// drives both to zero off the support, over many decades, so always on a log axis.
func drawDiagNorms(c *canvas, snap *Snapshot, r Rect, cols []color.Color) {
	norms := make([][]float64, len(snap.Runs))
	for i, rv := range snap.Runs {
		norms[i] = make([]float64, len(rv.NormsU))
		for j := range norms[i] {
			norms[i][j] = math.Hypot(rv.NormsU[j], rv.NormsV[j])
		}
	}
	title := "Column norms per coordinate k (u_k and v_k together)"
	if r.W < 400 {
		title = "Column norms per coordinate"
	}
	drawSortedNorms(c, snap, r, cols, title, "coordinates k, sorted by norm", norms, true)
}

func drawBeta(c *canvas, snap *Snapshot, r Rect, cols []color.Color) {
	d := len(snap.BetaStar)
	lo, hi := 0.0, 0.0
	for _, v := range snap.BetaStar {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	for _, rv := range snap.Runs {
		for _, v := range rv.Beta {
			if !math.IsNaN(v) {
				lo, hi = math.Max(math.Min(lo, v), -2), math.Min(math.Max(hi, v), 2)
			}
		}
	}
	pad := 0.08 * math.Max(hi-lo, 0.1)
	title := "β = u·v (elementwise) against the truth β*"
	if len(snap.Runs) == 1 && len(snap.State.Runs) == 1 {
		title = fmt.Sprintf("β = u·v against the truth β*: %s non-zero coordinates", FormatNumber(snap.State.L0))
	}
	f := newFrame(c, r, title, "coordinate k", "β_k", -1, float64(max(d, 1)), lo-pad, hi+pad, false, nil)
	pc := f.plot()
	zero := f.Y(0)
	for k, v := range snap.BetaStar {
		if v != 0 {
			x := f.X(float64(k))
			pc.line(x, zero, x, f.Y(v), 3, colSteel)
		}
	}
	for i, rv := range snap.Runs {
		off := (float64(i) - float64(len(snap.Runs)-1)/2) * 0.3
		for k, v := range rv.Beta {
			y := f.Y(v)
			if math.IsNaN(y) {
				continue
			}
			x := f.X(float64(k) + off)
			pc.line(x, zero, x, y, 1, cols[i])
			if math.Abs(v) > 1e-3 {
				pc.circle(x, y, 2, cols[i])
			}
		}
	}
	f.legend(fmt.Sprintf("β* (%d-sparse truth)", snap.Config.Support), colSteel, "")
	if len(snap.Runs) == 1 {
		f.legend("β", colRun, "dot")
	} else {
		for i, rv := range snap.Runs {
			f.legend(rv.Label, cols[i], "dot")
		}
	}
}

func drawStepSize(c *canvas, snap *Snapshot, r Rect, cols []color.Color) {
	var all [][]float64
	for _, rv := range snap.Runs {
		all = append(all, rv.Schedule)
	}
	f := seriesFrame(c, snap, r, "Step size η", "step size η", 0, niceMax(slices.Concat(all...), 1e-12), false)
	for i, rv := range snap.Runs {
		xs := make([]float64, len(rv.Schedule))
		for k := range xs {
			xs[k] = float64(k * rv.Iters / max(len(xs)-1, 1))
		}
		f.series(xs, rv.Schedule, 1.6, cols[i])
	}
	if len(snap.Runs) > 0 && len(snap.Runs[0].Decays) > 0 {
		f.legend("decay", colDecay, "dash")
	}
	f.legend("now", colNow, "")
}

// drawHeader writes the status line and, when a run diverged or could not start, a
// banner with the reason.
func drawHeader(c *canvas, snap *Snapshot, w float64) {
	c.fillRect(Rect{0, 0, w, HeaderHeight}, colPage)
	st := snap.State
	status := "paused"
	if st.Running {
		status = "running"
	} else if st.Iter >= st.Iters && st.Iters > 0 {
		status = "finished"
	}
	var line string
	if snap.Model == sim.ModelMLP {
		line = fmt.Sprintf("%s · iteration %s / %s · η %s · train %s · test %s · rank %s · sparsity %s %%",
			st.Scenario, FormatNumber(float64(st.Iter)), FormatNumber(float64(st.Iters)), FormatNumber(st.LR),
			FormatNumber(st.TrainLoss), FormatNumber(st.TestLoss), FormatNumber(st.Rank), FormatNumber(100*st.FeatureSparsity))
		if snap.Dim == 1 {
			line += " · kinks " + FormatNumber(st.Kinks)
		}
		line += " · " + status
	} else if snap.Model == sim.ModelDiagonal {
		line = fmt.Sprintf("%s · iteration %s / %s · η %s · train %s · test %s · rank %s · non-zeros of β %s · %s",
			st.Scenario, FormatNumber(float64(st.Iter)), FormatNumber(float64(st.Iters)), FormatNumber(st.LR),
			FormatNumber(st.TrainLoss), FormatNumber(st.TestLoss), FormatNumber(st.Rank), FormatNumber(st.L0), status)
	} else {
		line = fmt.Sprintf("%s · iteration %s / %s · η %s · loss %s · rank %s · sparsity %s %% · kinks %s · %s",
			st.Scenario, FormatNumber(float64(st.Iter)), FormatNumber(float64(st.Iters)), FormatNumber(st.LR),
			FormatNumber(st.TrainLoss), FormatNumber(st.Rank), FormatNumber(100*st.FeatureSparsity), FormatNumber(st.Kinks), status)
	}
	if len(snap.Runs) > 1 {
		line = fmt.Sprintf("%s · %d runs compared · iteration %s / %s · %s", st.Scenario, len(snap.Runs),
			FormatNumber(float64(st.Iter)), FormatNumber(float64(st.Iters)), status)
	}
	if c.textWidth(line, 12) > w-16 {
		line = fmt.Sprintf("it %s · loss %s · rank %s · %s", FormatNumber(float64(st.Iter)),
			FormatNumber(st.TrainLoss), FormatNumber(st.Rank), status)
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
