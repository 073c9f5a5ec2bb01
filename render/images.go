//go:build js && wasm

package render

import (
	"fmt"
	"image/color"
	"math"

	"github.com/hajimehoshi/ebiten/v2"

	"kinkscope/render/app"
	"kinkscope/render/figure"
	"kinkscope/sim"
)

// texture is a picture panel's image and the data it was made from.
type texture struct {
	img  *ebiten.Image
	from *float32 // the first value of the data it shows: pictures are new slices per snapshot
}

// textures are the picture panels' images, by name, rebuilt only when the picture
// they show changes (once per metric snapshot), not at every frame.
var textures = map[string]*texture{}

// drawPixels draws a w×h picture scaled to fill r (CSS pixels). The RGBA pixels come
// from pixels, called only when from is not the data the texture was made from.
func (c *canvas) drawPixels(name string, from *float32, w, h int, r Rect, pixels func() []byte) {
	tx := textures[name]
	if tx == nil || tx.img.Bounds().Dx() != w || tx.img.Bounds().Dy() != h {
		if tx != nil {
			tx.img.Deallocate()
		}
		tx = &texture{img: ebiten.NewImage(w, h)}
		textures[name] = tx
	}
	if tx.from != from {
		tx.img.WritePixels(pixels())
		tx.from = from
	}
	img := tx.img
	op := &ebiten.DrawImageOptions{Filter: ebiten.FilterLinear}
	op.GeoM.Scale(r.W*c.scale/float64(w), r.H*c.scale/float64(h))
	op.GeoM.Translate(r.X*c.scale, r.Y*c.scale)
	c.dst.DrawImage(img, op)
}

// heat maps a value in [0, 1] to white (0: silent) through the figure's blues to
// midnight (1); the square root makes weak activations visible.
func heat(v float32) color.RGBA {
	t := math.Sqrt(math.Max(0, math.Min(1, float64(v))))
	lerp := func(a, b uint8) uint8 { return uint8(float64(a) + t*(float64(b)-float64(a)) + 0.5) }
	hi := figure.Midnight
	return color.RGBA{lerp(255, hi.R), lerp(255, hi.G), lerp(255, hi.B), 255}
}

// drawActivations draws the lead run's activation map p.Index, or for −1 all of its
// maps side by side; when runs are compared, −1 draws the first block's map of the
// first and of the last run instead (small step against the longest large step in the
// paper's comparisons).
func drawActivations(c *canvas, snap *app.Snapshot, p sim.Panel, r Rect) {
	var maps []sim.ActivationMap
	var labels []string
	if n := len(snap.Runs); n > 0 {
		maps = snap.Runs[0].Activations
		for range maps {
			labels = append(labels, "")
		}
		if n > 1 && p.Index < 0 && len(maps) > 0 && len(snap.Runs[n-1].Activations) > 0 {
			maps = []sim.ActivationMap{maps[0], snap.Runs[n-1].Activations[0]}
			labels = []string{snap.Runs[0].Label, snap.Runs[n-1].Label}
		}
	}
	if len(maps) == 0 {
		newFrame(c, r, p.Title+": after the first snapshot", "units", "images", 0, 1, 0, 1, false, nil)
		return
	}
	if p.Index >= 0 && p.Index < len(maps) {
		drawActivationMap(c, maps[p.Index], labels[p.Index], p.Index, r)
		return
	}
	w := r.W / float64(len(maps))
	for k, m := range maps {
		drawActivationMap(c, m, labels[k], k, Rect{r.X + float64(k)*w, r.Y, w, r.H})
	}
}

func drawActivationMap(c *canvas, m sim.ActivationMap, label string, k int, r Rect) {
	title := fmt.Sprintf("%s: %s %% non-zero", m.Title, figure.FormatNumber(100*m.NonZero))
	if label != "" {
		title = label + ", " + title
	}
	if c.textWidth(title, titleSize) > r.W-16 {
		title = fmt.Sprintf("%s %% non-zero", figure.FormatNumber(100*m.NonZero))
	}
	xlabel := fmt.Sprintf("%d of %d units, most active first", m.Cols, m.Units)
	// The map fills its plot, so its key goes above it: the plan's data are the
	// plot's two diagonals, which every corner touches.
	cols, rows := float64(m.Cols), float64(m.Rows)
	key := &legendPlan{
		entries: []figure.Entry{{Label: "blue: active, white: silent", Color: colBlue}},
		curves:  [][2][]float64{{{0, cols}, {0, rows}}, {{0, cols}, {rows, 0}}},
	}
	f := newFrameLegend(c, r, title, xlabel, "images, by digit 0 (bottom) to 9", 0, cols, 0, rows, false, nil, key)
	if len(m.Values) == 0 {
		return
	}
	c.drawPixels(fmt.Sprintf("act%d", k), &m.Values[0], m.Cols, m.Rows, f.in, func() []byte {
		pix := make([]byte, 4*m.Rows*m.Cols)
		for i, v := range m.Values {
			h := heat(v)
			j := (m.Rows-1-i/m.Cols)*m.Cols + i%m.Cols // row 0 at the bottom, as the axis counts
			pix[4*j], pix[4*j+1], pix[4*j+2], pix[4*j+3] = h.R, h.G, h.B, 255
		}
		return pix
	})
	c.strokeRect(f.in, 1, colAxis)
	// Digit boundaries on the left edge.
	pc := f.plot()
	for i := 1; i < len(m.Labels); i++ {
		if m.Labels[i] != m.Labels[i-1] {
			y := f.Y(float64(i))
			pc.line(f.in.X, y, f.in.X+6, y, 1, colAxis)
		}
	}
	f.drawLegend(key.entries)
}

// drawDigits draws the lead run's test digits with their predicted labels, wrong
// ones in red.
func drawDigits(c *canvas, snap *app.Snapshot, p sim.Panel, r Rect) {
	c.fillRect(r, colBackground)
	var digits []sim.Digit
	if len(snap.Runs) > 0 {
		digits = snap.Runs[0].Digits
	}
	wrong := 0
	for _, d := range digits {
		if d.Predicted != d.Label {
			wrong++
		}
	}
	title := p.Title
	if len(digits) > 0 {
		title = fmt.Sprintf("Test digits: %d of %d wrong (red)", wrong, len(digits))
	}
	c.clip(r).text(title, r.X+8, r.Y+5, titleSize, alignLeftTop, colText, 0)
	if len(digits) == 0 {
		c.text("after the first snapshot", r.X+r.W/2, r.Y+r.H/2, labelSize, alignCenterMiddle, colMuted, 0)
		return
	}
	in := Rect{r.X + 8, r.Y + 24, r.W - 16, r.H - 30}
	cols := int(math.Ceil(math.Sqrt(float64(len(digits)) * in.W / in.H)))
	cols = max(1, min(cols, len(digits)))
	rows := (len(digits) + cols - 1) / cols
	cw, ch := in.W/float64(cols), in.H/float64(rows)
	side := math.Min(cw, ch-labelSize-4) * 0.9
	for i, d := range digits {
		x := in.X + float64(i%cols)*cw + (cw-side)/2
		y := in.Y + float64(i/cols)*ch
		box := Rect{x, y, side, side}
		c.drawPixels(fmt.Sprintf("digit%d", i), &d.Pixels[0], d.Cols, d.Rows, box, func() []byte {
			pix := make([]byte, 4*d.Rows*d.Cols)
			for j, v := range d.Pixels {
				g := uint8(255 - math.Round(255*float64(v)))
				pix[4*j], pix[4*j+1], pix[4*j+2], pix[4*j+3] = g, g, g, 255
			}
			return pix
		})
		clr := color.Color(colText)
		if d.Predicted != d.Label {
			clr = colDanger
			c.strokeRect(box, 2, colDanger)
		} else {
			c.strokeRect(box, 1, colGrid)
		}
		label := fmt.Sprintf("→ %d", d.Predicted)
		if d.Predicted != d.Label {
			label = fmt.Sprintf("→ %d (is %d)", d.Predicted, d.Label)
		}
		c.text(label, x+side/2, y+side+1, labelSize, alignCenterTop, clr, 0)
	}
}
