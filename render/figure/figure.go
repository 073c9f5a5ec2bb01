package figure

import (
	"image/color"
	"math"
	"slices"

	"kinkscope/sim"
)

// Plot is one panel as plain data: what the painters draw, the page's (Ebiten) and
// the command line's (gonum/plot), each in its own way but from this one description.
type Plot struct {
	Title, XLabel, YLabel string
	X, Y                  Axis
	Series                []Series
	VLines                []float64 // dashed lines across the plot: the step decays
	Now                   float64   // a solid line at the current iteration, or NaN
	Legend                []Entry
}

// Axis is the range of one axis; a log axis spans whole decades.
type Axis struct {
	Lo, Hi float64
	Log    bool
}

// Ticks returns the axis' labelled ticks, about want of them.
func (a Axis) Ticks(want int) []Tick {
	if a.Log {
		return LogTicks(a.Lo, a.Hi, want)
	}
	return LinearTicks(a.Lo, a.Hi, want)
}

// Series is one curve: points (X[i], Y[i]), broken where a value is missing.
type Series struct {
	X, Y  []float64
	Color color.RGBA
	Width float64   // in points (CSS pixels on the page)
	Dash  []float64 // on, off lengths in points; nil: solid
}

// Entry is one line of a legend.
type Entry struct {
	Label string
	Color color.RGBA
	Mark  string    // "" a line, "dash" a dashed line, "dot", "triangle"
	Dash  []float64 // the line's dash pattern, as its series'
}

// RunHistory is one run's history in a figure.
type RunHistory struct {
	Rows  []sim.Metrics
	Color color.RGBA
	Dash  []float64
	Label string
}

// MetricsPlot describes a panel of metrics against the iteration up to iters: every
// metric of the panel for a single run (the first in the run's color, the others
// lighter), or the panel's first metric for each of several runs, with their labels in
// the legend. decays are drawn dashed, now (unless NaN) as a solid line.
func MetricsPlot(p sim.Panel, runs []RunHistory, iters int, decays []int, now float64) Plot {
	first := sim.MustMetric(p.Metrics[0])
	pl := Plot{Title: p.Title, XLabel: "iteration", YLabel: p.YLabel, Now: now,
		X: Axis{Lo: 0, Hi: float64(max(iters, 1))}, Y: Axis{Log: first.Log}}
	if pl.Title == "" {
		pl.Title = first.Title
	}
	if first.Unit == "%" {
		pl.Title += " (%)"
	}
	for _, d := range decays {
		pl.VLines = append(pl.VLines, float64(d))
	}
	slices.Sort(pl.VLines)
	pl.VLines = slices.Compact(pl.VLines)
	series := func(d *sim.Metric, rows []sim.Metrics, c color.RGBA, dash []float64, width float64) {
		s := Series{X: make([]float64, len(rows)), Y: make([]float64, len(rows)), Color: c, Width: width, Dash: dash}
		for i := range rows {
			s.X[i], s.Y[i] = float64(rows[i].Iter), d.Shown(&rows[i])
		}
		pl.Series = append(pl.Series, s)
	}
	if len(runs) == 1 {
		lighter := []color.RGBA{runs[0].Color, LightSteel, Cornflower}
		dashes := RunDashes(len(p.Metrics))
		for k, key := range p.Metrics {
			d := sim.MustMetric(key)
			c := lighter[min(k, len(lighter)-1)]
			series(d, runs[0].Rows, c, dashes[min(k, len(dashes)-1)], 1.6)
			if len(p.Metrics) > 1 {
				pl.Legend = append(pl.Legend, Entry{Label: d.Label, Color: c, Dash: dashes[min(k, len(dashes)-1)]})
			}
		}
	} else {
		for _, r := range runs {
			series(first, r.Rows, r.Color, r.Dash, 1.6)
			pl.Legend = append(pl.Legend, Entry{Label: r.Label, Color: r.Color, Dash: r.Dash})
		}
	}
	var ys [][]float64
	for _, s := range pl.Series {
		ys = append(ys, s.Y)
	}
	if pl.Y.Log {
		pl.Y.Lo, pl.Y.Hi = LogRange(ys...)
	} else {
		pl.Y.Lo, pl.Y.Hi = 0, NiceMax(slices.Concat(ys...), 1)
	}
	return pl
}

// NiceMax returns an upper bound for a linear axis from zero: above the finite values
// of v (and at least floor), on a round tick when one is near.
func NiceMax(v []float64, floor float64) float64 {
	top := floor
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			top = math.Max(top, x)
		}
	}
	ticks := LinearTicks(0, top*1.05, 4)
	return math.Max(ticks[len(ticks)-1].Value, top*1.05)
}
