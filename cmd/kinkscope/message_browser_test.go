//go:build !js

package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// hostileCostLimit bounds the time one hostile message may cost the simulator page.
// The goal is under 5 ms; the margin is for a machine shared with other jobs.
const hostileCostLimit = 25.0 // ms

// hostileMessages are single messages an attacker or a careless script might post,
// as JavaScript expressions. ours marks the ones that carry kinkscope: 1.
var hostileMessages = []struct {
	name, expr string
	ours       bool
}{
	{"10 MB string", `'x'.repeat(1e7)`, false},
	{"100 kB analytics object", `({type: 'analytics', blob: 'x'.repeat(1e5)})`, false},
	{"analytics object with a BigInt", `({type: 'analytics', n: 10n})`, false},
	{"cyclic analytics object", `(() => { const o = {type: 'analytics'}; o.self = o; return o; })()`, false},
	{"10 MB typed array", `new Uint8Array(1e7)`, false},
	{"10 MB string", `({kinkscope: 1, cmd: 'set', settings: {points: 'x'.repeat(1e7)}, id: 1})`, true},
	{"BigInt", `({kinkscope: 1, cmd: 'set', settings: {seed: 10n}, id: 1})`, true},
	{"cycle", `(() => { const s = {lr: 0.001}; s.self = s; return {kinkscope: 1, cmd: 'set', settings: s, id: 1}; })()`, true},
	{"nested 100,000 deep", `(() => { let d = 0; for (let i = 0; i < 1e5; i++) d = [d]; return {kinkscope: 1, cmd: 'set', settings: {x: d}, id: 1}; })()`, true},
	{"2^20 shared leaves", `(() => { let d = [0]; for (let i = 0; i < 20; i++) d = [d, d]; return {kinkscope: 1, cmd: 'load', settings: {x: d}, id: 1}; })()`, true},
	{"1 MB typed array", `({kinkscope: 1, cmd: 'set', settings: new Uint8Array(1e6), id: 1})`, true},
	{"a million-element array", `({kinkscope: 1, cmd: 'set', settings: {x: new Array(1e6).fill(0)}, id: 1})`, true},
	{"Map of 100,000 entries", `({kinkscope: 1, cmd: 'set', settings: new Map(Array.from({length: 1e5}, (_, i) => [i, i])), id: 1})`, true},
	{"object of 100,000 fields", `({kinkscope: 1, cmd: 'set', settings: Object.fromEntries(Array.from({length: 1e5}, (_, i) => ['k' + i, i])), id: 1})`, true},
	{"id of 10 MB", `({kinkscope: 1, cmd: 'getState', id: 'x'.repeat(1e7)})`, true},
	{"1,000 unknown settings", `({kinkscope: 1, cmd: 'set', settings: Object.fromEntries(Array.from({length: 1000}, (_, i) => ['k' + i, i])), id: 1})`, true},
	{"60 kB of points", `({kinkscope: 1, cmd: 'set', settings: {points: '0.1:0.2,'.repeat(7400)}, id: 1})`, true},
	// The largest messages the gate lets through, to be refused by the simulator.
	{"48 unknown settings", `({kinkscope: 1, cmd: 'set', settings: Object.fromEntries(Array.from({length: 48}, (_, i) => ['k' + i, i])), id: 1})`, true},
	{"16 kB of points", `({kinkscope: 1, cmd: 'set', settings: {points: '0.1:0.2,'.repeat(2000)}, id: 1})`, true},
}

// TestBrowserMessages: no message from any page can stop the simulator, and no
// sender can starve it.
func TestBrowserMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := startBrowser(t)
	simOrigin := strings.TrimSuffix(b.base, "/")

	// The cost of one message: dispatched synchronously on the simulator page (so
	// the browser's own copying of the data is not counted), timed around the
	// page's listeners, then the run must still advance.
	t.Run("one hostile message costs little and stops nothing", func(t *testing.T) {
		const query = "scenario=relu1d-large&iters=1000000000&speed=10"
		open := func() context.Context {
			ctx := b.tab(t, 900, 600)
			b.openSim(t, ctx, query)
			eval[any](t, ctx, `kinkscope.play(), null`)
			return ctx
		}
		ctx := open()
		worst, worstName := 0.0, ""
		var table strings.Builder
		for _, c := range hostileMessages {
			name := c.name
			if c.ours {
				name = "kinkscope message: " + name
			} else {
				name = "foreign message: " + name
			}
			var costs, clones []float64
			stopped := false
			for range 3 {
				// The browser's own copy of the data (structuredClone), which a
				// posted message costs before any listener runs, for comparison.
				r, err := chromedp.Run(ctx, chromedp.Evaluate[[2]float64](`(() => {
					const data = `+c.expr+`;
					const event = new MessageEvent('message', {data, origin: 'https://elsewhere.example'});
					const t0 = performance.now();
					dispatchEvent(event);
					const t1 = performance.now();
					try {
						structuredClone(data);
					} catch {
						return [t1 - t0, -1]; // cannot even be posted
					}
					return [t1 - t0, performance.now() - t1];
				})()`))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				costs, clones = append(costs, r[0]), append(clones, r[1])
				if !simAdvances(ctx) {
					stopped = true
					break
				}
			}
			slices.Sort(costs)
			slices.Sort(clones)
			median, clone := costs[len(costs)/2], clones[len(clones)/2]
			if clone < 0 {
				fmt.Fprintf(&table, "\n  %-52s %9.1f ms   (cannot be posted: structuredClone fails)", name, median)
			} else {
				fmt.Fprintf(&table, "\n  %-52s %9.1f ms   (the browser's copy %7.1f ms)", name, median, clone)
			}
			if stopped {
				table.WriteString("  STOPPED THE SIMULATOR")
				t.Errorf("%s stopped the simulator", name)
				ctx = open()
			}
			if median > worst {
				worst, worstName = median, name
			}
			// Only an object with very many fields costs more than the limit: every
			// way to enumerate fields lists them all. It then costs no more than the
			// browser's own copy of the message, which a sender pays first.
			if median > hostileCostLimit && median > clone {
				t.Errorf("%s cost %.1f ms, want under %.0f ms or the browser's own copy (%.1f ms)", name, median, hostileCostLimit, clone)
			}
		}
		t.Logf("cost of one message (median of 3), the run advancing after each:%s\n  worst: %.1f ms (%s)", table.String(), worst, worstName)
	})

	t.Run("foreign messages are ignored and hostile ones answered with an error", func(t *testing.T) {
		ctx, _ := hostTab(t, b, simOrigin, "scenario=relu1d-large&iters=1000000000&speed=10")
		send := func(msg string) { eval[any](t, ctx, `send(`+msg+`), null`) }
		// What an analytics script might post: none of it is for the simulator.
		for _, c := range hostileMessages {
			if !c.ours {
				send(c.expr)
			}
		}
		send(`{kinkscope: 2, cmd: 'getState', id: 90}`)
		send(`[{kinkscope: 1, cmd: 'getState', id: 91}]`)
		send(`JSON.stringify({kinkscope: 1, cmd: 'getState', id: 92})`)
		send(`{kinkscope: 1, event: 'state', id: 93}`) // an answer, not a command
		send(`{kinkscope: 1, cmd: 'getState', id: 1}`)
		waitFor(t, ctx, `last('state', 1)`, 20*time.Second)
		if n := eval[int](t, ctx, `events.length`); n != 2 { // ready, then the state answer
			t.Errorf("%d events after foreign messages and one getState, want 2: %v", n, eval[any](t, ctx, `events`))
		}
		// Messages for the simulator that JSON cannot encode, or too large, are
		// refused with an error naming the field, and the simulator goes on.
		for i, c := range []struct{ msg, field string }{
			{`{kinkscope: 1, cmd: 'set', settings: {seed: 10n}, id: 10}`, "settings.seed"},
			{`(() => { const s = {}; s.s = s; return {kinkscope: 1, cmd: 'set', settings: s, id: 11}; })()`, "settings.s"},
			{`{kinkscope: 1, cmd: 'set', settings: {points: 'x'.repeat(1e7)}, id: 12}`, "settings.points"},
			{`{kinkscope: 1, cmd: 'set', settings: new Map(), id: 13}`, "settings"},
			{`{kinkscope: 1, cmd: 'step', n: NaN, id: 14}`, "n"},
			{`{kinkscope: 1, cmd: 'runTo', iter: new Date(), id: 15}`, "iter"},
		} {
			send(c.msg)
			waitFor(t, ctx, fmt.Sprintf(`last('error', %d)`, 10+i), 20*time.Second)
			if e := eval[string](t, ctx, fmt.Sprintf(`last('error', %d).error`, 10+i)); !strings.HasPrefix(e, c.field+":") {
				t.Errorf("error %q does not start with the field %s", e, c.field)
			}
		}
		send(`{kinkscope: 1, cmd: 'play', id: 2}`)
		waitFor(t, ctx, `last('ok', 2)`, 20*time.Second)
		if !hostSimAdvances(t, ctx, 3) {
			t.Errorf("the run does not advance after the hostile messages")
		}
	})

	// The simulator page posts to itself, so that the test can read its gate's
	// counters; the answers come back to it and are ignored as answers.
	t.Run("large and flooding senders do not starve the simulation", func(t *testing.T) {
		ctx := b.tab(t, 900, 600)
		b.openSim(t, ctx, "scenario=relu1d-large&iters=1000000000&speed=10")
		eval[any](t, ctx, `kinkscope.play(), null`)
		type gateStats struct {
			Received, Ignored, Refused, Busy, Delivered, MaxQueue, Queued int
			MaxCopyMs, MaxInspectMs, MaxDeliverMs                         float64
		}
		stats := func() gateStats { return eval[gateStats](t, ctx, `kinkscopeGate.stats()`) }
		// Ten 10 MB messages in a row.
		before := stats()
		start := time.Now()
		eval[any](t, ctx, `(() => {
			const big = 'x'.repeat(1e7);
			for (let i = 0; i < 10; i++) postMessage({kinkscope: 1, cmd: 'set', settings: {points: big}, id: i}, '*');
			window.postedAt = performance.now();
		})(), null`)
		// The time from the end of the posting to the last refusal, in the page.
		waitFor(t, ctx, fmt.Sprintf(`kinkscopeGate.stats().refused >= %d && (window.refusedAt = performance.now())`, before.Refused+10), 60*time.Second)
		tenBig := time.Duration(eval[float64](t, ctx, `refusedAt - postedAt`) * float64(time.Millisecond))
		big := stats()
		if !simAdvances(ctx) {
			t.Errorf("the run does not advance after ten 10 MB messages")
		}
		// Before the gate, each took 1.3 s of work and ten froze the simulator for
		// 10 s; now what remains is mostly the browser's copying of the data.
		if tenBig > 5*time.Second {
			t.Errorf("ten 10 MB messages took %v to be refused, want under 5 s", tenBig)
		}
		// A flood of 3,000 commands at once: the queue holds LIMITS.queue, the rest
		// is refused as busy, and the run advances while the queue drains.
		before = stats()
		f0 := eval[int](t, ctx, `kinkscope.state().frame`)
		start = time.Now()
		eval[any](t, ctx, `(() => {
			for (let i = 0; i < 3000; i++) postMessage({kinkscope: 1, cmd: i % 2 ? 'getState' : 'play', id: i}, '*');
		})(), null`)
		waitFor(t, ctx, fmt.Sprintf(`(() => { const s = kinkscopeGate.stats(); return s.delivered + s.busy >= %d && s.queued === 0; })()`,
			before.Delivered+before.Busy+3000), 60*time.Second)
		flood := time.Since(start)
		after := stats()
		frames := eval[int](t, ctx, `kinkscope.state().frame`) - f0
		perFrame := eval[int](t, ctx, `kinkscopeGate.LIMITS.perFrame`)
		delivered, busy := after.Delivered-before.Delivered, after.Busy-before.Busy
		t.Logf("ten 10 MB messages: all refused %v after they were posted (the browser's copy of one: up to %.0f ms; inspecting it: up to %.1f ms); "+
			"a flood of 3,000 commands: %d handled and %d refused as busy in %v over %d frames (at most %d per frame), the slowest taking %.1f ms",
			tenBig.Round(time.Millisecond), big.MaxCopyMs, big.MaxInspectMs, delivered, busy, flood.Round(time.Millisecond), frames, perFrame, after.MaxDeliverMs)
		if busy == 0 || after.MaxQueue > eval[int](t, ctx, `kinkscopeGate.LIMITS.queue`) {
			t.Errorf("the queue is not bounded: %d refused as busy, at most %d waiting", busy, after.MaxQueue)
		}
		// A budget per frame, and one per LIMITS.idleMs without a frame.
		if budgets := frames + 1 + int(flood/(100*time.Millisecond)); delivered > perFrame*budgets {
			t.Errorf("%d messages handled over %d frames in %v, more than %d per frame", delivered, frames, flood, perFrame)
		}
		if !simAdvances(ctx) {
			t.Errorf("the run does not advance after the flood")
		}
	})

	// A page on the simulator's origin can pass what no message can carry.
	t.Run("window.kinkscope refuses hostile arguments and still works", func(t *testing.T) {
		ctx := b.tab(t, 900, 600)
		b.openSim(t, ctx, "scenario=relu1d-large&iters=3000")
		type result struct {
			OK     bool     `json:"ok"`
			Errors []string `json:"errors"`
		}
		for _, c := range []struct{ call, want string }{
			{`kinkscope.set(new Proxy({}, {ownKeys() { throw new Error('trap'); }}))`, "settings: cannot be read"},
			{`kinkscope.set(Object.defineProperty({}, 'lr', {enumerable: true, get() { throw new Error('getter'); }}))`, "settings.lr: cannot be read"},
			{`kinkscope.set((() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; })())`, "settings: cannot be read"},
			{`kinkscope.set({seed: 10n})`, "settings.seed: a BigInt"},
			{`kinkscope.set((() => { const s = {}; s.s = s; return s; })())`, "settings.s: refers back to itself"},
			{`kinkscope.set(5)`, "set takes one object"},
			{`kinkscope.load('x'.repeat(1e6))`, "load: a text of 1000000 characters"},
			{`kinkscope.step(10n)`, "step"},
			{`kinkscope.runTo({})`, "runTo takes one number"},
		} {
			if r := eval[result](t, ctx, c.call); r.OK || !strings.Contains(strings.Join(r.Errors, "; "), c.want) {
				t.Errorf("%s = %+v, want an error containing %q", c.call, r, c.want)
			}
		}
		if r := eval[result](t, ctx, `kinkscope.set({seed: 4, pieces: true})`); !r.OK {
			t.Fatalf("a valid set after hostile ones: %+v", r)
		}
		waitFor(t, ctx, `kinkscope.config().seed === '4' && kinkscope.config().pieces === 'on'`, 10*time.Second)
		if r := eval[result](t, ctx, `kinkscope.load(kinkscope.exportJSON())`); !r.OK {
			t.Errorf("load(exportJSON()) = %+v, want ok", r)
		}
		eval[any](t, ctx, `kinkscope.play(), null`)
		if !simAdvances(ctx) {
			t.Errorf("the run does not advance after the hostile calls")
		}
	})

	t.Run("a repeated URL key is named and the rest applies", func(t *testing.T) {
		ctx := b.tab(t, 900, 600)
		b.openSim(t, ctx, "scenario=relu1d-small&lr=0.001&seed=3&lr=0.003")
		waitFor(t, ctx, `document.getElementById('notes').textContent.includes('lr: given 2 times')`, 10*time.Second)
		cfg := eval[map[string]string](t, ctx, `kinkscope.config()`)
		if cfg["scenario"] != "relu1d-small" || cfg["seed"] != "3" || cfg["lr"] == "0.001" || cfg["lr"] == "0.003" {
			t.Errorf("config %v: want relu1d-small, seed 3 and the default step size", cfg)
		}
	})

	t.Run("fuzz from another origin and from the embedding page", func(t *testing.T) {
		fuzzPhase(t, b, b.base, simOrigin, false, 1)
		// The embedding page on the simulator's own origin also calls
		// window.kinkscope with proxies and throwing getters, which no message can
		// carry.
		site, err := newSiteHandler(b.dist)
		if err != nil {
			t.Fatal(err)
		}
		var same *httptest.Server
		same = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/fuzz-host.html" {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprint(w, fuzzPage(same.URL+"/", same.URL, true, 2))
				return
			}
			site.ServeHTTP(w, r)
		}))
		defer same.Close()
		ctx := b.tab(t, 1000, 700)
		if err := chromedp.Do(ctx, chromedp.Navigate(same.URL+"/fuzz-host.html")); err != nil {
			t.Fatal(err)
		}
		runFuzz(t, ctx, "same-origin embedding page")
	})
}

// simAdvances reports whether the simulator on the tab's page still answers and its
// run advances.
func simAdvances(ctx context.Context) bool {
	it, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(() => { try { return kinkscope.state().iter; } catch { return -1; } })()`))
	if err != nil || it < 0 {
		return false
	}
	_, err = chromedp.Run(ctx, chromedp.Poll[chromedp.Void](
		fmt.Sprintf(`(() => { try { return kinkscope.state().iter > %v; } catch { return false; } })()`, it),
		chromedp.WithPollingTimeout(15*time.Second), chromedp.WithPollingInterval(20*time.Millisecond)))
	return err == nil
}

// hostTab opens hostPage on a second loopback listener (another origin) around a
// simulator with the given query and waits for its ready event.
func hostTab(t *testing.T, b *browser, simOrigin, query string) (context.Context, *httptest.Server) {
	t.Helper()
	page := strings.NewReplacer("SIMURL", b.base+"sim.html?"+query, "SIMORIGIN", simOrigin).Replace(hostPage)
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	t.Cleanup(host.Close)
	if strings.TrimSuffix(host.URL, "/") == simOrigin {
		t.Fatal("the host page must be on another origin")
	}
	ctx := b.tab(t, 1000, 700)
	if err := chromedp.Do(ctx, chromedp.Navigate(host.URL)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `last('ready')`, 30*time.Second)
	return ctx, host
}

// hostSimAdvances asks the simulator for its state twice through messages and
// reports whether its run advanced in between.
func hostSimAdvances(t *testing.T, ctx context.Context, id int) bool {
	t.Helper()
	eval[any](t, ctx, fmt.Sprintf(`send({kinkscope: 1, cmd: 'getState', id: %d}), null`, 90000+id))
	waitFor(t, ctx, fmt.Sprintf(`last('state', %d)`, 90000+id), 20*time.Second)
	first := eval[int](t, ctx, fmt.Sprintf(`last('state', %d).state.iter`, 90000+id))
	deadline := time.Now().Add(20 * time.Second)
	for n := 1; time.Now().Before(deadline); n++ {
		qid := 90000 + id + 100*n
		eval[any](t, ctx, fmt.Sprintf(`send({kinkscope: 1, cmd: 'getState', id: %d}), null`, qid))
		waitFor(t, ctx, fmt.Sprintf(`last('state', %d)`, qid), 20*time.Second)
		if eval[int](t, ctx, fmt.Sprintf(`last('state', %d).state.iter`, qid)) > first {
			return true
		}
	}
	return false
}

// fuzzPhase runs the fuzz page on a second loopback listener, another origin than
// the simulator's.
func fuzzPhase(t *testing.T, b *browser, simBase, simOrigin string, direct bool, seed int) {
	t.Helper()
	page := fuzzPage(simBase, simOrigin, direct, seed)
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	defer host.Close()
	if strings.TrimSuffix(host.URL, "/") == simOrigin {
		t.Fatal("the fuzz page must be on another origin")
	}
	ctx := b.tab(t, 1000, 700)
	if err := chromedp.Do(ctx, chromedp.Navigate(host.URL)); err != nil {
		t.Fatal(err)
	}
	runFuzz(t, ctx, "page on another origin")
}

// fuzzSummary is what the fuzz page reports.
type fuzzSummary struct {
	Sent          int            `json:"sent"`
	CloneFailures int            `json:"cloneFailures"`
	ByCategory    map[string]int `json:"byCategory"`
	Problems      []string       `json:"problems"`
	NoIDErrors    int            `json:"noIdErrors"`
	Slowest       float64        `json:"slowest"`
	P50           float64        `json:"p50"`
	APICalls      int            `json:"apiCalls"`
	Gate          map[string]any `json:"gate"`
}

// runFuzz waits for the fuzz page to finish, checks every answer, and checks that
// the simulator still answers and its run still advances.
func runFuzz(t *testing.T, ctx context.Context, who string) {
	t.Helper()
	waitFor(t, ctx, `window.fuzzReady`, 30*time.Second)
	start := time.Now()
	eval[any](t, ctx, `startFuzz(), null`)
	waitFor(t, ctx, `window.fuzzDone && replies.has(markerId)`, 90*time.Second)
	s := eval[fuzzSummary](t, ctx, `summary()`)
	t.Logf("%s: %d values posted in %.1f s (%d could not be cloned: %v), categories %v; answers p50 %.1f ms, slowest %.1f ms; %d id-less errors; %d direct API calls; gate %v",
		who, s.Sent, time.Since(start).Seconds(), s.CloneFailures, s.CloneFailures > 0, s.ByCategory, s.P50, s.Slowest, s.NoIDErrors, s.APICalls, s.Gate)
	for i, p := range s.Problems {
		if i == 20 {
			t.Errorf("… and %d more", len(s.Problems)-20)
			break
		}
		t.Error(p)
	}
	// 3,000 on an idle machine; fewer when other jobs share the cores.
	if s.Sent < 500 {
		t.Errorf("only %d values sent in the time allowed, want at least 500", s.Sent)
	}
	// Afterwards the simulator answers and its run advances: back to a known
	// setting (applied at the next frame, which restarts the run), then play.
	frameOf := func(id int) int {
		eval[any](t, ctx, fmt.Sprintf(`send({kinkscope: 1, cmd: 'getState', id: %d}), null`, id))
		waitFor(t, ctx, fmt.Sprintf(`replies.has(%d)`, id), 20*time.Second)
		return eval[int](t, ctx, fmt.Sprintf(`replies.get(%d)[0].state.frame`, id))
	}
	eval[any](t, ctx, `send({kinkscope: 1, cmd: 'set', settings: {scenario: 'relu1d-large', speed: 100}, id: 1e9}), null`)
	waitFor(t, ctx, `replies.has(1e9)`, 20*time.Second)
	frame := frameOf(1e9 + 10)
	deadline := time.Now().Add(20 * time.Second)
	for id := int(1e9) + 11; frameOf(id) <= frame; id++ {
		if time.Now().After(deadline) {
			t.Fatalf("after the fuzz the simulator draws no frame")
		}
	}
	eval[any](t, ctx, `send({kinkscope: 1, cmd: 'play', id: 1e9 + 1}), null`)
	waitFor(t, ctx, `replies.has(1e9 + 1)`, 20*time.Second)
	if got := eval[string](t, ctx, `replies.get(1e9).concat(replies.get(1e9 + 1)).map((r) => r.event).join()`); got != "ok,ok" {
		t.Fatalf("after the fuzz, set and play answer %q, want ok,ok", got)
	}
	eval[any](t, ctx, `send({kinkscope: 1, cmd: 'getState', id: 1e9 + 2}), null`)
	waitFor(t, ctx, `replies.has(1e9 + 2) && replies.get(1e9 + 2)[0].state`, 20*time.Second)
	first := eval[int](t, ctx, `replies.get(1e9 + 2)[0].state.iter`)
	deadline = time.Now().Add(20 * time.Second)
	for id := 1e9 + 3; ; id++ {
		eval[any](t, ctx, fmt.Sprintf(`send({kinkscope: 1, cmd: 'getState', id: %d}), null`, int(id)))
		waitFor(t, ctx, fmt.Sprintf(`replies.has(%d)`, int(id)), 20*time.Second)
		if eval[int](t, ctx, fmt.Sprintf(`replies.get(%d)[0].state.iter`, int(id))) > first {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the fuzz the run does not advance from iteration %d", first)
		}
	}
}

// fuzzPage is a page that embeds the simulator at simBase and, when told, posts
// random structured-clonable values and mutated commands to it for a bounded time,
// recording every answer. With direct, it also calls the simulator's window.kinkscope
// (the page must then share its origin).
func fuzzPage(simBase, simOrigin string, direct bool, seed int) string {
	return strings.NewReplacer(
		"{{SIMURL}}", simBase+"sim.html?scenario=relu1d-large&iters=100000000&speed=100",
		"{{SIMORIGIN}}", simOrigin,
		"{{DIRECT}}", fmt.Sprint(direct),
		"{{SEED}}", fmt.Sprint(seed),
	).Replace(fuzzHTML)
}

// fuzzHTML: the generator is seeded (a 32-bit mulberry), so a failure reproduces.
// Each message falls in a category the page knows by construction: foreign and
// answer (no reply expected), malformed (exactly one error event), malformed-noid
// (an error without an id it could echo), any (exactly one reply of any kind).
const fuzzHTML = `<!doctype html><meta charset="utf-8"><title>fuzz</title>
<iframe id="f" src="{{SIMURL}}" width="320" height="240"></iframe>
<script>
'use strict';
const frame = document.getElementById('f');
const simOrigin = '{{SIMORIGIN}}';
const DIRECT = {{DIRECT}};
const DURATION = 15000; // ms of posting at most
const MAXCOUNT = 3000; // values posted at most
window.replies = new Map();
window.sent = [];
window.noId = { error: 0, other: 0 };
window.cloneFailures = 0;
window.fuzzDone = false;
window.apiCalls = 0;
const apiProblems = [];
let ready = false;
addEventListener('message', (e) => {
  if (e.source !== frame.contentWindow) return;
  const m = e.data;
  if (!m || m.kinkscope !== 1) return;
  if (m.event === 'ready') { ready = true; window.fuzzReady = true; }
  if (typeof m.id === 'number') {
    let a = replies.get(m.id);
    if (!a) replies.set(m.id, (a = []));
    a.push({ event: m.event, error: m.error, state: m.state, t: performance.now() });
  } else if (m.event === 'error') {
    noId.error++;
  } else {
    noId.other++;
  }
});
window.send = (m) => frame.contentWindow.postMessage(m, simOrigin);

let seed = {{SEED}} >>> 0;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (n) => Math.floor(rnd() * n);
const pick = (a) => a[int(a.length)];

function randomString() {
  switch (int(7)) {
    case 0: return '';
    case 1: return rnd() < 0.02 ? 'x'.repeat(1e6 * (1 + int(10))) : 'y'.repeat(int(rnd() < 0.1 ? 2e5 : 2000));
    case 2: return String.fromCharCode(...Array.from({ length: int(20) }, () => int(0x10000)));
    case 3: return '<img src=x onerror="document.title=1">';
    case 4: return pick(['lr', 'seed', '0.001', 'relu1d-large', '__proto__', 'constructor', 'toJSON', 'kinkscope', 'cmd', 'id']);
    default: return rnd().toString(36).slice(2, 2 + int(12));
  }
}

function deep(n, leaf) {
  let d = leaf;
  for (let i = 0; i < n; i++) d = int(2) ? [d] : { d };
  return d;
}

function randomValue(depth) {
  if (depth > 4 || rnd() < 0.5) {
    switch (int(12)) {
      case 0: return null;
      case 1: return undefined;
      case 2: return rnd() < 0.5;
      case 3: return pick([0, -0, 1, -1, 1.5, 1e308, 5e-324, NaN, Infinity, -Infinity, 2 ** 53, 1e9]);
      case 4: return BigInt(int(1e6)) * (rnd() < 0.5 ? 1n : 10n ** 30n);
      case 5: return randomString();
      case 6: return new Date(int(2e12));
      case 7: return pick([new Uint8Array(int(100)), new Float64Array(int(100)), new Int32Array(4), new ArrayBuffer(16),
        new DataView(new ArrayBuffer(8)), new Uint8Array(rnd() < 0.05 ? 1 << 20 : 10)]);
      case 8: return /re+gex/gi;
      case 9: return pick([new Number(1), new String('s'), new Boolean(false), Object(10n)]);
      case 10: return new Error('e' + int(10));
      default: return int(100);
    }
  }
  switch (int(7)) {
    case 0:
    case 1: return Array.from({ length: int(6) }, () => randomValue(depth + 1));
    case 2:
    case 3: {
      const o = {};
      for (let i = int(6); i > 0; i--) o[randomString().slice(0, 20) || 'k'] = randomValue(depth + 1);
      return o;
    }
    case 4: return int(2) ? new Map([[randomValue(depth + 1), randomValue(depth + 1)]]) : new Set([randomValue(depth + 1)]);
    case 5: {
      const o = { a: randomValue(depth + 1) };
      o.self = int(2) ? o : [o];
      return o;
    }
    // Not deeper: Chromium's structured clone kills a receiving renderer that reads
    // event.data of arrays and objects nested about 3,000 deep, whatever the page.
    default: return deep(pick([5, 20, 50, 100, 1000, 2000]), randomValue(depth + 1));
  }
}

// hostile returns a value that no kinkscope message may carry.
function hostile() {
  switch (int(14)) {
    case 0: return BigInt(int(1000));
    case 1: { const o = { a: 1 }; o.o = o; return o; }
    case 2: return new Map([[1, 2]]);
    case 3: return new Set([1]);
    case 4: return new Date();
    case 5: return new Uint8Array(rnd() < 0.9 ? 16 : 1 << 20);
    case 6: return pick([NaN, Infinity, -Infinity]);
    case 7: return 'x'.repeat(rnd() < 0.02 ? 1e7 : 17000 + int(50000));
    case 8: return deep(9 + int(2000), 0);
    case 9: return Array.from({ length: 2001 + int(5000) }, (_, i) => i);
    case 10: return /x/g;
    case 11: return new Error('e');
    case 12: return Object.fromEntries(Array.from({ length: 49 + int(200) }, (_, i) => ['k' + i, i]));
    default: return Object(1);
  }
}

function validCommand() {
  switch (int(9)) {
    case 0: return { cmd: 'getState' };
    case 1: return { cmd: 'play' };
    case 2: return { cmd: 'pause' };
    case 3: return { cmd: 'reset' };
    case 4: return { cmd: 'step', n: 1 + int(200) };
    case 5: return { cmd: 'runTo', iter: int(5000) };
    case 6: return { cmd: 'set', settings: pick([{ lr: pick([0.0001, 0.0002, 0.0003]) }, { seed: int(10) }, { speed: pick([1, 10, 100]) },
      { pieces: pick(['on', 'off']) }, { norms: pick(['log', 'linear']) }, { lr: 0.0002, seed: 2 }]) };
    case 7: return { cmd: 'subscribe', hz: pick([0, 0, 1]) };
    default: return { cmd: 'export', what: pick(['csv', 'json']) };
  }
}

const REQUIRED = { step: 'n', runTo: 'iter', set: 'settings', subscribe: 'hz', export: 'what' };
const BAD = {
  step: ['n', [0, -1, 1.5, 2e9, '5', null, true]],
  runTo: ['iter', [-1, 0.5, 'end', 1e10, null]],
  subscribe: ['hz', [-1, 11, '2', null]],
  export: ['what', ['pdf', 5, null, '']],
  set: ['settings', [5, 'lr=1', [1, 2], null, { width: 0 }, { lr: 'abc' }, { bogus: 1 }, { seed: -1 }]],
};

// ours mirrors the documented rule: a plain object with kinkscope: 1 that is not an
// answer (a message with event).
const ours = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && v.kinkscope === 1 && v.event === undefined;

let nextId = 1;
function foreign(id) {
  switch (int(6)) {
    case 0: {
      const v = randomValue(0);
      if (ours(v)) return [v, typeof v.id === 'number' ? 'any' : 'untracked', typeof v.id === 'number' ? v.id : undefined];
      return [v, 'foreign', undefined];
    }
    case 1: return [{ type: 'analytics', id, payload: randomValue(0) }, 'foreign', id];
    case 2: return [[{ kinkscope: 1, cmd: 'getState', id }], 'foreign', id];
    case 3: return [JSON.stringify({ kinkscope: 1, cmd: 'getState', id }), 'foreign', id];
    case 4: return [randomString(), 'foreign', undefined];
    default: {
      const o = { type: 'analytics', n: BigInt(int(100)), id };
      o.self = o;
      return [o, 'foreign', id];
    }
  }
}

function generate() {
  const id = nextId++;
  const r = rnd();
  if (r < 0.35) return foreign(id);
  const msg = Object.assign({ kinkscope: 1, id }, validCommand());
  if (r < 0.5) return [msg, 'any', id];
  switch (int(9)) {
    case 0:
      msg[pick(['junk', 'extra', 'settingz', 'N', 'Cmd', 'ID'])] = int(2) ? (randomValue(0) ?? 1) : hostile();
      return [msg, 'malformed', id];
    case 1: {
      const k = REQUIRED[msg.cmd];
      if (k) delete msg[k];
      else msg.cmd = pick(['fly', 'GETSTATE', '', 'set ']);
      return [msg, 'malformed', id];
    }
    case 2:
      msg.cmd = pick([int(100), null, true, {}, [], hostile(), 'fly', 'getstate', 'x'.repeat(100)]);
      return [msg, 'malformed', id];
    case 3: {
      const b = BAD[msg.cmd];
      if (b) msg[b[0]] = pick(b[1]);
      else msg.n = 5; // a field the command does not take
      return [msg, 'malformed', id];
    }
    case 4:
      msg[REQUIRED[msg.cmd] || 'n'] = hostile();
      return [msg, 'malformed', id];
    case 5:
      msg.id = hostile();
      return [msg, 'malformed-noid', undefined];
    case 6: {
      const k = pick(Object.keys(msg).filter((k) => k !== 'kinkscope' && k !== 'id'));
      msg[k] = randomValue(0);
      return [msg, 'any', id];
    }
    case 7:
      msg.kinkscope = pick([2, '1', true, 1n, 0, null, [1]]);
      return [msg, 'foreign', id];
    default:
      if (int(2)) delete msg.cmd;
      msg.event = pick(['state', 'ok', 'error']);
      return [msg, 'answer', id];
  }
}

// weird returns what a same-origin caller might pass to window.kinkscope.
function weird() {
  switch (int(12)) {
    case 0: return new Proxy({}, { get() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); } });
    case 1: return new Proxy({ lr: 0.0002 }, { getPrototypeOf() { throw new Error('trap'); } });
    case 2: return new Proxy({ seed: 4 }, {});
    case 3: return Object.defineProperty({}, 'lr', { enumerable: true, get() { throw new Error('getter'); } });
    case 4: { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; }
    case 5: return { get seed() { return 3; } };
    case 6: return pick([10n, Symbol('s'), () => 1, null, undefined, NaN]);
    case 7: return hostile();
    case 8: return validCommand().settings || { speed: 100 };
    default: return randomValue(0);
  }
}

function directCalls() {
  const k = frame.contentWindow.kinkscope;
  for (let i = 0; i < 3; i++) {
    const which = pick(['set', 'set', 'load', 'step', 'runTo']);
    let arg = weird();
    if (which === 'load' && int(2)) {
      arg = pick(['x'.repeat(int(2) ? 100 : 1e6), '{"kinkscope":1,"cmd":"load"}', JSON.stringify(validCommand()),
        '{"kinkscope":1,"cmd":"load","settings":{"lr":"abc"}}', '{"kinkscope":1,"cmd":"load","settings":{"lr":1,"lr":2}}']);
    }
    if ((which === 'step' || which === 'runTo') && int(2)) arg = int(1000);
    window.apiCalls++;
    try {
      const r = k[which](arg);
      if (!r || typeof r !== 'object' || typeof r.ok !== 'boolean') apiProblems.push(which + ' returned ' + String(r));
    } catch (err) {
      apiProblems.push(which + ' threw ' + String(err));
    }
  }
}

window.startFuzz = () => {
  const start = performance.now();
  const tick = () => {
    const n = 1 + int(80);
    for (let i = 0; i < n && sent.length < MAXCOUNT; i++) {
      const [msg, cat, id] = generate();
      try {
        send(msg);
      } catch {
        window.cloneFailures++;
        continue;
      }
      sent.push({ id, cat, t: performance.now() });
    }
    if (DIRECT) directCalls();
    if (performance.now() - start < DURATION && sent.length < MAXCOUNT) {
      setTimeout(tick, 10);
      return;
    }
    // The end: a getState behind every message sent, answered in order. A slow page
    // may still hold a full queue, which refuses it as busy: ask again until the
    // state comes, and every message before it has been handled.
    const mark = () => {
      const id = nextId++;
      window.markerId = id;
      send({ kinkscope: 1, cmd: 'getState', id });
      const check = () => {
        const r = replies.get(id);
        if (!r) setTimeout(check, 50);
        else if (r[0].event === 'state') window.fuzzDone = true;
        else setTimeout(mark, 200);
      };
      check();
    };
    mark();
  };
  tick();
};

window.summary = () => {
  const byCategory = {};
  const problems = apiProblems.slice();
  const lat = [];
  let noid = 0;
  for (const m of sent) {
    byCategory[m.cat] = (byCategory[m.cat] || 0) + 1;
    if (m.cat === 'malformed-noid') noid++;
    if (m.id === undefined) continue;
    const r = replies.get(m.id) || [];
    if (r.length > 0) lat.push(r[0].t - m.t);
    switch (m.cat) {
      case 'foreign':
      case 'answer':
        if (r.length > 0) problems.push('message ' + m.id + ' (' + m.cat + ') was answered: ' + r.map((x) => x.event + ' ' + (x.error || '')).join('; '));
        break;
      case 'malformed':
        if (r.length !== 1 || r[0].event !== 'error') problems.push('malformed message ' + m.id + ': answers ' + JSON.stringify(r.map((x) => x.event)) + ', want one error');
        break;
      case 'any':
        if (r.length !== 1) problems.push('message ' + m.id + ': ' + r.length + ' answers, want one');
        break;
    }
  }
  if (noId.error < noid) problems.push(noId.error + ' error events without an id, want at least ' + noid);
  lat.sort((a, b) => a - b);
  let gate = null;
  try { gate = frame.contentWindow.kinkscopeGate.stats(); } catch { /* another origin */ }
  return { sent: sent.length, cloneFailures: window.cloneFailures, byCategory, problems, noIdErrors: noId.error,
    slowest: lat.length ? lat[lat.length - 1] : 0, p50: lat.length ? lat[lat.length >> 1] : 0, apiCalls: window.apiCalls, gate };
};
</script>`
