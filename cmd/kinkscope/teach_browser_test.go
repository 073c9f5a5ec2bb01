//go:build !js

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"kinkscope/sim"
)

// hostPage is a lecture page on another origin that embeds a simulator and records
// the events it posts.
const hostPage = `<!doctype html><meta charset="utf-8"><title>host</title>
<iframe id="f" src="SIMURL" width="900" height="520"></iframe>
<script>
window.events = [];
addEventListener('message', (e) => { if (e.data && e.data.kinkscope === 1) events.push(e.data); });
window.send = (m) => document.getElementById('f').contentWindow.postMessage(m, 'SIMORIGIN');
window.last = (event, id) => events.filter((e) => e.event === event && (id === undefined || e.id === id)).pop();
</script>`

// sixPage embeds six simulators one below the other; only the first two fit the
// viewport.
const sixPage = `<!doctype html><meta charset="utf-8"><title>six</title>
<style>body{margin:0} iframe{display:block;width:900px;height:400px;border:0}</style>
<iframe src="/sim.html?scenario=relu1d-small&speed=100"></iframe>
<iframe src="/sim.html?scenario=relu1d-small&speed=100"></iframe>
<iframe src="/sim.html?scenario=relu1d-small&speed=100"></iframe>
<iframe src="/sim.html?scenario=relu1d-small&speed=100"></iframe>
<iframe src="/sim.html?scenario=relu1d-small&speed=100"></iframe>
<iframe src="/sim.html?scenario=relu1d-small&speed=100"></iframe>`

func TestBrowserTeaching(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := startBrowser(t)
	simOrigin := strings.TrimSuffix(b.base, "/")

	t.Run("message API across origins", func(t *testing.T) {
		page := strings.NewReplacer("SIMURL", b.base+"sim.html?scenario=relu1d-large&iters=3000&log_every=100",
			"SIMORIGIN", simOrigin).Replace(hostPage)
		host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, page)
		}))
		defer host.Close()
		if strings.TrimSuffix(host.URL, "/") == simOrigin {
			t.Fatal("the host page must be on another origin")
		}
		ctx := b.tab(t, 1000, 700)
		if err := chromedp.Do(ctx, chromedp.Navigate(host.URL)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, `last('ready')`, 30*time.Second)
		send := func(msg string) { eval[any](t, ctx, `send(`+msg+`), null`) }
		getState := func(id int) jsState {
			send(fmt.Sprintf(`{kinkscope: 1, cmd: 'getState', id: %d}`, id))
			waitFor(t, ctx, fmt.Sprintf(`last('state', %d)`, id), 10*time.Second)
			return eval[jsState](t, ctx, fmt.Sprintf(`last('state', %d).state`, id))
		}
		if st := getState(1); st.Iter != 0 || st.Iters != 3000 {
			t.Fatalf("getState: %+v", st)
		}
		// Malformed messages change nothing and are answered with an error event.
		for i, bad := range []string{
			`{kinkscope: 1, cmd: 'step', n: -5, id: 100}`,
			`{kinkscope: 1, cmd: 'fly', id: 101}`,
			`{kinkscope: 1, cmd: 'set', settings: {width: 0, lr: 0.001}, id: 102}`,
			`{kinkscope: 1, cmd: 'runTo', iter: 'end', id: 103}`,
			`{kinkscope: 1, cmd: 'set', settings: 5, id: 104}`,
		} {
			send(bad)
			waitFor(t, ctx, fmt.Sprintf(`last('error', %d)`, 100+i), 10*time.Second)
		}
		send(`{hello: 'not for kinkscope'}`)
		if st := getState(2); st.Iter != 0 || st.LR != 0.0002 {
			t.Errorf("after malformed messages: iter %d lr %v, want 0 and 0.0002", st.Iter, st.LR)
		}
		if n := eval[int](t, ctx, `events.filter((e) => e.event === 'error').length`); n != 5 {
			t.Errorf("%d error events, want 5 (one per malformed message, none for a foreign one)", n)
		}
		// Every command.
		send(`{kinkscope: 1, cmd: 'set', settings: {seed: 2, speed: 10}, id: 3}`)
		waitFor(t, ctx, `last('ok', 3)`, 10*time.Second)
		send(`{kinkscope: 1, cmd: 'step', n: 50, id: 4}`)
		waitFor(t, ctx, `last('ok', 4)`, 10*time.Second)
		deadline := time.Now().Add(10 * time.Second)
		for getState(5).Iter != 50 && time.Now().Before(deadline) {
		}
		send(`{kinkscope: 1, cmd: 'play'}`)
		deadline = time.Now().Add(10 * time.Second)
		for getState(6).Iter <= 50 && time.Now().Before(deadline) {
		}
		send(`{kinkscope: 1, cmd: 'pause', id: 7}`)
		waitFor(t, ctx, `last('ok', 7)`, 10*time.Second)
		if st := getState(8); st.Iter <= 50 {
			t.Errorf("play did not advance: iter %d", st.Iter)
		}
		send(`{kinkscope: 1, cmd: 'reset', id: 9}`)
		deadline = time.Now().Add(10 * time.Second)
		for getState(10).Iter != 0 && time.Now().Before(deadline) {
		}
		send(`{kinkscope: 1, cmd: 'subscribe', hz: 5}`)
		waitFor(t, ctx, `events.filter((e) => e.event === 'state' && e.id === undefined).length >= 3`, 10*time.Second)
		send(`{kinkscope: 1, cmd: 'runTo', iter: 3000}`)
		waitFor(t, ctx, `last('finished')`, 60*time.Second)
		send(`{kinkscope: 1, cmd: 'subscribe', hz: 0}`)
		// Exports through messages.
		for i, what := range []string{"csv", "json", "png"} {
			send(fmt.Sprintf(`{kinkscope: 1, cmd: 'export', what: '%s', id: %d}`, what, 20+i))
			waitFor(t, ctx, fmt.Sprintf(`last('export', %d)`, 20+i), 20*time.Second)
		}
		csvText := eval[string](t, ctx, `last('export', 20).data`)
		checkCSV(t, csvText, 31)
		jsonText := eval[string](t, ctx, `last('export', 21).data`)
		if !strings.Contains(jsonText, `"cmd": "load"`) || !strings.Contains(jsonText, `"iter": 3000`) {
			t.Errorf("exported settings %q", jsonText)
		}
		checkPNG(t, eval[string](t, ctx, `last('export', 22).data`))
		// The exported settings load back into the same state, through a message.
		send(`{kinkscope: 1, cmd: 'reset'}`)
		eval[any](t, ctx, `send(Object.assign(JSON.parse(last('export', 21).data), {id: 30})), null`)
		waitFor(t, ctx, `last('ok', 30)`, 10*time.Second)
		deadline = time.Now().Add(30 * time.Second)
		var st jsState
		for st = getState(31); st.Iter != 3000 && time.Now().Before(deadline); st = getState(31) {
		}
		if st.Iter != 3000 {
			t.Errorf("after load: iter %d, want 3000", st.Iter)
		}
	})

	t.Run("compared runs start identical and part when their step sizes do", func(t *testing.T) {
		ctx := b.tab(t, 1280, 800)
		// Decays at 20 % and 50 %: the step sizes agree until iteration 6324.
		b.openSim(t, ctx, "scenario=relu1d-large&compare=decays:0.2:3%3B0.5:3")
		eval[any](t, ctx, `kinkscope.runTo(9000), null`)
		waitFor(t, ctx, `kinkscope.state().iter === 9000 && !kinkscope.state().running`, 60*time.Second)
		type row struct {
			Iter      int     `json:"iter"`
			TrainLoss float64 `json:"trainLoss"`
		}
		csvText := eval[string](t, ctx, `kinkscope.exportCSV()`)
		losses := map[int][2]string{}
		r := csv.NewReader(strings.NewReader(csvText))
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs[1:] {
			var run, iter int
			fmt.Sscan(rec[0], &run)
			fmt.Sscan(rec[2], &iter)
			l := losses[iter]
			l[run-1] = rec[4]
			losses[iter] = l
		}
		for iter, l := range losses {
			if iter <= 6324 && l[0] != l[1] {
				t.Errorf("iteration %d, before the step sizes differ: losses %s and %s", iter, l[0], l[1])
			}
			if iter >= 6500 && l[0] == l[1] {
				t.Errorf("iteration %d, after the step sizes differ: both losses %s", iter, l[0])
			}
		}
		screenshot(t, ctx, "compare-decays")
	})

	t.Run("exports download and parse", func(t *testing.T) {
		ctx := b.tab(t, 1280, 800)
		dir := t.TempDir()
		err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
				Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
			})
			return err
		}))
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(b.base+"index.html?preset=sde&iters=2000")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, `document.documentElement.dataset.ready === '1'`, 30*time.Second)
		if c := eval[string](t, ctx, `document.getElementById('preset-caption').textContent`); !strings.Contains(c, "Euler–Maruyama") {
			t.Errorf("preset caption %q", c)
		}
		eval[any](t, ctx, `document.getElementById('run-end').click(), null`)
		waitFor(t, ctx, `(() => { const s = document.getElementById('sim').contentWindow.kinkscope.state(); return s.iter === s.iters && !s.running; })()`, 60*time.Second)
		files := map[string]string{"export-csv": "kinkscope-metrics.csv", "export-json": "kinkscope-settings.json", "export-png": "kinkscope.png"}
		for button, name := range files {
			eval[any](t, ctx, `document.getElementById('`+button+`').click(), null`)
			path := filepath.Join(dir, name)
			deadline := time.Now().Add(15 * time.Second)
			for {
				if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s was not downloaded", name)
				}
				time.Sleep(50 * time.Millisecond) // polling a file the browser writes; nothing to wait on
			}
		}
		data, _ := os.ReadFile(filepath.Join(dir, "kinkscope-metrics.csv"))
		checkCSV(t, string(data), 2*17) // snapshots every 125 iterations, 0 to 2000, of 2 runs
		img, _ := os.ReadFile(filepath.Join(dir, "kinkscope.png"))
		if _, err := png.Decode(bytes.NewReader(img)); err != nil {
			t.Errorf("downloaded PNG does not decode: %v", err)
		}
		settings, _ := os.ReadFile(filepath.Join(dir, "kinkscope-settings.json"))
		want := eval[map[string]string](t, ctx, `document.getElementById('sim').contentWindow.kinkscope.config()`)
		// Load the settings into a fresh simulator: same settings, same state.
		ctx2 := b.tab(t, 900, 600)
		b.openSim(t, ctx2, "")
		res := eval[map[string]any](t, ctx2, `kinkscope.load(`+strconvQuote(string(settings))+`)`)
		if res["ok"] != true {
			t.Fatalf("load: %v", res)
		}
		waitFor(t, ctx2, `kinkscope.state().iter === 2000 && !kinkscope.state().running`, 60*time.Second)
		got := eval[map[string]string](t, ctx2, `kinkscope.config()`)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("after load: %s = %q, want %q", k, got[k], v)
			}
		}
	})

	t.Run("the offline file runs from disk", func(t *testing.T) {
		path, err := filepath.Abs(filepath.Join(b.dist, "kinkscope-offline.html"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("no offline file (make dist): %v", err)
		}
		ctx := b.tab(t, 1000, 700)
		if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path+"?scenario=relu1d-small")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, `document.documentElement.dataset.ready === '1'`, 60*time.Second)
		eval[any](t, ctx, `kinkscope.runTo(500), null`)
		waitFor(t, ctx, `kinkscope.state().iter === 500`, 30*time.Second)
		if st := state(t, ctx); st.Scenario != "relu1d-small" {
			t.Errorf("offline file: scenario %q", st.Scenario)
		}
		screenshot(t, ctx, "offline")
	})

	t.Run("only visible simulators run", func(t *testing.T) {
		ctx := b.tab(t, 1000, 800)
		// The page and its simulators share an origin, so the test can read their
		// state directly.
		site, err := newSiteHandler(b.dist)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/six.html" {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprint(w, sixPage)
				return
			}
			site.ServeHTTP(w, r)
		}))
		defer srv.Close()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/six.html")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, `[...document.querySelectorAll('iframe')].every((f) => f.contentWindow.kinkscope && f.contentDocument.documentElement.dataset.ready === '1')`, 60*time.Second)
		eval[any](t, ctx, `[...document.querySelectorAll('iframe')].forEach((f) => f.contentWindow.kinkscope.play()), null`)
		waitFor(t, ctx, `document.querySelectorAll('iframe')[0].contentWindow.kinkscope.state().iter > 2000`, 30*time.Second)
		type simInfo struct {
			Iter   int     `json:"iter"`
			Frames float64 `json:"frames"`
			WorkMs float64 `json:"workMs"`
		}
		infos := eval[[]simInfo](t, ctx, `[...document.querySelectorAll('iframe')].map((f) => {
			const k = f.contentWindow.kinkscope, p = k.perf().worker;
			return {iter: k.state().iter, frames: p.frames, workMs: p.p50 * p.frames};
		})`)
		for i, in := range infos {
			t.Logf("simulator %d: iteration %d, %v slices of its worker, about %.0f ms of simulation", i+1, in.Iter, in.Frames, in.WorkMs)
			if i < 2 && in.Iter == 0 {
				t.Errorf("visible simulator %d did not run", i+1)
			}
			// A hidden simulator's worker only carries out the page's few commands
			// (open, visible, play), a slice each without a step.
			if i >= 3 && (in.Iter != 0 || in.Frames > 8) {
				t.Errorf("hidden simulator %d ran: iteration %d, %v slices", i+1, in.Iter, in.Frames)
			}
		}
		// Scrolling one into view starts it.
		eval[any](t, ctx, `document.querySelectorAll('iframe')[5].scrollIntoView(), null`)
		waitFor(t, ctx, `document.querySelectorAll('iframe')[5].contentWindow.kinkscope.state().iter > 0`, 30*time.Second)
	})

	t.Run("teacher–student runs and draws, and its data can be edited", func(t *testing.T) {
		ctx := b.tab(t, 1280, 800)
		b.openSim(t, ctx, "scenario=teacher3-decay50")
		start := time.Now()
		eval[any](t, ctx, `kinkscope.runTo(kinkscope.state().iters), null`)
		waitFor(t, ctx, `kinkscope.state().iter === kinkscope.state().iters && !kinkscope.state().running`, 120*time.Second)
		st := state(t, ctx)
		perf := eval[map[string]any](t, ctx, `kinkscope.perf()`)
		t.Logf("teacher3-decay50 (d = 1) in the browser: %.1f s; test loss %.4g, rank %v, layer-2 sparsity %.3f, kinks %v; work per frame p95 %v ms, max %v ms",
			time.Since(start).Seconds(), st.TestLoss, st.Rank, st.FeatureSparsity, st.Kinks, perf["p95"], perf["max"])
		img := screenshot(t, ctx, "teacher3-decay50")
		if distinct, blue := colorCounts(img); distinct < 20 || blue < 200 {
			t.Errorf("teacher view: %d colors, %d blue pixels", distinct, blue)
		}
		// Add a data point by clicking the predictor plot, through the page API's
		// geometry; the URL then reproduces the edited run.
		g := eval[map[string]float64](t, ctx, `(() => { const f = kinkscope.predictorFrame(); return {x: f.x + 0.5 * f.w, y: f.y + 0.2 * f.h}; })()`)
		// Move there first: Ebiten reads the cursor position from move events.
		frame := eval[int](t, ctx, `kinkscope.state().frame`)
		if err := chromedp.Do(ctx, chromedp.MouseEvent("mouseMoved", g["x"], g["y"])); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, fmt.Sprintf(`kinkscope.state().frame > %d`, frame+1), 10*time.Second)
		frame = eval[int](t, ctx, `kinkscope.state().frame`)
		if err := chromedp.Do(ctx, chromedp.MouseEvent("mousePressed", g["x"], g["y"], chromedp.ButtonLeft, chromedp.ClickCount(1))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, fmt.Sprintf(`kinkscope.state().frame > %d`, frame+1), 10*time.Second)
		if err := chromedp.Do(ctx, chromedp.MouseEvent("mouseReleased", g["x"], g["y"], chromedp.ButtonLeft, chromedp.ClickCount(1))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, `(kinkscope.config().points.match(/:/g) || []).length === 51`, 10*time.Second)
		waitFor(t, ctx, `location.search.includes('points=')`, 5*time.Second)
		eval[any](t, ctx, `kinkscope.runTo(1000), null`)
		waitFor(t, ctx, `kinkscope.state().iter === 1000 && !kinkscope.state().running`, 60*time.Second)
		loss, url := state(t, ctx).TrainLoss, eval[string](t, ctx, `location.href`)
		ctx2 := b.tab(t, 1000, 700)
		if err := chromedp.Do(ctx2, chromedp.Navigate(url)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx2, `document.documentElement.dataset.ready === '1' && window.kinkscope`, 30*time.Second)
		eval[any](t, ctx2, `kinkscope.runTo(1000), null`)
		waitFor(t, ctx2, `kinkscope.state().iter === 1000 && !kinkscope.state().running`, 60*time.Second)
		if got := state(t, ctx2).TrainLoss; got != loss {
			t.Errorf("the edited run's URL gives loss %v at 1000, want %v", got, loss)
		}
		// The paper's setting, d = 5: curves only.
		ctx3 := b.tab(t, 1280, 800)
		b.openSim(t, ctx3, "scenario=teacher3-decay50&dim=5&iters=3000")
		eval[any](t, ctx3, `kinkscope.runTo(3000), null`)
		waitFor(t, ctx3, `kinkscope.state().iter === 3000 && !kinkscope.state().running`, 60*time.Second)
		p5 := eval[perfStats](t, ctx3, `kinkscope.perf()`)
		t.Logf("teacher3-decay50, d = 5, 3,000 iterations: work per frame p50 %.1f ms, p95 %.1f ms, max %.1f ms", p5.P50, p5.P95, p5.Max)
		screenshot(t, ctx3, "teacher3-d5")
	})

	t.Run("keyboard shortcuts", func(t *testing.T) {
		ctx := b.tab(t, 900, 600)
		b.openSim(t, ctx, "scenario=relu1d-small&speed=10")
		if err := chromedp.Do(ctx, chromedp.Click("canvas"), chromedp.KeyEvent(" ")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, `kinkscope.state().running`, 5*time.Second)
		if err := chromedp.Do(ctx, chromedp.KeyEvent(" ")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, `!kinkscope.state().running`, 5*time.Second)
		if err := chromedp.Do(ctx, chromedp.KeyEvent("r")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, `kinkscope.state().iter === 0`, 5*time.Second)
		if err := chromedp.Do(ctx, chromedp.KeyEvent("?")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, `!document.getElementById('help').classList.contains('hidden')`, 5*time.Second)
		screenshot(t, ctx, "help")
	})
}

// checkCSV parses exported metrics and checks the header and the row count.
func checkCSV(t *testing.T, text string, wantRows int) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("exported CSV does not parse: %v", err)
	}
	// The columns are the run, its label and every metric of sim.MetricList, in order.
	want := []string{"run", "label"}
	for _, d := range sim.MetricList {
		want = append(want, d.Key)
	}
	if !slices.Equal(recs[0], want) {
		t.Errorf("CSV header %v, want %v", recs[0], want)
	}
	if len(recs)-1 != wantRows {
		t.Errorf("CSV has %d rows, want %d", len(recs)-1, wantRows)
	}
}

// checkPNG decodes a data URL of a PNG.
func checkPNG(t *testing.T, url string) {
	t.Helper()
	b64, ok := strings.CutPrefix(url, "data:image/png;base64,")
	if !ok {
		t.Fatalf("PNG export %.40q is not a PNG data URL", url)
	}
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("PNG export does not decode: %v", err)
	}
	if distinct, blue := colorCounts(img); distinct < 20 || blue < 100 {
		t.Errorf("PNG export looks empty: %d colors, %d blue pixels", distinct, blue)
	}
}

// strconvQuote quotes a string as a JavaScript string literal.
func strconvQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r < ' ' || r == '\u2028' || r == '\u2029' || r == '<':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
