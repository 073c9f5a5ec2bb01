package cnn

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt")

// TestGolden trains a small network with every option for a few steps and compares a
// digest of the parameters and the metrics with testdata/golden.txt, written natively
// with -update. Run as WebAssembly (GOOS=js GOARCH=wasm go test -exec=…) it checks
// that the browser computes the same run bit for bit.
func TestGolden(t *testing.T) {
	cfg := smallConfig()
	cfg.Momentum, cfg.WeightDecay, cfg.Shift = 0.9, 5e-4, 2
	cfg.Schedule = Schedule{Kind: WarmUp, LR0: 0.01, X: 0.5}
	tr := trainSmall(t, cfg, 7, 30)
	m := tr.Metrics()
	got := fmt.Sprintf("params %016x loss %x test %x sparsity %x %x\n", paramHash(tr.Params()),
		m.TrainLoss, m.TestLoss, m.Sparsity[0], m.Sparsity[1])
	const path = "testdata/golden.txt"
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("digest\n%s want\n%s", strings.TrimSpace(got), strings.TrimSpace(string(want)))
	}
}
