package sweep

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// BenchmarkSweep measures a sweep's throughput with one worker and with one per
// core: eight 20,000-step diagonal-net runs per iteration (the scenario's η_max is
// written out, so no search), files included.
//
//	go test ./sim/sweep -run '^$' -bench Sweep -benchtime 5x
func BenchmarkSweep(b *testing.B) {
	spec := &Spec{Scenario: "diag-decay50", Fixed: [][2]string{{"iters", "20000"}}, Seeds: []uint64{1, 2, 3, 4, 5, 6, 7, 8}}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("j=%d", workers), func(b *testing.B) {
			runs := 0
			for b.Loop() {
				dir, err := os.MkdirTemp(b.TempDir(), "sweep")
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Run(context.Background(), dir, spec, Options{Workers: workers}); err != nil {
					b.Fatal(err)
				}
				runs += spec.Runs()
			}
			b.ReportMetric(float64(runs)/b.Elapsed().Seconds(), "runs/s")
		})
	}
}
