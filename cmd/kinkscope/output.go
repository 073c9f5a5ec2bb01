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

	"kinkscope/sim"
)

// Predictor grid: predictorPoints points from min x − predictorMargin to
// max x + predictorMargin, as the reference draws the final predictor.
const (
	predictorPoints = 1001
	predictorMargin = 0.05
)

// metricsHeader is the first line of metrics.csv. A metric that does not apply to
// the run's model (kinks of a diagonal net, ‖β‖₀ of a ReLU net, the per-layer
// feature sparsity of anything but the mlp) is NaN. Columns added later go at the
// end, so that scripts reading the earlier ones by position keep working.
const metricsHeader = "iter,lr,train_loss,test_loss,rank,feature_sparsity,kinks,raw_kinks,l0,l1,feature_sparsity_l1,feature_sparsity_l2"

// betaHeader is the first line of beta.csv.
const betaHeader = "k,beta,beta_star"

// paramLayout is how a model's θ reads as a table (params.csv, init.csv and what
// -init reads): θ is the concatenation of the columns, one row per neuron or
// coordinate, or for the mlp one column with a row per parameter in θ's order.
type paramLayout struct {
	columns []string // the header
	size    string   // the setting the number of rows sets, or "" when rows are parameters
	row     string   // what a row is
}

var (
	reluLayout     = paramLayout{columns: []string{"w", "b", "a"}, size: "width", row: "neuron"}
	diagonalLayout = paramLayout{columns: []string{"u", "v"}, size: "dim", row: "coordinate"}
	mlpLayout      = paramLayout{columns: []string{"theta"}, row: "parameter"}
)

// layoutOf returns the parameter table of model m.
func layoutOf(m sim.ModelKind) paramLayout {
	switch m {
	case sim.ModelDiagonal:
		return diagonalLayout
	case sim.ModelMLP:
		return mlpLayout
	}
	return reluLayout
}

func (l paramLayout) header() string { return strings.Join(l.columns, ",") }

// outputFile is one file of a run's output directory.
type outputFile struct {
	name  string
	write func(io.Writer) error
}

// writeOutputs writes every output of run r into dir. The files are written into a
// temporary directory next to dir first and moved into dir only when all of them are
// complete, so an interrupted or failed write leaves no partial set behind.
func writeOutputs(dir string, r *sim.Run, cfg sim.Config, theta0 []float64, initPath string) error {
	layout := layoutOf(cfg.Model)
	files := []outputFile{
		{"metrics.csv", func(w io.Writer) error { return writeMetrics(w, r.History().Rows()) }},
		{"params.csv", func(w io.Writer) error { return writeParams(w, layout, r.Model().Params()) }},
		{"init.csv", func(w io.Writer) error { return writeParams(w, layout, theta0) }},
	}
	switch {
	case r.Diagonal() != nil:
		files = append(files, outputFile{"beta.csv", func(w io.Writer) error { return writeBeta(w, r) }})
	case r.MLP() == nil || r.MLP().InputDim() == 1:
		files = append(files, outputFile{"predictor.csv", func(w io.Writer) error { return writePredictor(w, r) }})
	}
	files = append(files,
		outputFile{"settings.txt", func(w io.Writer) error { return writeSettings(w, cfg, initPath) }},
		outputFile{"figure.png", func(w io.Writer) error { return writeFigure(w, "png", r) }},
		outputFile{"figure.svg", func(w io.Writer) error { return writeFigure(w, "svg", r) }},
	)
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
		_, err := fmt.Fprintf(w, "%d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", m.Iter, formatFloat(m.LR),
			formatFloat(m.TrainLoss), formatFloat(m.TestLoss), formatFloat(m.Rank), formatFloat(m.FeatureSparsity),
			formatFloat(m.Kinks), formatFloat(m.RawKinks), formatFloat(m.L0), formatFloat(m.L1),
			formatFloat(m.FeatureSparsityL1), formatFloat(m.FeatureSparsityL2))
		if err != nil {
			return err
		}
	}
	return nil
}

// writeParams writes θ in the layout l: θ = [w | b | a] as one row w,b,a per neuron,
// θ = [u | v] as one row u,v per coordinate, the mlp's θ as one row per parameter.
func writeParams(w io.Writer, l paramLayout, theta []float64) error {
	cols := len(l.columns)
	m := len(theta) / cols
	if _, err := fmt.Fprintln(w, l.header()); err != nil {
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

// writeBeta writes the diagonal net's final β = u ⊙ v next to the ground truth β*,
// one row per coordinate k, counted from 0.
func writeBeta(w io.Writer, r *sim.Run) error {
	if _, err := fmt.Fprintln(w, betaHeader); err != nil {
		return err
	}
	d := r.Diagonal()
	beta := d.Beta(make([]float64, d.Dim()))
	star := r.BetaStar()
	for k, b := range beta {
		if _, err := fmt.Fprintf(w, "%d,%s,%s\n", k, formatFloat(b), formatFloat(star[k])); err != nil {
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

// predictorOf returns the final 1D predictor of run r: the ReLU net's or the mlp's.
func predictorOf(r *sim.Run) func(float64) float64 {
	if n := r.MLP(); n != nil {
		return n.At
	}
	return r.Net().At
}

// writePredictor writes the final 1D predictor on the grid, as x,h, and for the mlp
// the teacher next to it, as x,h,teacher.
func writePredictor(w io.Writer, r *sim.Run) error {
	header, teacher := "x,h", r.Teacher()
	if teacher != nil {
		header += ",teacher"
	}
	if _, err := fmt.Fprintln(w, header); err != nil {
		return err
	}
	h := predictorOf(r)
	for _, x := range predictorGrid(r.Data()) {
		line := formatFloat(x) + "," + formatFloat(h(x))
		if teacher != nil {
			line += "," + formatFloat(teacher.At(x))
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
	l := layoutOf(cfg.Model)
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
		return nil, fmt.Errorf("empty file, want a header line %s", l.header())
	}
	if err != nil {
		return nil, err
	}
	if got := strings.Join(trimFields(header), ","); got != l.header() {
		return nil, fmt.Errorf("header %q, want %s for model %s", got, l.header(), cfg.Model)
	}
	cols := make([][]float64, len(l.columns))
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
			return nil, fmt.Errorf("line %d: %d fields, want %d (%s)", line, len(rec), len(cols), l.header())
		}
		for k, s := range trimFields(rec) {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("line %d: %s %q is not a finite number", line, l.columns[k], s)
			}
			cols[k] = append(cols[k], x)
		}
	}
	m := len(cols[0])
	if m == 0 {
		return nil, fmt.Errorf("no %ss after the header", l.row)
	}
	if l.size == "" {
		if want := sim.MLPParams(cfg.Dim, cfg.Layers, cfg.Biases); m != want {
			return nil, fmt.Errorf("%s, but layers %s with dim %d and biases %s have %d", plural(m, l.row), cfg.Get("layers"), cfg.Dim, cfg.Get("biases"), want)
		}
		return cols[0], nil
	}
	switch current, _ := strconv.Atoi(cfg.Get(l.size)); {
	case sizeSet && m != current:
		return nil, fmt.Errorf("%s, but %s is set to %d", plural(m, l.row), l.size, current)
	case !sizeSet:
		validBefore := cfg.Validate() == nil
		if err := cfg.Set(l.size, strconv.Itoa(m)); err != nil {
			return nil, fmt.Errorf("%s: %s", plural(m, l.row), trimSim(err))
		}
		// Say that the file set the size when that is what breaks the config (a
		// support larger than the dimension), not leave it to the run to report.
		if err := cfg.Validate(); err != nil && validBefore {
			return nil, fmt.Errorf("%s set %s = %d: %s", plural(m, l.row), l.size, m, trimSim(err))
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
