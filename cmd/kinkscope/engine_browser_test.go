//go:build !js

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kinkscope/wasm/engine"
)

// TestBrowserEngine starts the engine in a Web Worker (web/engine.js and
// engine.wasm) from a page of the site, under the policy serve sends, and checks the
// protocol: ready, a plan, a run whose row is the command line's, and refusals
// that name the field.
func TestBrowserEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := startBrowser(t)
	// The module goes out precompressed, as the WebAssembly MIME type that streaming
	// compilation requires.
	req, _ := http.NewRequest("GET", b.base+"engine.wasm", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	gz, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want, err := os.ReadFile(filepath.Join(b.dist, "engine.wasm.gz"))
	if err != nil {
		t.Fatalf("make build writes engine.wasm.gz: %v", err)
	}
	if ct, ce := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding"); ct != "application/wasm" || ce != "gzip" || !bytes.Equal(gz, want) {
		t.Errorf("engine.wasm: Content-Type %q, Content-Encoding %q, %d bytes; want application/wasm, gzip and engine.wasm.gz's %d bytes",
			ct, ce, len(gz), len(want))
	}
	ctx := b.tab(t, 800, 600)
	// Any page of the site's origin under the site's policy will do: the 404 page is
	// the lightest.
	if err := chromedp.Do(ctx, chromedp.Navigate(b.base+"no-such-page")); err != nil {
		t.Fatal(err)
	}
	eval[any](t, ctx, `(() => {
		window.replies = [];
		window.engine = new Worker('engine.js');
		engine.onmessage = (e) => replies.push(e.data);
		engine.onerror = (e) => replies.push({event: 'worker-error', error: String(e.message)});
		return null; })()`)
	waitFor(t, ctx, `replies.length > 0`, 60*time.Second)
	if r := eval[map[string]any](t, ctx, `replies[0]`); r["event"] != "ready" || r["engine"] != 1.0 {
		t.Fatalf("first message from the worker %v, want ready", r)
	}
	grid := engine.Grid{Scenario: "diag-decay50", Vary: []string{"lr_edge=0.5;0.9"}, Set: []string{"iters=3000"}, Seeds: "1-2"}
	gj, _ := json.Marshal(grid)
	send := func(msg string) map[string]any {
		t.Helper()
		n := eval[int](t, ctx, `replies.length`)
		eval[any](t, ctx, `engine.postMessage(`+msg+`), null`)
		waitFor(t, ctx, `replies.length > `+strconv.Itoa(n), 60*time.Second)
		return eval[map[string]any](t, ctx, `(() => { const r = replies[`+strconv.Itoa(n)+`];
			return JSON.parse(JSON.stringify(r, (k, v) => typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)); })()`)
	}
	plan := send(`{engine: 1, id: 1, cmd: 'plan', grid: ` + string(gj) + `}`)
	if plan["event"] != "plan" || plan["runs"] != 4.0 || plan["id"] != 1.0 {
		t.Errorf("plan: %v, want 4 runs", plan)
	}
	res := send(`{engine: 1, id: 2, cmd: 'run', grid: ` + string(gj) + `, run: 3}`)
	native := engine.Handle([]byte(`{"engine":1,"cmd":"run","run":3,"grid":` + string(gj) + `}`))
	if res["event"] != "result" || res["row"] != native["row"] {
		t.Errorf("run 3 in the worker: %v\nrow want %q", res, native["row"])
	}
	if f := res["final"].(map[string]any); f["kinks"] != "NaN" {
		t.Errorf("final kinks %v on the diagonal net, want NaN carried as a number", f["kinks"])
	}
	t.Logf("run 3 took %.0f ms in the worker", res["ms"])
	for _, tt := range []struct{ msg, field, says string }{
		{`'plan'`, "message", "plain object"},
		{`{engine: 2, id: 5, cmd: 'plan'}`, "engine", "want 1"},
		{`{engine: 1, id: 5, cmd: 'plan', grid: {scenario: 'diag-decay50', seeds: 1n}}`, "message", "not plain JSON"},
		{`{engine: 1, id: 5, cmd: 'plan', grid: {scenario: 'diag-decay50', seeds: new Date()}}`, "message", "Date"},
		{`{engine: 1, id: 5, cmd: 'plan', grid: {scenario: 'diag-decay50', seeds: '1-x'}}`, "grid.seeds", "want N"},
		{`{engine: 1, id: 5, cmd: 'plan', grid: {scenario: 'diag-decay50', seeds: '1', vary: ['lr_edge=2;x']}}`, "grid.vary[0]", "lr_edge"},
	} {
		r := send(tt.msg)
		if r["event"] != "error" || r["field"] != tt.field || !strings.Contains(r["error"].(string), tt.says) {
			t.Errorf("%s: %v, want an error on %s saying %q", tt.msg, r, tt.field, tt.says)
		}
	}
	if got := eval[bool](t, ctx, `replies.some((r) => r.event === 'worker-error' || r.event === 'fatal')`); got {
		t.Errorf("the worker failed: %v", eval[any](t, ctx, `replies`))
	}
}
