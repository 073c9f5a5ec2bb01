//go:build js && wasm

package render

import (
	"fmt"
	"math"
	"slices"

	"kinkscope/sim"
)

// drawPanels draws every panel of snap into the rectangles of the layout.
func drawPanels(c *canvas, snap *Snapshot, rects [numPanels]Rect) {
	drawPredictor(c, snap, rects[PanelPredictor])
	drawNorms(c, snap, rects[PanelNorms])
	drawStepSize(c, snap, rects[PanelStepSize])
	hist := snap.History
	iters := make([]float64, len(hist))
	for i, m := range hist {
		iters[i] = float64(m.Iter)
	}
	pick := func(f func(sim.Metrics) float64) []float64 {
		out := make([]float64, len(hist))
		for i, m := range hist {
			out[i] = f(m)
		}
		return out
	}
	loss := pick(func(m sim.Metrics) float64 { return m.TrainLoss })
	lo, hi := LogRange(loss)
	f := seriesFrame(c, snap, rects[PanelLoss], "Train loss (log scale)", "mean loss on the data", lo, hi, true)
	f.series(iters, loss, 1.6, colRun)

	rank := pick(func(m sim.Metrics) float64 { return m.Rank })
	f = seriesFrame(c, snap, rects[PanelRank], "Jacobian rank", "rank of φ on fresh points", 0, niceMax(rank, 10), false)
	f.series(iters, rank, 1.6, colRun)

	fs := pick(func(m sim.Metrics) float64 { return 100 * m.FeatureSparsity })
	f = seriesFrame(c, snap, rects[PanelSparsity], "Feature sparsity (%)", "non-zero distinct features (%)", 0, niceMax(fs, 10), false)
	f.series(iters, fs, 1.6, colRun)

	kinks := pick(func(m sim.Metrics) float64 { return m.Kinks })
	raw := pick(func(m sim.Metrics) float64 { return m.RawKinks })
	f = seriesFrame(c, snap, rects[PanelKinks], "Kinks in the data range", "kinks", 0, niceMax(raw, 10), false)
	f.series(iters, raw, 1.2, colSteel)
	f.series(iters, kinks, 1.6, colRun)
	f.legend("visible", colRun, "")
	f.legend("single neurons", colSteel, "")
}

// seriesFrame draws the axes of a metric against the iteration, with the decays
// dashed and the current iteration marked.
func seriesFrame(c *canvas, snap *Snapshot, r Rect, title, ylabel string, ylo, yhi float64, logY bool) *frame {
	f := newFrame(c, r, title, "iteration", ylabel, 0, float64(max(snap.Config.Iters, 1)), ylo, yhi, logY, nil)
	for _, d := range snap.Decays {
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

func drawPredictor(c *canvas, snap *Snapshot, r Rect) {
	if len(snap.GridX) == 0 {
		newFrame(c, r, "Predictor h(x)", "x", "y", 0, 1, 0, 1, false, nil)
		return
	}
	// The y range follows the data, widened to show the predictor unless it is wild:
	// a far-off initial predictor must not flatten the data into a line.
	dlo, dhi := math.Inf(1), math.Inf(-1)
	for _, y := range snap.DataY {
		dlo, dhi = math.Min(dlo, y), math.Max(dhi, y)
	}
	span := math.Max(dhi-dlo, 1)
	ylo, yhi := dlo, dhi
	for _, h := range snap.GridH {
		if !math.IsNaN(h) {
			ylo = math.Max(math.Min(ylo, h), dlo-span)
			yhi = math.Min(math.Max(yhi, h), dhi+span)
		}
	}
	pad := 0.08 * (yhi - ylo)
	ylo, yhi = ylo-pad, yhi+pad
	title := fmt.Sprintf("Predictor h(x): %d kinks (%d neurons' kinks in range)", snap.Kinks.Visible, snap.Kinks.Raw)
	if r.W < 420 {
		title = fmt.Sprintf("Predictor: %d kinks (%d raw)", snap.Kinks.Visible, snap.Kinks.Raw)
	}
	f := newFrame(c, r, title, "x", "y", snap.GridX[0], snap.GridX[len(snap.GridX)-1], ylo, yhi, false, nil)
	for _, p := range snap.Pieces {
		f.series(snap.GridX, p, 1, colPiece)
	}
	f.series(snap.GridX, snap.GridH, 2, colRun)
	pc := f.plot()
	for i, x := range snap.DataX {
		pc.circle(f.X(x), f.Y(snap.DataY[i]), 3.5, colData)
	}
	// Kinks as triangles on the x axis, sized by their slope change.
	largest := 0.0
	for _, k := range snap.Kinks.Clusters {
		largest = math.Max(largest, math.Abs(k.SlopeChange))
	}
	base := f.in.Y + f.in.H
	for _, k := range snap.Kinks.Clusters {
		if !k.Visible {
			pc.triangle(f.X(k.X), base-5, 5, colSteel)
		}
	}
	for _, k := range snap.Kinks.Clusters {
		if k.Visible {
			h := 6 + 10*math.Sqrt(math.Abs(k.SlopeChange)/largest)
			pc.triangle(f.X(k.X), base-h, h, colMidnight)
		}
	}
	f.legend("data", colData, "dot")
	f.legend("h(x)", colRun, "")
	f.legend("kink, sized by slope change", colMidnight, "triangle")
	if snap.View.Pieces {
		f.legend("neurons a·ReLU(wx+b)", colPiece, "")
	}
}

func drawNorms(c *canvas, snap *Snapshot, r Rect) {
	norms := slices.Clone(snap.Norms)
	slices.SortFunc(norms, func(a, b float64) int {
		switch {
		case a > b:
			return -1
		case a < b:
			return 1
		}
		return 0
	})
	n := float64(max(len(norms), 1))
	alive := 0
	for _, v := range norms {
		if v > 0 {
			alive++
		}
	}
	ylabel := "norm of the neuron's φ columns"
	title := fmt.Sprintf("Jacobian column norms per neuron: %d of %d active", alive, len(norms))
	if r.W < 400 {
		title = fmt.Sprintf("Column norms: %d/%d active", alive, len(norms))
	}
	var f *frame
	if snap.View.LogBar {
		lo, hi := LogRange(norms)
		lo = math.Max(lo, hi*1e-6)
		f = newFrame(c, r, title+" (log)", "neurons, sorted by norm", ylabel, 0, n, lo, hi, true, nil)
	} else {
		f = newFrame(c, r, title, "neurons, sorted by norm", ylabel, 0, n, 0, niceMax(norms, 1e-9), false, nil)
	}
	pc := f.plot()
	bw := f.in.W / n
	base := f.in.Y + f.in.H
	for i, v := range norms {
		y := f.Y(v)
		if math.IsNaN(y) {
			continue
		}
		pc.fillRect(Rect{f.X(float64(i)) + bw*0.1, y, math.Max(bw*0.8, 0.6), base - y}, colRunLight)
	}
}

func drawStepSize(c *canvas, snap *Snapshot, r Rect) {
	xs := make([]float64, len(snap.Schedule))
	for i := range xs {
		xs[i] = float64(i * snap.Config.Iters / max(len(xs)-1, 1))
	}
	f := seriesFrame(c, snap, r, "Step size η", "step size η", 0, niceMax(snap.Schedule, 1e-12), false)
	f.series(xs, snap.Schedule, 1.6, colRun)
	if len(snap.Decays) > 0 {
		f.legend("decay", colDecay, "dash")
	}
	f.legend("now", colNow, "")
}

// drawHeader writes the status line and, when the run diverged or could not start, a
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
	line := fmt.Sprintf("%s · iteration %s / %s · η %s · loss %s · rank %s · sparsity %s %% · kinks %s · %s",
		st.Scenario, FormatNumber(float64(st.Iter)), FormatNumber(float64(st.Iters)), FormatNumber(st.LR),
		FormatNumber(st.TrainLoss), FormatNumber(st.Rank), FormatNumber(100*st.FeatureSparsity), FormatNumber(st.Kinks), status)
	if c.textWidth(line, 12) > w-16 {
		line = fmt.Sprintf("it %s · loss %s · rank %s · kinks %s · %s", FormatNumber(float64(st.Iter)),
			FormatNumber(st.TrainLoss), FormatNumber(st.Rank), FormatNumber(st.Kinks), status)
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
