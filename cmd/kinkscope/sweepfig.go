package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"kinkscope/render/figure"
	"kinkscope/sim/sweep"
)

// sweepErrors is the data of one sweep figure: a value per grid cell with error bars.
type sweepErrors struct {
	plotter.XYs
	plotter.YErrors
}

// writeSweepFigures writes fig-METRIC.png into a finished sweep's folder for every
// final metric: per grid cell, the geometric mean and its geometric standard
// deviation on a log axis for losses, else the mean ± sd; diverged runs are left
// out (the summary counts them). It returns the number of figures.
func writeSweepFigures(dir string) (int, error) {
	spec, rows, err := sweep.ReadRuns(dir)
	if err != nil {
		return 0, err
	}
	stats := spec.Summarize(rows)
	labels := make([]string, spec.Cells())
	for c := range labels {
		labels[c] = strings.Join(spec.CellValues(c), " ")
	}
	if len(spec.Axes) == 0 {
		labels[0] = spec.Scenario
	}
	n := 0
	for _, metric := range sweep.Metrics {
		var d sweepErrors
		logY := sweep.IsLoss(metric)
		for _, st := range stats {
			if st.Metric != metric {
				continue
			}
			y, lo, hi := st.Mean, st.SD, st.SD
			if logY {
				if math.IsNaN(st.GMean) {
					continue
				}
				y, lo, hi = st.GMean, st.GMean-st.GMean/st.GSD, st.GMean*st.GSD-st.GMean
			}
			d.XYs = append(d.XYs, plotter.XY{X: float64(st.Cell), Y: y})
			d.YErrors = append(d.YErrors, struct{ Low, High float64 }{lo, hi})
		}
		if len(d.XYs) == 0 {
			continue
		}
		p := plot.New()
		p.Title.Text = metric + " per grid cell (" + map[bool]string{true: "geometric mean ×÷ geometric sd", false: "mean ± sd"}[logY] + ")"
		p.Y.Label.Text = metric
		p.NominalX(labels...)
		p.Add(plotter.NewGrid())
		if logY {
			p.Y.Scale = plot.LogScale{}
			p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		}
		sc, err := plotter.NewScatter(d.XYs)
		if err != nil {
			return n, err
		}
		sc.Color = figure.Midnight
		eb, err := plotter.NewYErrorBars(d)
		if err != nil {
			return n, err
		}
		eb.Color = figure.Midnight
		p.Add(sc, eb)
		width := vg.Length(max(6, 0.9*float64(len(labels)))) * vg.Inch
		w, err := p.WriterTo(width, 4*vg.Inch, "png")
		if err != nil {
			return n, err
		}
		f, err := os.Create(filepath.Join(dir, "fig-"+metric+".png"))
		if err != nil {
			return n, err
		}
		if _, err := w.WriteTo(f); err != nil {
			f.Close()
			return n, err
		}
		if err := f.Close(); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
