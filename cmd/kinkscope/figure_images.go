package main

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"kinkscope/render/figure"
	"kinkscope/sim"
)

// heat maps an activation in [0, 1] to white (silent) through to the reference's
// midnight blue (the page's map, render/images.go, uses the same scale).
func heat(v float32) color.RGBA {
	t := math.Sqrt(math.Max(0, math.Min(1, float64(v))))
	lerp := func(a, b uint8) uint8 { return uint8(float64(a) + t*(float64(b)-float64(a)) + 0.5) }
	hi := figure.Midnight
	return color.RGBA{lerp(255, hi.R), lerp(255, hi.G), lerp(255, hi.B), 255}
}

// activationsPanel draws the activation map p.Index of the picture (the first when
// −1): images × units, white where a unit is silent.
func activationsPanel(p sim.Panel, pic *sim.Picture) *plot.Plot {
	pl := plot.New()
	pl.Title.Text = p.Title
	k := max(p.Index, 0)
	if k >= len(pic.Activations) {
		pl.Title.Text += " (no snapshot)"
		return pl
	}
	m := pic.Activations[k]
	pl.Title.Text = fmt.Sprintf("%s: %s %% non-zero", p.Title, figure.FormatNumber(100*m.NonZero))
	pl.X.Label.Text = fmt.Sprintf("%d of %d units, most active first (white: silent)", m.Cols, m.Units)
	pl.Y.Label.Text = "images, by digit 0 (bottom) to 9"
	img := image.NewRGBA(image.Rect(0, 0, m.Cols, m.Rows))
	for i, v := range m.Values {
		// Row 0 at the bottom, as the axis counts.
		img.SetRGBA(i%m.Cols, m.Rows-1-i/m.Cols, heat(v))
	}
	pl.Add(plotter.NewImage(img, 0, 0, float64(m.Cols), float64(m.Rows)))
	pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max = 0, float64(m.Cols), 0, float64(m.Rows)
	pl.X.Tick.Marker, pl.Y.Tick.Marker = niceTicks{}, niceTicks{}
	return pl
}

// digitsPanel draws the picture's test digits in a grid, each with its predicted
// label under it, wrong ones in red with the true label.
func digitsPanel(p sim.Panel, pic *sim.Picture) *plot.Plot {
	pl := plot.New()
	pl.HideAxes()
	if len(pic.Digits) == 0 {
		pl.Title.Text = p.Title + " (no snapshot)"
		return pl
	}
	cols := int(math.Ceil(math.Sqrt(float64(len(pic.Digits)))))
	rows := (len(pic.Digits) + cols - 1) / cols
	wrong := 0
	var right, bad plotter.XYLabels
	for i, d := range pic.Digits {
		x0, y0 := float64(i%cols)*1.2, float64(rows-1-i/cols)*1.5
		img := image.NewGray(image.Rect(0, 0, d.Cols, d.Rows))
		for j, v := range d.Pixels {
			img.SetGray(j%d.Cols, j/d.Cols, color.Gray{Y: uint8(255 - math.Round(255*float64(v)))})
		}
		pl.Add(plotter.NewImage(img, x0, y0+0.4, x0+1, y0+1.4))
		pt := plotter.XY{X: x0 + 0.5, Y: y0 + 0.1}
		if d.Predicted == d.Label {
			right.XYs = append(right.XYs, pt)
			right.Labels = append(right.Labels, fmt.Sprintf("→ %d", d.Predicted))
		} else {
			wrong++
			bad.XYs = append(bad.XYs, pt)
			bad.Labels = append(bad.Labels, fmt.Sprintf("→ %d (is %d)", d.Predicted, d.Label))
		}
	}
	for _, set := range []struct {
		l plotter.XYLabels
		c color.Color
	}{{right, color.Black}, {bad, figure.Alert}} {
		if len(set.l.XYs) == 0 {
			continue
		}
		labels, err := plotter.NewLabels(set.l)
		if err != nil {
			continue
		}
		for i := range labels.TextStyle {
			labels.TextStyle[i].Color = set.c
			labels.TextStyle[i].Font.Size = vg.Points(9)
			labels.TextStyle[i].XAlign = -0.5
		}
		pl.Add(labels)
	}
	pl.Title.Text = fmt.Sprintf("Test digits and predicted labels: %d of %d wrong (red)", wrong, len(pic.Digits))
	pl.X.Min, pl.X.Max = -0.1, float64(cols)*1.2
	pl.Y.Min, pl.Y.Max = -0.1, float64(rows)*1.5
	return pl
}
