//go:build !js

package main

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kinkscope/sim"
)

// sessionHarness is the page side of the engine's session protocol, as the drawing
// page is to keep it: per worker, every run's history built from the rows each
// snapshot adds, the latest snapshot, the replies, and the time from a play to the
// snapshot that shows the run finished.
const sessionHarness = `(() => {
	window.W = {};
	window.startEngine = (name) => {
		const st = { replies: [], snaps: 0, hist: [], last: null, ready: false, t0: 0, done: 0, cols: 0, goMs: 0, encodeMs: 0, waitMs: 0, decodeMs: 0, gc0: 0, gcMs: 0 };
		st.w = new Worker('engine.js');
		W[name] = st;
		st.w.onmessage = (e) => {
			const d = e.data;
			if (d.event === 'ready') { st.ready = true; st.cols = d.columns.length; return; }
			if (d.event !== 'snapshot') { d.at = performance.now(); st.replies.push(d); return; }
			st.snaps++;
			if (st.snaps === 1) st.gc0 = d.gcMs;
			st.gcMs = d.gcMs - st.gc0;
			st.goMs += d.ms;
			st.encodeMs += d.encodeMs;
			st.waitMs += d.waitMs;
			st.decodeMs += d.decodeMs;
			d.runs.forEach((r, i) => {
				const old = st.hist[i] || new Float64Array(0);
				const next = new Float64Array(r.historyFrom * st.cols + r.history.length);
				next.set(old.subarray(0, r.historyFrom * st.cols));
				next.set(r.history, r.historyFrom * st.cols);
				st.hist[i] = next;
			});
			st.last = d;
			if (st.t0 && !st.done && !d.state.running && d.state.iter >= d.state.iters) st.done = performance.now() - st.t0;
		};
		st.w.onerror = (e) => st.replies.push({ event: 'worker-error', error: String(e.message) });
	};
	window.play = (name) => {
		const st = W[name];
		st.done = 0;
		st.goMs = 0;
		st.encodeMs = 0;
		st.waitMs = 0;
		st.decodeMs = 0;
		st.snaps = 0;
		st.t0 = performance.now();
		st.w.postMessage({ engine: 1, cmd: 'session', msg: { kinkscope: 1, cmd: 'play' } });
	};
	window.historyBase64 = (name) => {
		const b = new Uint8Array(W[name].hist[0].buffer);
		let s = '';
		for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
		return btoa(s);
	};
	return null;
})()`

// TestBrowserEngineSession runs relu1d-large to its end in a worker through the
// session protocol and checks the history the page builds from the snapshots
// against the command line's metrics.csv, bit for bit. It measures the whole run in
// the worker against the same run as raw WebAssembly in Node (sim's
// BenchmarkRelu1dLargeRun) and against the raw run in a worker (the sweep's run
// command, no session), two workers running it at once against one, and how long a
// request waits while a run plays.
func TestBrowserEngineSession(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := startBrowser(t)
	ctx := b.tab(t, 800, 600)
	if err := chromedp.Do(ctx, chromedp.Navigate(b.base+"no-such-page")); err != nil {
		t.Fatal(err)
	}
	eval[any](t, ctx, sessionHarness)
	open := func(name string) {
		t.Helper()
		eval[any](t, ctx, `startEngine('`+name+`'), null`)
		waitFor(t, ctx, `W.`+name+`.ready`, 60*time.Second)
		eval[any](t, ctx, `W.`+name+`.w.postMessage({engine: 1, id: 'open', cmd: 'open', query: 'scenario=relu1d-large'}), null`)
		waitFor(t, ctx, `W.`+name+`.snaps > 0`, 60*time.Second)
		if r := eval[map[string]any](t, ctx, `W.`+name+`.replies[0]`); r["event"] != "open" || r["id"] != "open" {
			t.Fatalf("open: %v", r)
		}
	}
	const runTimeout = 3 * time.Minute

	// One run, from a fresh worker's first play (the module compiled, not yet warm).
	open("a")
	eval[any](t, ctx, `play('a'), null`)
	// A request while the run plays: answered between two slices.
	eval[any](t, ctx, `setTimeout(() => { W.a.asked = performance.now(); W.a.w.postMessage({engine: 1, id: 'q', cmd: 'session', msg: {kinkscope: 1, cmd: 'getState'}}); }, 100), null`)
	waitFor(t, ctx, `W.a.done > 0`, runTimeout)
	one := eval[float64](t, ctx, `W.a.done`) / 1000
	wait := eval[float64](t, ctx, `(() => { const r = W.a.replies.find((r) => r.id === 'q'); return r ? r.at - W.a.asked : -1; })()`)
	snaps := eval[int](t, ctx, `W.a.snaps`)
	t.Logf("first run: %s", sliceTimes(t, ctx, "a"))
	if wait < 0 {
		t.Errorf("getState during the run: no answer; replies %v", eval[any](t, ctx, `W.a.replies`))
	}

	// The history equals the command line's metrics.csv, bit for bit.
	dir := t.TempDir()
	if code := runCmd([]string{"-scenario", "relu1d-large", "-out", dir}, io.Discard, io.Discard); code != exitOK {
		t.Fatalf("kinkscope run: exit %d", code)
	}
	csv, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(eval[string](t, ctx, `historyBase64('a')`))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")[1:]
	cols := len(sim.MetricList)
	if len(raw) != 8*cols*len(lines) {
		t.Fatalf("the worker's history has %d rows, metrics.csv %d", len(raw)/8/cols, len(lines))
	}
	for i, line := range lines {
		for j, field := range strings.Split(line, ",") {
			want, _ := strconv.ParseFloat(field, 64)
			got := math.Float64frombits(binary.LittleEndian.Uint64(raw[8*(i*cols+j):]))
			if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Fatalf("row %d, %s: the worker's %v, metrics.csv's %s", i, sim.MetricList[j].Key, got, field)
			}
		}
	}
	final := eval[map[string]any](t, ctx, `(() => { const s = W.a.last.state; return {iter: s.iter, trainLoss: s.trainLoss, kinks: s.kinks, rank: s.rank, featureSparsity: s.featureSparsity}; })()`)
	last := strings.Split(lines[len(lines)-1], ",")
	for j, d := range sim.MetricList {
		if v, ok := final[d.JSONKey()]; ok && strconv.FormatFloat(v.(float64), 'g', -1, 64) != last[j] {
			t.Errorf("final state %s = %v, metrics.csv's last row %s", d.JSONKey(), v, last[j])
		}
	}

	// rerun resets the workers' sessions and plays them at once, rounds times, and
	// returns the shortest round (the time until the last of them finished): the
	// other jobs of a shared machine only ever add time.
	rerun := func(rounds int, names ...string) float64 {
		t.Helper()
		best := math.Inf(1)
		for range rounds {
			var js, cond, done []string
			for _, name := range names {
				js = append(js, `W.`+name+`.w.postMessage({engine: 1, cmd: 'session', msg: {kinkscope: 1, cmd: 'reset'}}), play('`+name+`')`)
				cond = append(cond, `W.`+name+`.done > 0`)
				done = append(done, `W.`+name+`.done`)
			}
			eval[any](t, ctx, strings.Join(js, ", ")+`, null`)
			waitFor(t, ctx, strings.Join(cond, " && "), runTimeout)
			best = min(best, eval[float64](t, ctx, `Math.max(`+strings.Join(done, ", ")+`)`)/1000)
		}
		return best
	}
	// The same run again in the same worker (warm), and the raw run without a
	// session in the worker (the sweep's run command: sim alone).
	warm := rerun(3, "a")
	t.Logf("warm run (the last of 3): %s", sliceTimes(t, ctx, "a"))
	rawMs := math.Inf(1)
	for i := range 2 {
		n := eval[int](t, ctx, `W.a.replies.length`)
		eval[any](t, ctx, `W.a.w.postMessage({engine: 1, id: 'raw`+strconv.Itoa(i)+`', cmd: 'run', run: 0, grid: {scenario: 'relu1d-large', seeds: '1'}}), null`)
		waitFor(t, ctx, `W.a.replies.length > `+strconv.Itoa(n), runTimeout)
		rawMs = min(rawMs, eval[float64](t, ctx, `W.a.replies[`+strconv.Itoa(n)+`].ms`))
	}

	// A worker alone, then two at once (workers of one page share the module's
	// compiled code, tiered up by now).
	open("b")
	single := rerun(3, "b")
	open("c")
	open("d")
	two := rerun(3, "c", "d")
	for _, name := range []string{"a", "b", "c", "d"} {
		if bad := eval[any](t, ctx, `W.`+name+`.replies.filter((r) => r.event === 'error' || r.event === 'fatal' || r.event === 'worker-error')`); len(bad.([]any)) > 0 {
			t.Errorf("worker %s: %v", name, bad)
		}
	}
	if eval[string](t, ctx, `historyBase64('d')`) != base64.StdEncoding.EncodeToString(raw) {
		t.Error("a worker running beside another gave another history")
	}

	nodeCold, nodeWarm := nodeRelu1dLarge(t)
	t.Logf("relu1d-large, whole run in a worker (session, snapshots): first %.3f s in %d snapshots (compiled code not yet tiered up); then, best of 3: %.3f s (same worker), %.3f s (another worker)",
		one, snaps, warm, single)
	t.Logf("relu1d-large, raw run in a worker (sweep run, no session), best of 2: %.3f s", rawMs/1000)
	if nodeCold > 0 {
		t.Logf("relu1d-large, raw WebAssembly in Node (BenchmarkRelu1dLargeRun, -benchtime 1x -count 4 in one process): first %.3f s, then best %.3f s", nodeCold, nodeWarm)
		t.Logf("speed, worker / Node: %.2f× first against first, %.2f× then (%.2f× another worker); raw run in the worker %.2f×; goal ≥ 0.8×",
			nodeCold/one, nodeWarm/warm, nodeWarm/single, nodeWarm/(rawMs/1000))
	}
	t.Logf("two workers at once, best of 3: %.3f s, %.2f× one worker's run alone (goal ≤ 1.3×); navigator.hardwareConcurrency %d, load %s",
		two, two/single, eval[int](t, ctx, `navigator.hardwareConcurrency`), loadAverage())
	t.Logf("getState while the run plays: answered in %.1f ms", wait)
	if wait > 2000 {
		t.Errorf("a request waited %.0f ms while the run played, want about one slice (12–16 ms; more under load)", wait)
	}
}

// sliceTimes says where a worker's last run spent its time, from its snapshots.
func sliceTimes(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	v := eval[map[string]float64](t, ctx, `(() => { const s = W.`+name+`; return {snaps: s.snaps, done: s.done, go: s.goMs, encode: s.encodeMs, decode: s.decodeMs, wait: s.waitMs, gc: s.gcMs}; })()`)
	return fmt.Sprintf("%.0f ms in %.0f snapshots: Go's slices (Update, the snapshot's data) %.0f ms (garbage collection %.0f ms), encoding %.0f ms, the bridge and decoding %.0f ms, waiting for the slice's turn %.0f ms",
		v["done"], v["snaps"], v["go"], v["gc"], v["encode"], v["decode"], v["wait"])
}

// nodeRelu1dLarge runs sim's BenchmarkRelu1dLargeRun as WebAssembly in Node, one
// run at a time four times in one process, and returns the first run's seconds (the
// code not yet tiered up) and the shortest of the other three, or zeros (logged) when
// Node is missing.
func nodeRelu1dLarge(t *testing.T) (cold, warm float64) {
	warm = math.Inf(1)
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Logf("no node: the Node figure is left out (%v)", err)
		return 0, 0
	}
	goroot := runtime.GOROOT()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(goroot, "bin", "go"), "test", "-run", "^$", "-bench", "^BenchmarkRelu1dLargeRun$", "-benchtime", "1x", "-count", "4",
		"-exec", filepath.Join(goroot, "lib", "wasm", "go_js_wasm_exec"), "kinkscope/sim")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the Node benchmark: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`([0-9.]+) s/run`).FindAllSubmatch(out, -1)
	if len(m) != 4 {
		t.Fatalf("the Node benchmark printed %d s/run, want 4:\n%s", len(m), out)
	}
	for i, sm := range m {
		s, _ := strconv.ParseFloat(string(sm[1]), 64)
		if i == 0 {
			cold = s
		} else {
			warm = min(warm, s)
		}
	}
	return cold, warm
}

// loadAverage returns the machine's 1-minute load average, or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}
