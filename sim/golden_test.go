package sim

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"hash"
	"math"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// update rewrites the golden files instead of comparing with them, as in
// math/rand/v2's tests: go test ./sim -run Golden -update.
var update = flag.Bool("update", false, "rewrite testdata/golden_digests.txt from this platform's runs")

const goldenFile = "testdata/golden_digests.txt"

// goldenIters shortens the scenarios whose full run is slow under GOOS=js
// GOARCH=wasm (the SDE of the diagonal net costs 6 s natively for its 100,001
// steps). 5,000 iterations are deep in the noisy phase: a last-bit difference
// anywhere would have spread to every parameter by then. The others run in full.
var goldenIters = map[string]int{
	"diag-sde": 5000,
}

// trajectoryDigest runs c and returns the SHA-256 of its trajectory: every metric
// snapshot (every field, in order, as little-endian 64-bit words), then the
// iteration it stopped at, whether it diverged, and the final parameters. Any
// difference in any bit of any of them changes the digest.
func trajectoryDigest(t *testing.T, c Config) string {
	t.Helper()
	r, err := NewRun(c)
	if err != nil {
		t.Fatalf("NewRun(%s) = %v", c.Scenario, err)
	}
	h := sha256.New()
	snapshots := 1
	writeMetrics(h, r.Latest())
	for !r.Done() && r.Err() == nil {
		r.Advance(r.StepsToSnapshot())
		if r.Err() == nil {
			writeMetrics(h, r.Latest())
			snapshots++
		}
	}
	writeWord(h, uint64(r.Iter()))
	diverged := uint64(0)
	if r.Err() != nil {
		diverged = 1
	}
	writeWord(h, diverged)
	for _, v := range r.Model().Params() {
		writeFloat(h, v)
	}
	if want := c.Iters/c.LogInterval() + 1; r.Err() == nil && snapshots < want {
		t.Errorf("%s: %d snapshots, want at least %d", c.Scenario, snapshots, want)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeMetrics writes every field of m, so that a metric added later is covered
// without touching this test (the golden file then needs regenerating).
func writeMetrics(h hash.Hash, m Metrics) {
	v := reflect.ValueOf(m)
	for i := range v.NumField() {
		switch f := v.Field(i); f.Kind() {
		case reflect.Int:
			writeWord(h, uint64(f.Int()))
		case reflect.Float64:
			writeFloat(h, f.Float())
		default:
			panic(fmt.Sprintf("sim: golden digest: Metrics.%s of kind %v", v.Type().Field(i).Name, f.Kind()))
		}
	}
}

// writeFloat writes the bits of v. NaN is written as one fixed pattern: the sign and
// payload of a NaN produced by arithmetic differ between amd64 (negative) and wasm
// or arm64 (positive), and carry no information.
func writeFloat(h hash.Hash, v float64) {
	if math.IsNaN(v) {
		writeWord(h, 0x7ff8000000000001)
		return
	}
	writeWord(h, math.Float64bits(v))
}

func writeWord(h hash.Hash, w uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], w)
	h.Write(b[:])
}

// goldenEntry is one line of the golden file.
type goldenEntry struct {
	iters  int
	digest string
}

func readGolden(t *testing.T) map[string]goldenEntry {
	t.Helper()
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatalf("%v (create it with go test ./sim -run Golden -update)", err)
	}
	defer f.Close()
	out := map[string]goldenEntry{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 3 {
			t.Fatalf("%s:%d: %q, want: scenario iterations digest", goldenFile, line, text)
		}
		n, err := strconv.Atoi(fields[1])
		if err != nil {
			t.Fatalf("%s:%d: iterations %q: %v", goldenFile, line, fields[1], err)
		}
		out[fields[0]] = goldenEntry{n, fields[2]}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGoldenDigests runs every scenario and compares the digest of its trajectory
// with the one committed in testdata/golden_digests.txt. make test runs it natively
// and under GOOS=js GOARCH=wasm in Node: one golden file for both proves that the
// browser and the command line compute the same runs, bit for bit.
func TestGoldenDigests(t *testing.T) {
	type result struct {
		name string
		goldenEntry
	}
	var got []result
	for _, s := range Scenarios {
		c, ok := Scenario(s.Name)
		if !ok {
			t.Fatalf("Scenario(%q) not found", s.Name)
		}
		if n, ok := goldenIters[s.Name]; ok {
			c.Iters = n
		}
		got = append(got, result{s.Name, goldenEntry{c.Iters, trajectoryDigest(t, c)}})
	}
	if *update {
		var sb strings.Builder
		fmt.Fprintf(&sb, "# SHA-256 of each scenario's trajectory (every metric snapshot and the final\n")
		fmt.Fprintf(&sb, "# parameters, as little-endian float64 bits): scenario iterations digest.\n")
		fmt.Fprintf(&sb, "# Written on %s/%s by go test ./sim -run Golden -update; the same file must\n", runtime.GOOS, runtime.GOARCH)
		fmt.Fprintf(&sb, "# pass natively and under GOOS=js GOARCH=wasm (make test checks both).\n")
		for _, r := range got {
			fmt.Fprintf(&sb, "%s %d %s\n", r.name, r.iters, r.digest)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenFile, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d scenarios)", goldenFile, len(got))
		return
	}
	golden := readGolden(t)
	for _, r := range got {
		want, ok := golden[r.name]
		switch {
		case !ok:
			t.Errorf("%s: no golden digest; a new scenario? regenerate with go test ./sim -run Golden -update", r.name)
		case want.iters != r.iters:
			t.Errorf("%s: %d iterations, golden file has %d; regenerate with -update", r.name, r.iters, want.iters)
		case want.digest != r.digest:
			t.Errorf("%s (%d iterations) on %s/%s: digest %s, want %s", r.name, r.iters, runtime.GOOS, runtime.GOARCH, r.digest, want.digest)
		}
		delete(golden, r.name)
	}
	for name := range golden {
		t.Errorf("%s: golden digest for a scenario that no longer exists; regenerate with -update", name)
	}
}
