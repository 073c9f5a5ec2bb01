//go:build !js

package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"kinkscope/sim"
)

// The browser tests drive the built site (make build) in Debian's headless Chromium.
// `make test` sets KINKSCOPE_DIST and KINKSCOPE_REQUIRE_BROWSER=1, so a missing browser
// or site fails there; a plain `go test` skips them.

// browser is one Chromium shared by the browser tests, serving the site from dist.
type browser struct {
	ctx  context.Context // a browser context; derive tabs from it
	base string          // http://127.0.0.1:port/
	dist string          // the built site
}

func startBrowser(t *testing.T) *browser {
	t.Helper()
	require := os.Getenv("KINKSCOPE_REQUIRE_BROWSER") == "1"
	skip := func(format string, args ...any) {
		t.Helper()
		if require {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	dist := os.Getenv("KINKSCOPE_DIST")
	if dist == "" {
		dist = filepath.Join("..", "..", "dist")
	}
	if _, err := os.Stat(filepath.Join(dist, "kinkscope.wasm")); err != nil {
		skip("no built site in %s (run make build): %v", dist, err)
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		skip("browser tests need Debian's chromium: apt-get install chromium")
	}
	handler, err := newSiteHandler(dist)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	// KINKSCOPE_JS_FLAGS passes V8 flags, for experiments: --no-liftoff compiles
	// WebAssembly with the optimizing tier from the start.
	if f := os.Getenv("KINKSCOPE_JS_FLAGS"); f != "" {
		opts = append(opts, chromedp.Flag("js-flags", f))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{ctx: bctx, base: srv.URL + "/", dist: dist}
}

// tabDeadline bounds every call into one tab, so that a renderer that stops
// answering (seen once, on a machine loaded by other jobs) fails its test in bounded
// time instead of stalling the package until go test's -timeout.
const tabDeadline = 5 * time.Minute

// tab opens a new tab with the given viewport; it closes with the test.
func (b *browser) tab(t *testing.T, w, h int64) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	// The first call creates the tab without a deadline (a deadline on it would
	// bound the tab's life instead); the calls after it get one.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatal(err)
	}
	limited, stop := context.WithTimeout(ctx, tabDeadline)
	t.Cleanup(stop)
	return limited
}

// eval evaluates a JavaScript expression within a time limit.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it is truthy.
func waitFor(t *testing.T, ctx context.Context, cond string, timeout time.Duration) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](cond,
		chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(20*time.Millisecond)))
	if err != nil {
		t.Fatalf("waiting for %s: %v", cond, err)
	}
}

// openSim navigates to the simulator page with a query and waits for its first frame.
func (b *browser) openSim(t *testing.T, ctx context.Context, query string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(b.base+"sim.html?"+query)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `document.documentElement.dataset.ready === '1' && typeof window.kinkscopeFirstFrameMs === 'number'`, 30*time.Second)
}

type jsState struct {
	Scenario        string  `json:"scenario"`
	Iter            int     `json:"iter"`
	Iters           int     `json:"iters"`
	LR              float64 `json:"lr"`
	TrainLoss       float64 `json:"trainLoss"`
	Rank            float64 `json:"rank"`
	FeatureSparsity float64 `json:"featureSparsity"`
	Kinks           float64 `json:"kinks"`
	TestLoss        float64 `json:"testLoss"`
	L0              float64 `json:"l0"`
	Running         bool    `json:"running"`
	Diverged        bool    `json:"diverged"`
	Error           string  `json:"error"`
}

// serveCopy serves a copy of the built site with some files changed — name → content,
// nil to leave the file out — and returns its address.
func serveCopy(t *testing.T, dist string, changed map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(dist)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, ok := changed[e.Name()]; e.IsDir() || ok {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dist, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range changed {
		if data != nil {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	h, err := newSiteHandler(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// finalMetrics runs cfg natively to its end and returns its last metric snapshot:
// what the command line computes.
func finalMetrics(t *testing.T, cfg sim.Config) sim.Metrics {
	t.Helper()
	run, err := sim.NewRun(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run.Advance(cfg.Iters)
	return run.Latest()
}

// perfStats is what kinkscope.perf() returns: the page's main-thread work per frame
// besides drawing (the simulation runs in Web Workers), and the drawing time in Draw.
type perfStats struct {
	Frames, P50, P95, Max float64
	Draw                  struct{ Frames, P50, P95, Max float64 }
}

// checkFrameBudget holds the page's main-thread work per frame (besides drawing) to
// its budget. The times are wall-clock, and on the 2-core machine the workers and
// Chromium's software WebGL deschedule the main thread now and then: that shows in
// the tail (p95 up to 33 ms over 19 frames, max 37 ms, measured so) and not in the
// median (0.6–1.8 ms). So the median is always held under 8 ms: a page that took the
// simulation back onto its main thread would spend 12–16 ms a frame on it. The tail
// is held to 30 ms where it means something: over at least 40 frames (over fewer the
// p95 is the maximum) on a machine not loaded by other jobs (a 1-minute load average
// below 2); elsewhere it is logged.
func checkFrameBudget(t *testing.T, perf perfStats) {
	t.Helper()
	if !(perf.P50 < 8) {
		t.Errorf("median main-thread work per frame %.1f ms over %.0f frames, want < 8 ms", perf.P50, perf.Frames)
	}
	load := math.NaN()
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Sscan(string(b), &load)
	}
	switch {
	case perf.P95 <= 30 && perf.Max <= 30:
	case perf.Frames >= 40 && load < 2:
		t.Errorf("main-thread work per frame p95 %.1f ms, max %.1f ms over %.0f frames at load average %.1f, want ≤ 30 ms",
			perf.P95, perf.Max, perf.Frames, load)
	default:
		t.Logf("main-thread work per frame p95 %.1f ms, max %.1f ms over %.0f frames at load average %.1f: over 30 ms, not asserted (too few frames or a loaded machine)",
			perf.P95, perf.Max, perf.Frames, load)
	}
}

func state(t *testing.T, ctx context.Context) jsState {
	t.Helper()
	return eval[jsState](t, ctx, `kinkscope.state()`)
}

// screenshot captures the page, saves it under out/screenshots and decodes it.
func screenshot(t *testing.T, ctx context.Context, name string) image.Image {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "out", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		path := filepath.Join(dir, name+".png")
		if err := os.WriteFile(path, buf, 0o644); err == nil {
			t.Logf("screenshot: %s", path)
		}
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("screenshot does not decode: %v", err)
	}
	return img
}

// colorCounts returns how many distinct colors an image has and how many pixels are
// the run's blue (strongly blue, not grey).
func colorCounts(img image.Image) (distinct, blue int) {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			if bl>>8 > 150 && r>>8 < 90 && g>>8 < 130 {
				blue++
			}
		}
	}
	return len(seen), blue
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := startBrowser(t)

	t.Run("first frame draws the panels", func(t *testing.T) {
		ctx := b.tab(t, 1280, 800)
		b.openSim(t, ctx, "scenario=relu1d-large")
		tm := eval[map[string]float64](t, ctx, `window.kinkscopeTimings`)
		t.Logf("time to first frame: %.0f ms since navigation (script start %.0f, wasm compiled %.0f, Go started %.0f)",
			tm["firstFrame"], tm["start"], tm["compiled"], tm["started"])
		// Let a few frames paint before capturing.
		f0 := state(t, ctx)
		waitFor(t, ctx, fmt.Sprintf(`kinkscope.state().frame > %d`, eval[int](t, ctx, `kinkscope.state().frame`)+3), 10*time.Second)
		img := screenshot(t, ctx, "default-view")
		distinct, blue := colorCounts(img)
		if distinct < 20 || blue < 200 {
			t.Errorf("default view: %d distinct colors and %d blue pixels, want a drawn plot (≥ 20, ≥ 200)", distinct, blue)
		}
		if f0.Iter != 0 || f0.Running {
			t.Errorf("a fresh page: iter %d running %v, want 0 and paused", f0.Iter, f0.Running)
		}
	})

	t.Run("playing advances and pause stops", func(t *testing.T) {
		ctx := b.tab(t, 800, 600)
		b.openSim(t, ctx, "scenario=relu1d-small&speed=100")
		eval[any](t, ctx, `kinkscope.play(), null`)
		waitFor(t, ctx, `kinkscope.state().iter >= 300`, 20*time.Second)
		eval[any](t, ctx, `kinkscope.pause(), null`)
		waitFor(t, ctx, `!kinkscope.state().running`, 5*time.Second)
		a := state(t, ctx).Iter
		frame := eval[int](t, ctx, `kinkscope.state().frame`)
		waitFor(t, ctx, fmt.Sprintf(`kinkscope.state().frame > %d`, frame+5), 10*time.Second)
		if got := state(t, ctx).Iter; got != a {
			t.Errorf("iter after pause moved from %d to %d", a, got)
		}
	})

	t.Run("same URL gives the same run", func(t *testing.T) {
		var losses []float64
		for range 2 {
			ctx := b.tab(t, 640, 480)
			b.openSim(t, ctx, "scenario=relu1d-large&seed=3")
			eval[any](t, ctx, `kinkscope.runTo(4000), null`)
			waitFor(t, ctx, `kinkscope.state().iter === 4000 && !kinkscope.state().running`, 30*time.Second)
			losses = append(losses, state(t, ctx).TrainLoss)
		}
		if losses[0] != losses[1] || math.IsNaN(losses[0]) {
			t.Errorf("trainLoss at iteration 4000 = %v then %v, want equal", losses[0], losses[1])
		}
	})

	t.Run("relu1d-large in the browser matches the command line", func(t *testing.T) {
		ctx := b.tab(t, 1280, 800)
		b.openSim(t, ctx, "scenario=relu1d-large")
		start := time.Now()
		eval[any](t, ctx, `kinkscope.runTo(kinkscope.state().iters), null`)
		waitFor(t, ctx, `kinkscope.state().iter === kinkscope.state().iters && !kinkscope.state().running`, 120*time.Second)
		elapsed := time.Since(start)
		got := state(t, ctx)

		cfg, _ := sim.Scenario("relu1d-large")
		want := finalMetrics(t, cfg)
		t.Logf("relu1d-large: browser %.2f s; browser kinks %v rank %v sparsity %.4f loss %.6g; native kinks %v rank %v sparsity %.4f loss %.6g",
			elapsed.Seconds(), got.Kinks, got.Rank, got.FeatureSparsity, got.TrainLoss, want.Kinks, want.Rank, want.FeatureSparsity, want.TrainLoss)
		if got.Kinks != want.Kinks || got.Rank != want.Rank || got.FeatureSparsity != want.FeatureSparsity {
			t.Errorf("browser kinks, rank, sparsity = %v, %v, %v; command line %v, %v, %v",
				got.Kinks, got.Rank, got.FeatureSparsity, want.Kinks, want.Rank, want.FeatureSparsity)
		}
		if got.TrainLoss != want.TrainLoss {
			t.Errorf("browser final train loss %v, command line %v: trajectories differ", got.TrainLoss, want.TrainLoss)
		}
		perf := eval[perfStats](t, ctx, `kinkscope.perf()`)
		t.Logf("main-thread work per frame: p50 %.1f ms, p95 %.1f ms, max %.1f ms over %v frames; drawing p50 %.1f ms", perf.P50, perf.P95, perf.Max, perf.Frames, perf.Draw.P50)
		checkFrameBudget(t, perf)
		screenshot(t, ctx, "relu1d-large-end")
	})

	t.Run("bad URL settings are named and defaults used", func(t *testing.T) {
		ctx := b.tab(t, 900, 600)
		b.openSim(t, ctx, "scenario=relu1d-large&lr=abc&bogus=1&width=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
		waitFor(t, ctx, `document.querySelectorAll('#notes li').length >= 3`, 10*time.Second)
		notes := eval[string](t, ctx, `document.getElementById('notes').textContent`)
		for _, want := range []string{"lr", "bogus", "width", "<img"} {
			if !strings.Contains(notes, want) {
				t.Errorf("notes %q do not mention %q", notes, want)
			}
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('img').length`); n != 0 {
			t.Errorf("a URL value became HTML: %d img elements", n)
		}
		cfg := eval[map[string]string](t, ctx, `kinkscope.config()`)
		if cfg["lr"] != "0.0002" || cfg["width"] != "100" {
			t.Errorf("config lr %q width %q, want the defaults 0.0002 and 100", cfg["lr"], cfg["width"])
		}
		screenshot(t, ctx, "bad-settings")
	})

	t.Run("a diverging run pauses with a message and reset recovers", func(t *testing.T) {
		ctx := b.tab(t, 900, 600)
		b.openSim(t, ctx, "scenario=relu1d-large&lr=5&warmup=none&decays=none")
		eval[any](t, ctx, `kinkscope.play(), null`)
		waitFor(t, ctx, `kinkscope.state().diverged`, 20*time.Second)
		st := state(t, ctx)
		if st.Running || !strings.Contains(st.Error, "diverged at step") || !strings.Contains(st.Error, "step size 5") {
			t.Errorf("diverged state: running %v error %q, want paused with the step and step size", st.Running, st.Error)
		}
		screenshot(t, ctx, "diverged")
		eval[any](t, ctx, `kinkscope.reset(), null`)
		waitFor(t, ctx, `!kinkscope.state().diverged && kinkscope.state().iter === 0`, 10*time.Second)
	})

	t.Run("controls reach the simulator and the URL", func(t *testing.T) {
		ctx := b.tab(t, 1280, 800)
		if err := chromedp.Do(ctx, chromedp.Navigate(b.base+"index.html?scenario=relu1d-small")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, `document.documentElement.dataset.ready === '1'`, 30*time.Second)
		eval[any](t, ctx, `(() => { const el = document.getElementById('lr'); el.value = '0.0003'; el.dispatchEvent(new Event('change', {bubbles: true})); return null; })()`)
		waitFor(t, ctx, `document.getElementById('sim').contentWindow.kinkscope.config().lr === '0.0003'`, 5*time.Second)
		if q := eval[string](t, ctx, `location.search`); !strings.Contains(q, "lr=0.0003") || !strings.Contains(q, "scenario=relu1d-small") {
			t.Errorf("controls page URL %q does not carry the new step size and the scenario", q)
		}
		// The simulator page updates its own URL at its next frame.
		waitFor(t, ctx, `document.getElementById('sim').contentWindow.location.search.includes('lr=0.0003')`, 5*time.Second)
		simURL := eval[string](t, ctx, `document.getElementById('sim').contentWindow.location.search`)
		if !strings.Contains(simURL, "lr=0.0003") {
			t.Errorf("simulator URL %q does not carry the new step size", simURL)
		}
		// A bad value is refused with a message and changes nothing.
		eval[any](t, ctx, `(() => { const el = document.getElementById('width'); el.value = '0'; el.dispatchEvent(new Event('change', {bubbles: true})); return null; })()`)
		waitFor(t, ctx, `document.getElementById('status').textContent.includes('width')`, 5*time.Second)
		if w := eval[string](t, ctx, `document.getElementById('sim').contentWindow.kinkscope.config().width`); w != "100" {
			t.Errorf("width after a bad value = %s, want 100", w)
		}
		embed := eval[string](t, ctx, `document.getElementById('embed').value`)
		if !strings.Contains(embed, "<iframe") || !strings.Contains(embed, "sim.html?") || !strings.Contains(embed, "lr=0.0003") {
			t.Errorf("embed code %q", embed)
		}
		// "Run to end" runs the whole (restarted) run and the progress bar follows.
		eval[any](t, ctx, `document.getElementById('run-end').click(), null`)
		waitFor(t, ctx, `(() => { const s = document.getElementById('sim').contentWindow.kinkscope.state(); return s.iter === s.iters && !s.running; })()`, 60*time.Second)
		waitFor(t, ctx, `document.getElementById('progress').value === 1`, 5*time.Second)
		screenshot(t, ctx, "controls")
		// The view settings are controls too.
		eval[any](t, ctx, `(() => { const el = document.getElementById('pieces'); el.value = 'on'; el.dispatchEvent(new Event('change', {bubbles: true})); return null; })()`)
		waitFor(t, ctx, `location.search.includes('pieces=on')`, 5*time.Second)
		ctxPhone := b.tab(t, 360, 740)
		if err := chromedp.Do(ctxPhone, chromedp.Navigate(b.base+"index.html")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctxPhone, `document.documentElement.dataset.ready === '1'`, 30*time.Second)
		screenshot(t, ctxPhone, "controls-phone")
	})

	t.Run("sharp on a HiDPI phone", func(t *testing.T) {
		ctx, cancel := chromedp.NewContext(b.ctx)
		t.Cleanup(cancel)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 640, chromedp.EmulateScale(3))); err != nil {
			t.Fatal(err)
		}
		b.openSim(t, ctx, "scenario=relu1d-large&pieces=on")
		img := screenshot(t, ctx, "phone-dpr3")
		if w := img.Bounds().Dx(); w != 3*360 {
			t.Errorf("screenshot width %d, want %d device pixels", w, 3*360)
		}
		if distinct, blue := colorCounts(img); distinct < 20 || blue < 200 {
			t.Errorf("HiDPI view: %d colors, %d blue pixels", distinct, blue)
		}
	})

	t.Run("diagonal network runs to the end and draws", func(t *testing.T) {
		ctx := b.tab(t, 1280, 800)
		b.openSim(t, ctx, "scenario=diag-decay50")
		start := time.Now()
		eval[any](t, ctx, `kinkscope.runTo(kinkscope.state().iters), null`)
		waitFor(t, ctx, `kinkscope.state().iter === kinkscope.state().iters && !kinkscope.state().running`, 120*time.Second)
		elapsed := time.Since(start)
		got := state(t, ctx)
		cfg, _ := sim.Scenario("diag-decay50")
		want := finalMetrics(t, cfg)
		perf := eval[perfStats](t, ctx, `kinkscope.perf()`)
		t.Logf("diag-decay50: browser %.2f s; ‖β‖₀ %v rank %v test loss %.4g (command line %v, %v, %.4g); work per frame p50 %.1f p95 %.1f max %.1f ms",
			elapsed.Seconds(), got.L0, got.Rank, got.TestLoss, want.L0, want.Rank, want.TestLoss, perf.P50, perf.P95, perf.Max)
		if got.L0 != want.L0 || got.TrainLoss != want.TrainLoss {
			t.Errorf("browser ‖β‖₀ %v train loss %v, command line %v, %v", got.L0, got.TrainLoss, want.L0, want.TrainLoss)
		}
		checkFrameBudget(t, perf)
		img := screenshot(t, ctx, "diag-decay50-end")
		if distinct, blue := colorCounts(img); distinct < 20 || blue < 200 {
			t.Errorf("diag view: %d colors, %d blue pixels", distinct, blue)
		}
	})

	t.Run("SGD against its SDE model", func(t *testing.T) {
		ctx := b.tab(t, 1280, 800)
		b.openSim(t, ctx, "scenario=relu1d-large&compare=method:sgd%3Bsde")
		runs := eval[[]jsState](t, ctx, `kinkscope.state().runs`)
		if len(runs) != 2 || runs[0].TrainLoss != runs[1].TrainLoss {
			t.Fatalf("compare view: %d runs with initial losses %v, want 2 runs from the same initialization", len(runs), runs)
		}
		eval[any](t, ctx, `kinkscope.runTo(kinkscope.state().iters), null`)
		waitFor(t, ctx, `kinkscope.state().iter === kinkscope.state().iters && !kinkscope.state().running`, 120*time.Second)
		runs = eval[[]jsState](t, ctx, `kinkscope.state().runs`)
		t.Logf("SGD: kinks %v rank %v; SDE (matched δ): kinks %v rank %v", runs[0].Kinks, runs[0].Rank, runs[1].Kinks, runs[1].Rank)
		if runs[0].TrainLoss == runs[1].TrainLoss {
			t.Errorf("SGD and SDE ended at the same loss %v", runs[0].TrainLoss)
		}
		screenshot(t, ctx, "sgd-vs-sde")
		// δ is a control, and the URL carries the view.
		res := eval[map[string]any](t, ctx, `kinkscope.set({sde_delta: 0.001})`)
		if res["ok"] != true {
			t.Fatalf("set δ: %v", res)
		}
		waitFor(t, ctx, `decodeURIComponent(location.search).includes('sde_delta=0.001')`, 5*time.Second)
		if q := eval[string](t, ctx, `decodeURIComponent(location.search)`); !strings.Contains(q, "compare=method:sgd;sde") {
			t.Errorf("URL %q does not carry the comparison", q)
		}
	})

	t.Run("no WebGL 2 gives a message", func(t *testing.T) {
		ctx := b.tab(t, 800, 600)
		err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
				Source: `(() => {
					const orig = HTMLCanvasElement.prototype.getContext;
					HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
						return kind === 'webgl2' ? null : orig.call(this, kind, ...rest);
					};
				})()`,
			})
			return err
		}))
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(b.base+"sim.html")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, `document.documentElement.dataset.failed === '1'`, 10*time.Second)
		if msg := eval[string](t, ctx, `document.getElementById('fatal').textContent`); !strings.Contains(msg, "WebGL 2") {
			t.Errorf("fatal message %q does not explain the missing WebGL 2", msg)
		}
	})
}
