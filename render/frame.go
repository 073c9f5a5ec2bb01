//go:build js && wasm

package render

import (
	"image/color"
	"kinkscope/render/figure"
	"math"
	"strings"
)

// Colors: the figure palette (render/figure) for what the panels show, and the
// page's own greys for its furniture.
var (
	colBackground = color.RGBA{255, 255, 255, 255}
	colPage       = color.RGBA{241, 244, 248, 255}
	colAxis       = color.RGBA{90, 98, 110, 255}
	colGrid       = figure.Grid
	colText       = color.RGBA{33, 37, 41, 255}
	colMuted      = color.RGBA{108, 117, 125, 255}
	colRun        = figure.Run
	colRunLight   = figure.Cornflower
	colBlue       = figure.Blue
	colSDE        = figure.SDE
	colTeacher    = figure.Teacher
	colSteel      = figure.LightSteel
	colMidnight   = figure.Midnight
	colData       = figure.Data
	colDecay      = figure.Decay
	colNow        = figure.Now
	colPiece      = figure.Piece
	colDanger     = figure.Alert
	colDangerBg   = color.RGBA{253, 236, 236, 255}
)

// Text sizes in CSS pixels.
const (
	titleSize = 13
	labelSize = 11
	tickSize  = 10
)

// frame is one panel's axes: the outer rectangle, the plotting area inside the
// margins, and the data ranges mapped onto it. It records where its parts and its
// data went (geom) for the layout checks.
type frame struct {
	c         *canvas
	outer, in Rect
	xlo, xhi  float64
	ylo, yhi  float64
	logY      bool
	legendBox Rect // where the legend goes, planned before the data is drawn
	geom      *PanelGeometry
}

// legendPlan is what a panel's legend needs to be placed: its entries, and the data
// it must not cover in data coordinates (curves as xs, ys; points), plus strips at the
// top and bottom of the plotting area (in CSS pixels) that carry marks of their own
// (the kinks' triangles).
type legendPlan struct {
	entries               []figure.Entry
	curves                [][2][]float64
	points                [][2]float64
	avoidTop, avoidBottom float64
}

// Margins of a panel, in CSS pixels.
const (
	marginTop    = 22.0 // the title
	marginBottom = 34.0 // x tick labels and the x label
	marginRight  = 10.0
	legendRow    = tickSize + 5
)

// newFrame draws a panel's background, title, axes, ticks and labels and returns the
// frame to plot in. For logY, ylo and yhi must be positive. The left margin fits the
// y tick labels and the rotated y label, the right one the last x tick label, so that
// nothing is clipped at any size.
func newFrame(c *canvas, r Rect, title, xlabel, ylabel string, xlo, xhi, ylo, yhi float64, logY bool, xTickFmt func(float64) string) *frame {
	return newFrameLegend(c, r, title, xlabel, ylabel, xlo, xhi, ylo, yhi, logY, xTickFmt, nil)
}

// newFrameLegend is newFrame for a panel with a legend: the legend goes into the first
// corner of the plotting area (top right, top left, bottom right, bottom left) where
// it covers none of the plan's data, and else above the plotting area, which then
// shrinks to make room.
func newFrameLegend(c *canvas, r Rect, title, xlabel, ylabel string, xlo, xhi, ylo, yhi float64, logY bool, xTickFmt func(float64) string, lg *legendPlan) *frame {
	f := &frame{c: c, outer: r, xlo: xlo, xhi: xhi, ylo: ylo, yhi: yhi, logY: logY}
	xLabel := func(v float64, t figure.Tick) string {
		if xTickFmt != nil {
			return xTickFmt(v)
		}
		return t.Label
	}
	top := marginTop
	var yt, xt []figure.Tick
	place := func() {
		h := max(r.H-top-marginBottom, 1)
		if logY {
			yt = figure.LogTicks(ylo, yhi, max(2, int(h/28)))
		} else {
			yt = figure.LinearTicks(ylo, yhi, max(2, int(h/30)))
		}
		tw := 0.0
		for _, t := range yt {
			tw = max(tw, c.textWidth(t.Label, tickSize))
		}
		left := 6 + labelSize + 5 + tw + 6
		right := marginRight
		w := max(r.W-left-right, 1)
		xt = figure.LinearTicks(xlo, xhi, max(2, int(w/70)))
		for _, t := range xt {
			// A label centred on a tick near the right edge must not leave the panel.
			x := left + (t.Value-xlo)/(xhi-xlo)*w
			over := x + c.textWidth(xLabel(t.Value, t), tickSize)/2 + 2 - (r.W - 2)
			right = max(right, marginRight+over)
		}
		f.in = Rect{r.X + left, r.Y + top, max(r.W-left-right, 1), h}
	}
	place()
	if lg != nil && len(lg.entries) > 0 {
		lw := 0.0
		for _, e := range lg.entries {
			lw = max(lw, c.textWidth(e.Label, tickSize))
		}
		bw, bh := lw+28, float64(len(lg.entries))*legendRow+1
		curves, points := f.planned(lg)
		in := f.in
		corners := []Rect{
			{in.X + in.W - bw - 4, in.Y + 4 + lg.avoidTop, bw, bh},
			{in.X + 4, in.Y + 4 + lg.avoidTop, bw, bh},
			{in.X + in.W - bw - 4, in.Y + in.H - bh - 4 - lg.avoidBottom, bw, bh},
			{in.X + 4, in.Y + in.H - bh - 4 - lg.avoidBottom, bw, bh},
		}
		f.legendBox = Rect{}
		for _, b := range corners {
			if in.Contains(b, 0) && !Covers(b, curves, points, legendPad+1) {
				f.legendBox = b
				break
			}
		}
		if f.legendBox.W == 0 {
			// No corner is free: the legend goes above the plot, in as many columns
			// as fit, unless that leaves too little of the plot; then the panel goes
			// without (compared runs are named in the main panel too).
			cols := max(1, min(len(lg.entries), int((r.W-8)/bw)))
			rows := (len(lg.entries) + cols - 1) / cols
			band := float64(rows)*legendRow + 2
			if r.H-marginTop-band-marginBottom >= max(40, 0.45*(r.H-marginTop-marginBottom)) {
				top = marginTop + band
				place()
				w := float64(cols) * bw
				f.legendBox = Rect{max(r.X+4, r.X+r.W-4-w), r.Y + marginTop, w, float64(rows) * legendRow}
			}
		}
	}
	c.fillRect(r, colBackground)
	title = c.fit(title, titleSize, r.W-12)
	c.clip(r).text(title, r.X+8, r.Y+5, titleSize, alignLeftTop, colText, 0)
	f.geom = c.record(PanelGeometry{Title: title, Outer: r, In: f.in, Legend: f.legendBox})
	for _, t := range yt {
		y := f.Y(t.Value)
		if y < f.in.Y-0.5 || y > f.in.Y+f.in.H+0.5 {
			continue
		}
		c.line(f.in.X, y, f.in.X+f.in.W, y, 1, colGrid)
		c.line(f.in.X-4, y, f.in.X, y, 1, colAxis)
		// A label at the top edge hangs below it, clear of the title.
		a := alignRightMiddle
		if y-f.in.Y < tickSize/2+1 {
			a = alignRightTop
		}
		f.tickText(t.Label, f.in.X-6, y, a)
	}
	for _, t := range xt {
		x := f.X(t.Value)
		if x < f.in.X-0.5 || x > f.in.X+f.in.W+0.5 {
			continue
		}
		c.line(x, f.in.Y+f.in.H, x, f.in.Y+f.in.H+4, 1, colAxis)
		f.tickText(xLabel(t.Value, t), x, f.in.Y+f.in.H+5, alignCenterTop)
	}
	c.strokeRect(f.in, 1, colAxis)
	c.text(xlabel, f.in.X+f.in.W/2, r.Y+r.H-3-labelSize, labelSize, alignCenterTop, colText, 0)
	// The rotated y label is shortened to fit the panel's height and kept inside it.
	// Below the title, above the panel's bottom: centred on the plot when it fits.
	lo, hi := r.Y+top+2, r.Y+r.H-3
	yl := c.fit(ylabel, labelSize, hi-lo)
	half := c.textWidth(yl, labelSize) / 2
	cy := math.Min(math.Max(f.in.Y+f.in.H/2, lo+half), hi-half)
	c.text(yl, r.X+6+labelSize/2, cy, labelSize, alignCenterMiddle, colText, -math.Pi/2)
	f.geom.YLabel, f.geom.YLabelBox = yl, Rect{r.X + 6, cy - half, labelSize, 2 * half}
	return f
}

// fit returns s, shortened with an ellipsis when it is wider than w at size px.
func (c *canvas) fit(s string, px, w float64) string {
	if c.textWidth(s, px) <= w {
		return s
	}
	r := []rune(s)
	for n := len(r) - 1; n > 0; n-- {
		t := strings.TrimRight(string(r[:n]), " ,·:") + "…"
		if c.textWidth(t, px) <= w {
			return t
		}
	}
	return ""
}

// planned maps a legend plan's data to CSS pixels.
func (f *frame) planned(lg *legendPlan) (curves [][]float64, points []float64) {
	for _, cv := range lg.curves {
		xs, ys := figure.Decimate(cv[0], cv[1], max(1, int(f.in.W)))
		pts := make([]float64, 0, 2*len(xs))
		for i := range xs {
			pts = append(pts, f.X(xs[i]), f.Y(ys[i]))
		}
		curves = append(curves, pts)
	}
	for _, p := range lg.points {
		points = append(points, f.X(p[0]), f.Y(p[1]))
	}
	in := f.in
	if lg.avoidTop > 0 {
		curves = append(curves, []float64{in.X, in.Y + lg.avoidTop, in.X + in.W, in.Y + lg.avoidTop})
	}
	if lg.avoidBottom > 0 {
		curves = append(curves, []float64{in.X, in.Y + in.H - lg.avoidBottom, in.X + in.W, in.Y + in.H - lg.avoidBottom})
	}
	return curves, points
}

// tickText draws a tick label and records its box.
func (f *frame) tickText(label string, x, y float64, a align) {
	w, h := f.c.textWidth(label, tickSize), float64(tickSize)+2
	b := Rect{x, y, w, h}
	switch a {
	case alignRightMiddle:
		b.X, b.Y = x-w, y-h/2
	case alignRightTop:
		b.X = x - w
	case alignCenterTop:
		b.X = x - w/2
	}
	f.geom.Ticks = append(f.geom.Ticks, b)
	f.c.text(label, x, y, tickSize, a, colMuted, 0)
}

// X maps a data x to CSS pixels.
func (f *frame) X(v float64) float64 {
	return f.in.X + (v-f.xlo)/(f.xhi-f.xlo)*f.in.W
}

// Y maps a data y to CSS pixels; on a log axis values ≤ 0 map to NaN (not drawn).
func (f *frame) Y(v float64) float64 {
	if f.logY {
		if !(v > 0) {
			return math.NaN()
		}
		return f.in.Y + f.in.H - (math.Log10(v)-math.Log10(f.ylo))/(math.Log10(f.yhi)-math.Log10(f.ylo))*f.in.H
	}
	return f.in.Y + f.in.H - (v-f.ylo)/(f.yhi-f.ylo)*f.in.H
}

// plot returns a canvas clipped to the plotting area.
func (f *frame) plot() *canvas { return f.c.clip(f.in) }

// series strokes y against x, solid or with a dash pattern, with a dot on the last
// finite point so that a curve of one point still shows.
func (f *frame) series(xs, ys []float64, width float64, clr color.Color, dash ...float64) {
	xs, ys = figure.Decimate(xs, ys, max(1, int(f.in.W)))
	px, py := make([]float64, len(xs)), make([]float64, len(xs))
	for i := range xs {
		px[i], py[i] = f.X(xs[i]), f.Y(ys[i])
	}
	f.geom.Curves = append(f.geom.Curves, finitePieces(px, py)...)
	pc := f.plot()
	if len(dash) > 0 {
		pc.dashedPolyline(px, py, width, dash, clr)
	} else {
		pc.polyline(px, py, width, clr)
	}
	for i := len(px) - 1; i >= 0; i-- {
		if !math.IsNaN(py[i]) && !math.IsInf(py[i], 0) {
			pc.circle(px[i], py[i], width+1.2, clr)
			break
		}
	}
}

// finitePieces splits a polyline at its non-finite points (which break the drawn
// line) into pieces of x, y pairs.
func finitePieces(px, py []float64) [][]float64 {
	var out [][]float64
	var cur []float64
	for i := range px {
		if math.IsNaN(px[i]) || math.IsNaN(py[i]) || math.IsInf(px[i], 0) || math.IsInf(py[i], 0) {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, px[i], py[i])
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// dot draws a data point of radius rad and records it.
func (f *frame) dot(x, y, rad float64, clr color.Color) {
	if !math.IsNaN(x+y) && !math.IsInf(x+y, 0) {
		f.geom.Points = append(f.geom.Points, x, y)
	}
	f.plot().circle(x, y, rad, clr)
}

// stem draws a vertical line between two pixels and records it.
func (f *frame) stem(x, y0, y1, width float64, clr color.Color) {
	f.geom.Curves = append(f.geom.Curves, finitePieces([]float64{x, x}, []float64{y0, y1})...)
	f.plot().line(x, y0, x, y1, width, clr)
}

// vline draws a dashed vertical line at data x.
func (f *frame) vline(x float64, clr color.Color) {
	px := f.X(x)
	if px < f.in.X || px > f.in.X+f.in.W {
		return
	}
	f.c.dashed(px, f.in.Y, px, f.in.Y+f.in.H, 1, 4, clr)
}

// nowLine marks the current iteration, thicker than a decay's dashes.
func (f *frame) nowLine(x float64) {
	px := f.X(x)
	f.plot().line(px, f.in.Y, px, f.in.Y+f.in.H, 1.5, colNow)
}

// drawLegend draws the entries into the planned box: a short line (solid or in the
// entry's dashes, or a dot, or a triangle) in the entry's color, and the label.
func (f *frame) drawLegend(entries []figure.Entry) {
	b := f.legendBox
	if b.W == 0 || len(entries) == 0 {
		return
	}
	cols := 1
	rows := int(math.Round(b.H / legendRow))
	if rows < len(entries) {
		cols = (len(entries) + rows - 1) / max(rows, 1)
	}
	cw := b.W / float64(cols)
	f.c.fillRect(b, color.RGBA{255, 255, 255, 230})
	for i, e := range entries {
		x := b.X + float64(i/max(rows, 1))*cw + 22
		y := b.Y + 2 + float64(i%max(rows, 1))*legendRow
		mid := y + tickSize/2 + 0.5
		switch e.Mark {
		case "dot":
			f.c.circle(x-10, mid, 3, e.Color)
		case "triangle":
			f.c.triangle(x-10, y+1, 8, e.Color)
		case "dash":
			f.c.dashed(x-18, mid, x-3, mid, 1, 3, e.Color)
		default:
			if len(e.Dash) > 0 {
				f.c.dashedPolyline([]float64{x - 20, x - 2}, []float64{mid, mid}, 2, e.Dash, e.Color)
			} else {
				f.c.line(x-18, mid, x-3, mid, 2, e.Color)
			}
		}
		f.c.text(e.Label, x, y, tickSize, alignLeftTop, colText, 0)
	}
}
