package main

import (
	"bytes"
	"fmt"
	"html"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"

	"kinkscope/sim"
)

// shortIters keeps the test runs fast while leaving room for a few snapshots and
// the schedule's decay.
const shortIters = "iters=3000"

// outputNames are the files a ReLU run writes; diagOutputNames those of a diagonal
// net's run.
var (
	outputNames     = []string{"figure.png", "figure.svg", "init.csv", "metrics.csv", "params.csv", "predictor.csv", "settings.txt"}
	diagOutputNames = []string{"beta.csv", "figure.png", "figure.svg", "init.csv", "metrics.csv", "params.csv", "settings.txt"}
)

// wantMetricsHeader is spelled out rather than taken from metricsHeader, so that a
// change of the file format has to change a test too.
const wantMetricsHeader = "iter,lr,train_loss,test_loss,rank,feature_sparsity,kinks,raw_kinks,l0,l1,feature_sparsity_l1,feature_sparsity_l2,train_error,test_error,feature_sparsity_mid,feature_sparsity_last,nonzero_mid,nonzero_last"

// Columns of metrics.csv.
const (
	colIter = iota
	colLR
	colTrainLoss
	colTestLoss
	colRank
	colFeatureSparsity
	colKinks
	colRawKinks
	colL0
	colL1
	colFeatureSparsityL1
	colFeatureSparsityL2
	colTrainError
	colTestError
	colFeatureSparsityMid
	colFeatureSparsityLast
	colNonZeroMid
	colNonZeroLast
	numMetricsCols
)

// classifierCols are the metrics of the image classifier, NaN for the other models.
var classifierCols = []int{colTrainError, colTestError, colFeatureSparsityMid, colFeatureSparsityLast, colNonZeroMid, colNonZeroLast}

// kinkscope runs the command line in-process.
func kinkscope(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// csvRows returns the lines of a CSV file after checking its header.
func csvRows(t *testing.T, path, header string) [][]string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(readFile(t, path), "\n"), "\n")
	if lines[0] != header {
		t.Fatalf("%s header = %q, want %q", filepath.Base(path), lines[0], header)
	}
	var rows [][]string
	for _, l := range lines[1:] {
		rows = append(rows, strings.Split(l, ","))
	}
	return rows
}

// dirNames returns the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// checkFigure checks that figure.png decodes to a figure-sized image and that
// figure.svg holds every wanted text, drawn only with glyphs the font has (a missing
// glyph draws as an empty box).
func checkFigure(t *testing.T, dir string, want ...string) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "figure.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("figure.png: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 600 {
		t.Errorf("figure.png is %v, want at least 800×600", b.Size())
	}
	svg := readFile(t, filepath.Join(dir, "figure.svg"))
	if !strings.Contains(svg, "<svg") {
		t.Fatalf("figure.svg is not an SVG")
	}
	texts := svgTexts(svg)
	all := strings.Join(texts, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("figure.svg has no text containing %q; texts:\n%s", w, all)
		}
	}
	face := font.DefaultCache.Lookup(plot.New().Title.TextStyle.Font, 12)
	var buf sfnt.Buffer
	for _, text := range texts {
		for _, r := range text {
			if i, err := face.Face.GlyphIndex(&buf, r); err != nil || i == 0 {
				t.Errorf("figure text %q uses %q (U+%04X), which %s lacks", text, r, r, face.Font.Typeface)
			}
		}
	}
}

var svgText = regexp.MustCompile(`(?s)<text[^>]*>(.*?)</text>`)

// svgTexts returns the unescaped contents of the <text> elements of svg.
func svgTexts(svg string) []string {
	var out []string
	for _, m := range svgText.FindAllStringSubmatch(svg, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

func parseFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("ParseFloat(%q): %v", s, err)
	}
	return v
}

func TestList(t *testing.T) {
	code, out, errOut := kinkscope(t, "list")
	if code != exitOK || errOut != "" {
		t.Fatalf("list: exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(sim.Scenarios) {
		t.Fatalf("list printed %d lines, want %d:\n%s", len(lines), len(sim.Scenarios), out)
	}
	col := -1
	for i, s := range sim.Scenarios {
		if !strings.HasPrefix(lines[i], s.Name+" ") || !strings.HasSuffix(lines[i], s.Caption) {
			t.Errorf("line %d = %q, want %s, padding, then %q", i, lines[i], s.Name, s.Caption)
		}
		// Captions line up.
		c := strings.Index(lines[i], s.Caption)
		if col >= 0 && c != col {
			t.Errorf("caption of %s starts at byte %d, want %d", s.Name, c, col)
		}
		col = c
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		code, out, _ := kinkscope(t, args...)
		if code != exitOK {
			t.Errorf("%v: exit %d, want %d", args, code, exitOK)
		}
		for _, want := range []string{"list", "run", "serve", "help"} {
			if !strings.Contains(out, "kinkscope "+want) {
				t.Errorf("%v: usage does not mention kinkscope %s", args, want)
			}
		}
		for _, s := range sim.Settings {
			if !strings.Contains(out, s.Key) || !strings.Contains(out, s.Doc) || !strings.Contains(out, s.Range) {
				t.Errorf("%v: usage lacks setting %s with its doc and range %s", args, s.Key, s.Range)
			}
		}
	}
	code, out, errOut := kinkscope(t)
	if code != exitBadArgs || out != "" || !strings.Contains(errOut, "usage:") {
		t.Errorf("no arguments: exit %d, stdout %q, stderr without usage; want exit %d and usage on stderr", code, out, exitBadArgs)
	}
}

func TestRunWritesOutputs(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	code, out, errOut := kinkscope(t, "run", "-scenario", "relu1d-large", "-out", dir, "-seed", "5", "-set", shortIters)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if out != "" {
		t.Errorf("stdout = %q, want nothing", out)
	}
	// Progress in place, then a newline and the summary.
	if !strings.HasPrefix(errOut, "\r") || !strings.Contains(errOut, "\ndone: iter 3000, train loss ") {
		t.Errorf("stderr = %q, want a \\r progress line and a summary", errOut)
	}
	if lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n"); len(lines) != 2 {
		t.Errorf("stderr has %d lines, want progress and summary:\n%q", len(lines), errOut)
	}

	if names := dirNames(t, dir); !slices.Equal(names, outputNames) {
		t.Errorf("files = %v, want %v", names, outputNames)
	}
	if siblings, _ := os.ReadDir(parent); len(siblings) != 1 {
		t.Errorf("the parent holds %d entries, want only the output directory (temporary files left?)", len(siblings))
	}

	rows := metricsRows(t, dir, []int{colTestLoss, colL0, colL1, colFeatureSparsityL1, colFeatureSparsityL2})
	if len(rows) < 10 {
		t.Fatalf("metrics.csv has %d rows, want one per snapshot", len(rows))
	}
	for i, r := range rows {
		if fs := parseFloat(t, r[colFeatureSparsity]); fs < 0 || fs > 1 {
			t.Errorf("metrics row %d: feature_sparsity = %v, want a fraction in [0, 1]", i, fs)
		}
	}
	if last := rows[len(rows)-1][colIter]; last != "3000" {
		t.Errorf("last metrics iter = %s, want 3000", last)
	}

	for _, name := range []string{"params.csv", "init.csv"} {
		rows := csvRows(t, filepath.Join(dir, name), "w,b,a")
		if len(rows) != 100 {
			t.Errorf("%s has %d rows, want width 100", name, len(rows))
		}
		for _, r := range rows {
			if len(r) != 3 {
				t.Fatalf("%s row %v, want 3 fields", name, r)
			}
			for _, s := range r {
				parseFloat(t, s)
			}
		}
	}

	pred := csvRows(t, filepath.Join(dir, "predictor.csv"), "x,h")
	if len(pred) != predictorPoints {
		t.Fatalf("predictor.csv has %d rows, want %d", len(pred), predictorPoints)
	}
	lo, hi := sim.PaperPoints().Range()
	const tol = 1e-12
	if x0, x1 := parseFloat(t, pred[0][0]), parseFloat(t, pred[len(pred)-1][0]); math.Abs(x0-(lo-0.05)) > tol || math.Abs(x1-(hi+0.05)) > tol {
		t.Errorf("predictor grid [%v, %v], want [%v, %v]", x0, x1, lo-0.05, hi+0.05)
	}

	settings := strings.Split(strings.TrimSuffix(readFile(t, filepath.Join(dir, "settings.txt")), "\n"), "\n")
	if settings[0] != "scenario=relu1d-large" {
		t.Errorf("settings.txt starts with %q, want scenario=relu1d-large", settings[0])
	}
	if len(settings) != 1+len(sim.Settings) {
		t.Errorf("settings.txt has %d lines, want the scenario and %d settings", len(settings), len(sim.Settings))
	}
	for _, want := range []string{"seed=5", "iters=3000", "width=100"} {
		if !slices.Contains(settings, want) {
			t.Errorf("settings.txt lacks %s", want)
		}
	}

	checkFigure(t, dir, "relu1d-large · seed 5 · width 100 · sgd, batch 1", "Train loss", "Final predictor", "Jacobian rank", "Feature sparsity")
}

// metricsRows returns the rows of dir/metrics.csv after checking the header, the
// field count, increasing iterations, and that the columns nan are NaN and all
// others finite, as in a healthy run.
func metricsRows(t *testing.T, dir string, nan []int) [][]string {
	t.Helper()
	nan = append(slices.Clone(nan), classifierCols...) // a scalar model's run
	rows := csvRows(t, filepath.Join(dir, "metrics.csv"), wantMetricsHeader)
	prev := -1
	for i, r := range rows {
		if len(r) != numMetricsCols {
			t.Fatalf("metrics row %d has %d fields, want %d", i, len(r), numMetricsCols)
		}
		iter, err := strconv.Atoi(r[colIter])
		if err != nil || iter <= prev {
			t.Fatalf("metrics row %d: iter %q after %d, want increasing integers", i, r[colIter], prev)
		}
		prev = iter
		for k := colLR; k < numMetricsCols; k++ {
			v := parseFloat(t, r[k])
			switch {
			case slices.Contains(nan, k) && !math.IsNaN(v):
				t.Errorf("metrics row %d field %d = %s, want NaN (does not apply)", i, k, r[k])
			case !slices.Contains(nan, k) && (math.IsNaN(v) || math.IsInf(v, 0)):
				t.Errorf("metrics row %d field %d = %s, want a finite number in a healthy run", i, k, r[k])
			}
		}
	}
	return rows
}

// A diagonal net's run writes β and β* instead of the predictor, u,v parameters and
// its own metrics, all consistent with each other.
func TestDiagRunWritesOutputs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	code, out, errOut := kinkscope(t, "run", "-scenario", "diag-decay50", "-out", dir, "-set", shortIters, "-set", "log_every=300")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if out != "" {
		t.Errorf("stdout = %q, want nothing", out)
	}
	for _, want := range []string{"  test ", "  ‖β‖₀ ", "\ndone: iter 3000, train loss ", ", test loss ", ", ‖β‖₀ "} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr does not contain %q:\n%q", want, errOut)
		}
	}
	if names := dirNames(t, dir); !slices.Equal(names, diagOutputNames) {
		t.Errorf("files = %v, want %v", names, diagOutputNames)
	}
	const d = 200

	rows := metricsRows(t, dir, []int{colFeatureSparsity, colKinks, colRawKinks, colFeatureSparsityL1, colFeatureSparsityL2})
	if len(rows) != 11 {
		t.Errorf("metrics.csv has %d rows, want 11 (every 300 of 3000 iterations)", len(rows))
	}
	for i, r := range rows {
		if want := strconv.Itoa(300 * i); r[colIter] != want {
			t.Errorf("metrics row %d: iter %s, want %s", i, r[colIter], want)
		}
		if l0, err := strconv.Atoi(r[colL0]); err != nil || l0 < 0 || l0 > d {
			t.Errorf("metrics row %d: l0 = %s, want an integer in [0, %d]", i, r[colL0], d)
		}
		if rank, err := strconv.Atoi(r[colRank]); err != nil || rank < 0 || rank > d {
			t.Errorf("metrics row %d: rank = %s, want an integer in [0, %d]", i, r[colRank], d)
		}
		if v := parseFloat(t, r[colTestLoss]); !(v > 0) {
			t.Errorf("metrics row %d: test_loss = %s, want positive", i, r[colTestLoss])
		}
		if v := parseFloat(t, r[colL1]); !(v >= 0) {
			t.Errorf("metrics row %d: l1 = %s, want ≥ 0", i, r[colL1])
		}
	}
	// β = u ⊙ v starts at 0 (v₀ = 0); one step later every coordinate is non-zero.
	if rows[0][colL0] != "0" || rows[1][colL0] == "0" {
		t.Errorf("l0 = %s at iteration 0 and %s at 300, want 0 then positive", rows[0][colL0], rows[1][colL0])
	}

	readUV := func(name string) (u, v []float64) {
		rows := csvRows(t, filepath.Join(dir, name), "u,v")
		if len(rows) != d {
			t.Fatalf("%s has %d rows, want dim %d", name, len(rows), d)
		}
		for _, r := range rows {
			if len(r) != 2 {
				t.Fatalf("%s row %v, want 2 fields", name, r)
			}
			u, v = append(u, parseFloat(t, r[0])), append(v, parseFloat(t, r[1]))
		}
		return u, v
	}
	u0, v0 := readUV("init.csv")
	for k := range u0 {
		if u0[k] != 0.1 || v0[k] != 0 {
			t.Fatalf("init.csv row %d = %v,%v, want the reference 0.1,0", k, u0[k], v0[k])
		}
	}
	u, v := readUV("params.csv")

	beta := csvRows(t, filepath.Join(dir, "beta.csv"), "k,beta,beta_star")
	if len(beta) != d {
		t.Fatalf("beta.csv has %d rows, want %d", len(beta), d)
	}
	l0, support, norm := 0, 0, 0.0
	for k, r := range beta {
		if len(r) != 3 || r[0] != strconv.Itoa(k) {
			t.Fatalf("beta.csv row %d = %v, want k = %d and two numbers", k, r, k)
		}
		b, star := parseFloat(t, r[1]), parseFloat(t, r[2])
		if b != u[k]*v[k] {
			t.Errorf("beta.csv row %d: beta = %v, want u·v = %v from params.csv", k, b, u[k]*v[k])
		}
		if math.Abs(b) > sim.L0Threshold {
			l0++
		}
		if star != 0 {
			support++
		}
		norm += star * star
	}
	if got := rows[len(rows)-1][colL0]; got != strconv.Itoa(l0) {
		t.Errorf("final l0 = %s, want %d, the non-zeros of beta.csv", got, l0)
	}
	const tol = 1e-12
	if support != 20 || math.Abs(norm-1) > tol {
		t.Errorf("beta_star has %d non-zeros and ‖β*‖² = %v, want 20 and 1", support, norm)
	}

	last := rows[len(rows)-1]
	checkFigure(t, dir, "diag-decay50 · seed 1 · d = 200, n = 80, r = 20 · sgd, batch 1",
		"test loss "+fmt.Sprintf("%.3g", parseFloat(t, last[colTestLoss])), "‖β‖₀ "+last[colL0],
		"Train loss", "Test loss", "Jacobian rank", "‖β‖₀", "step decay ÷1.5")
}

// The SDE runs: the figure's header says so, with its δ.
func TestSDERuns(t *testing.T) {
	tests := []struct {
		scenario, sets string // sets: settings key=value, comma-separated
		nan            []int
		header         string
	}{
		{"relu1d-sde", shortIters, []int{colTestLoss, colL0, colL1, colFeatureSparsityL1, colFeatureSparsityL2}, "relu1d-sde · seed 1 · width 100 · sde, δ matched · "},
		{"diag-sde", "iters=300", []int{colFeatureSparsity, colKinks, colRawKinks, colFeatureSparsityL1, colFeatureSparsityL2}, " · sde, δ = 0.00075 · "},
		{"teacher3-const", "iters=300,method=sde", []int{colL0, colL1}, "teacher3-const · seed 1 · d = 1, layers 10,10, n = 50 · sde, δ matched · "},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			args := []string{"run", "-scenario", tt.scenario, "-out", dir}
			for _, kv := range strings.Split(tt.sets, ",") {
				args = append(args, "-set", kv)
			}
			if code, _, errOut := kinkscope(t, args...); code != exitOK {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
			}
			metricsRows(t, dir, tt.nan)
			checkFigure(t, dir, tt.header)
		})
	}
}

// A run from another run's init.csv repeats it exactly: init.csv documents the start.
func TestInitReproducesRun(t *testing.T) {
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	args := []string{"-scenario", "relu1d-large", "-seed", "11", "-set", shortIters, "-set", "label_noise=0.01"}
	if code, _, errOut := kinkscope(t, append([]string{"run", "-out", a}, args...)...); code != exitOK {
		t.Fatalf("first run: exit %d: %s", code, errOut)
	}
	if code, _, errOut := kinkscope(t, append([]string{"run", "-out", b, "-init", filepath.Join(a, "init.csv")}, args...)...); code != exitOK {
		t.Fatalf("run from init.csv: exit %d: %s", code, errOut)
	}
	for _, name := range []string{"metrics.csv", "params.csv", "init.csv", "predictor.csv"} {
		if readFile(t, filepath.Join(a, name)) != readFile(t, filepath.Join(b, name)) {
			t.Errorf("%s of the run from init.csv differs from the original's", name)
		}
	}
	if s := readFile(t, filepath.Join(b, "settings.txt")); !strings.Contains(s, "\n# started from -init ") {
		t.Errorf("settings.txt of an -init run does not say so:\n%s", s)
	}
}

// The same for a diagonal net; and a run from another's final params.csv starts
// exactly there.
func TestDiagInitReproducesRun(t *testing.T) {
	tmp := t.TempDir()
	a, b, c := filepath.Join(tmp, "a"), filepath.Join(tmp, "b"), filepath.Join(tmp, "c")
	args := []string{"-scenario", "diag-decay50", "-seed", "7", "-set", shortIters, "-set", "log_every=300"}
	if code, _, errOut := kinkscope(t, append([]string{"run", "-out", a}, args...)...); code != exitOK {
		t.Fatalf("first run: exit %d: %s", code, errOut)
	}
	if code, _, errOut := kinkscope(t, append([]string{"run", "-out", b, "-init", filepath.Join(a, "init.csv")}, args...)...); code != exitOK {
		t.Fatalf("run from init.csv: exit %d: %s", code, errOut)
	}
	for _, name := range []string{"metrics.csv", "params.csv", "init.csv", "beta.csv"} {
		if readFile(t, filepath.Join(a, name)) != readFile(t, filepath.Join(b, name)) {
			t.Errorf("%s of the run from init.csv differs from the original's", name)
		}
	}
	if code, _, errOut := kinkscope(t, append([]string{"run", "-out", c, "-init", filepath.Join(a, "params.csv")}, args...)...); code != exitOK {
		t.Fatalf("run from params.csv: exit %d: %s", code, errOut)
	}
	if readFile(t, filepath.Join(c, "init.csv")) != readFile(t, filepath.Join(a, "params.csv")) {
		t.Errorf("init.csv of the run from params.csv differs from that params.csv")
	}
}

// Without -set dim, -init takes the dimension from the file; with it, they must agree.
func TestInitSetsDim(t *testing.T) {
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	small := []string{"-scenario", "diag-const", "-set", "support=5", "-set", "iters=200"}
	if code, _, errOut := kinkscope(t, append([]string{"run", "-out", a, "-set", "dim=30"}, small...)...); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	params := filepath.Join(a, "params.csv")
	if code, _, errOut := kinkscope(t, append([]string{"run", "-out", b, "-init", params}, small...)...); code != exitOK {
		t.Fatalf("run from a dim-30 params.csv: exit %d: %s", code, errOut)
	}
	if s := readFile(t, filepath.Join(b, "settings.txt")); !strings.Contains(s, "\ndim=30\n") {
		t.Errorf("settings.txt does not have dim=30:\n%s", s)
	}
	if got := len(csvRows(t, filepath.Join(b, "beta.csv"), "k,beta,beta_star")); got != 30 {
		t.Errorf("beta.csv has %d rows, want 30", got)
	}
	code, _, errOut := kinkscope(t, append([]string{"run", "-out", filepath.Join(tmp, "c"), "-init", params, "-set", "dim=40"}, small...)...)
	if want := "30 coordinates, but dim is set to 40"; code != exitBadArgs || !strings.Contains(errOut, want) {
		t.Errorf("dim=40 with a 30-row file: exit %d, stderr %q; want %d and %q", code, errOut, exitBadArgs, want)
	}
}

// Without -set width, -init takes the width from the file.
func TestInitSetsWidth(t *testing.T) {
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	if code, _, errOut := kinkscope(t, "run", "-scenario", "relu1d-small", "-out", a, "-set", "width=7", "-set", "iters=200"); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if code, _, errOut := kinkscope(t, "run", "-scenario", "relu1d-small", "-out", b, "-init", filepath.Join(a, "params.csv"), "-set", "iters=200"); code != exitOK {
		t.Fatalf("run from a width-7 params.csv: exit %d: %s", code, errOut)
	}
	if s := readFile(t, filepath.Join(b, "settings.txt")); !strings.Contains(s, "\nwidth=7\n") {
		t.Errorf("settings.txt does not have width=7:\n%s", s)
	}
	if got, want := readFile(t, filepath.Join(b, "init.csv")), readFile(t, filepath.Join(a, "params.csv")); got != want {
		t.Errorf("init.csv differs from the -init file")
	}
}

func TestRunDiverges(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	code, _, errOut := kinkscope(t, "run", "-scenario", "relu1d-large", "-out", dir, "-set", "lr=1", "-set", shortIters)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFailed, errOut)
	}
	if !strings.Contains(errOut, "kinkscope: diverged at step ") {
		t.Errorf("stderr does not report the divergence:\n%s", errOut)
	}
	for _, name := range outputNames {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("diverged run did not write %s: %v", name, err)
		}
	}
	rows := csvRows(t, filepath.Join(dir, "metrics.csv"), wantMetricsHeader)
	if last := rows[len(rows)-1][0]; last == "3000" {
		t.Errorf("last snapshot at iteration %s, want the iteration of the divergence", last)
	}
}

func TestRunBadInput(t *testing.T) {
	tmp := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	aFile := write("a-file", "not a directory\n")
	badHeader := write("bad-header.csv", "w,b,c\n1,2,3\n")
	badNumber := write("bad-number.csv", "w,b,a\n1,2,3\n1,x,3\n")
	nanValue := write("nan.csv", "w,b,a\n1,2,NaN\n")
	badFields := write("bad-fields.csv", "w,b,a\n1,2\n")
	empty := write("empty.csv", "")
	headerOnly := write("header-only.csv", "w,b,a\n")
	twoNeurons := write("two.csv", "w,b,a\n1,0,1\n-1,0,1\n")
	uvFields := write("uv-fields.csv", "u,v\n0.1,0\n0.1\n")
	uvNumber := write("uv-number.csv", "u,v\n0.1,0\n0.1,zero\n")
	uvEmpty := write("uv-header-only.csv", "u,v\n")
	uvTwo := write("uv-two.csv", "u,v\n0.1,0\n0.1,0\n")

	tests := []struct {
		name string
		args []string
		want string // in the error line
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"run", "-scenario", "relu1d-large", "-bogus"}, "-bogus"},
		{"missing scenario", []string{"run"}, "-scenario is required"},
		{"missing out", []string{"run", "-scenario", "relu1d-large"}, "-out is required"},
		{"extra argument", []string{"run", "-scenario", "relu1d-large", "extra"}, `unexpected argument "extra"`},
		{"unknown scenario", []string{"run", "-scenario", "relu9d"}, `unknown scenario "relu9d"`},
		{"unknown setting", []string{"run", "-scenario", "relu1d-large", "-set", "colour=red"}, `unknown setting "colour"`},
		{"out of range", []string{"run", "-scenario", "relu1d-large", "-set", "width=0"}, "width"},
		{"not a number", []string{"run", "-scenario", "relu1d-large", "-set", "lr=fast"}, "lr"},
		{"bad seed", []string{"run", "-scenario", "relu1d-large", "-seed", "-3"}, "seed"},
		{"set without value", []string{"run", "-scenario", "relu1d-large", "-set", "width"}, "key=value"},
		{"batch above data", []string{"run", "-scenario", "relu1d-large", "-set", "batch=13"}, "batch 13"},
		{"missing init", []string{"run", "-scenario", "relu1d-large", "-init", filepath.Join(tmp, "nope.csv")}, "no such file"},
		{"init header", []string{"run", "-scenario", "relu1d-large", "-init", badHeader}, "header"},
		{"init number", []string{"run", "-scenario", "relu1d-large", "-init", badNumber}, "line 3"},
		{"init NaN", []string{"run", "-scenario", "relu1d-large", "-init", nanValue}, "finite"},
		{"init fields", []string{"run", "-scenario", "relu1d-large", "-init", badFields}, "fields"},
		{"init empty", []string{"run", "-scenario", "relu1d-large", "-init", empty}, "empty"},
		{"init no rows", []string{"run", "-scenario", "relu1d-large", "-init", headerOnly}, "no neurons"},
		{"init width", []string{"run", "-scenario", "relu1d-large", "-set", "width=3", "-init", twoNeurons}, "2 neurons, but width is set to 3"},
		{"diag init header", []string{"run", "-scenario", "diag-decay50", "-init", twoNeurons}, `header "w,b,a", want u,v for model diag`},
		{"relu init header", []string{"run", "-scenario", "relu1d-large", "-init", uvFields}, `header "u,v", want w,b,a for model relu1d`},
		{"diag init fields", []string{"run", "-scenario", "diag-decay50", "-init", uvFields}, "line 3: 1 fields, want 2 (u,v)"},
		{"diag init number", []string{"run", "-scenario", "diag-decay50", "-init", uvNumber}, `line 3: v "zero" is not a finite number`},
		{"diag init no rows", []string{"run", "-scenario", "diag-decay50", "-init", uvEmpty}, "no coordinates"},
		{"diag init dim", []string{"run", "-scenario", "diag-decay50", "-set", "dim=3", "-init", uvTwo}, "2 coordinates, but dim is set to 3"},
		{"diag init support", []string{"run", "-scenario", "diag-decay50", "-init", uvTwo}, "-init " + uvTwo + ": 2 coordinates set dim = 2: support 20 out of range [0, 2] for dimension 2"},
		{"out is a file", []string{"run", "-scenario", "relu1d-large", "-out", aFile}, "is a file"},
		{"serve flag", []string{"serve", "-port", "1"}, "-port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			out := filepath.Join(parent, "out")
			args := tt.args
			if len(args) > 0 && args[0] == "run" && !slices.Contains(args, "-out") && tt.name != "missing out" {
				args = append(slices.Clone(args), "-out", out, "-set", "iters=10")
			}
			code, stdout, stderr := kinkscope(t, args...)
			if code != exitBadArgs {
				t.Errorf("exit %d, want %d", code, exitBadArgs)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.HasPrefix(stderr, "kinkscope: ") || strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
				t.Errorf("stderr = %q, want one line starting with kinkscope: ", stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want it to name %q", stderr, tt.want)
			}
			if entries, _ := os.ReadDir(parent); len(entries) != 0 {
				t.Errorf("left %d entries behind (first %s), want none", len(entries), entries[0].Name())
			}
		})
	}
	if got := readFile(t, aFile); got != "not a directory\n" {
		t.Errorf("the file given as -out changed to %q", got)
	}
}

// A setting named twice takes the later value, whether given by -seed or -set.
func TestSettingsOrder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	code, _, errOut := kinkscope(t, "run", "-scenario", "relu1d-small", "-out", dir, "-seed", "3", "-set", "seed=4", "-set", "iters=10")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if s := readFile(t, filepath.Join(dir, "settings.txt")); !strings.Contains(s, "\nseed=4\n") {
		t.Errorf("settings.txt:\n%s\nwant seed=4", s)
	}
}

// An existing output directory keeps the files that are not the run's.
func TestRunIntoExistingDir(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := kinkscope(t, "run", "-scenario", "relu1d-small", "-out", dir, "-set", "iters=10"); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if readFile(t, keep) != "mine" {
		t.Error("notes.txt changed")
	}
	if _, err := os.Stat(filepath.Join(dir, "metrics.csv")); err != nil {
		t.Error(err)
	}
}

func TestDecadeTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		labels []string
	}{
		{-3, 1, []string{"0.001", "0.01", "0.1", "1", "10"}},
		{-6, -4, []string{"1e-6", "1e-5", "1e-4"}},
		{-4, 16, []string{"1e-4", "0.01", "1", "100", "1e4", "1e6", "1e8", "1e10", "1e12", "1e14", "1e16"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tk := range (decadeTicks{}).Ticks(tt.lo, tt.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if !slices.Equal(got, tt.labels) {
			t.Errorf("decadeTicks(%v, %v) labels = %v, want %v", tt.lo, tt.hi, got, tt.labels)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		labels []string
	}{
		{0, 104, []string{"0", "50", "100"}},
		{0, 30, []string{"0", "10", "20", "30"}},
		{-2.5, 3.1, []string{"-2", "0", "2"}},
		{0, 1, []string{"0", "0.2", "0.4", "0.6", "0.8", "1"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tk := range (niceTicks{}).Ticks(tt.lo, tt.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if !slices.Equal(got, tt.labels) {
			t.Errorf("niceTicks(%v, %v) labels = %v, want %v", tt.lo, tt.hi, got, tt.labels)
		}
	}
}
