//go:build !js

package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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

// TestBrowserSweepFailures checks that failures leave the page usable: a run that
// fails inside Go, a worker that throws and a worker terminated mid-run are each
// named on the page while the other runs go on; the sweep then reruns cleanly;
// Cancel stops every worker; a bad grid is refused naming its field; and the page
// opened from a file says that it needs a server.
func TestBrowserSweepFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := startBrowser(t)
	grid := engine.Grid{Scenario: "diag-decay50", Vary: []string{"lr_edge=0.5;0.7;0.9"}, Set: []string{"iters=15000"}, Seeds: "1-3"}
	ctx := b.tab(t, 1280, 900)
	b.openSweep(t, ctx, sweepQuery(grid, "2"))

	t.Run("failing runs and workers", func(t *testing.T) {
		eval[any](t, ctx, `kinkscopeSweep.hooks.fault = {1: 'panic', 4: 'throw'}, null`)
		eval[any](t, ctx, `document.getElementById('run').click(), null`)
		// Terminate a worker in the middle of a run other than the hooked ones (in one
		// turn of the page's event loop, so the run cannot end in between).
		waitFor(t, ctx, `(() => { const b = kinkscopeSweep.state().busy.find(([k, run]) => run >= 5);
			return b !== undefined && kinkscopeSweep.terminateWorker(b[0]) && (window.killed = b); })()`, 60*time.Second)
		killed := eval[[]int](t, ctx, `window.killed`)
		waitFor(t, ctx, `kinkscopeSweep.state().phase === 'done'`, 3*time.Minute)
		st := eval[sweepState](t, ctx, `kinkscopeSweep.state()`)
		if st.Failed != 3 || st.Done != st.Runs-3 {
			t.Fatalf("after two hooked failures and a killed worker: %+v, want 3 failed and the other %d done", st, st.Runs-3)
		}
		shown := eval[string](t, ctx, `document.getElementById('failures').textContent`)
		for _, want := range []string{"run 1 failed", "the engine failed", "threw an error", "fault test hook: the worker throws",
			"was terminated during run " + strconv.Itoa(killed[1])} {
			if !strings.Contains(shown, want) {
				t.Errorf("the page's failures %q do not say %q", shown, want)
			}
		}
		if s := eval[string](t, ctx, `document.getElementById('status').textContent`); !strings.Contains(s, "3 failed") {
			t.Errorf("status %q does not count the failures", s)
		}
		if st.Restarts < 2 {
			t.Errorf("%d replacement workers, want at least 2 (for the one that threw and the one terminated)", st.Restarts)
		}
		screenshot(t, ctx, "sweep-failures")
	})

	var clean []string // the rows of a sweep without failures
	t.Run("rerun after failures", func(t *testing.T) {
		eval[any](t, ctx, `kinkscopeSweep.hooks.fault = {}, null`)
		st := runSweep(t, ctx, 3*time.Minute)
		if st.Failed != 0 || st.Done != st.Runs {
			t.Errorf("rerun: %+v, want every run done", st)
		}
		if txt := eval[string](t, ctx, `document.getElementById('failures').textContent`); txt != "" {
			t.Errorf("failures still shown after a clean rerun: %q", txt)
		}
		clean = eval[[]string](t, ctx, `kinkscopeSweep.rows()`)
	})

	t.Run("cancel", func(t *testing.T) {
		eval[any](t, ctx, `document.getElementById('run').click(), null`)
		waitFor(t, ctx, `kinkscopeSweep.state().phase === 'running' && kinkscopeSweep.state().busy.length > 0`, 60*time.Second)
		eval[any](t, ctx, `document.getElementById('cancel').click(), null`)
		st := eval[sweepState](t, ctx, `kinkscopeSweep.state()`)
		if st.Phase != "cancelled" || st.Workers != 0 {
			t.Errorf("after Cancel: %+v, want cancelled with no worker left", st)
		}
		if s := eval[string](t, ctx, `document.getElementById('status').textContent`); !strings.Contains(s, "Cancelled after") {
			t.Errorf("status after Cancel %q", s)
		}
		// The next sweep is not disturbed by the cancelled one's workers: every run is
		// done once, with the rows of the clean rerun.
		st = runSweep(t, ctx, 3*time.Minute)
		if st.Failed != 0 || st.Done != st.Runs {
			t.Errorf("a sweep after Cancel: %+v, want every run done", st)
		}
		if got := eval[[]string](t, ctx, `kinkscopeSweep.rows()`); !slices.Equal(got, clean) {
			t.Errorf("a sweep after Cancel gave rows\n%v\nwant those of the clean run\n%v", got, clean)
		}
	})

	t.Run("bad grid input names the field", func(t *testing.T) {
		for _, tt := range []struct{ id, value, says string }{
			{"vary1", "lr_edge=0.5;x", "First setting (columns): lr_edge \"x\""},
			{"vary2", "decays", "Second setting (rows): axis \"decays\""},
			{"seeds", "3-1", "Seeds: seeds \"3-1\""},
			{"set", "iters=0", "Settings of every run: iters"},
			{"data-seeds", "x", "Data seeds"},
			{"workers", "0", "Workers (runs at once): \"0\" out of range"},
		} {
			eval[any](t, ctx, `(() => { const el = document.getElementById('`+tt.id+`'); el.value = '`+tt.value+`';
				document.getElementById('run').click(); return null; })()`)
			waitFor(t, ctx, `document.getElementById('form-error').textContent !== ''`, 30*time.Second)
			msg := eval[string](t, ctx, `document.getElementById('form-error').textContent`)
			invalid := eval[bool](t, ctx, `document.getElementById('`+tt.id+`').getAttribute('aria-invalid') === 'true'`)
			if !strings.Contains(msg, tt.says) || !invalid {
				t.Errorf("%s = %q: message %q (aria-invalid %v), want it to say %q", tt.id, tt.value, msg, invalid, tt.says)
			}
			if st := eval[sweepState](t, ctx, `kinkscopeSweep.state()`); st.Phase == "running" {
				t.Errorf("%s = %q started a sweep", tt.id, tt.value)
			}
			// Put the good value back.
			good := map[string]string{"vary1": grid.Vary[0], "vary2": "", "seeds": grid.Seeds, "set": grid.Set[0], "data-seeds": "", "workers": "2"}[tt.id]
			eval[any](t, ctx, `document.getElementById('`+tt.id+`').value = '`+good+`', document.getElementById('form-error').textContent = '', null`)
		}
	})

	t.Run("from a file the page says it needs a server", func(t *testing.T) {
		path, err := filepath.Abs(filepath.Join(b.dist, "sweep.html"))
		if err != nil {
			t.Fatal(err)
		}
		ctx := b.tab(t, 1000, 700)
		if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, `document.documentElement.dataset.offline === '1'`, 10*time.Second)
		if msg := eval[string](t, ctx, `document.getElementById('form-error').textContent`); !strings.Contains(msg, "needs a web server") ||
			!strings.Contains(msg, "offline file") {
			t.Errorf("sweep.html from a file says %q", msg)
		}
		// The offline file is the simulator alone, no sweep page; it carries its
		// worker's engine inside.
		if data, err := os.ReadFile(filepath.Join(b.dist, offlineName)); err == nil {
			if strings.Contains(string(data), "sweep.html") {
				t.Error("the offline file mentions sweep.html")
			}
			for _, id := range []string{"kinkscope-engine-js", "kinkscope-engine-wasm", "kinkscope-engine-exec"} {
				if !strings.Contains(string(data), `id="`+id+`"`) {
					t.Errorf("the offline file carries no %s", id)
				}
			}
		}
	})
}

// TestBrowserSweepSpeed runs the page's default grid with one worker, then with two,
// in one tab, and logs the times and their ratio (the README's figures); the two
// sweeps must give the same rows, and the default grid must finish within a minute.
func TestBrowserSweepSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := startBrowser(t)
	ctx := b.tab(t, 1280, 900)
	b.openSweep(t, ctx, "")
	cmd := eval[string](t, ctx, `document.getElementById('command').textContent`)
	var times []float64
	var rows [][]string
	for _, workers := range []string{"1", "2"} {
		eval[any](t, ctx, `document.getElementById('workers').value = '`+workers+`', null`)
		st := runSweep(t, ctx, 3*time.Minute)
		if st.Failed != 0 || st.Done != st.Runs {
			t.Fatalf("%s workers: %+v", workers, st)
		}
		times = append(times, st.ElapsedMs/1000)
		rows = append(rows, eval[[]string](t, ctx, `kinkscopeSweep.rows()`))
		t.Logf("default grid (%s), %d runs: %.1f s with %s worker(s)", cmd, st.Runs, st.ElapsedMs/1000, workers)
	}
	t.Logf("1 worker / 2 workers: %.2f× (navigator.hardwareConcurrency %d)", times[0]/times[1], eval[int](t, ctx, `navigator.hardwareConcurrency`))
	for i := range rows[0] {
		if rows[0][i] != rows[1][i] {
			t.Errorf("run %d: 1 worker gave\n%s2 workers\n%s", i, rows[0][i], rows[1][i])
		}
	}
	if times[1] > 60 {
		t.Errorf("the default grid took %.1f s with 2 workers, want well under a minute", times[1])
	}
}
