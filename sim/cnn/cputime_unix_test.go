//go:build unix

package cnn

import (
	"syscall"
	"time"
)

// cpuTime returns the process's user+system CPU time, so that benchmarks can report
// throughput per CPU second, which other processes competing for the cores do not
// change (wall-clock figures on a loaded machine do).
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
