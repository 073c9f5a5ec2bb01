//go:build !js

package main

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// TestBrowserHardening: long runs keep memory bounded and the page responsive, a lost
// WebGL context or a reload brings the same run back, and hostile values never reach
// a page as HTML.
func TestBrowserHardening(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := startBrowser(t)

	t.Run("ten million steps keep memory bounded", func(t *testing.T) {
		ctx := b.tab(t, 1000, 700)
		b.openSim(t, ctx, "scenario=relu1d-large&iters=10000000&log_every=2000")
		type mem struct {
			HeapAlloc float64 `json:"heapAlloc"`
			Sys       float64 `json:"sys"`
		}
		before := eval[mem](t, ctx, `kinkscope.memory()`)
		start := time.Now()
		eval[any](t, ctx, `kinkscope.runTo(10000000), null`)
		// Responsiveness: while it runs, frames keep coming and state() answers.
		var worst time.Duration
		lastFrame, lastIter := 0, -1
		for {
			t0 := time.Now()
			st := eval[struct {
				Iter    int  `json:"iter"`
				Frame   int  `json:"frame"`
				Running bool `json:"running"`
			}](t, ctx, `kinkscope.state()`)
			worst = max(worst, time.Since(t0))
			if !st.Running && st.Iter == 10000000 {
				break
			}
			if time.Since(start) > 8*time.Minute {
				t.Fatalf("10 million steps not done after 8 minutes: iteration %d", st.Iter)
			}
			if st.Iter != lastIter {
				lastIter = st.Iter
			}
			waitFor(t, ctx, `kinkscope.state().frame > `+strconv.Itoa(st.Frame+10)+` || !kinkscope.state().running`, 30*time.Second)
			lastFrame = st.Frame
		}
		elapsed := time.Since(start)
		after := eval[mem](t, ctx, `kinkscope.memory()`)
		rows := eval[int](t, ctx, `kinkscope.history().length`)
		t.Logf("10,000,000 steps in %.1f s (%.0f steps/s, %d frames); Go heap %.1f MB before, %.1f MB after; %.1f → %.1f MB from the OS; %d history rows kept; slowest state() %v",
			elapsed.Seconds(), 1e7/elapsed.Seconds(), lastFrame, before.HeapAlloc/1e6, after.HeapAlloc/1e6, before.Sys/1e6, after.Sys/1e6, rows, worst)
		if after.HeapAlloc > before.HeapAlloc+20e6 {
			t.Errorf("Go heap grew from %.1f MB to %.1f MB over the run", before.HeapAlloc/1e6, after.HeapAlloc/1e6)
		}
		if rows > 4096 {
			t.Errorf("history kept %d rows, want at most 4096", rows)
		}
		if worst > time.Second {
			t.Errorf("state() took %v during the run", worst)
		}
	})

	t.Run("a lost WebGL context comes back", func(t *testing.T) {
		ctx := b.tab(t, 1000, 700)
		b.openSim(t, ctx, "scenario=relu1d-large&seed=5")
		eval[any](t, ctx, `kinkscope.runTo(3000), null`)
		waitFor(t, ctx, `kinkscope.state().iter === 3000 && !kinkscope.state().running`, 30*time.Second)
		loss := state(t, ctx).TrainLoss
		// Ebiten reloads the page when the context is lost; the URL and the iteration
		// reached bring the same run back.
		eval[any](t, ctx, `window.beforeLoss = true, null`)
		eval[any](t, ctx, `setTimeout(() => document.querySelector('canvas').getContext('webgl2').getExtension('WEBGL_lose_context').loseContext(), 600), null`)
		waitAcrossReload(t, ctx, `!window.beforeLoss && document.documentElement.dataset.ready === '1' && window.kinkscope && kinkscope.state().iter === 3000 && !kinkscope.state().running`, 30*time.Second)
		if got := state(t, ctx).TrainLoss; got != loss {
			t.Errorf("after the context loss, loss at 3000 = %v, want %v", got, loss)
		}
		img := screenshot(t, ctx, "after-context-loss")
		if distinct, blue := colorCounts(img); distinct < 20 || blue < 200 {
			t.Errorf("after a context loss the view is blank: %d colors, %d blue pixels", distinct, blue)
		}
		// A plain reload too.
		if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
		waitAcrossReload(t, ctx, `document.documentElement.dataset.ready === '1' && window.kinkscope && kinkscope.state().iter === 3000 && !kinkscope.state().running`, 30*time.Second)
		if got := state(t, ctx).TrainLoss; got != loss {
			t.Errorf("after a reload, loss at 3000 = %v, want %v", got, loss)
		}
	})

	t.Run("editing the data changes the run and the URL", func(t *testing.T) {
		ctx := b.tab(t, 1280, 800)
		b.openSim(t, ctx, "scenario=relu1d-large")
		type frameGeom struct {
			X, Y, W, H, Xlo, Xhi, Ylo, Yhi float64
			Valid                          bool
		}
		g := eval[frameGeom](t, ctx, `kinkscope.predictorFrame()`)
		if !g.Valid {
			t.Fatal("no predictor plot")
		}
		px := func(x, y float64) (float64, float64) {
			return g.X + (x-g.Xlo)/(g.Xhi-g.Xlo)*g.W, g.Y + g.H - (y-g.Ylo)/(g.Yhi-g.Ylo)*g.H
		}
		// A press held for two frames, as a person's is: Ebiten polls the buttons
		// once a frame.
		mouse := func(typ input.DispatchMouseEventType, x, y float64, button input.MouseButton) {
			t.Helper()
			frame := eval[int](t, ctx, `kinkscope.state().frame`)
			if err := chromedp.Do(ctx, chromedp.MouseEvent(typ, x, y, chromedp.Button(string(button)), chromedp.ClickCount(1))); err != nil {
				t.Fatal(err)
			}
			waitFor(t, ctx, `kinkscope.state().frame > `+strconv.Itoa(frame+1), 10*time.Second)
		}
		click := func(x, y float64, button input.MouseButton) {
			// Move there first: Ebiten reads the cursor position from move events.
			mouse(input.DispatchMouseEventTypeMouseMoved, x, y, input.MouseButtonNone)
			mouse(input.DispatchMouseEventTypeMousePressed, x, y, button)
			mouse(input.DispatchMouseEventTypeMouseReleased, x, y, button)
		}
		// Add a point at (0.3, -1) by clicking empty space.
		x, y := px(0.3, -1)
		click(x, y, input.MouseButtonLeft)
		waitFor(t, ctx, `(kinkscope.config().points.match(/:/g) || []).length === 13`, 10*time.Second)
		waitFor(t, ctx, `location.search.includes('points=')`, 5*time.Second)
		pts := eval[string](t, ctx, `kinkscope.config().points`)
		var ax, ay float64
		fmt.Sscanf(pts[strings.LastIndex(pts, ",")+1:], "%g:%g", &ax, &ay)
		if math.Abs(ax-0.3) > 0.02 || math.Abs(ay+1) > 0.05 {
			t.Errorf("points after the click: %q, want the last near 0.3:-1", pts)
		}
		// Right-click deletes it again.
		click(x, y, input.MouseButtonRight)
		waitFor(t, ctx, `(kinkscope.config().points.match(/:/g) || []).length === 12`, 10*time.Second)
		// Drag the first paper point (x = −1.305, y = −1.655) up by a unit.
		x0, y0 := px(-1.305, -1.655)
		x1, y1 := px(-1.305, -0.655)
		mouse(input.DispatchMouseEventTypeMouseMoved, x0, y0, input.MouseButtonNone)
		mouse(input.DispatchMouseEventTypeMousePressed, x0, y0, input.MouseButtonLeft)
		mouse(input.DispatchMouseEventTypeMouseMoved, (x0+x1)/2, (y0+y1)/2, input.MouseButtonLeft)
		mouse(input.DispatchMouseEventTypeMouseMoved, x1, y1, input.MouseButtonLeft)
		mouse(input.DispatchMouseEventTypeMouseReleased, x1, y1, input.MouseButtonLeft)
		waitFor(t, ctx, `kinkscope.config().points.startsWith('-1.3')`, 10*time.Second)
		pts = eval[string](t, ctx, `kinkscope.config().points`)
		if !strings.HasPrefix(pts, "-1.30") || !strings.Contains(strings.Split(pts, ",")[0], ":-0.6") {
			t.Errorf("after the drag the first point is %q, want about -1.305:-0.655", strings.Split(pts, ",")[0])
		}
		eval[any](t, ctx, `kinkscope.runTo(2000), null`)
		waitFor(t, ctx, `kinkscope.state().iter === 2000 && !kinkscope.state().running`, 30*time.Second)
		loss := state(t, ctx).TrainLoss
		url := eval[string](t, ctx, `location.href`)
		screenshot(t, ctx, "edited-data")
		// The URL reproduces the edited run.
		ctx2 := b.tab(t, 1000, 700)
		if err := chromedp.Do(ctx2, chromedp.Navigate(url)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx2, `document.documentElement.dataset.ready === '1' && window.kinkscope`, 30*time.Second)
		if got := eval[string](t, ctx2, `kinkscope.config().points`); got != pts {
			t.Errorf("the URL gives points %q, want %q", got, pts)
		}
		eval[any](t, ctx2, `kinkscope.runTo(2000), null`)
		waitFor(t, ctx2, `kinkscope.state().iter === 2000 && !kinkscope.state().running`, 30*time.Second)
		if got := state(t, ctx2).TrainLoss; got != loss {
			t.Errorf("the URL's run has loss %v at 2000, want %v", got, loss)
		}
		// A bad point list in the URL is named.
		ctx3 := b.tab(t, 900, 600)
		b.openSim(t, ctx3, "scenario=relu1d-large&points=0:1,2:x,3:4")
		waitFor(t, ctx3, `document.getElementById('notes').textContent.includes('entry 2')`, 10*time.Second)
	})

	t.Run("hostile values never become HTML", func(t *testing.T) {
		ctx := b.tab(t, 1280, 800)
		hostile := `%3Cimg%20src%3Dx%20onerror%3D%22document.title%3D'pwned'%22%3E`
		if err := chromedp.Do(ctx, chromedp.Navigate(b.base+"index.html?scenario=relu1d-large&compare="+hostile+"&preset="+hostile+"&lr="+hostile+"&"+hostile+"=1")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, `document.documentElement.dataset.ready === '1'`, 30*time.Second)
		waitFor(t, ctx, `document.getElementById('sim').contentDocument.querySelectorAll('#notes li').length >= 3`, 10*time.Second)
		n := eval[int](t, ctx, `document.querySelectorAll('img').length + document.getElementById('sim').contentDocument.querySelectorAll('img').length`)
		if n != 0 || eval[string](t, ctx, `document.title`) == "pwned" {
			t.Errorf("a hostile URL value became HTML (%d img elements)", n)
		}
		notes := eval[string](t, ctx, `document.getElementById('sim').contentDocument.getElementById('notes').textContent`)
		if !strings.Contains(notes, "<img") {
			t.Errorf("notes %q do not show the hostile value as text", notes)
		}
		// Through the message API too.
		res := eval[map[string]any](t, ctx, `document.getElementById('sim').contentWindow.kinkscope.set({compare: '<b>x</b>'})`)
		if res["ok"] == true {
			t.Errorf("a hostile compare was accepted")
		}
		screenshot(t, ctx, "hostile")
	})
}

// waitAcrossReload waits for a condition on a page that reloads meanwhile: a poll
// that the navigation interrupts is started again on the new document.
func waitAcrossReload(t *testing.T, ctx context.Context, cond string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](cond,
			chromedp.WithPollingTimeout(time.Until(deadline)), chromedp.WithPollingInterval(20*time.Millisecond)))
		if err == nil {
			return
		}
	}
	t.Fatalf("waiting for %s: timed out", cond)
}
