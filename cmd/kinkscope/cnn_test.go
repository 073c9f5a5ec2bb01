package main

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kinkscope/sim"
)

// cnnTinySettings make the image scenarios train in a second; cnnTiny are they as
// flags, cnnTinyQuery as URL settings.
var (
	cnnTinySettings = [][2]string{{"blocks", "2,3"}, {"dense", "8"}, {"train_images", "200"}, {"test_images", "40"},
		{"iters", "12"}, {"batch", "8"}, {"log_every", "4"}}
	cnnTiny, cnnTinyQuery = func() (flags []string, query string) {
		var q []string
		for _, kv := range cnnTinySettings {
			flags = append(flags, "-set", kv[0]+"="+kv[1])
			q = append(q, kv[0]+"="+kv[1])
		}
		return flags, strings.Join(q, "&")
	}()
)

// tinyCNNRun returns the final metrics of scenario with cnnTinySettings, run in-process.
func tinyCNNRun(t *testing.T, scenario string) sim.Metrics {
	t.Helper()
	c, errs := sim.DecodeSettings(scenario, cnnTinySettings)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	r, err := sim.NewRun(c)
	if err != nil {
		t.Fatal(err)
	}
	r.Advance(c.Iters)
	return r.Latest()
}

// TestCNNRunWritesOutputs runs an image scenario from the command line: the same
// files as every model, the classifier's metrics finite and the others NaN, the final
// numbers those of the same run in-process, and -init init.csv reproducing it.
func TestCNNRunWritesOutputs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	code, _, errOut := kinkscope(t, append([]string{"run", "-scenario", "cnn-large50", "-out", dir}, cnnTiny...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := []string{"figure.png", "figure.svg", "init.csv", "metrics.csv", "params.csv", "settings.txt"}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("files = %v, want %v", got, want)
	}
	rows := csvRows(t, filepath.Join(dir, "metrics.csv"), wantMetricsHeader)
	if len(rows) != 4 { // iterations 0, 4, 8, 12
		t.Fatalf("%d metric rows, want 4", len(rows))
	}
	for i, r := range rows {
		for k := colLR; k < numMetricsCols; k++ {
			v := parseFloat(t, r[k])
			finite := !math.IsNaN(v) && !math.IsInf(v, 0)
			if isClassifier := slices.Contains(classifierCols, k) || k == colTrainLoss || k == colTestLoss || k == colLR; finite != isClassifier {
				t.Errorf("row %d column %d = %s, want a finite value only for the classifier's metrics", i, k, r[k])
			}
		}
	}
	m := tinyCNNRun(t, "cnn-large50")
	last := rows[len(rows)-1]
	if got := parseFloat(t, last[colTestError]); got != m.TestError {
		t.Errorf("test error %v on the command line, %v in-process", got, m.TestError)
	}
	if got := parseFloat(t, last[colFeatureSparsityMid]); got != m.FeatureSparsityMid {
		t.Errorf("feature sparsity %v on the command line, %v in-process", got, m.FeatureSparsityMid)
	}
	// -init with the run's own initialization reproduces it.
	dir2 := filepath.Join(t.TempDir(), "again")
	code, _, errOut = kinkscope(t, append([]string{"run", "-scenario", "cnn-large50", "-out", dir2, "-init", filepath.Join(dir, "init.csv")}, cnnTiny...)...)
	if code != 0 {
		t.Fatalf("-init: exit %d: %s", code, errOut)
	}
	if a, b := readFile(t, filepath.Join(dir, "metrics.csv")), readFile(t, filepath.Join(dir2, "metrics.csv")); a != b {
		t.Error("the run from its own init.csv differs")
	}
	if a, b := readFile(t, filepath.Join(dir, "params.csv")), readFile(t, filepath.Join(dir2, "params.csv")); a != b {
		t.Error("the final parameters from its own init.csv differ")
	}
}

// TestCNNCompare compares two step sizes of an image scenario.
func TestCNNCompare(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cmp")
	code, _, errOut := kinkscope(t, append([]string{"run", "-scenario", "cnn-small", "-compare", "lr:0.01;0.05", "-out", dir}, cnnTiny...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := []string{"compare.png", "compare.svg", "metrics-1-0.01.csv", "metrics-2-0.05.csv", "settings.txt"}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("files = %v, want %v", got, want)
	}
	if s := readFile(t, filepath.Join(dir, "settings.txt")); !strings.Contains(s, "compare=lr:0.01;0.05") {
		t.Errorf("settings.txt lacks the comparison:\n%s", s)
	}
}
