//go:build !js

package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserTour drives the guided tour as a reader would: every button targets a
// simulator of the page, every simulator reports its state under it, and the buttons
// of the first and the SDE sections do what their labels say.
func TestBrowserTour(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := startBrowser(t)
	ctx := b.tab(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(b.base+"tour.html")); err != nil {
		t.Fatal(err)
	}
	ids := eval[[]string](t, ctx, `[...document.querySelectorAll('iframe[data-sim]')].map((f) => f.id)`)
	if len(ids) < 6 {
		t.Fatalf("the tour has %d simulators, want one per section (6)", len(ids))
	}
	if bad := eval[[]string](t, ctx, `[...document.querySelectorAll('button[data-target]')]
		.filter((b) => !document.getElementById(b.dataset.target) || !document.querySelector('[data-status="' + b.dataset.target + '"]'))
		.map((b) => b.textContent)`); len(bad) > 0 {
		t.Errorf("buttons without a simulator or status line: %q", bad)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('math').length`); n < 8 {
		t.Errorf("%d formulas, want the definitions written out (≥ 8)", n)
	}
	if !eval[bool](t, ctx, `!!document.querySelector('a[href="https://arxiv.org/abs/2210.05337"]')`) {
		t.Error("no link to the paper")
	}

	frame := func(id string) string { return fmt.Sprintf(`document.getElementById(%q).contentWindow`, id) }
	status := func(id string) string {
		return fmt.Sprintf(`document.querySelector('[data-status=%q]').textContent`, id)
	}
	click := func(id, label string) {
		t.Helper()
		ok := eval[bool](t, ctx, fmt.Sprintf(`(() => {
			const b = [...document.querySelectorAll('button[data-target=%q]')].find((b) => b.textContent.startsWith(%q));
			if (b) b.click();
			return !!b;
		})()`, id, label))
		if !ok {
			t.Fatalf("no button %q for %s", label, id)
		}
	}
	// Each simulator loads lazily when scrolled to, says it is ready, and from then on
	// reports its state under it through the subscription the page asks for.
	for _, id := range ids {
		eval[any](t, ctx, fmt.Sprintf(`document.getElementById(%q).scrollIntoView(), null`, id))
		waitFor(t, ctx, status(id)+`.startsWith('iteration 0 of')`, 60*time.Second)
	}

	t.Run("loss stabilization", func(t *testing.T) {
		id := "sim-stabilization"
		eval[any](t, ctx, fmt.Sprintf(`document.getElementById(%q).scrollIntoView(), null`, id))
		click(id, "Run through the warm-up")
		waitFor(t, ctx, frame(id)+`.kinkscope.state().iter === 15811 && !`+frame(id)+`.kinkscope.state().running`, 90*time.Second)
		click(id, "Now decay the step size")
		waitFor(t, ctx, status(id)+`.startsWith('finished: iteration 31,623 of 31,623')`, 90*time.Second)
		if s := eval[string](t, ctx, status(id)); !strings.Contains(s, "kinks") || !strings.Contains(s, "rank") {
			t.Errorf("finished status %q, want its kinks and rank", s)
		}
		click(id, "Reset")
		waitFor(t, ctx, frame(id)+`.kinkscope.state().iter === 0`, 10*time.Second)
	})

	t.Run("the SDE without noise", func(t *testing.T) {
		id := "sim-sde"
		eval[any](t, ctx, fmt.Sprintf(`document.getElementById(%q).scrollIntoView(), null`, id))
		click(id, "Now without noise")
		waitFor(t, ctx, frame(id)+`.kinkscope.query().includes('sde-noise')`, 10*time.Second)
		click(id, "Back to SGD against the SDE")
		waitFor(t, ctx, frame(id)+`.kinkscope.query().includes('preset=sde') && !`+frame(id)+`.kinkscope.query().includes('sde-noise')`, 10*time.Second)
		if s := eval[string](t, ctx, status(id)); strings.Contains(s, "error") {
			t.Errorf("status after switching presets: %q", s)
		}
	})
	screenshot(t, ctx, "tour-1280")
}
