//go:build !js

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeViolation is what axe-core reports for one rule that a page breaks.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  int    `json:"nodes"`
	Where  string `json:"where"`
}

// axeSource reads axe-core's script, which `make axe` installs from npm (test-only,
// never committed). KINKSCOPE_AXE names the file; without it the test looks where the
// Makefile puts it.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("KINKSCOPE_AXE")
	if path == "" {
		path = filepath.Join("..", "..", ".cache", "axe", "node_modules", "axe-core", "axe.min.js")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("KINKSCOPE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("the accessibility test needs axe-core (make axe): %v", err)
		}
		t.Skipf("no axe-core (make axe installs it): %v", err)
	}
	return string(src)
}

// TestBrowserAccessibility runs the axe-core checker on every page and fails on any
// serious or critical violation; it logs the counts per page and impact.
func TestBrowserAccessibility(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := startBrowser(t)
	axe := axeSource(t)
	for _, page := range []struct{ name, url, ready string }{
		{"controls", b.base, `document.documentElement.dataset.ready === '1'`},
		{"simulator", b.base + "sim.html?preset=kinks", `document.documentElement.dataset.ready === '1'`},
		{"tour", b.base + "tour.html", `document.getElementById('sim-stabilization').contentDocument?.documentElement?.dataset.ready === '1'`},
		{"lecture notes", b.base + "examples/lecture.html", `document.querySelectorAll('iframe').length > 0`},
		// The sweep page after a small grid has run: heatmap, legend and table filled.
		{"sweep", b.base + "sweep.html?set=iters%3D500&seeds=1&workers=2", `document.getElementById('command').textContent !== ''`},
	} {
		t.Run(page.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(b.tab(t, 1280, 900), 2*time.Minute)
			defer cancel()
			if err := chromedp.Do(ctx, chromedp.Navigate(page.url)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, ctx, page.ready, 60*time.Second)
			if page.name == "sweep" {
				runSweep(t, ctx, time.Minute)
				eval[any](t, ctx, `document.getElementById('table-box').open = true, document.querySelector('#heatmap a.cell').focus(), null`)
			}
			eval[any](t, ctx, axe+"\n;null")
			violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ['violations']})
				.then((r) => r.violations.map((v) => ({id: v.id, impact: v.impact || '', help: v.help,
					nodes: v.nodes.length, where: v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')})))`,
				chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("axe.run: %v", err)
			}
			counts := map[string]int{}
			for _, v := range violations {
				counts[v.Impact] += v.Nodes
				msg := v.Impact + " " + v.ID + ": " + v.Help + " (" + v.Where + ")"
				if v.Impact == "serious" || v.Impact == "critical" {
					t.Errorf("%s", msg)
				} else {
					t.Logf("%s", msg)
				}
			}
			var parts []string
			for _, impact := range []string{"critical", "serious", "moderate", "minor"} {
				parts = append(parts, fmt.Sprintf("%s %d", impact, counts[impact]))
			}
			t.Logf("axe-core on %s: %s", page.name, strings.Join(parts, ", "))
			if page.name != "simulator" {
				return
			}
			// The canvas is reachable by Tab, and a text alternative and a polite live
			// region say what it shows.
			waitFor(t, ctx, `document.getElementById('live').textContent.includes('iteration 0 of 31623')`, 10*time.Second)
			if !eval[bool](t, ctx, `(() => { const c = document.querySelector('canvas');
				return c.tabIndex === 0 && c.getAttribute('role') === 'img' && c.getAttribute('aria-label').includes('iteration') &&
					document.getElementById('live').getAttribute('aria-live') === 'polite'; })()`) {
				t.Error("the canvas lacks tabindex 0, role img or a label, or the live region is not polite")
			}
			eval[any](t, ctx, `kinkscope.runTo(500), null`)
			waitFor(t, ctx, `document.getElementById('live').textContent.includes('iteration 500 of 31623, paused')`, 30*time.Second)
		})
	}
}
