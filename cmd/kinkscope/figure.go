package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"kinkscope/render/figure"
	"kinkscope/sim"
)

// Figure geometry: four panels in a 2×2 grid (six in 2×3 for the mlp, each column
// as wide) under a two-line header.
const (
	figureWidth  = 12 * vg.Inch
	figureHeight = 9 * vg.Inch
	figureDPI    = 110
	headerHeight = 0.7 * vg.Inch
)

// figureSize returns the width and height of a figure whose widest row has cols
// panels: each column as wide as in the 2×2 figure.
func figureSize(cols int) (vg.Length, vg.Length) {
	return figureWidth * vg.Length(max(cols, 2)) / 2, figureHeight
}

// figureCols returns the number of panels of the figure's widest row.
func figureCols(v sim.Views) int {
	n := 0
	for _, row := range v.Figure {
		n = max(n, len(row))
	}
	return n
}

// writeFigure draws the figure of run r in format "png" or "svg".
func writeFigure(w io.Writer, format string, r *sim.Run) error {
	switch format {
	case "png":
		width, height := figureSize(figureCols(r.Views()))
		c := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(figureDPI))
		drawFigure(draw.New(c), r)
		_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
		return err
	case "svg":
		c := vgsvg.New(figureSize(figureCols(r.Views())))
		drawFigure(draw.New(c), r)
		_, err := c.WriteTo(w)
		return err
	}
	return fmt.Errorf("unknown figure format %q", format)
}

// drawFigure draws the header and the panels the run's model offers for the figure
// (sim.Views.Figure): after the reference, for a ReLU net train loss, final
// predictor, Jacobian rank and feature sparsity; for a diagonal net train loss, test
// loss, Jacobian rank and ‖β‖₀; for the mlp train loss, test loss, the final
// predictor against the teacher (1D) or the test predictions against the teacher's
// labels, Jacobian rank and the feature sparsity of hidden layers 1 and 2.
func drawFigure(dc draw.Canvas, r *sim.Run) {
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())

	cfg := r.Config()
	curve, ok := figure.ScenarioColor(cfg.Scenario)
	if !ok || cfg.Method == sim.MethodSDE {
		curve = figure.MediumBlue
	}
	views := r.Views()
	pic := r.Picture(sim.PictureOptions{GridPoints: predictorPoints, GridMargin: predictorMargin, Fit: true})
	series := []figure.RunHistory{{Rows: r.History().Rows(), Color: curve}}
	sched := r.Schedule()
	decays := sched.DecayIters()
	legend := decayLabel(cfg.Decays)
	var plots [][]*plot.Plot
	for _, row := range views.Figure {
		var ps []*plot.Plot
		for _, p := range row {
			if p.Kind == sim.PanelStepSize {
				ps = append(ps, stepSizePanel(r, decays, curve))
				continue
			}
			ps = append(ps, figurePanel(p, series, decays, &legend, &pic, curve))
		}
		plots = append(plots, ps)
	}

	header := plot.New().Title.TextStyle
	header.Font.Size = vg.Points(15)
	line1, line2, alert := headerText(r, views)
	dc.FillText(header, vg.Point{X: dc.Center().X, Y: dc.Max.Y - headerHeight/8}, line1)
	if alert {
		header.Color = figure.Alert
	}
	dc.FillText(header, vg.Point{X: dc.Center().X, Y: dc.Max.Y - headerHeight/2}, line2)
	drawTiles(dc, plots)
}

// drawTiles draws the panels in a grid under the header.
func drawTiles(dc draw.Canvas, plots [][]*plot.Plot) {
	body := draw.Crop(dc, 0, 0, 0, -headerHeight)
	tiles := draw.Tiles{Rows: len(plots), Cols: len(plots[0]),
		PadX: 0.45 * vg.Inch, PadY: 0.35 * vg.Inch,
		PadLeft: 0.15 * vg.Inch, PadRight: 0.3 * vg.Inch, PadBottom: 0.1 * vg.Inch, PadTop: 0.05 * vg.Inch}
	canvases := plot.Align(plots, tiles, body)
	for i := range plots {
		for j, p := range plots[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
}

// figurePanel draws one panel by its kind. The first panel of metrics gets the
// decay legend (then *legend is cleared).
func figurePanel(p sim.Panel, runs []figure.RunHistory, decays []int, legend *string, pic *sim.Picture, curve color.Color) *plot.Plot {
	switch p.Kind {
	case sim.PanelMetrics:
		pl := metricsPanel(p, runs, decays, *legend)
		*legend = ""
		return pl
	case sim.PanelPredictor:
		return predictorPanel(pic, curve)
	case sim.PanelFit:
		return testFitPanel(pic, curve)
	case sim.PanelActivations:
		return activationsPanel(p, pic)
	case sim.PanelDigits:
		return digitsPanel(p, pic)
	}
	pl := plot.New()
	pl.Title.Text = p.Title
	return pl
}

// metricsPanel paints a panel of metrics as render/figure describes it, with
// legend as the decay lines' legend entry (none when "").
func metricsPanel(p sim.Panel, runs []figure.RunHistory, decays []int, legend string) *plot.Plot {
	lastIter := 0
	for _, r := range runs {
		if len(r.Rows) > 0 {
			lastIter = max(lastIter, r.Rows[len(r.Rows)-1].Iter)
		}
	}
	return plotOf(figure.MetricsPlot(p, runs, lastIter, decays, math.NaN()), legend)
}

// plotOf paints a figure.Plot with gonum/plot. A log axis plots log₁₀ y on a linear
// axis, ticked at whole decades (see addCurve and decadeTicks).
func plotOf(fp figure.Plot, decayLegend string) *plot.Plot {
	var decays []int
	for _, x := range fp.VLines {
		decays = append(decays, int(x))
	}
	pl := curvePanel(fp.Title, fp.YLabel, int(fp.X.Hi), decays, decayLegend)
	pl.X.Label.Text = fp.XLabel
	var curves []plotter.XYs
	for _, s := range fp.Series {
		curves = append(curves, addCurve(pl, s.X, s.Y, s.Color, fp.Y.Log, s.Dash...)...)
	}
	for _, e := range fp.Legend {
		addLegendLine(pl, e.Label, e.Color, e.Dash...)
	}
	pl.Add(legendPlacer{curves: curves})
	if fp.Y.Log {
		pl.Y.Min, pl.Y.Max = math.Log10(fp.Y.Lo), math.Log10(fp.Y.Hi)
		pl.Y.Tick.Marker = decadeTicks{}
	} else {
		pl.Y.Min, pl.Y.Max = fp.Y.Lo, fp.Y.Hi
		pl.Y.Tick.Marker = niceTicks{}
	}
	return pl
}

// stepSizePanel draws the run's step-size schedule at every iteration.
func stepSizePanel(r *sim.Run, decays []int, c color.Color) *plot.Plot {
	cfg := r.Config()
	sched := r.Schedule()
	n := min(cfg.Iters, 2000)
	xs, ys := make([]float64, n), make([]float64, n)
	top := 0.0
	for i := range xs {
		it := min(cfg.Iters-1, i*cfg.Iters/max(n-1, 1))
		xs[i], ys[i] = float64(it), sched.At(it)
		top = max(top, ys[i])
	}
	pl := curvePanel("Step size η", "step size η", cfg.Iters, decays, "")
	addCurve(pl, xs, ys, c, false)
	pl.Y.Min, pl.Y.Max = 0, figure.NiceMax(ys, top*1e-9)
	pl.Y.Tick.Marker = niceTicks{}
	return pl
}

// headerText describes the run in two lines, the settings and the outcome, and
// reports whether it diverged.
func headerText(r *sim.Run, views sim.Views) (settings, outcome string, diverged bool) {
	cfg := r.Config()
	sched := r.Schedule()
	step := fmt.Sprintf("step size %.3g", sched.At(0))
	if peak := sched.Peak(); peak != sched.At(0) {
		step += fmt.Sprintf(" → peak %.3g", peak)
	}
	settings = strings.Join([]string{
		cfg.Scenario,
		fmt.Sprintf("seed %d", cfg.Seed),
		views.Caption,
		methodText(cfg),
		step,
		fmt.Sprintf("N = %d", cfg.Iters),
	}, " · ")
	if err := r.Err(); err != nil {
		return settings, err.Error(), true
	}
	return settings, fmt.Sprintf("after %d iterations: %s", r.Iter(), metricsSentence(r, " · ", 3)), false
}

// methodText names the optimizer with what sets its noise: the batch of SGD, δ of
// the SDE.
func methodText(cfg sim.Config) string {
	switch cfg.Method {
	case sim.MethodGD:
		return "gd (full batch)"
	case sim.MethodSDE:
		if cfg.SDEDelta >= 0 {
			return fmt.Sprintf("sde, δ = %g", cfg.SDEDelta)
		}
		if cfg.Batch > 1 {
			return fmt.Sprintf("sde, δ matched to batch %d", cfg.Batch)
		}
		return "sde, δ matched"
	}
	return fmt.Sprintf("%s, batch %d", cfg.Method, cfg.Batch)
}

// plural writes n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func decayLabel(ds []sim.Decay) string {
	if len(ds) == 0 {
		return ""
	}
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = "÷" + formatFloat(d.Factor)
	}
	return "step decay " + strings.Join(parts, ", ")
}

// curvePanel returns an empty panel over iterations [0, lastIter] with a dashed
// vertical line at each decay, in the legend as legend when that is not empty.
func curvePanel(title, ylabel string, lastIter int, decays []int, legend string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "iteration"
	p.Y.Label.Text = ylabel
	p.X.Min, p.X.Max = 0, float64(max(lastIter, 1))
	p.X.Tick.Marker = niceTicks{}
	p.Add(lightGrid())
	v := vlines{style: draw.LineStyle{Color: figure.Decay, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}}
	for _, it := range decays {
		v.xs = append(v.xs, float64(it))
	}
	p.Add(v)
	if legend != "" && len(decays) > 0 {
		p.Legend.Add(legend, v)
		p.Legend.Top = true
	}
	return p
}

// lightGrid returns grid lines fainter than gonum's default, so that a curve in the
// reference's lightest color (light steel blue) stands out even where it runs along
// a grid line, as a constant rank of 200 does.
func lightGrid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Vertical.Color, g.Horizontal.Color = figure.Grid, figure.Grid
	return g
}

// addCurve adds the usable points (xs[i], ys[i]) as a line, broken where a value is
// missing, and returns the pieces as plotted. On a log panel it plots log₁₀ y and
// skips values that are not positive.
func addCurve(p *plot.Plot, xs, ys []float64, c color.Color, logY bool, dash ...float64) []plotter.XYs {
	segs := segments(xs, ys, logY)
	for _, seg := range segs {
		if logY {
			for i := range seg {
				seg[i].Y = math.Log10(seg[i].Y)
			}
		}
		l, err := plotter.NewLine(seg)
		if err != nil {
			continue // segments holds finite values only
		}
		l.Color = c
		l.Width = vg.Points(1.3)
		for _, d := range dash {
			l.Dashes = append(l.Dashes, vg.Points(d))
		}
		p.Add(l)
	}
	return segs
}

// segments splits the points into runs of usable values: finite, and positive for
// a log axis.
func segments(xs, ys []float64, logY bool) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	for i := range xs {
		if usable(ys[i], logY) && usable(xs[i], false) {
			cur = append(cur, plotter.XY{X: xs[i], Y: ys[i]})
			continue
		}
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func usable(v float64, logY bool) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && (!logY || v > 0)
}

// decadeTicks marks an axis of log₁₀ values: labeled ticks at whole decades, with
// minor ticks at 2…9 times each. Over more than ten decades only every other decade
// (or fewer) is labeled and minor ticks go; over more than thirty, unlabeled
// decades go too.
type decadeTicks struct{}

func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	every := max(1, int(math.Ceil((hi-lo)/10)))
	var ticks []plot.Tick
	for k := math.Floor(lo); k <= math.Ceil(hi); k++ {
		if k >= lo && k <= hi {
			switch {
			case int(k)%every == 0:
				ticks = append(ticks, plot.Tick{Value: k, Label: pow10Label(int(k))})
			case hi-lo <= 30:
				ticks = append(ticks, plot.Tick{Value: k})
			}
		}
		if every > 1 {
			continue
		}
		for d := 2.0; d <= 9; d++ {
			if v := k + math.Log10(d); v >= lo && v <= hi {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	return ticks
}

// pow10Label writes 10^k as people read it on an axis: plain decimals near 1, and
// e-notation beyond (the embedded fonts lack a superscript minus).
func pow10Label(k int) string {
	if k >= -3 && k <= 3 {
		return strconv.FormatFloat(math.Pow10(k), 'f', -1, 64)
	}
	return "1e" + strconv.Itoa(k)
}

// niceTicks labels about five round values (1, 2 or 5 times a power of ten) with as
// few digits as they need, and puts minor ticks between them.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: formatTick(lo)}}
	}
	raw := (hi - lo) / 5
	mag := math.Pow10(int(math.Floor(math.Log10(raw))))
	step := 10 * mag
	for _, f := range []float64{1, 2, 5} {
		if f*mag >= raw {
			step = f * mag
			break
		}
	}
	minor := step / 5
	if step/mag == 2 {
		minor = step / 4
	}
	var ticks []plot.Tick
	for i := math.Ceil(lo / minor); i*minor <= hi+1e-9*step; i++ {
		v := i * minor
		t := plot.Tick{Value: v}
		if r := math.Round(v / step); math.Abs(v/step-r) < 1e-9 {
			t.Value = r * step
			t.Label = formatTick(t.Value)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

func formatTick(v float64) string {
	if v == 0 {
		return "0" // not "-0"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// predictorPanel draws the final predictor on the grid, the data as black dots and
// each visible kink as a triangle on the x axis; for the mlp also the teacher, dashed,
// with its visible kinks as grey triangles pointing down just above the predictor's,
// so that a kink the student shares with the teacher reads as ▼ over ▲.
func predictorPanel(pic *sim.Picture, c color.Color) *plot.Plot {
	ks := pic.Kinks
	teacher := pic.Teacher != nil
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Final predictor: %s (%s)", plural(ks.Visible, "kink"), plural(ks.Raw, "single-neuron kink"))
	if teacher {
		p.Title.Text = fmt.Sprintf("Final predictor: %s, teacher %d", plural(ks.Visible, "kink"), pic.TeacherKinks.Visible)
	}
	p.X.Label.Text = "x"
	p.Y.Label.Text = "h(x)"
	p.Add(lightGrid())

	grid, hs, ts := pic.X, pic.H, pic.Teacher
	curves := [][]float64{hs, pic.DataY}
	if teacher {
		curves = append(curves, ts)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, ys := range curves {
		for _, y := range ys {
			if usable(y, false) {
				lo, hi = min(lo, y), max(hi, y)
			}
		}
	}
	if lo > hi {
		lo, hi = -1, 1
	}
	span := max(hi-lo, 1e-9)
	// Room below for the kink marks, above for the legend.
	p.Y.Min, p.Y.Max = lo-0.12*span, hi+0.3*span
	if teacher {
		// Two rows of marks, and a legend of five entries.
		p.Y.Min, p.Y.Max = lo-0.22*span, hi+0.4*span
		p.Legend.Left = higherOnRight(grid, hs)
	}
	p.X.Min, p.X.Max = grid[0], grid[len(grid)-1]
	p.X.Tick.Marker, p.Y.Tick.Marker = niceTicks{}, niceTicks{}

	if teacher {
		for i, seg := range segments(grid, ts, false) {
			l, err := plotter.NewLine(seg)
			if err != nil {
				continue
			}
			l.Color = figure.Teacher
			l.Width = vg.Points(1.3)
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(l)
			if i == 0 {
				p.Legend.Add("teacher", l)
			}
		}
	}
	for i, seg := range segments(grid, hs, false) {
		l, err := plotter.NewLine(seg)
		if err != nil {
			continue
		}
		l.Color = c
		l.Width = vg.Points(1.5)
		p.Add(l)
		if i == 0 {
			p.Legend.Add("predictor", l)
		}
	}
	pts := make(plotter.XYs, 0, len(pic.DataX))
	for i, x := range pic.DataX {
		pts = append(pts, plotter.XY{X: x, Y: pic.DataY[i]})
	}
	if s, err := plotter.NewScatter(pts); err == nil {
		radius := vg.Points(3.5)
		if len(pts) > 20 {
			radius = vg.Points(2.5)
		}
		s.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: radius, Shape: draw.CircleGlyph{}}
		p.Add(s)
		p.Legend.Add("data", s)
	}
	marks := axisMarks{glyph: draw.GlyphStyle{Color: figure.Kink, Radius: vg.Points(4.5), Shape: draw.PyramidGlyph{}}}
	for _, k := range ks.Clusters {
		if k.Visible {
			marks.xs = append(marks.xs, k.X)
		}
	}
	if len(marks.xs) > 0 {
		p.Add(marks)
		p.Legend.Add("kink", marks)
	}
	if teacher {
		tm := axisMarks{row: 1, glyph: draw.GlyphStyle{Color: figure.Teacher, Radius: vg.Points(4.5), Shape: downTriangle{}}}
		for _, k := range pic.TeacherKinks.Clusters {
			if k.Visible {
				tm.xs = append(tm.xs, k.X)
			}
		}
		if len(tm.xs) > 0 {
			p.Add(tm)
			p.Legend.Add("teacher kink", tm)
		}
	}
	p.Legend.Top = true
	return p
}

// higherOnRight reports whether the curve (xs, ys) reaches higher over the right
// third of its range than over the left third: then a legend at the top fits better
// on the left.
func higherOnRight(xs, ys []float64) bool {
	left, right := math.Inf(-1), math.Inf(-1)
	n := len(xs)
	for i, y := range ys {
		if !usable(y, false) {
			continue
		}
		switch {
		case i < n/3:
			left = max(left, y)
		case i >= n-n/3:
			right = max(right, y)
		}
	}
	return right > left
}

// testFitPanel draws the final predictions on the test inputs against the teacher's
// labels, with the diagonal h = y of a perfect fit: the view of the fit when the
// inputs have more than one dimension.
func testFitPanel(pic *sim.Picture, c color.Color) *plot.Plot {
	p := plot.New()
	p.Title.Text = "Final predictions on the test set"
	p.X.Label.Text = "teacher y"
	p.Y.Label.Text = "prediction h(x)"
	p.Add(lightGrid())
	pts := make(plotter.XYs, 0, len(pic.Fit))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, h := range pic.Fit {
		y := pic.FitTruth[i]
		if !usable(h, false) {
			continue
		}
		pts = append(pts, plotter.XY{X: y, Y: h})
		lo, hi = min(lo, y, h), max(hi, y, h)
	}
	if lo > hi {
		lo, hi = -1, 1
	}
	pad := 0.05 * max(hi-lo, 1e-9)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo-pad, hi+pad, lo-pad, hi+pad
	p.X.Tick.Marker, p.Y.Tick.Marker = niceTicks{}, niceTicks{}
	if l, err := plotter.NewLine(plotter.XYs{{X: lo - pad, Y: lo - pad}, {X: hi + pad, Y: hi + pad}}); err == nil {
		l.Color = figure.Teacher
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		p.Legend.Add("h = y", l)
	}
	if s, err := plotter.NewScatter(pts); err == nil {
		s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(1.6), Shape: draw.CircleGlyph{}}
		p.Add(s)
		p.Legend.Add(fmt.Sprintf("%d test points", len(pts)), s)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	return p
}

// vlines draws a vertical line across the whole data area at each x.
type vlines struct {
	xs    []float64
	style draw.LineStyle
}

func (v vlines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, x := range v.xs {
		if x >= p.X.Min && x <= p.X.Max {
			c.StrokeLine2(v.style, trX(x), c.Min.Y, trX(x), c.Max.Y)
		}
	}
}

func (v vlines) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(v.style, c.Min.X, y, c.Max.X, y)
}

// axisMarks draws a glyph at each x, sitting on the bottom of the data area (row 0)
// or in the row above (row 1).
type axisMarks struct {
	xs    []float64
	glyph draw.GlyphStyle
	row   int
}

func (m axisMarks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	y := c.Min.Y + m.glyph.Radius*vg.Length(1+2.6*float64(m.row))
	for _, x := range m.xs {
		if x >= p.X.Min && x <= p.X.Max {
			c.DrawGlyphNoClip(m.glyph, vg.Point{X: trX(x), Y: y})
		}
	}
}

func (m axisMarks) Thumbnail(c *draw.Canvas) {
	c.DrawGlyph(m.glyph, c.Center())
}

// downTriangle is a filled triangle pointing down, PyramidGlyph upside down.
type downTriangle struct{}

func (downTriangle) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(0.5)})
	c.SetColor(sty.Color)
	// The size of gonum's PyramidGlyph: its circumradius, centred on the centroid.
	r := sty.Radius + (sty.Radius-sty.Radius*vg.Length(math.Sin(math.Pi/6)))/2
	dx, dy := r*vg.Length(math.Cos(math.Pi/6)), r*vg.Length(math.Sin(math.Pi/6))
	var path vg.Path
	path.Move(vg.Point{X: pt.X, Y: pt.Y - r})
	path.Line(vg.Point{X: pt.X - dx, Y: pt.Y + dy})
	path.Line(vg.Point{X: pt.X + dx, Y: pt.Y + dy})
	path.Close()
	c.Fill(path)
}

// addLegendLine adds a legend entry for a curve of color c.
func addLegendLine(p *plot.Plot, label string, c color.Color, dash ...float64) {
	l, err := plotter.NewLine(plotter.XYs{{}, {}})
	if err != nil {
		return
	}
	l.Color, l.Width = c, vg.Points(1.3)
	for _, d := range dash {
		l.Dashes = append(l.Dashes, vg.Points(d))
	}
	p.Legend.Add(label, l)
	p.Legend.Top = true
}
