package sweep

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

func TestParseAxis(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Axis
	}{
		{"scenario=diag-const;diag-decay50", Axis{"scenario", []string{"diag-const", "diag-decay50"}}},
		{"decays=0.5:3,0.9:2;none", Axis{"decays", []string{"0.5:3,0.9:2", "none"}}},
		{"lr=range(0.1,0.3,3)", Axis{"lr", []string{"0.1", "0.2", "0.3"}}},
		{"lr_edge=logrange(0.01,1,3)", Axis{"lr_edge", []string{"0.01", "0.1", "1"}}},
		{"width=range(5,5,1)", Axis{"width", []string{"5"}}},
		{"lr=range(0.1,0.5,5)", Axis{"lr", []string{"0.1", "0.2", "0.3", "0.4", "0.5"}}},
		{"iters=range(1000000,3000000,3)", Axis{"iters", []string{"1000000", "2000000", "3000000"}}},
	} {
		got, err := ParseAxis(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseAxis(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"lr", "=1", "lr=range(1,2)", "lr=range(1,2,0)", "lr=logrange(0,1,3)", "lr=range(a,1,2)", "seed=1;2", "data_seed=3"} {
		if _, err := ParseAxis(bad); err == nil {
			t.Errorf("ParseAxis(%q) = nil error, want one", bad)
		}
	}
}

func TestParseSeeds(t *testing.T) {
	for in, want := range map[string][]uint64{"3": {3}, "1-4": {1, 2, 3, 4}, "1-2,7,9-10": {1, 2, 7, 9, 10}, "0": {0}} {
		got, err := ParseSeeds(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseSeeds(%q) = %v, %v, want %v", in, got, err, want)
		}
		if f := formatSeeds(got); f != strings.ReplaceAll(in, " ", "") && in != "1-2,7,9-10" {
			t.Errorf("formatSeeds(%v) = %q, want %q", got, f, in)
		}
	}
	for _, bad := range []string{"", "a", "3-1", "1-", "-1", "1,,2", "0-200000"} {
		if _, err := ParseSeeds(bad); err == nil {
			t.Errorf("ParseSeeds(%q) = nil error, want one", bad)
		}
	}
}

// TestPointsCoverTheGrid checks the run order: every combination once, the first
// axis slowest, then the data seed, then the seed, and the settings in the order
// they apply.
func TestPointsCoverTheGrid(t *testing.T) {
	s := &Spec{Scenario: "diag-const", Fixed: [][2]string{{"iters", "100"}},
		Axes:      []Axis{{"scenario", []string{"a", "b"}}, {"lr", []string{"1", "2", "3"}}},
		DataSeeds: []uint64{5, 6}, Seeds: []uint64{1, 2}}
	if s.Runs() != 24 || s.Cells() != 6 {
		t.Fatalf("Runs, Cells = %d, %d, want 24, 6", s.Runs(), s.Cells())
	}
	seen := map[string]bool{}
	for i := range s.Runs() {
		p := s.Point(i)
		key := strings.Join(p.Values, "/") + "/" + p.DataSeed + "/" + strconv.FormatUint(p.Seed, 10)
		if seen[key] {
			t.Errorf("run %d repeats %s", i, key)
		}
		seen[key] = true
	}
	p := s.Point(13) // cell 3 = (b, 1), data seed 5, seed 2
	want := [][2]string{{"scenario", "b"}, {"iters", "100"}, {"lr", "1"}, {"data_seed", "5"}, {"seed", "2"}}
	if got := s.Settings(p); !reflect.DeepEqual(got, want) || p.Cell != 3 {
		t.Errorf("run 13: cell %d, settings %v, want cell 3, %v", p.Cell, got, want)
	}
}

// tinySpec is a real sweep small enough for a test: two 1D ReLU schedules and a
// teacher–student width, short runs, on two seeds.
func tinySpec() *Spec {
	return &Spec{
		Fixed:     [][2]string{{"iters", "300"}, {"log_every", "50"}},
		Axes:      []Axis{{"scenario", []string{"relu1d-small", "relu1d-large"}}, {"width", []string{"20", "40"}}},
		DataSeeds: []uint64{1, 2}, Seeds: []uint64{1, 2, 3},
		At: []float64{0.5},
	}
}

var sweepFiles = []string{SpecFile, RunsFile, SummaryFile, PairedFile}

func readFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range sweepFiles {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		out[f] = string(b)
	}
	return out
}

func sameFiles(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for _, f := range sweepFiles {
		if got[f] != want[f] {
			t.Errorf("%s: %s differs from the unsharded sweep's:\n%s\nwant\n%s", what, f, got[f], want[f])
		}
	}
}

// TestShardsMergeToTheSameFiles checks that three shards, run one after the other
// into one folder and into separate ones, merge into the same bytes as the
// unsharded sweep, with one worker or several.
func TestShardsMergeToTheSameFiles(t *testing.T) {
	ctx := context.Background()
	whole := t.TempDir()
	if _, err := Run(ctx, whole, tinySpec(), Options{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	want := readFiles(t, whole)
	if n := strings.Count(want[RunsFile], "\n"); n != tinySpec().Runs()+1 {
		t.Fatalf("runs.csv has %d lines, want %d", n, tinySpec().Runs()+1)
	}
	one := t.TempDir()
	for i := 1; i <= 3; i++ {
		if _, err := Run(ctx, one, tinySpec(), Options{Workers: i, Shard: i, Shards: 3}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(one, RunsFile)); err == nil {
		t.Errorf("shards wrote %s before the merge", RunsFile)
	}
	if _, err := Merge(one); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, "shards in one folder", readFiles(t, one), want)

	dirs := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	for i, d := range dirs {
		if _, err := Run(ctx, d, tinySpec(), Options{Workers: 1, Shard: i + 1, Shards: 3}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Merge(dirs[0], dirs[1:2]...); err == nil || !strings.Contains(err.Error(), "shard 3/3 missing") {
		t.Errorf("Merge without shard 3 = %v, want an error naming it", err)
	}
	if _, err := Merge(dirs[0], dirs[1:]...); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, "shards in three folders", readFiles(t, dirs[0]), want)

	other := tinySpec()
	other.Seeds = []uint64{1, 2}
	if _, err := Run(ctx, whole, other, Options{}); err == nil || !strings.Contains(err.Error(), "another sweep") {
		t.Errorf("a different sweep into the same folder = %v, want an error", err)
	}
}

// TestInterruptedSweepResumes stops a sweep after a few runs, damages the last line
// of its partial file as a killed process would, and checks that the rerun does
// only the missing runs and ends with the same files as an uninterrupted sweep.
func TestInterruptedSweepResumes(t *testing.T) {
	want := t.TempDir()
	if _, err := Run(context.Background(), want, tinySpec(), Options{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int64
	count := func(kv [][2]string, at []float64) (Result, error) {
		calls.Add(1)
		return Simulate(kv, at)
	}
	prog, err := Run(ctx, dir, tinySpec(), Options{Workers: 2, Simulate: count, Progress: func(p Progress) {
		if p.Done == 5 {
			cancel()
		}
	}})
	if err == nil {
		t.Fatalf("interrupted Run = nil error, want the context's")
	}
	if _, err := os.Stat(filepath.Join(dir, RunsFile)); err == nil {
		t.Errorf("an interrupted sweep wrote %s", RunsFile)
	}
	partial := filepath.Join(dir, "runs"+partialExt)
	f, err := os.OpenFile(partial, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("23,5,relu1d-large,40,2,3,0,-1,300,Na") // killed mid-line
	f.Close()
	done := prog.Done
	calls.Store(0)
	prog, err = Run(context.Background(), dir, tinySpec(), Options{Workers: 2, Simulate: count})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := int(calls.Load()), tinySpec().Runs()-done; got != want {
		t.Errorf("the resumed sweep did %d runs, want %d (%d were done)", got, want, done)
	}
	if prog.Skipped != done {
		t.Errorf("Progress.Skipped = %d, want %d", prog.Skipped, done)
	}
	sameFiles(t, "resumed sweep", readFiles(t, dir), readFiles(t, want))
	if _, err := os.Stat(partial); err == nil {
		t.Errorf("the partial file is still there after the sweep finished")
	}
	calls.Store(0)
	if _, err := Run(context.Background(), dir, tinySpec(), Options{Simulate: count}); err != nil || calls.Load() != 0 {
		t.Errorf("rerunning a finished sweep: %v, %d runs, want nil and 0", err, calls.Load())
	}
}

// TestFailedRunStopsTheSweep checks that a run whose settings the simulator
// refuses ends the sweep with an error naming the run, without running the rest.
func TestFailedRunStopsTheSweep(t *testing.T) {
	s := &Spec{Scenario: "relu1d-large", Fixed: [][2]string{{"iters", "100"}}, Axes: []Axis{{"width", []string{"0", "10"}}}, Seeds: seedRange(1, 50)}
	var calls atomic.Int64
	count := func(kv [][2]string, at []float64) (Result, error) {
		calls.Add(1)
		return Simulate(kv, at)
	}
	_, err := Run(context.Background(), t.TempDir(), s, Options{Workers: 2, Simulate: count})
	if err == nil || !strings.Contains(err.Error(), "width") || !strings.Contains(err.Error(), "run ") {
		t.Errorf("Run with width 0 = %v, want an error naming the run and the setting", err)
	}
	if n := calls.Load(); n > 10 {
		t.Errorf("%d runs after the first failure, want the sweep to stop", n)
	}
}

// TestSummaryStatistics feeds known values through a fake simulator and checks the
// summary's statistics, the divergence count and the paired comparison.
func TestSummaryStatistics(t *testing.T) {
	s := &Spec{Scenario: "diag-const", Axes: []Axis{{"lr", []string{"1", "2"}}}, Seeds: []uint64{1, 2, 3, 4}}
	fake := func(kv [][2]string, at []float64) (Result, error) {
		lr, _ := strconv.ParseFloat(kv[1][1], 64)
		seed, _ := strconv.ParseFloat(kv[2][1], 64)
		r := Result{Iters: 10, DivergedAt: -1, EtaMax: math.NaN(), PeakLR: lr, Final: make([]float64, len(Metrics))}
		for k := range r.Final {
			r.Final[k] = math.NaN()
		}
		r.Final[1] = lr * math.Pow(10, -seed) // test_loss: 10^-1 … 10^-4 times lr
		r.Final[2] = seed + lr                // rank
		if lr == 2 && seed == 4 {
			r.DivergedAt, r.Final[1], r.Final[2] = 7, math.NaN(), math.NaN()
		}
		return r, nil
	}
	dir := t.TempDir()
	if _, err := Run(context.Background(), dir, s, Options{Simulate: fake}); err != nil {
		t.Fatal(err)
	}
	_, rows, err := ReadRuns(dir)
	if err != nil {
		t.Fatal(err)
	}
	stats := s.Summarize(rows)
	find := func(cell int, metric string) Stat {
		for _, st := range stats {
			if st.Cell == cell && st.Metric == metric {
				return st
			}
		}
		t.Fatalf("no statistic for cell %d %s", cell, metric)
		return Stat{}
	}
	const tol = 1e-12
	tl := find(0, "test_loss")
	if tl.N != 4 || tl.Diverged != 0 || math.Abs(tl.GMean-math.Pow(10, -2.5)) > tol || math.Abs(tl.Median-(1e-2+1e-3)/2) > tol {
		t.Errorf("cell 0 test_loss = %+v, want n 4, geometric mean 10^-2.5, median 0.0055", tl)
	}
	rk := find(1, "rank")
	if rk.N != 3 || rk.Runs != 4 || rk.Diverged != 1 || rk.Mean != 4 || math.Abs(rk.SD-1) > tol || rk.Median != 4 || !math.IsNaN(rk.GMean) {
		t.Errorf("cell 1 rank = %+v, want runs 4, diverged 1, n 3, mean 4, sd 1, median 4, no geometric mean", rk)
	}
	for _, p := range s.Paired(rows) {
		switch p.Metric {
		case "test_loss": // 2·10^-s < 10^-s never
			if p.Pairs != 3 || p.Lower != 0 {
				t.Errorf("paired test_loss = %+v, want 3 pairs, 0 lower", p)
			}
		case "rank":
			if p.Pairs != 3 || p.Lower != 0 {
				t.Errorf("paired rank = %+v, want 3 pairs, 0 lower", p)
			}
		default:
			t.Errorf("paired %s: a metric with no values", p.Metric)
		}
	}
}
