package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"kinkscope/sim"
)

// mlpOutputNames are the files of an mlp run on scalar inputs; with d ≥ 2 there is no
// predictor.csv.
var (
	mlpOutputNames   = outputNames
	mlpOutputNamesND = []string{"figure.png", "figure.svg", "init.csv", "metrics.csv", "params.csv", "settings.txt"}
)

// A teacher–student run writes the per-layer feature sparsity, θ as one column, the
// predictor next to the teacher in 1D, and a six-panel figure; for d = 5 the figure
// shows the test predictions instead of the predictor.
func TestTeacherRunWritesOutputs(t *testing.T) {
	for _, dim := range []int{1, 5} {
		t.Run(fmt.Sprintf("d%d", dim), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			args := []string{"run", "-scenario", "teacher3-decay30", "-out", dir, "-set", shortIters, "-set", "dim=" + strconv.Itoa(dim)}
			code, out, errOut := kinkscope(t, args...)
			if code != exitOK || out != "" {
				t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, out, errOut)
			}
			wantSummary := []string{"  test loss ", "  feature sparsity layer 1 ", "\ndone: iter 3000, train loss ", ", test loss ", ", feature sparsity layer 1 ", "%, feature sparsity layer 2 "}
			if dim == 1 {
				wantSummary = append(wantSummary, ", kinks ", " (teacher 1)")
			}
			for _, want := range wantSummary {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr does not contain %q:\n%q", want, errOut)
				}
			}
			names := mlpOutputNames
			nan := []int{colL0, colL1}
			if dim > 1 {
				names, nan = mlpOutputNamesND, []int{colL0, colL1, colKinks, colRawKinks}
			}
			if got := dirNames(t, dir); !slices.Equal(got, names) {
				t.Errorf("files = %v, want %v", got, names)
			}

			rows := metricsRows(t, dir, nan)
			for i, r := range rows {
				fs, fs1, fs2 := parseFloat(t, r[colFeatureSparsity]), parseFloat(t, r[colFeatureSparsityL1]), parseFloat(t, r[colFeatureSparsityL2])
				if fs != fs2 || fs1 < 0 || fs1 > 1 || fs2 < 0 || fs2 > 1 {
					t.Errorf("metrics row %d: feature_sparsity %v, _l1 %v, _l2 %v; want fractions, the first equal to layer 2's", i, fs, fs1, fs2)
				}
			}
			// The same run in-process gives the final metrics and parameters.
			c, errs := sim.DecodeSettings("teacher3-decay30", [][2]string{{"iters", "3000"}, {"dim", strconv.Itoa(dim)}})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			run, err := sim.NewRun(c)
			if err != nil {
				t.Fatal(err)
			}
			run.Advance(c.Iters)
			last := rows[len(rows)-1]
			if m := run.Latest(); formatFloat(m.TestLoss) != last[colTestLoss] || formatFloat(m.FeatureSparsityL1) != last[colFeatureSparsityL1] {
				t.Errorf("final test_loss, feature_sparsity_l1 = %s, %s, want %v, %v", last[colTestLoss], last[colFeatureSparsityL1], m.TestLoss, m.FeatureSparsityL1)
			}
			theta := run.Model().Params()
			for _, name := range []string{"params.csv", "init.csv"} {
				prows := csvRows(t, filepath.Join(dir, name), "theta")
				if len(prows) != len(theta) {
					t.Fatalf("%s has %d rows, want one per parameter, %d", name, len(prows), len(theta))
				}
				if name == "params.csv" {
					for k, r := range prows {
						if len(r) != 1 || parseFloat(t, r[0]) != theta[k] {
							t.Fatalf("params.csv row %d = %v, want θ_%d = %v", k, r, k, theta[k])
						}
					}
				}
			}

			if dim == 1 {
				pred := csvRows(t, filepath.Join(dir, "predictor.csv"), "x,h,teacher")
				if len(pred) != predictorPoints {
					t.Fatalf("predictor.csv has %d rows, want %d", len(pred), predictorPoints)
				}
				// The teacher is the data stream's first draw (data seed 17).
				c := run.Config()
				ts, err := sim.NewTeacherStudent(sim.NewRand(c.DataSeed, sim.StreamData), c.Dim, c.Samples, c.TestSamples)
				if err != nil {
					t.Fatal(err)
				}
				student := run.Model().(sim.Scalar).Model()
				for _, r := range pred[:50] {
					x := parseFloat(t, r[0])
					if h, y := parseFloat(t, r[1]), parseFloat(t, r[2]); h != student.Predict([]float64{x}) || y != ts.Teacher.At(x) {
						t.Fatalf("predictor.csv row %v, want h = %v and teacher = %v", r, student.Predict([]float64{x}), ts.Teacher.At(x))
					}
				}
			}

			header := fmt.Sprintf("teacher3-decay30 · seed 1 · d = %d, layers 10,10, n = 50 · sgd, batch 1", dim)
			want := []string{header, "Train loss", "Test loss", "Jacobian rank", "Feature sparsity, layer 1", "Feature sparsity, layer 2",
				"test loss " + fmt.Sprintf("%.3g", parseFloat(t, last[colTestLoss])), "step decay ÷2.5"}
			if dim == 1 {
				want = append(want, "Final predictor: ", ", teacher 1", "teacher kink", "(teacher 1)")
			} else {
				want = append(want, "Final predictions on the test set", "1000 test points", "teacher y")
			}
			checkFigure(t, dir, want...)
		})
	}
}

// A teacher–student run from another's init.csv repeats it exactly; a params.csv
// whose length does not fit the layers is refused with the count it wants.
func TestTeacherInit(t *testing.T) {
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	args := []string{"-scenario", "teacher3-decay50", "-seed", "4", "-set", "iters=1000", "-set", "label_noise=0.01"}
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
	short := filepath.Join(tmp, "short.csv")
	lines := strings.SplitAfter(readFile(t, filepath.Join(a, "init.csv")), "\n")
	if err := os.WriteFile(short, []byte(strings.Join(lines[:len(lines)-2], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file string
		kv   []string
		want string
	}{
		{short, nil, "-init " + short + ": 140 parameters, but layers 10,10 with dim 1 and biases on have 141"},
		{filepath.Join(a, "init.csv"), []string{"-set", "biases=off"}, "141 parameters, but layers 10,10 with dim 1 and biases off have 120"},
		{filepath.Join(a, "init.csv"), []string{"-set", "dim=5"}, "have 181"},
		{filepath.Join(a, "init.csv"), []string{"-set", "model=relu1d"}, `header "theta", want w,b,a for model relu1d`},
	} {
		code, _, errOut := kinkscope(t, append([]string{"run", "-out", filepath.Join(tmp, "c"), "-init", tc.file, "-scenario", "teacher3-const", "-set", "iters=10"}, tc.kv...)...)
		if code != exitBadArgs || !strings.Contains(errOut, tc.want) {
			t.Errorf("-init %s %v: exit %d, stderr %q; want %d and %q", filepath.Base(tc.file), tc.kv, code, errOut, exitBadArgs, tc.want)
		}
	}
	// Edited 1D data: the points are the training data in the figure and predictor.
	dir := filepath.Join(tmp, "points")
	if code, _, errOut := kinkscope(t, "run", "-scenario", "teacher3-const", "-out", dir, "-set", "iters=500", "-set", "points=-0.5:0,0:0.4,0.5:0"); code != exitOK {
		t.Fatalf("run with points: exit %d: %s", code, errOut)
	}
	pred := csvRows(t, filepath.Join(dir, "predictor.csv"), "x,h,teacher")
	if x0 := parseFloat(t, pred[0][0]); math.Abs(x0-(-0.55)) > 1e-12 {
		t.Errorf("predictor grid starts at %v, want the points' −0.5 − 0.05", x0)
	}
	checkFigure(t, dir, "n = 3")
}

func TestHelpDescribesMLPParameters(t *testing.T) {
	_, out, _ := kinkscope(t, "help")
	for _, want := range []string{"mlp     header theta: one row per parameter", "W₁ row", "b_out", "141 rows"} {
		if !strings.Contains(out, want) {
			t.Errorf("usage lacks %q", want)
		}
	}
}
