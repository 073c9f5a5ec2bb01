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
	"strconv"
	"strings"

	"kinkscope/sim"
)

// Predictor grid: predictorPoints points from min x − predictorMargin to
// max x + predictorMargin, as the reference draws the final predictor.
const (
	predictorPoints = 1001
	predictorMargin = 0.05
)

// metricsHeader is the first line of metrics.csv.
const metricsHeader = "iter,lr,train_loss,rank,feature_sparsity,kinks,raw_kinks"

// paramsHeader is the first line of params.csv and init.csv, and what -init reads.
var paramsHeader = []string{"w", "b", "a"}

// outputFile is one file of a run's output directory.
type outputFile struct {
	name  string
	write func(io.Writer) error
}

// writeOutputs writes every output of run r into dir. The files are written into a
// temporary directory next to dir first and moved into dir only when all of them are
// complete, so an interrupted or failed write leaves no partial set behind.
func writeOutputs(dir string, r *sim.Run, cfg sim.Config, theta0 []float64, initPath string) error {
	files := []outputFile{
		{"metrics.csv", func(w io.Writer) error { return writeMetrics(w, r.History().Rows()) }},
		{"params.csv", func(w io.Writer) error { return writeParams(w, r.Net().Params()) }},
		{"init.csv", func(w io.Writer) error { return writeParams(w, theta0) }},
		{"predictor.csv", func(w io.Writer) error { return writePredictor(w, r) }},
		{"settings.txt", func(w io.Writer) error { return writeSettings(w, cfg, initPath) }},
		{"figure.png", func(w io.Writer) error { return writeFigure(w, "png", r) }},
		{"figure.svg", func(w io.Writer) error { return writeFigure(w, "svg", r) }},
	}
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
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func writeMetrics(w io.Writer, rows []sim.Metrics) error {
	if _, err := fmt.Fprintln(w, metricsHeader); err != nil {
		return err
	}
	for _, m := range rows {
		_, err := fmt.Fprintf(w, "%d,%s,%s,%s,%s,%s,%s\n", m.Iter, formatFloat(m.LR), formatFloat(m.TrainLoss),
			formatFloat(m.Rank), formatFloat(m.FeatureSparsity), formatFloat(m.Kinks), formatFloat(m.RawKinks))
		if err != nil {
			return err
		}
	}
	return nil
}

// writeParams writes θ = [w | b | a] as one row w,b,a per neuron.
func writeParams(w io.Writer, theta []float64) error {
	m := len(theta) / 3
	if _, err := fmt.Fprintln(w, strings.Join(paramsHeader, ",")); err != nil {
		return err
	}
	for j := 0; j < m; j++ {
		if _, err := fmt.Fprintf(w, "%s,%s,%s\n", formatFloat(theta[j]), formatFloat(theta[m+j]), formatFloat(theta[2*m+j])); err != nil {
			return err
		}
	}
	return nil
}

// predictorGrid returns the x values the final predictor is drawn at.
func predictorGrid(ds *sim.Dataset) []float64 {
	lo, hi := ds.Range()
	lo, hi = lo-predictorMargin, hi+predictorMargin
	xs := make([]float64, predictorPoints)
	for i := range xs {
		xs[i] = lo + (hi-lo)*float64(i)/float64(predictorPoints-1)
	}
	return xs
}

func writePredictor(w io.Writer, r *sim.Run) error {
	if _, err := fmt.Fprintln(w, "x,h"); err != nil {
		return err
	}
	for _, x := range predictorGrid(r.Data()) {
		if _, err := fmt.Fprintf(w, "%s,%s\n", formatFloat(x), formatFloat(r.Net().At(x))); err != nil {
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

// readInit reads initial parameters in the format of params.csv. When the width was
// not set explicitly it becomes the file's number of neurons; otherwise the two must
// agree. It returns θ = [w | b | a].
func readInit(path string, cfg *sim.Config, widthSet bool) ([]float64, error) {
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
		return nil, fmt.Errorf("empty file, want a header line w,b,a")
	}
	if err != nil {
		return nil, err
	}
	if got := strings.Join(trimFields(header), ","); got != strings.Join(paramsHeader, ",") {
		return nil, fmt.Errorf("header %q, want w,b,a", got)
	}
	var w, b, a []float64
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != 3 {
			return nil, fmt.Errorf("line %d: %d fields, want 3 (w,b,a)", line, len(rec))
		}
		var v [3]float64
		for k, s := range trimFields(rec) {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("line %d: %s %q is not a finite number", line, paramsHeader[k], s)
			}
			v[k] = x
		}
		w, b, a = append(w, v[0]), append(b, v[1]), append(a, v[2])
	}
	m := len(w)
	if m == 0 {
		return nil, fmt.Errorf("no neurons after the header")
	}
	switch {
	case widthSet && m != cfg.Width:
		return nil, fmt.Errorf("%d neurons, but width is set to %d", m, cfg.Width)
	case !widthSet:
		if err := cfg.Set("width", strconv.Itoa(m)); err != nil {
			return nil, fmt.Errorf("%d neurons: %s", m, trimSim(err))
		}
	}
	return append(append(w, b...), a...), nil
}

func trimFields(rec []string) []string {
	out := make([]string, len(rec))
	for i, s := range rec {
		out[i] = strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))
	}
	return out
}
