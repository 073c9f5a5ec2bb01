package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kinkscope/render/figure"
)

// TestCompareWritesRunsAndOverlay runs the paper's diagonal decays as one comparison:
// one metrics file per run, each the same as the run alone, and the overlay figure
// in the reference's colors.
func TestCompareWritesRunsAndOverlay(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two diagonal networks to the end")
	}
	dir := t.TempDir()
	code, _, errOut := kinkscope(t, "run", "-compare", "scenario:diag-const;diag-decay50", "-out", dir)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	names := dirNames(t, dir)
	want := []string{"compare.png", "compare.svg", "metrics-1-diag-const.csv", "metrics-2-diag-decay50.csv", "settings.txt"}
	if !slices.Equal(names, want) {
		t.Fatalf("outputs %v, want %v", names, want)
	}
	if !strings.Contains(errOut, "diag-decay50: done: iter 100001") {
		t.Errorf("stderr has no summary of diag-decay50:\n%s", errOut)
	}
	if s := readFile(t, filepath.Join(dir, "settings.txt")); !strings.Contains(s, "\ncompare=scenario:diag-const;diag-decay50\n") {
		t.Errorf("settings.txt does not name the comparison:\n%s", s)
	}

	alone := t.TempDir()
	if code, _, errOut := kinkscope(t, "run", "-scenario", "diag-decay50", "-out", alone); code != exitOK {
		t.Fatalf("diag-decay50 alone: exit %d, stderr:\n%s", code, errOut)
	}
	if got, want := readFile(t, filepath.Join(dir, "metrics-2-diag-decay50.csv")), readFile(t, filepath.Join(alone, "metrics.csv")); got != want {
		t.Errorf("the compared diag-decay50 differs from the run alone (%d and %d bytes)", len(got), len(want))
	}
	rows := csvRows(t, filepath.Join(dir, "metrics-1-diag-const.csv"), wantMetricsHeader)
	if len(rows) < 300 {
		t.Errorf("metrics-1-diag-const.csv has %d rows, want a snapshot every 286 iterations", len(rows))
	}

	f, err := os.Open(filepath.Join(dir, "compare.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// diag-const is drawn in light steel blue and diag-decay50 in midnight blue, as
	// in the paper; the blues of the other decays are not used.
	for _, c := range []struct {
		name  string
		color color.RGBA
		want  bool
	}{{"light steel blue", figure.LightSteel, true}, {"midnight blue", figure.Midnight, true}, {"blue", figure.Blue, false}} {
		if n := countColor(img, c.color); (n >= 100) != c.want {
			t.Errorf("%d pixels of %s in compare.png, want them %v", n, c.name, map[bool]string{true: "drawn (≥ 100)", false: "absent (< 100)"}[c.want])
		}
	}
	svg := readFile(t, filepath.Join(dir, "compare.svg"))
	for _, s := range []string{"diag-const", "diag-decay50", "Train loss", "Test loss", "Jacobian rank", "‖β‖₀"} {
		if !strings.Contains(svg, s) {
			t.Errorf("compare.svg has no %q", s)
		}
	}
}

// countColor returns the number of pixels of exactly color c.
func countColor(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
				n++
			}
		}
	}
	return n
}

// TestCompareRejectsBadSpecs names the comparison in every error, and runs nothing.
func TestCompareRejectsBadSpecs(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-compare", "lr:abc;0.1", "-scenario", "diag-const"}, `-compare: compare "lr:abc;0.1": value 1: lr "abc"`},
		{[]string{"-compare", "scenario:diag-const;relu1d-large"}, "trains another model"},
		{[]string{"-compare", "lr:0.1;0.2"}, "-compare lr:0.1;0.2 needs -scenario"},
		{[]string{"-compare", "scenario:diag-const;diag-decay10", "-init", "x.csv"}, "-init starts one run"},
	} {
		dir := filepath.Join(t.TempDir(), "out")
		code, _, errOut := kinkscope(t, append([]string{"run", "-out", dir}, tt.args...)...)
		if code != exitBadArgs || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d naming %q", tt.args, code, errOut, exitBadArgs, tt.want)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("%v: wrote %s", tt.args, dir)
		}
	}
}
