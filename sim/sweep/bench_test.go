//go:build !js && !wasip1

package sweep

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSweep measures a sweep's throughput with one worker and with one per
// core: eight 20,000-step diagonal-net runs per iteration (the scenario's η_max is
// written out, so no search), files included. runs/s is wall time, which on a
// machine whose cores other work also uses says little; runs/cpu-s says whether
// the workers get in each other's way (equal at j=1 and j=2 when they do not).
//
//	go test ./sim/sweep -run '^$' -bench Sweep -benchtime 5x
func BenchmarkSweep(b *testing.B) {
	spec := &Spec{Scenario: "diag-decay50", Fixed: [][2]string{{"iters", "20000"}}, Seeds: []uint64{1, 2, 3, 4, 5, 6, 7, 8}}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("j=%d", workers), func(b *testing.B) {
			runs := 0
			cpu0 := cpuTime(b)
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
			b.ReportMetric(float64(runs)/(cpuTime(b)-cpu0).Seconds(), "runs/cpu-s")
		})
	}
}
