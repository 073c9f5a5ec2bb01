//go:build !js

package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kinkscope/sim/sweep"
	"kinkscope/wasm/engine"
)

// sweepState is what kinkscopeSweep.state() returns.
type sweepState struct {
	Phase     string   `json:"phase"`
	Runs      int      `json:"runs"`
	Done      int      `json:"done"`
	Failed    int      `json:"failed"`
	Failures  []string `json:"failures"`
	Workers   int      `json:"workers"`
	Restarts  int      `json:"restarts"`
	ElapsedMs float64  `json:"elapsedMs"`
}

// sweepQuery is the sweep page's URL query for a grid.
func sweepQuery(g engine.Grid, workers string) string {
	q := url.Values{"scenario": {g.Scenario}, "seeds": {g.Seeds}, "workers": {workers}}
	for _, v := range g.Vary {
		q.Add("vary", v)
	}
	for _, kv := range g.Set {
		q.Add("set", kv)
	}
	return q.Encode()
}

// openSweep opens the sweep page with a grid and waits until its planner has checked it.
func (b *browser) openSweep(t *testing.T, ctx context.Context, query string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(b.base+"sweep.html?"+query)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `document.documentElement.dataset.ready === '1' && document.getElementById('command').textContent !== ''`, 60*time.Second)
}

// runSweep clicks Run and waits for the sweep to end.
func runSweep(t *testing.T, ctx context.Context, timeout time.Duration) sweepState {
	t.Helper()
	eval[any](t, ctx, `document.getElementById('run').click(), null`)
	waitFor(t, ctx, `kinkscopeSweep.state().phase === 'running'`, 30*time.Second)
	waitFor(t, ctx, `kinkscopeSweep.state().phase === 'done'`, timeout)
	return eval[sweepState](t, ctx, `kinkscopeSweep.state()`)
}

// nativeRows runs the grid with sweep.Run, as `kinkscope sweep` does, and returns
// runs.csv's lines without the header.
func nativeRows(t *testing.T, g engine.Grid) []string {
	t.Helper()
	spec, err := g.Spec()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := sweep.Run(context.Background(), dir, spec, sweep.Options{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, sweep.RunsFile))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")[1:]
}

// TestBrowserSweep runs a grid on the sweep page and checks every run's row against
// the command line's runs.csv for the same grid, byte for byte (the numbers are
// written with Go's shortest round-trip format, so equal text is equal float64
// bits); it also checks the heatmap, the table, the links into the simulator and the
// command line shown.
func TestBrowserSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := startBrowser(t)
	grid := engine.Grid{Scenario: "diag-decay50", Vary: []string{"lr_edge=0.5;0.9", "decays=0.2:2;0.6:2"}, Set: []string{"iters=4000"}, Seeds: "1-2"}
	want := nativeRows(t, grid)
	ctx := b.tab(t, 1280, 900)
	b.openSweep(t, ctx, sweepQuery(grid, "2"))
	cmd := eval[string](t, ctx, `document.getElementById('command').textContent`)
	if wantCmd := "kinkscope sweep -out out/browser-sweep -scenario diag-decay50 -vary 'lr_edge=0.5;0.9' -vary 'decays=0.2:2;0.6:2' -set iters=4000 -seeds 1-2"; cmd != wantCmd {
		t.Errorf("command shown %q, want %q", cmd, wantCmd)
	}
	st := runSweep(t, ctx, 3*time.Minute)
	if st.Done != len(want) || st.Failed != 0 {
		t.Fatalf("sweep page: %+v, want %d runs done", st, len(want))
	}
	rows := eval[[]string](t, ctx, `kinkscopeSweep.rows()`)
	for i, w := range want {
		if got := strings.TrimSuffix(rows[i], "\n"); got != w {
			t.Errorf("run %d: browser row\n%s\ncommand line\n%s", i, got, w)
		}
	}
	t.Logf("%d runs of the grid in %.1f s with 2 workers; rows equal to runs.csv byte for byte", st.Done, st.ElapsedMs/1000)
	// Every cell is coloured and labelled, links to its first seed's run, and the
	// table lists every run.
	cells := eval[[]map[string]string](t, ctx, `[...document.querySelectorAll('#heatmap a.cell')].map((a) => ({
		href: a.getAttribute('href'), label: a.getAttribute('aria-label'), fill: a.querySelector('rect').getAttribute('fill'),
		text: a.querySelector('text').textContent}))`)
	if len(cells) != 4 {
		t.Fatalf("%d heatmap cells, want 4", len(cells))
	}
	for _, c := range cells {
		if !strings.HasPrefix(c["href"], "index.html?") || !strings.Contains(c["href"], "seed=1") || c["fill"] == "#e6e6e6" ||
			!strings.Contains(c["label"], "test loss") || c["text"] == "…" {
			t.Errorf("cell %v: want a link to index.html with seed 1, a colour, a label with the test loss and a value", c)
		}
	}
	if !strings.Contains(cells[3]["href"], "lr_edge=0.9") || !strings.Contains(cells[3]["href"], "decays=0.6%3A2") {
		t.Errorf("last cell links to %q, want lr_edge=0.9 and decays=0.6:2", cells[3]["href"])
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#runs tbody tr a').length`); n != len(want) {
		t.Errorf("the table links %d runs, want %d", n, len(want))
	}
	screenshot(t, ctx, "sweep")
	// The metric select changes the colours; kinks do not apply to the diagonal net.
	eval[any](t, ctx, `(() => { const s = document.getElementById('metric'); s.value = 'kinks'; s.dispatchEvent(new Event('change')); return null; })()`)
	if txt := eval[string](t, ctx, `document.querySelector('#heatmap a.cell text').textContent`); txt != "n/a" {
		t.Errorf("kinks on the diagonal net shown as %q, want n/a", txt)
	}
	// A cell opens its run in the controls page, which runs the same settings.
	href := cells[0]["href"]
	ctx2 := b.tab(t, 1280, 800)
	if err := chromedp.Do(ctx2, chromedp.Navigate(b.base+href)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx2, `document.getElementById('sim').contentWindow.kinkscope?.config?.().lr_edge === '0.5'`, 60*time.Second)
	cfg := eval[map[string]string](t, ctx2, `document.getElementById('sim').contentWindow.kinkscope.config()`)
	if cfg["decays"] != "0.2:2" || cfg["iters"] != "4000" || cfg["seed"] != "1" {
		t.Errorf("the cell's link opened settings %v, want decays 0.2:2, iters 4000, seed 1", cfg)
	}
}
