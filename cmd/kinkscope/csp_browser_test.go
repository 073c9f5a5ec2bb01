//go:build !js

package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// recordViolations makes every document the tab opens, frames included, record the
// Content-Security-Policy violations it sees in window.cspViolations. DevTools
// injects the listener before the page's own scripts, and outside its policy.
func recordViolations(t *testing.T, ctx context.Context) {
	t.Helper()
	const listener = `window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.cspViolations.push(e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
});`
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: listener})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
}

// allViolations is a JavaScript expression for the violations of the page and of its
// same-origin frames.
const allViolations = `[window, ...[...document.querySelectorAll('iframe')].map((f) => f.contentWindow)]
  .flatMap((w) => { try { return w.cspViolations || []; } catch { return ['frame not readable']; } })`

// checkViolations reports the violations seen so far.
func checkViolations(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if v := eval[[]string](t, ctx, allViolations); len(v) > 0 {
		t.Fatalf("%s: the policy blocked %d things:\n%s", url, len(v), strings.Join(v, "\n"))
	}
}

// TestBrowserCSP opens every page of the site under the policies serve sends, and
// the offline file under its <meta> policy from disk, and checks that each works and
// that the browser blocked nothing.
func TestBrowserCSP(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := startBrowser(t)
	offline, err := filepath.Abs(filepath.Join(b.dist, offlineName))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, url, ready string
		height           int64
	}{
		{"simulator", b.base + "sim.html?scenario=relu1d-large", `document.documentElement.dataset.ready === '1'`, 800},
		{"controls", b.base, `document.documentElement.dataset.ready === '1' &&
			document.querySelector('iframe').contentDocument?.documentElement?.dataset.ready === '1'`, 800},
		// Tall, so that both lazy frames load.
		{"lecture notes", b.base + "examples/lecture.html", `[...document.querySelectorAll('iframe')].length > 0 &&
			[...document.querySelectorAll('iframe')].every((f) => f.contentDocument?.documentElement?.dataset.ready === '1')`, 2400},
		// The tour's own script and style sheet; its first simulator is in view.
		{"guided tour", b.base + "tour.html", `document.getElementById('sim-stabilization').contentDocument?.documentElement?.dataset.ready === '1'`, 900},
		// The sweep page starts Web Workers, which compile the engine.
		{"sweep page", b.base + "sweep.html?workers=1&seeds=1&set=iters%3D500", `document.getElementById('command').textContent !== ''`, 900},
		{"offline file from disk", "file://" + offline + "?scenario=relu1d-small", `document.documentElement.dataset.ready === '1'`, 800},
		{"offline file served", b.base + offlineName + "?scenario=relu1d-small", `document.documentElement.dataset.ready === '1'`, 800},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// A deadline for every call into the browser: a renderer that stops
			// answering (seen once, on a machine loaded by other browser tests) then
			// fails this test in bounded time instead of stalling the package.
			ctx, cancel := context.WithTimeout(b.tab(t, 1280, tt.height), 2*time.Minute)
			defer cancel()
			recordViolations(t, ctx)
			if err := chromedp.Do(ctx, chromedp.Navigate(tt.url)); err != nil {
				t.Fatal(err)
			}
			// Stop waiting at the first violation, to report it rather than a time-out.
			waitFor(t, ctx, `(`+tt.ready+`) || `+allViolations+`.length > 0`, 60*time.Second)
			checkViolations(t, ctx, tt.url)
			if tt.name == "sweep page" { // its workers run the grid under their own policy
				runSweep(t, ctx, time.Minute)
				if st := eval[sweepState](t, ctx, `kinkscopeSweep.state()`); st.Done != st.Runs || st.Runs == 0 {
					t.Errorf("sweep page under the policy: %+v, want every run done", st)
				}
			}
			// Let the simulators run and draw a little: a blocked style or eval may
			// show only then.
			// (Simulators out of view pause by design: only those in view.)
			const sims = `[window, ...[...document.querySelectorAll('iframe')].filter((f) => f.getBoundingClientRect().top < innerHeight)
				.map((f) => f.contentWindow)].filter((w) => w.kinkscope)`
			eval[any](t, ctx, sims+`.forEach((w) => w.kinkscope.step(100)), null`)
			waitFor(t, ctx, sims+`.every((w) => w.kinkscope.state().iter >= 100)`, 30*time.Second)
			checkViolations(t, ctx, tt.url)
		})
	}
}
