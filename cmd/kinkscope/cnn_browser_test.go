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

// imageState are the classifier's metrics in kinkscope.state().
type imageState struct {
	Iter                int     `json:"iter"`
	Iters               int     `json:"iters"`
	Running             bool    `json:"running"`
	Error               string  `json:"error"`
	TrainLoss           float64 `json:"trainLoss"`
	TestError           float64 `json:"testError"`
	FeatureSparsityMid  float64 `json:"featureSparsityMid"`
	FeatureSparsityLast float64 `json:"featureSparsityLast"`
	NonZeroMid          float64 `json:"nonzeroMid"`
}

// TestBrowserImages runs the image scenarios in headless Chromium: the data arrive
// and the first snapshot is drawn; a run equals the command line's, bit for bit; the
// frame budget holds over cnn-large50's first 150 steps at full speed, or with
// KINKSCOPE_CNN_FULL=1 its whole run (screenshots at the start and the end); a
// missing or corrupt subset and the offline file give messages. With
// KINKSCOPE_CNN_PRESET=1 it also times the deep preset (four runs) to its end.
func TestBrowserImages(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := startBrowser(t)

	t.Run("the images arrive and the first snapshot is drawn", func(t *testing.T) {
		ctx := b.tab(t, 1280, 800)
		b.openSim(t, ctx, "scenario=cnn-small")
		waitFor(t, ctx, `kinkscope.state().error === '' && kinkscope.state().trainLoss > 0`, 60*time.Second)
		st := eval[imageState](t, ctx, `kinkscope.state()`)
		if st.Iter != 0 || st.Running || !(st.TestError > 0.5) {
			t.Errorf("fresh cnn-small: %+v, want iteration 0, paused, an untrained test error", st)
		}
		screenshot(t, ctx, "cnn-small-start")
	})

	t.Run("a run in the browser equals the command line's", func(t *testing.T) {
		ctx := b.tab(t, 1000, 700)
		b.openSim(t, ctx, "scenario=cnn-large50&"+cnnTinyQuery)
		eval[any](t, ctx, `kinkscope.runTo(12), null`)
		waitFor(t, ctx, `kinkscope.state().iter === 12 && !kinkscope.state().running && kinkscope.history().length === 4`, 60*time.Second)
		got := eval[imageState](t, ctx, `kinkscope.state()`)
		want := tinyCNNRun(t, "cnn-large50")
		if got.TrainLoss != want.TrainLoss || got.TestError != want.TestError || got.FeatureSparsityMid != want.FeatureSparsityMid ||
			got.FeatureSparsityLast != want.FeatureSparsityLast || got.NonZeroMid != want.NonZeroMid {
			t.Errorf("browser %+v, command line %+v", got, want)
		}
	})

	t.Run("cnn-large50 at full speed keeps the frame budget", func(t *testing.T) {
		// make test runs the first 150 of the 600 steps (4 snapshots, the warm-up at
		// full speed: every kind of piece); KINKSCOPE_CNN_FULL=1 times the whole run.
		query, snaps := "scenario=cnn-large50&iters=150", 4
		if os.Getenv("KINKSCOPE_CNN_FULL") == "1" {
			query, snaps = "scenario=cnn-large50", 13
		}
		ctx := b.longTab(t, 1280, 800, 20*time.Minute)
		b.openSim(t, ctx, query)
		waitFor(t, ctx, `kinkscope.state().trainLoss > 0`, 60*time.Second)
		screenshot(t, ctx, "cnn-large50-start")
		start := time.Now()
		eval[any](t, ctx, `kinkscope.runTo(kinkscope.state().iters), null`)
		for !eval[bool](t, ctx, fmt.Sprintf(`kinkscope.state().iter === kinkscope.state().iters && !kinkscope.state().running && kinkscope.history().length === %d`, snaps)) {
			if time.Since(start) > 15*time.Minute {
				t.Fatalf("cnn-large50 not done after 15 minutes: %+v", eval[imageState](t, ctx, `kinkscope.state()`))
			}
			time.Sleep(time.Second)
			if s := time.Since(start); s%(30*time.Second) < time.Second {
				perf := eval[perfStats](t, ctx, `kinkscope.perf()`)
				t.Logf("%.0f s: iteration %d; work per frame p95 %.1f max %.1f ms, drawing p50 %.1f ms", s.Seconds(), eval[int](t, ctx, `kinkscope.state().iter`), perf.P95, perf.Max, perf.Draw.P50)
			}
		}
		elapsed := time.Since(start)
		st := eval[imageState](t, ctx, `kinkscope.state()`)
		perf := eval[perfStats](t, ctx, `kinkscope.perf()`)
		t.Logf("%s: whole run %.1f s in the browser; test error %.1f %%, sparsity %.1f / %.1f %%; main-thread work per frame p50 %.1f ms, p95 %.1f ms, max %.1f ms over %v frames; drawing p50 %.1f ms, p95 %.1f ms",
			query, elapsed.Seconds(), 100*st.TestError, 100*st.FeatureSparsityMid, 100*st.FeatureSparsityLast, perf.P50, perf.P95, perf.Max, perf.Frames, perf.Draw.P50, perf.Draw.P95)
		checkFrameBudget(t, perf)
		img := screenshot(t, ctx, "cnn-large50-end")
		if distinct, blue := colorCounts(img); distinct < 20 || blue < 200 {
			t.Errorf("cnn view: %d colors, %d blue pixels", distinct, blue)
		}
	})

	t.Run("a missing or corrupt subset gets a message", func(t *testing.T) {
		for _, tc := range []struct {
			name, content, want string
		}{
			{"missing", "", "could not fetch mnist-subset.bin: HTTP 404"},
			{"corrupt", "KSMNIST1 and then nothing useful", "the MNIST subset is unusable"},
		} {
			var subset []byte // left out when missing
			if tc.content != "" {
				subset = []byte(tc.content)
			}
			site := serveCopy(t, b.dist, map[string][]byte{"mnist-subset.bin": subset})
			ctx := b.tab(t, 900, 600)
			if err := chromedp.Do(ctx, chromedp.Navigate(site+"/sim.html?scenario=cnn-small")); err != nil {
				t.Fatal(err)
			}
			waitFor(t, ctx, fmt.Sprintf(`window.kinkscope && kinkscope.state && kinkscope.state().error.includes(%q)`, tc.want), 30*time.Second)
			waitFor(t, ctx, fmt.Sprintf(`document.getElementById('notes').textContent.includes(%q)`, tc.want), 10*time.Second)
			screenshot(t, ctx, "cnn-"+tc.name+"-subset")
			// The other experiments still work.
			eval[any](t, ctx, `kinkscope.set({scenario: 'relu1d-small'}), kinkscope.runTo(200), null`)
			waitFor(t, ctx, `kinkscope.state().iter === 200 && kinkscope.state().error === ''`, 30*time.Second)
		}
	})

	t.Run("the offline file says the images need the served site", func(t *testing.T) {
		path := filepath.Join(mustAbs(t, b.dist), offlineName)
		ctx := b.tab(t, 900, 600)
		if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path+"?scenario=cnn-small")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, `document.documentElement.dataset.ready === '1' && kinkscope.state().error.includes('need the served site')`, 60*time.Second)
		screenshot(t, ctx, "cnn-offline")
	})

	if os.Getenv("KINKSCOPE_CNN_PRESET") == "1" {
		t.Run("the deep preset to its end", func(t *testing.T) {
			ctx := b.longTab(t, 1280, 800, 60*time.Minute)
			b.openSim(t, ctx, "preset=deep")
			waitFor(t, ctx, `kinkscope.state().runs.length === 4 && kinkscope.state().runs.every(r => r.trainLoss > 0)`, 120*time.Second)
			screenshot(t, ctx, "cnn-deep-start")
			start := time.Now()
			eval[any](t, ctx, `kinkscope.runTo(kinkscope.state().iters), null`)
			waitFor(t, ctx, `kinkscope.state().runs.every(r => r.iter === 600) && !kinkscope.state().running && kinkscope.history().length === 13`, 30*time.Minute)
			waitFor(t, ctx, `kinkscope.state().runs.every(r => !isNaN(r.testError) && r.iter === 600)`, time.Minute)
			elapsed := time.Since(start)
			perf := eval[perfStats](t, ctx, `kinkscope.perf()`)
			runs := eval[[]imageState](t, ctx, `kinkscope.state().runs`)
			var outcome []string
			for _, r := range runs {
				outcome = append(outcome, fmt.Sprintf("test error %.1f %% sparsity %.1f/%.1f %%", 100*r.TestError, 100*r.FeatureSparsityMid, 100*r.FeatureSparsityLast))
			}
			t.Logf("preset deep: whole run %.1f s (4 runs); main-thread work per frame p50 %.1f ms, p95 %.1f ms, max %.1f ms over %v frames; %s",
				elapsed.Seconds(), perf.P50, perf.P95, perf.Max, perf.Frames, strings.Join(outcome, "; "))
			checkFrameBudget(t, perf)
			screenshot(t, ctx, "cnn-deep-end")
		})
	}
}

// longTab is a tab whose calls are bounded by limit instead of tabDeadline, for a
// whole training run of the image scenarios.
func (b *browser) longTab(t *testing.T, w, h int64, limit time.Duration) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatal(err)
	}
	limited, stop := context.WithTimeout(ctx, limit)
	t.Cleanup(stop)
	return limited
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
