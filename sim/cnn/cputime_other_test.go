//go:build !unix

package cnn

import "time"

// cpuTime is not available here (js/wasm): benchmarks report wall-clock figures only.
func cpuTime() (time.Duration, bool) { return 0, false }
