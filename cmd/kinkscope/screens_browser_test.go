//go:build !js

package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"kinkscope/render"
)

// screenSizes are the viewports the pages are checked and photographed at: a phone, a
// tablet, a laptop and a desktop.
var screenSizes = []struct{ w, h int64 }{{360, 640}, {390, 844}, {768, 1024}, {1280, 800}, {1920, 1080}}

// geometry is what window.kinkscope.geometry() returns.
type geometry struct {
	Panels []render.PanelGeometry `json:"panels"`
}

// checkLayout fails when a legend box covers a data point or a curve of its panel (the
// part drawn, inside the plotting area), or
// a tick label leaves its panel, the canvas, or runs under the simulator's own bar, or
// a panel has no y label.
func checkLayout(t *testing.T, name string, g geometry, canvasW, canvasH float64, bar render.Rect) {
	t.Helper()
	if len(g.Panels) < 7 {
		t.Fatalf("%s: %d panels drawn, want 7", name, len(g.Panels))
	}
	view := render.Rect{X: 0, Y: 0, W: canvasW, H: canvasH}
	for _, p := range g.Panels {
		// Data is drawn clipped to the plotting area: what a legend may cover is there.
		if lg := p.Legend.Intersect(p.In); lg.W > 0 && lg.H > 0 && render.Covers(lg, p.Curves, p.Points, 0) {
			t.Errorf("%s: the legend of %q at %+v covers its data", name, p.Title, p.Legend)
		}
		if p.YLabel == "" || !p.Outer.Contains(p.YLabelBox, 0.5) {
			t.Errorf("%s: %q has the y label %q at %+v, want one inside the panel %+v", name, p.Title, p.YLabel, p.YLabelBox, p.Outer)
		}
		if len(p.Ticks) < 4 {
			t.Errorf("%s: %q has %d tick labels", name, p.Title, len(p.Ticks))
		}
		for _, tk := range p.Ticks {
			if !p.Outer.Contains(tk, 0.5) || !view.Contains(tk, 0.5) || (bar.W > 0 && tk.Overlaps(bar)) {
				t.Errorf("%s: a tick label of %q at %+v is clipped (panel %+v, canvas %gx%g)", name, p.Title, tk, p.Outer, canvasW, canvasH)
			}
		}
	}
}

// TestBrowserLayout checks at every size, on the figures with the most on them, that no
// legend covers data and no tick label is clipped, and photographs the simulator, the
// controls page and the tour into out/screenshots/PAGE-WIDTH.png.
func TestBrowserLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := startBrowser(t)
	for _, sz := range screenSizes {
		t.Run(fmt.Sprint(sz.w), func(t *testing.T) {
			ctx := b.tab(t, sz.w, sz.h)
			for _, q := range []struct {
				query string
				iter  int
			}{{"preset=kinks", 12000}, {"preset=diagonal", 100001}, {"preset=teacher", 10001}, {"preset=large-step&pieces=on", 31623}} {
				b.openSim(t, ctx, q.query)
				eval[any](t, ctx, fmt.Sprintf(`kinkscope.runTo(%d), null`, q.iter))
				waitFor(t, ctx, fmt.Sprintf(`kinkscope.state().iter >= %d && !kinkscope.state().running`, q.iter), 120*time.Second)
				// The frame after the run stopped is drawn.
				f := eval[int](t, ctx, `kinkscope.state().frame`)
				waitFor(t, ctx, fmt.Sprintf(`kinkscope.state().frame > %d`, f+2), 10*time.Second)
				g := eval[geometry](t, ctx, `kinkscope.geometry()`)
				size := eval[[2]float64](t, ctx, `[document.querySelector('canvas').clientWidth, document.querySelector('canvas').clientHeight]`)
				bar := eval[render.Rect](t, ctx, `(() => { const r = document.getElementById('bar').getBoundingClientRect(); return {X: r.x, Y: r.y, W: r.width, H: r.height}; })()`)
				checkLayout(t, fmt.Sprintf("%s at %d px", q.query, sz.w), g, size[0], size[1], bar)
				if q.iter == 12000 {
					screenshot(t, ctx, fmt.Sprintf("sim-%d", sz.w))
				}
			}

			if err := chromedp.Do(ctx, chromedp.Navigate(b.base+"?preset=diagonal")); err != nil {
				t.Fatal(err)
			}
			waitFor(t, ctx, `document.documentElement.dataset.ready === '1'`, 30*time.Second)
			screenshot(t, ctx, fmt.Sprintf("controls-%d", sz.w))

			if err := chromedp.Do(ctx, chromedp.Navigate(b.base+"tour.html")); err != nil {
				t.Fatal(err)
			}
			waitFor(t, ctx, `document.getElementById('sim-stabilization').contentDocument?.documentElement?.dataset.ready === '1'`, 60*time.Second)
			screenshot(t, ctx, fmt.Sprintf("tour-%d", sz.w))
		})
	}
}

// TestBrowserSimControls drives the simulator page's own controls as a reader would,
// by touch, mouse and keyboard: Play advances the run, Reset brings it back to iteration 0,
// the scrubber runs to the iteration chosen and Run to end reaches the end; with
// controls=off and caption=off the bar is gone and the figures take the whole page.
func TestBrowserSimControls(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := startBrowser(t)
	ctx := b.tab(t, 390, 844)
	b.openSim(t, ctx, "preset=kinks&speed=100")
	waitFor(t, ctx, `!document.getElementById('sim-controls').classList.contains('hidden') && document.getElementById('sim-caption').textContent.includes('handful of kinks')`, 10*time.Second)
	for _, id := range []string{"sim-play", "sim-reset", "sim-end", "sim-scrub"} {
		// Reachable without scrolling on a phone, and named.
		in := eval[bool](t, ctx, fmt.Sprintf(`(() => { const r = document.getElementById(%q).getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.width > 0; })()`, id))
		if !in {
			t.Errorf("#%s is not on the first screen at 390x844", id)
		}
	}
	if n := eval[string](t, ctx, `document.getElementById('sim-scrub').labels[0].textContent`); n == "" {
		t.Error("the scrubber has no label")
	}
	// click presses a control with the mouse at its centre; key focuses it and types.
	click := func(id string) {
		t.Helper()
		c := eval[[2]float64](t, ctx, fmt.Sprintf(`(() => { const r = document.getElementById(%q).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`, id))
		if err := chromedp.Do(ctx, chromedp.MouseClickXY(c[0], c[1])); err != nil {
			t.Fatal(err)
		}
	}
	key := func(id, keys string) {
		t.Helper()
		eval[any](t, ctx, fmt.Sprintf(`document.getElementById(%q).focus(), null`, id))
		if err := chromedp.Do(ctx, chromedp.KeyEvent(keys)); err != nil {
			t.Fatal(err)
		}
	}
	// tap presses a control with a finger: a touch start and end at its centre.
	tap := func(id string) {
		t.Helper()
		c := eval[[2]float64](t, ctx, fmt.Sprintf(`(() => { const r = document.getElementById(%q).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`, id))
		err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tg, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{Enabled: true}); err != nil {
				return err
			}
			if _, err := cdp.Call(ctx, tg, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: input.DispatchTouchEventTypeTouchStart, TouchPoints: []*input.TouchPoint{{X: c[0], Y: c[1]}}}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tg, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: input.DispatchTouchEventTypeTouchEnd, TouchPoints: []*input.TouchPoint{}})
			return err
		}))
		if err != nil {
			t.Fatal(err)
		}
	}
	// Touch plays, the mouse pauses.
	tap("sim-play")
	waitFor(t, ctx, `kinkscope.state().running && kinkscope.state().iter > 500 && document.getElementById('sim-play').textContent === 'Pause'`, 30*time.Second)
	click("sim-play")
	waitFor(t, ctx, `!kinkscope.state().running`, 10*time.Second)
	// Keyboard: focus Reset and press Enter.
	key("sim-reset", "\r")
	waitFor(t, ctx, `kinkscope.state().iter === 0`, 10*time.Second)
	// The scrubber: choose an iteration as its keyboard and pointer do (input, change).
	eval[any](t, ctx, `(() => { const s = document.getElementById('sim-scrub'); s.value = '5000'; s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')); })(), null`)
	waitFor(t, ctx, `kinkscope.state().iter === 5000 && !kinkscope.state().running`, 60*time.Second)
	// Space on a focused Play presses it once (the page's own space shortcut stays out).
	key("sim-play", " ")
	waitFor(t, ctx, `kinkscope.state().running`, 10*time.Second)
	click("sim-end")
	waitFor(t, ctx, `kinkscope.state().iter === kinkscope.state().iters && !kinkscope.state().running`, 120*time.Second)
	// The bar follows the state ten times a second.
	waitFor(t, ctx, `document.getElementById('sim-scrub').value === '31623'`, 2*time.Second)
	// state() says which iteration its metrics are of.
	if ok := eval[bool](t, ctx, `kinkscope.state().metricsIter === kinkscope.state().iter`); !ok {
		t.Error("at the end, the metrics are not of the last iteration")
	}

	// A message about the link spans the phone's width, above the bar.
	b.openSim(t, ctx, "preset=kinks&lr=abc")
	waitFor(t, ctx, `!document.getElementById('notes-box').classList.contains('hidden')`, 10*time.Second)
	box := eval[[3]float64](t, ctx, `(() => { const r = document.getElementById('notes-box').getBoundingClientRect(); return [r.width, r.bottom, document.getElementById('bar').getBoundingClientRect().top]; })()`)
	if box[0] < 370 || box[1] > box[2] {
		t.Errorf("the message box is %g px wide with its bottom at %g (the bar at %g), want the width of the phone above the bar", box[0], box[1], box[2])
	}

	b.openSim(t, ctx, "preset=kinks&controls=off&caption=off")
	waitFor(t, ctx, `document.getElementById('bar').classList.contains('hidden')`, 10*time.Second)
	if h := eval[float64](t, ctx, `document.querySelector('canvas').clientHeight`); h < 840 {
		t.Errorf("with controls=off and caption=off the canvas is %g px tall, want the whole page (844)", h)
	}
}
