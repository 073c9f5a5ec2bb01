package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"kinkscope/render/figure"
	"kinkscope/sim"
)

// Predictor grid: predictorPoints points from min x − predictorMargin to
// max x + predictorMargin, as the reference draws the final predictor.
const (
	predictorPoints = 1001
	predictorMargin = 0.05
)

// betaHeader is the first line of beta.csv.
const betaHeader = "k,beta,beta_star"

// layoutOf returns the parameter table of cfg's model.
func layoutOf(cfg *sim.Config) sim.ParamLayout {
	e, err := cfg.Experiment()
	if err != nil {
		panic("kinkscope: " + err.Error()) // DecodeSettings validated the model
	}
	return e.Layout(cfg)
}

// outputFile is one file of a run's output directory.
type outputFile struct {
	name  string
	write func(io.Writer) error
}

// writeOutputs writes every output of run r into dir (writeFiles).
func writeOutputs(dir string, r *sim.Run, cfg sim.Config, theta0 []float64, initPath string) error {
	layout := layoutOf(&cfg)
	pic := r.Picture(sim.PictureOptions{GridPoints: predictorPoints, GridMargin: predictorMargin})
	files := []outputFile{
		{"metrics.csv", func(w io.Writer) error { return writeMetrics(w, r.History().Rows()) }},
		{"params.csv", func(w io.Writer) error { return writeParams(w, layout, r.Model().Params()) }},
		{"init.csv", func(w io.Writer) error { return writeParams(w, layout, theta0) }},
	}
	if pic.Coef != nil {
		files = append(files, outputFile{"beta.csv", func(w io.Writer) error { return writeBeta(w, &pic) }})
	}
	if pic.H != nil {
		files = append(files, outputFile{"predictor.csv", func(w io.Writer) error { return writePredictor(w, &pic) }})
	}
	files = append(files,
		outputFile{"settings.txt", func(w io.Writer) error { return writeSettings(w, cfg, initPath) }},
		outputFile{"figure.png", func(w io.Writer) error { return writeFigure(w, "png", r) }},
		outputFile{"figure.svg", func(w io.Writer) error { return writeFigure(w, "svg", r) }},
	)
	return writeFiles(dir, files)
}

// writeFiles writes the files into dir. They are written into a temporary directory
// next to dir first and moved into dir only when all of them are complete, so an
// interrupted or failed write leaves no partial set behind.
func writeFiles(dir string, files []outputFile) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	parent, base := filepath.Dir(abs), filepath.Base(abs)
	if base == string(filepath.Separator) || base == "." {
		base = "kinkscope"
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, f := range files {
		if err := writeFile(filepath.Join(tmp, f.name), f.write); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := os.Rename(filepath.Join(tmp, f.name), filepath.Join(abs, f.name)); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// formatFloat writes v with the shortest decimal that reads back to v.
func formatFloat(v float64) string { return figure.FormatExact(v) }

// writeMetrics writes metrics.csv: a column per metric of sim.MetricList. A metric
// that does not apply to the run's model is NaN.
func writeMetrics(w io.Writer, rows []sim.Metrics) error {
	keys := make([]string, len(sim.MetricList))
	for i, d := range sim.MetricList {
		keys[i] = d.Key
	}
	if _, err := fmt.Fprintln(w, strings.Join(keys, ",")); err != nil {
		return err
	}
	fields := make([]string, len(sim.MetricList))
	for _, m := range rows {
		for i := range sim.MetricList {
			fields[i] = formatFloat(sim.MetricList[i].Value(&m))
		}
		if _, err := fmt.Fprintln(w, strings.Join(fields, ",")); err != nil {
			return err
		}
	}
	return nil
}

// writeParams writes θ in the layout l: θ = [w | b | a] as one row w,b,a per neuron,
// θ = [u | v] as one row u,v per coordinate, the mlp's θ as one row per parameter.
func writeParams(w io.Writer, l sim.ParamLayout, theta []float64) error {
	cols := len(l.Columns)
	m := len(theta) / cols
	if _, err := fmt.Fprintln(w, l.Header()); err != nil {
		return err
	}
	fields := make([]string, cols)
	for j := 0; j < m; j++ {
		for k := range fields {
			fields[k] = formatFloat(theta[k*m+j])
		}
		if _, err := fmt.Fprintln(w, strings.Join(fields, ",")); err != nil {
			return err
		}
	}
	return nil
}

// writeBeta writes the final coefficients (the diagonal net's β = u ⊙ v) next to
// the truth β*, one row per coordinate k, counted from 0.
func writeBeta(w io.Writer, pic *sim.Picture) error {
	if _, err := fmt.Fprintln(w, betaHeader); err != nil {
		return err
	}
	for k, b := range pic.Coef {
		if _, err := fmt.Fprintf(w, "%d,%s,%s\n", k, formatFloat(b), formatFloat(pic.Truth[k])); err != nil {
			return err
		}
	}
	return nil
}

// writePredictor writes the final 1D predictor on the grid, as x,h, and the teacher
// next to it when there is one, as x,h,teacher.
func writePredictor(w io.Writer, pic *sim.Picture) error {
	header := "x,h"
	if pic.Teacher != nil {
		header += ",teacher"
	}
	if _, err := fmt.Fprintln(w, header); err != nil {
		return err
	}
	for i, x := range pic.X {
		line := formatFloat(x) + "," + formatFloat(pic.H[i])
		if pic.Teacher != nil {
			line += "," + formatFloat(pic.Teacher[i])
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}

// writeSettings writes every setting as key=value, the scenario first, so that the
// run can be repeated with -scenario and -set.
func writeSettings(w io.Writer, cfg sim.Config, initPath string) error {
	if _, err := fmt.Fprintf(w, "scenario=%s\n", cfg.Scenario); err != nil {
		return err
	}
	for _, s := range sim.Settings {
		if _, err := fmt.Fprintf(w, "%s=%s\n", s.Key, cfg.Get(s.Key)); err != nil {
			return err
		}
	}
	if initPath != "" {
		// A comment, so that the file stays a list of settings: the parameters
		// themselves are in init.csv.
		if _, err := fmt.Fprintf(w, "# started from -init %s (copied to init.csv)\n", initPath); err != nil {
			return err
		}
	}
	return nil
}

// readInit reads initial parameters in the format of params.csv for the model of
// cfg: header w,b,a and one row per neuron, header u,v and one row per coordinate,
// or header theta and one row per parameter. When the size (width or dim) was not
// set explicitly it becomes the file's number of rows; otherwise the two must agree.
// The mlp's rows must be as many as the parameters of its layers, dim and biases. It
// returns θ, the columns one after the other.
func readInit(path string, cfg *sim.Config, sizeSet bool) ([]float64, error) {
	l := layoutOf(cfg)
	f, err := os.Open(path)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("empty file, want a header line %s", l.Header())
	}
	if err != nil {
		return nil, err
	}
	if got := strings.Join(trimFields(header), ","); got != l.Header() {
		return nil, fmt.Errorf("header %q, want %s for model %s", got, l.Header(), cfg.Model)
	}
	cols := make([][]float64, len(l.Columns))
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(cols) {
			return nil, fmt.Errorf("line %d: %d fields, want %d (%s)", line, len(rec), len(cols), l.Header())
		}
		for k, s := range trimFields(rec) {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("line %d: %s %q is not a finite number", line, l.Columns[k], s)
			}
			cols[k] = append(cols[k], x)
		}
	}
	m := len(cols[0])
	if m == 0 {
		return nil, fmt.Errorf("no %ss after the header", l.Row)
	}
	if l.Size == "" {
		if m*len(cols) != l.Params {
			return nil, fmt.Errorf("%s, but %s have %d", plural(m, l.Row), l.What, l.Params)
		}
		return slices.Concat(cols...), nil
	}
	switch current, _ := strconv.Atoi(cfg.Get(l.Size)); {
	case sizeSet && m != current:
		return nil, fmt.Errorf("%s, but %s is set to %d", plural(m, l.Row), l.Size, current)
	case !sizeSet:
		validBefore := cfg.Validate() == nil
		if err := cfg.Set(l.Size, strconv.Itoa(m)); err != nil {
			return nil, fmt.Errorf("%s: %s", plural(m, l.Row), trimSim(err))
		}
		// Say that the file set the size when that is what breaks the config (a
		// support larger than the dimension), not leave it to the run to report.
		if err := cfg.Validate(); err != nil && validBefore {
			return nil, fmt.Errorf("%s set %s = %d: %s", plural(m, l.Row), l.Size, m, trimSim(err))
		}
	}
	return slices.Concat(cols...), nil
}

func trimFields(rec []string) []string {
	out := make([]string, len(rec))
	for i, s := range rec {
		out[i] = strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))
	}
	return out
}
