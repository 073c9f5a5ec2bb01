package main

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"kinkscope/sim"
)

// shortIters keeps the test runs fast while leaving room for a few snapshots and
// the schedule's decay.
const shortIters = "iters=3000"

// outputNames are the files every run writes.
var outputNames = []string{"figure.png", "figure.svg", "init.csv", "metrics.csv", "params.csv", "predictor.csv", "settings.txt"}

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

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, outputNames) {
		t.Errorf("files = %v, want %v", names, outputNames)
	}
	if siblings, _ := os.ReadDir(parent); len(siblings) != 1 {
		t.Errorf("the parent holds %d entries, want only the output directory (temporary files left?)", len(siblings))
	}

	rows := csvRows(t, filepath.Join(dir, "metrics.csv"), "iter,lr,train_loss,rank,feature_sparsity,kinks,raw_kinks")
	if len(rows) < 10 {
		t.Fatalf("metrics.csv has %d rows, want one per snapshot", len(rows))
	}
	prev := -1
	for i, r := range rows {
		if len(r) != 7 {
			t.Fatalf("metrics row %d has %d fields, want 7", i, len(r))
		}
		iter, err := strconv.Atoi(r[0])
		if err != nil || iter <= prev {
			t.Fatalf("metrics row %d: iter %q after %d, want increasing integers", i, r[0], prev)
		}
		prev = iter
		for k, s := range r[1:] {
			if v := parseFloat(t, s); math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("metrics row %d field %d = %s, want a finite number in a healthy run", i, k+1, s)
			}
		}
		if fs := parseFloat(t, r[4]); fs < 0 || fs > 1 {
			t.Errorf("metrics row %d: feature_sparsity = %v, want a fraction in [0, 1]", i, fs)
		}
	}
	if prev != 3000 {
		t.Errorf("last metrics iter = %d, want 3000", prev)
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
	if svg := readFile(t, filepath.Join(dir, "figure.svg")); !strings.Contains(svg, "<svg") || !strings.Contains(svg, "Jacobian rank") {
		t.Errorf("figure.svg is not an SVG of the figure")
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
	rows := csvRows(t, filepath.Join(dir, "metrics.csv"), metricsHeader)
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
