//go:build js && wasm

package render

import (
	"image/color"
	"kinkscope/render/figure"
	"math"
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
// margins, and the data ranges mapped onto it.
type frame struct {
	c          *canvas
	outer, in  Rect
	xlo, xhi   float64
	ylo, yhi   float64
	logY       bool
	compact    bool
	legendNext float64 // y of the next legend entry
}

// newFrame draws a panel's background, title, axes, ticks and labels and returns the
// frame to plot in. For logY, ylo and yhi must be positive.
func newFrame(c *canvas, r Rect, title, xlabel, ylabel string, xlo, xhi, ylo, yhi float64, logY bool, xTickFmt func(float64) string) *frame {
	f := &frame{c: c, outer: r, xlo: xlo, xhi: xhi, ylo: ylo, yhi: yhi, logY: logY}
	f.compact = r.H < 170 || r.W < 260
	left, bottom, top, right := 52.0, 34.0, 22.0, 10.0
	if f.compact {
		// No room for a rotated y label: the title names the quantity.
		left, bottom, top = 34, 28, 20
	}
	f.in = Rect{r.X + left, r.Y + top, max(r.W-left-right, 1), max(r.H-top-bottom, 1)}
	c.fillRect(r, colBackground)
	c.clip(r).text(title, r.X+8, r.Y+5, titleSize, alignLeftTop, colText, 0)
	// Grid and ticks.
	var yt []figure.Tick
	if logY {
		yt = figure.LogTicks(ylo, yhi, max(2, int(f.in.H/28)))
	} else {
		yt = figure.LinearTicks(ylo, yhi, max(2, int(f.in.H/30)))
	}
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
		c.text(t.Label, f.in.X-6, y, tickSize, a, colMuted, 0)
	}
	xt := figure.LinearTicks(xlo, xhi, max(2, int(f.in.W/70)))
	for _, t := range xt {
		x := f.X(t.Value)
		if x < f.in.X-0.5 || x > f.in.X+f.in.W+0.5 {
			continue
		}
		c.line(x, f.in.Y+f.in.H, x, f.in.Y+f.in.H+4, 1, colAxis)
		label := t.Label
		if xTickFmt != nil {
			label = xTickFmt(t.Value)
		}
		c.text(label, x, f.in.Y+f.in.H+5, tickSize, alignCenterTop, colMuted, 0)
	}
	c.strokeRect(f.in, 1, colAxis)
	c.text(xlabel, f.in.X+f.in.W/2, r.Y+r.H-3-labelSize, labelSize, alignCenterTop, colText, 0)
	if !f.compact {
		c.text(ylabel, r.X+8, f.in.Y+f.in.H/2, labelSize, alignCenterMiddle, colText, -math.Pi/2)
	}
	f.legendNext = f.in.Y + 6
	return f
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

// series strokes y against x, with a dot on the last finite point so that a
// curve of one point still shows.
func (f *frame) series(xs, ys []float64, width float64, clr color.Color) {
	xs, ys = figure.Decimate(xs, ys, max(1, int(f.in.W)))
	px, py := make([]float64, len(xs)), make([]float64, len(xs))
	for i := range xs {
		px[i], py[i] = f.X(xs[i]), f.Y(ys[i])
	}
	pc := f.plot()
	pc.polyline(px, py, width, clr)
	for i := len(px) - 1; i >= 0; i-- {
		if !math.IsNaN(py[i]) && !math.IsInf(py[i], 0) {
			pc.circle(px[i], py[i], width+1.2, clr)
			break
		}
	}
}

// vline draws a dashed vertical line at data x.
func (f *frame) vline(x float64, clr color.Color) {
	px := f.X(x)
	if px < f.in.X || px > f.in.X+f.in.W {
		return
	}
	f.c.dashed(px, f.in.Y, px, f.in.Y+f.in.H, 1, 4, clr)
}

// legend adds an entry at the top right of the plotting area: a short line (or a
// dot, or a triangle) in clr, and the label.
func (f *frame) legend(label string, clr color.Color, mark string) {
	w := f.c.textWidth(label, tickSize)
	x := f.in.X + f.in.W - w - 8
	y := f.legendNext
	f.c.fillRect(Rect{x - 22, y - 2, w + 28, tickSize + 5}, color.RGBA{255, 255, 255, 220})
	switch mark {
	case "dot":
		f.c.circle(x-10, y+tickSize/2+0.5, 3, clr)
	case "triangle":
		f.c.triangle(x-10, y+1, 8, clr)
	case "dash":
		f.c.dashed(x-18, y+tickSize/2+0.5, x-3, y+tickSize/2+0.5, 1, 3, clr)
	default:
		f.c.line(x-18, y+tickSize/2+0.5, x-3, y+tickSize/2+0.5, 2, clr)
	}
	f.c.text(label, x, y, tickSize, alignLeftTop, colText, 0)
	f.legendNext += tickSize + 5
}
