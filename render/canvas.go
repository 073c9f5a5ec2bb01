//go:build js && wasm

package render

import (
	"image"
	"image/color"
	"math"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
)

// canvas draws in CSS pixels onto an image in device pixels.
type canvas struct {
	dst   *ebiten.Image
	scale float64 // device pixels per CSS pixel
	vs    []ebiten.Vertex
	is    []uint16
	geom  *[]*PanelGeometry // where the panels' parts went, shared by clipped canvases
}

// record adds a panel's geometry to the frame's and returns it, for the panel to add
// its ticks and data to.
func (c *canvas) record(g PanelGeometry) *PanelGeometry {
	p := &g
	if c.geom != nil {
		*c.geom = append(*c.geom, p)
	}
	return p
}

// The text faces use x/image's opentype rasterizer rather than Ebiten's GoTextFace:
// the shaping library behind GoTextFace adds about 1 MB to the compressed wasm, and
// plot labels need no complex shaping.
var (
	goRegular  *opentype.Font
	faces      = map[float64]text.Face{}
	whitePixel *ebiten.Image
)

func init() {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		panic("render: font: " + err.Error())
	}
	goRegular = f
	img := ebiten.NewImage(3, 3)
	img.Fill(color.White)
	whitePixel = img.SubImage(image.Rect(1, 1, 2, 2)).(*ebiten.Image)
}

// aa turns on Ebiten's antialiasing.
var aa = false

func face(px float64) text.Face {
	if f, ok := faces[px]; ok {
		return f
	}
	xf, err := opentype.NewFace(goRegular, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		panic("render: font face: " + err.Error())
	}
	f := text.NewGoXFace(xf)
	faces[px] = f
	return f
}

func (c *canvas) s(v float64) float32 { return float32(v * c.scale) }

// clip returns a canvas that draws only inside r.
func (c *canvas) clip(r Rect) *canvas {
	b := image.Rect(int(math.Floor(r.X*c.scale)), int(math.Floor(r.Y*c.scale)),
		int(math.Ceil((r.X+r.W)*c.scale)), int(math.Ceil((r.Y+r.H)*c.scale)))
	return &canvas{dst: c.dst.SubImage(b).(*ebiten.Image), scale: c.scale, geom: c.geom}
}

func (c *canvas) line(x0, y0, x1, y1, width float64, clr color.Color) {
	vector.StrokeLine(c.dst, c.s(x0), c.s(y0), c.s(x1), c.s(y1), c.s(width), clr, aa)
}

// dashed draws a dashed line.
func (c *canvas) dashed(x0, y0, x1, y1, width, dash float64, clr color.Color) {
	l := math.Hypot(x1-x0, y1-y0)
	if l == 0 {
		return
	}
	for t := 0.0; t < l; t += 2 * dash {
		e := math.Min(t+dash, l)
		c.line(x0+(x1-x0)*t/l, y0+(y1-y0)*t/l, x0+(x1-x0)*e/l, y0+(y1-y0)*e/l, width, clr)
	}
}

func (c *canvas) fillRect(r Rect, clr color.Color) {
	vector.DrawFilledRect(c.dst, c.s(r.X), c.s(r.Y), c.s(r.W), c.s(r.H), clr, false)
}

func (c *canvas) strokeRect(r Rect, width float64, clr color.Color) {
	vector.StrokeRect(c.dst, c.s(r.X), c.s(r.Y), c.s(r.W), c.s(r.H), c.s(width), clr, false)
}

func (c *canvas) circle(x, y, r float64, clr color.Color) {
	vector.DrawFilledCircle(c.dst, c.s(x), c.s(y), c.s(r), clr, aa)
}

// triangle fills an upward triangle with its apex at (x, y) and the given height.
func (c *canvas) triangle(x, y, h float64, clr color.Color) {
	var p vector.Path
	p.MoveTo(c.s(x), c.s(y))
	p.LineTo(c.s(x-h*0.6), c.s(y+h))
	p.LineTo(c.s(x+h*0.6), c.s(y+h))
	p.Close()
	c.vs, c.is = p.AppendVerticesAndIndicesForFilling(c.vs[:0], c.is[:0])
	c.drawVertices(clr)
}

// polyline strokes the points (xs[i], ys[i]), breaking the line at non-finite
// values so that NaN is never drawn.
func (c *canvas) polyline(xs, ys []float64, width float64, clr color.Color) {
	var p vector.Path
	pen := false
	for i := range xs {
		if math.IsNaN(ys[i]) || math.IsInf(ys[i], 0) || math.IsNaN(xs[i]) {
			pen = false
			continue
		}
		if pen {
			p.LineTo(c.s(xs[i]), c.s(ys[i]))
		} else {
			p.MoveTo(c.s(xs[i]), c.s(ys[i]))
			pen = true
		}
	}
	c.vs, c.is = p.AppendVerticesAndIndicesForStroke(c.vs[:0], c.is[:0], &vector.StrokeOptions{
		Width: c.s(width), LineJoin: vector.LineJoinRound, LineCap: vector.LineCapRound,
	})
	c.drawVertices(clr)
}

// dashedPolyline strokes the polyline in dashes: pattern lists on and off lengths in
// CSS pixels, repeated along the line; non-finite points break it.
func (c *canvas) dashedPolyline(xs, ys []float64, width float64, pattern []float64, clr color.Color) {
	var p vector.Path
	k, left, on := 0, pattern[0], true
	pen := false
	for i := 1; i < len(xs); i++ {
		x0, y0, x1, y1 := xs[i-1], ys[i-1], xs[i], ys[i]
		if math.IsNaN(y0) || math.IsNaN(y1) || math.IsInf(y0, 0) || math.IsInf(y1, 0) || math.IsNaN(x0) || math.IsNaN(x1) {
			pen = false
			continue
		}
		l := math.Hypot(x1-x0, y1-y0)
		t := 0.0
		for t < l {
			step := math.Min(left, l-t)
			ax, ay := x0+(x1-x0)*t/l, y0+(y1-y0)*t/l
			bx, by := x0+(x1-x0)*(t+step)/l, y0+(y1-y0)*(t+step)/l
			if on {
				if !pen {
					p.MoveTo(c.s(ax), c.s(ay))
					pen = true
				}
				p.LineTo(c.s(bx), c.s(by))
			}
			t += step
			left -= step
			if left <= 1e-9 {
				k = (k + 1) % len(pattern)
				left, on = pattern[k], k%2 == 0
				pen = false
			}
		}
	}
	c.vs, c.is = p.AppendVerticesAndIndicesForStroke(c.vs[:0], c.is[:0], &vector.StrokeOptions{
		Width: c.s(width), LineJoin: vector.LineJoinRound, LineCap: vector.LineCapButt,
	})
	c.drawVertices(clr)
}

func (c *canvas) drawVertices(clr color.Color) {
	r, g, b, a := clr.RGBA()
	for i := range c.vs {
		c.vs[i].SrcX, c.vs[i].SrcY = 1, 1
		c.vs[i].ColorR = float32(r) / 0xffff
		c.vs[i].ColorG = float32(g) / 0xffff
		c.vs[i].ColorB = float32(b) / 0xffff
		c.vs[i].ColorA = float32(a) / 0xffff
	}
	c.dst.DrawTriangles(c.vs, c.is, whitePixel, &ebiten.DrawTrianglesOptions{AntiAlias: aa})
}

// Text alignment relative to the anchor point.
type align struct{ h, v text.Align }

var (
	alignLeftMiddle   = align{text.AlignStart, text.AlignCenter}
	alignRightMiddle  = align{text.AlignEnd, text.AlignCenter}
	alignCenterTop    = align{text.AlignCenter, text.AlignStart}
	alignCenterMiddle = align{text.AlignCenter, text.AlignCenter}
	alignLeftTop      = align{text.AlignStart, text.AlignStart}
	alignRightTop     = align{text.AlignEnd, text.AlignStart}
)

// text draws s at (x, y) with size px (CSS pixels), rotated by rot radians.
func (c *canvas) text(s string, x, y, px float64, a align, clr color.Color, rot float64) {
	op := &text.DrawOptions{}
	op.PrimaryAlign, op.SecondaryAlign = a.h, a.v
	op.GeoM.Rotate(rot)
	op.GeoM.Translate(x*c.scale, y*c.scale)
	op.ColorScale.ScaleWithColor(clr)
	text.Draw(c.dst, s, face(math.Round(px*c.scale)), op)
}

// textWidth returns the width of s at size px, in CSS pixels.
func (c *canvas) textWidth(s string, px float64) float64 {
	w, _ := text.Measure(s, face(math.Round(px*c.scale)), 0)
	return w / c.scale
}
