package main

import (
	"fmt"
	"image/color"
	"io"
	"regexp"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"kinkscope/render/app"
	"kinkscope/render/figure"
	"kinkscope/sim"
)

// compareCmd is `kinkscope run -compare`: the runs of the comparison spec on base,
// as the page compares them (app.Compare), run to the end one after the other; then
// a metrics file per run, the settings, and the runs overlaid in one figure.
func compareCmd(base sim.Config, spec, out string, stderr io.Writer) int {
	cmp, err := app.ParseCompare(spec, base)
	if err != nil {
		return fail(stderr, "-compare: %s", trimSim(err))
	}
	cfgs, err := cmp.Configs(base)
	if err != nil {
		return fail(stderr, "-compare: %s", trimSim(err))
	}
	if code := checkOut(out, stderr); code != exitOK {
		return code
	}
	runs := make([]*sim.Run, len(cfgs))
	labels := make([]string, len(cfgs))
	for i, c := range cfgs {
		r, err := sim.NewRun(c)
		if err != nil {
			return fail(stderr, "%s", trimSim(err))
		}
		runs[i], labels[i] = r, cmp.Label(i, c)
		fmt.Fprintf(stderr, "%s: %s\n", labels[i], summary(r, runToEnd(r, stderr)))
	}
	colors := compareColors(cmp, cfgs)
	var files []outputFile
	for i, r := range runs {
		rows := r.History().Rows()
		files = append(files, outputFile{metricsFileName(i, labels[i]), func(w io.Writer) error { return writeMetrics(w, rows) }})
	}
	files = append(files,
		outputFile{"settings.txt", func(w io.Writer) error {
			if err := writeSettings(w, base, ""); err != nil {
				return err
			}
			_, err := fmt.Fprintf(w, "compare=%s\n", cmp)
			return err
		}},
		outputFile{"compare.png", func(w io.Writer) error { return writeCompareFigure(w, "png", cmp, runs, labels, colors) }},
		outputFile{"compare.svg", func(w io.Writer) error { return writeCompareFigure(w, "svg", cmp, runs, labels, colors) }},
	)
	if err := writeFiles(out, files); err != nil {
		fmt.Fprintf(stderr, "kinkscope: writing %s: %v\n", out, err)
		return exitFailed
	}
	for i, r := range runs {
		if err := r.Err(); err != nil {
			fmt.Fprintf(stderr, "kinkscope: %s: %v (outputs written to %s)\n", labels[i], err, out)
			return exitFailed
		}
	}
	return exitOK
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// metricsFileName names run i's metrics file: metrics-1-diag-const.csv.
func metricsFileName(i int, label string) string {
	name := strings.Trim(unsafeName.ReplaceAllString(label, "_"), "_.")
	if name == "" {
		return fmt.Sprintf("metrics-%d.csv", i+1)
	}
	return fmt.Sprintf("metrics-%d-%s.csv", i+1, name)
}

// compareColors returns the reference's color of each run when the runs are presets
// the paper draws (SGD, not the SDE) with distinct colors, else figure.RunColors.
func compareColors(cmp app.Compare, cfgs []sim.Config) []color.RGBA {
	out := make([]color.RGBA, len(cfgs))
	seen := map[color.RGBA]bool{}
	for i, c := range cfgs {
		ref, ok := figure.ScenarioColor(c.Scenario)
		if !ok || c.Method == sim.MethodSDE || cmp.Key != "scenario" || seen[ref] {
			out = nil
			break
		}
		seen[ref] = true
		out[i] = ref
	}
	if out != nil {
		return out
	}
	return figure.RunColors(len(cfgs), cmp.Key)
}

// writeCompareFigure draws the runs overlaid: the metric panels of the first run's
// figure, a curve per run, in format "png" or "svg".
func writeCompareFigure(w io.Writer, format string, cmp app.Compare, runs []*sim.Run, labels []string, colors []color.RGBA) error {
	views := runs[0].Views()
	var panels []sim.Panel
	for _, row := range views.Figure {
		for _, p := range row {
			if p.Kind == sim.PanelMetrics {
				panels = append(panels, p)
			}
		}
	}
	cols := 2
	if len(panels) > 4 {
		cols = 3
	}
	width, height := figureSize(cols)
	draw := func(dc draw.Canvas) { drawCompareFigure(dc, cmp, runs, labels, colors, panels, cols) }
	switch format {
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(figureDPI))
		draw(drawCanvas(c))
		_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
		return err
	case "svg":
		c := vgsvg.New(width, height)
		draw(drawCanvas(c))
		_, err := c.WriteTo(w)
		return err
	}
	return fmt.Errorf("unknown figure format %q", format)
}

func drawCanvas(c vg.CanvasSizer) draw.Canvas { return draw.New(c) }

// drawCompareFigure draws the header and the overlaid panels.
func drawCompareFigure(dc draw.Canvas, cmp app.Compare, runs []*sim.Run, labels []string, colors []color.RGBA, panels []sim.Panel, cols int) {
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	series := make([]figure.RunHistory, len(runs))
	var decays []int
	seen := map[int]bool{}
	for i, r := range runs {
		series[i] = figure.RunHistory{Rows: r.History().Rows(), Color: colors[i], Dash: figure.RunDashes(len(runs))[i], Label: labels[i]}
		sched := r.Schedule()
		for _, d := range sched.DecayIters() {
			if !seen[d] {
				seen[d] = true
				decays = append(decays, d)
			}
		}
	}
	var plots [][]*plot.Plot
	for i, p := range panels {
		if i%cols == 0 {
			plots = append(plots, make([]*plot.Plot, 0, cols))
		}
		pl := metricsPanel(p, series, decays, "")
		if i > 0 {
			pl.Legend = plot.NewLegend() // the runs are named once, in the first panel
		}
		plots[len(plots)-1] = append(plots[len(plots)-1], pl)
	}
	for len(plots[len(plots)-1]) < cols {
		plots[len(plots)-1] = append(plots[len(plots)-1], nil)
	}
	cfg := runs[0].Config()
	header := plot.New().Title.TextStyle
	header.Font.Size = vg.Points(15)
	line1 := strings.Join([]string{"compare " + cmp.String(), fmt.Sprintf("seed %d", cfg.Seed), runs[0].Views().Caption, methodText(cfg), fmt.Sprintf("N = %d", cfg.Iters)}, " · ")
	var outcomes []string
	for i, r := range runs {
		m := r.Latest()
		var parts []string
		for _, key := range r.Views().Outcome {
			d := sim.MustMetric(key)
			parts = append(parts, d.Name+" "+figure.FormatMetric(d, &m, 3))
		}
		o := labels[i] + ": " + strings.Join(parts, ", ")
		if r.Err() != nil {
			o = labels[i] + ": diverged"
		}
		outcomes = append(outcomes, o)
	}
	dc.FillText(header, vg.Point{X: dc.Center().X, Y: dc.Max.Y - headerHeight/8}, line1)
	header.Font.Size = vg.Points(11) // four runs' outcomes on one line
	dc.FillText(header, vg.Point{X: dc.Center().X, Y: dc.Max.Y - headerHeight/2}, strings.Join(outcomes, " · "))
	drawTiles(dc, plots)
}
