//go:build !js

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserControlsDefects: letters in the step size are refused with a message
// that names the field; another experiment during a comparison of another model
// applies and says the comparison ended; a refused clipboard points at the box that
// holds the link.
func TestBrowserControlsDefects(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := startBrowser(t)
	ctx := b.tab(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(b.base+"?preset=kinks")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `document.documentElement.dataset.ready === '1'`, 30*time.Second)
	sim := `document.getElementById('sim').contentWindow.kinkscope`
	status := `document.getElementById('status').textContent`
	change := func(id, value string) {
		t.Helper()
		eval[any](t, ctx, `(() => { const el = document.getElementById('`+id+`'); el.value = '`+value+`'; el.dispatchEvent(new Event('change', {bubbles: true})); })(), null`)
	}

	change("lr", "abc")
	msg := eval[string](t, ctx, status)
	if !strings.Contains(msg, "step size") || !strings.Contains(msg, "(lr)") || !strings.Contains(msg, "not a number") || strings.Contains(msg, `lr ""`) {
		t.Errorf("letters in the step size: %q, want the field named and 'not a number'", msg)
	}
	if !eval[bool](t, ctx, `document.getElementById('lr').getAttribute('aria-invalid') === 'true'`) {
		t.Error("the refused field is not marked invalid")
	}

	change("scenario", "diag-const")
	waitFor(t, ctx, sim+`.state().scenario === 'diag-const' && `+sim+`.state().runs.length === 1`, 10*time.Second)
	if v := eval[string](t, ctx, `document.getElementById('scenario').value`); v != "diag-const" {
		t.Errorf("the experiment list shows %q after choosing diag-const", v)
	}
	if msg := eval[string](t, ctx, status); !strings.Contains(msg, "comparison ended") {
		t.Errorf("status %q, want it to say the comparison ended", msg)
	}

	eval[any](t, ctx, `navigator.clipboard.writeText = () => Promise.reject(new Error('denied')), null`)
	eval[any](t, ctx, `document.getElementById('copy-link').click(), null`)
	waitFor(t, ctx, status+`.includes('did not allow')`, 5*time.Second)
	if msg := eval[string](t, ctx, status); !strings.Contains(msg, "“Link” box") || strings.Contains(msg, "embed") {
		t.Errorf("refused clipboard: %q, want it to point at the Link box", msg)
	}
	if id := eval[string](t, ctx, `document.activeElement.id`); id != "link" {
		t.Errorf("focus on #%s, want the link box", id)
	}
	if v := eval[string](t, ctx, `document.getElementById('link').value`); !strings.Contains(v, "scenario=diag-const") {
		t.Errorf("the link box holds %q", v)
	}
}
