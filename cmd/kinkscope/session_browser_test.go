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
		const st = { replies: [], snaps: 0, hist: [], last: null, ready: false, t0: 0, done: 0, cols: 0, goMs: 0, encodeMs: 0, waitMs: 0, decodeMs: 0 };
		st.w = new Worker('engine.js');
		W[name] = st;
		st.w.onmessage = (e) => {
			const d = e.data;
			if (d.event === 'ready') { st.ready = true; st.cols = d.columns.length; return; }
			if (d.event !== 'snapshot') { d.at = performance.now(); st.replies.push(d); return; }
			st.snaps++;
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

	// The same run again in the same worker (warm), and the raw run without a
	// session in the worker (the sweep's run command: sim alone).
	eval[any](t, ctx, `W.a.w.postMessage({engine: 1, cmd: 'session', msg: {kinkscope: 1, cmd: 'reset'}}), play('a'), null`)
	waitFor(t, ctx, `W.a.done > 0`, runTimeout)
	warm := eval[float64](t, ctx, `W.a.done`) / 1000
	t.Logf("warm run: %s", sliceTimes(t, ctx, "a"))
	n := eval[int](t, ctx, `W.a.replies.length`)
	eval[any](t, ctx, `W.a.w.postMessage({engine: 1, id: 'raw', cmd: 'run', run: 0, grid: {scenario: 'relu1d-large', seeds: '1'}}), null`)
	waitFor(t, ctx, `W.a.replies.length > `+strconv.Itoa(n), runTimeout)
	rawMs := eval[float64](t, ctx, `W.a.replies[`+strconv.Itoa(n)+`].ms`)

	// A fresh worker alone, then two at once (fresh workers of one page share the
	// module's compiled code, tiered up by now).
	open("b")
	eval[any](t, ctx, `play('b'), null`)
	waitFor(t, ctx, `W.b.done > 0`, runTimeout)
	single := eval[float64](t, ctx, `W.b.done`) / 1000
	open("c")
	open("d")
	eval[any](t, ctx, `play('c'), play('d'), null`)
	waitFor(t, ctx, `W.c.done > 0 && W.d.done > 0`, runTimeout)
	two := eval[float64](t, ctx, `Math.max(W.c.done, W.d.done)`) / 1000
	for _, name := range []string{"a", "b", "c", "d"} {
		if bad := eval[any](t, ctx, `W.`+name+`.replies.filter((r) => r.event === 'error' || r.event === 'fatal' || r.event === 'worker-error')`); len(bad.([]any)) > 0 {
			t.Errorf("worker %s: %v", name, bad)
		}
	}
	if eval[string](t, ctx, `historyBase64('d')`) != base64.StdEncoding.EncodeToString(raw) {
		t.Error("a worker running beside another gave another history")
	}

	nodeCold, nodeWarm := nodeRelu1dLarge(t)
	t.Logf("relu1d-large, whole run in a worker (session, snapshots): %.3f s in %d snapshots (the first in this browser: compiled code not yet tiered up); warm, same worker: %.3f s; a fresh worker later: %.3f s",
		one, snaps, warm, single)
	t.Logf("relu1d-large, raw run in a worker (sweep run, no session): %.3f s", rawMs/1000)
	if nodeCold > 0 {
		t.Logf("relu1d-large, raw WebAssembly in Node (BenchmarkRelu1dLargeRun, -benchtime 1x -count 4 in one process): first %.3f s, then %.3f s on average", nodeCold, nodeWarm)
		t.Logf("speed, worker / Node: %.2f× first against first, %.2f× warm against warm (%.2f× the fresh worker later); raw run in the worker %.2f×; goal ≥ 0.8×",
			nodeCold/one, nodeWarm/warm, nodeWarm/single, nodeWarm/(rawMs/1000))
	}
	t.Logf("two workers at once: %.3f s, %.2f× a fresh worker's run alone (goal ≤ 1.3×); navigator.hardwareConcurrency %d, load %s",
		two, two/single, eval[int](t, ctx, `navigator.hardwareConcurrency`), loadAverage())
	t.Logf("getState while the run plays: answered in %.1f ms", wait)
	if wait > 2000 {
		t.Errorf("a request waited %.0f ms while the run played, want about one slice (12–16 ms; more under load)", wait)
	}
}

// sliceTimes says where a worker's last run spent its time, from its snapshots.
func sliceTimes(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	v := eval[map[string]float64](t, ctx, `(() => { const s = W.`+name+`; return {snaps: s.snaps, done: s.done, go: s.goMs, encode: s.encodeMs, decode: s.decodeMs, wait: s.waitMs}; })()`)
	return fmt.Sprintf("%.0f ms in %.0f snapshots: Go's slices (Update, the snapshot's data) %.0f ms, encoding %.0f ms, the bridge and decoding %.0f ms, waiting for the slice's turn %.0f ms",
		v["done"], v["snaps"], v["go"], v["encode"], v["decode"], v["wait"])
}

// nodeRelu1dLarge runs sim's BenchmarkRelu1dLargeRun as WebAssembly in Node, one
// run at a time four times in one process, and returns the first run's seconds (the
// code not yet tiered up) and the mean of the other three, or zeros (logged) when
// Node is missing.
func nodeRelu1dLarge(t *testing.T) (cold, warm float64) {
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
			warm += s / 3
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
