package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"kinkscope/sim"
)

// sweepArgs is a small sweep: two 1D schedules, short runs, two seeds, two widths.
var sweepArgs = []string{"-vary", "scenario=relu1d-small;relu1d-large", "-vary", "width=range(20,40,2)",
	"-set", "iters=300", "-set", "log_every=50", "-seeds", "1-2", "-at", "0.5"}

// TestSweepShardsMerge runs a sweep whole and as three shards joined by sweep
// merge, and checks that the files are the same bytes and that the figures exist.
func TestSweepShardsMerge(t *testing.T) {
	whole, sharded := t.TempDir(), t.TempDir()
	if code, _, errOut := kinkscope(t, append([]string{"sweep", "-out", whole}, sweepArgs...)...); code != exitOK {
		t.Fatalf("sweep: exit %d: %s", code, errOut)
	}
	for i := 1; i <= 3; i++ {
		args := append([]string{"sweep", "-out", sharded, "-shard", strconv.Itoa(i) + "/3", "-j", "1"}, sweepArgs...)
		if code, _, errOut := kinkscope(t, args...); code != exitOK {
			t.Fatalf("sweep shard %d/3: exit %d: %s", i, code, errOut)
		}
	}
	if code, out, errOut := kinkscope(t, "sweep", "merge", "-out", sharded); code != exitOK || !strings.Contains(out, "summary.csv") {
		t.Fatalf("sweep merge: exit %d: %s%s", code, out, errOut)
	}
	for _, f := range []string{"sweep.txt", "runs.csv", "summary.csv", "paired.csv"} {
		if a, b := readFile(t, filepath.Join(whole, f)), readFile(t, filepath.Join(sharded, f)); a != b {
			t.Errorf("%s: merged shards differ from the whole sweep:\n%s\nwant\n%s", f, b, a)
		}
	}
	rows := csvRows(t, filepath.Join(whole, "runs.csv"), readHeader(t, filepath.Join(whole, "runs.csv")))
	if len(rows) != 8 {
		t.Errorf("runs.csv has %d rows, want 2 schedules × 2 widths × 2 seeds = 8", len(rows))
	}
	for _, fig := range []string{"fig-train_loss.png", "fig-rank.png", "fig-kinks.png"} {
		if info, err := os.Stat(filepath.Join(whole, fig)); err != nil || info.Size() == 0 {
			t.Errorf("figure %s: %v", fig, err)
		}
	}
}

func readHeader(t *testing.T, path string) string {
	t.Helper()
	h, _, _ := strings.Cut(readFile(t, path), "\n")
	return h
}

func TestSweepRejectsBadArguments(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", "-scenario", "diag-const"}, "-out is required"},
		{[]string{"sweep", "-out", dir}, "no scenario"},
		{[]string{"sweep", "-out", dir, "-scenario", "diag-const", "-seeds", "3-1"}, "-seeds: seeds \"3-1\""},
		{[]string{"sweep", "-out", dir, "-scenario", "diag-const", "-shard", "4/3"}, "-shard \"4/3\""},
		{[]string{"sweep", "-out", dir, "-scenario", "diag-const", "-vary", "lr=range(1,2)"}, "range takes lo,hi,n"},
		{[]string{"sweep", "-out", dir, "-scenario", "diag-const", "-vary", "lr=0.1;-3"}, "lr \"-3\""},
		{[]string{"sweep", "-out", dir, "-scenario", "nope"}, "unknown scenario"},
		{[]string{"sweep", "-out", dir, "-scenario", "diag-const", "-set", "seed=3"}, "-seeds and -data-seeds"},
		{[]string{"sweep", "-out", dir, "-scenario", "diag-const", "-at", "2"}, "-at \"2\""},
		{[]string{"sweep", "merge", "-out", dir}, "sweep merge"},
		{[]string{"edge"}, "-scenario is required"},
		{[]string{"edge", "-scenario", "diag-const", "-data-seeds", "x"}, "-data-seeds"},
	} {
		code, _, errOut := kinkscope(t, tc.args...)
		if code != exitBadArgs || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want exit %d and %q", tc.args, code, errOut, exitBadArgs, tc.want)
		}
	}
}

// TestEdgeCommand checks that kinkscope edge prints one η_max per data seed.
func TestEdgeCommand(t *testing.T) {
	code, out, errOut := kinkscope(t, "edge", "-scenario", "teacher3-const", "-set", "iters=400", "-data-seeds", "1-2")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || lines[1] != "data_seed,eta_max,unstable,runs,steps,seconds" {
		t.Fatalf("output %q, want a comment, a header and two rows", out)
	}
	for _, l := range lines[2:] {
		f := strings.Split(l, ",")
		eta, err := strconv.ParseFloat(f[1], 64)
		if len(f) != 6 || err != nil || !(eta > 1e-6 && eta < 100) {
			t.Errorf("row %q: want six fields with η_max inside (1e-6, 100)", l)
		}
	}
}

// TestRunNotesStaleEtaMax checks the notes of kinkscope run when a diagonal preset's
// written-out η_max belongs to another draw, and when lr is set but unused.
func TestRunNotesStaleEtaMax(t *testing.T) {
	preset, errs := sim.DecodeSettings("diag-decay50", nil)
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-set", "data_seed=3"}, "eta_max=" + preset.Get("eta_max") + " is the scenario's own draw's"},
		{[]string{"-set", "lr=0.1"}, "lr is unused"},
		{[]string{"-seed", "2"}, ""},
	} {
		args := append([]string{"run", "-scenario", "diag-decay50", "-out", t.TempDir(), "-set", "iters=200"}, tc.args...)
		code, _, errOut := kinkscope(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errOut)
		}
		if tc.want == "" && strings.Contains(errOut, "note:") || tc.want != "" && !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: stderr %q, want %q", tc.args, errOut, tc.want)
		}
	}
}
