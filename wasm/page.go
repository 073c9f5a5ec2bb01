//go:build js && wasm

package main

import (
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"sort"
	"syscall/js"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"kinkscope/render"
	"kinkscope/render/app"
	"kinkscope/sim"
	"kinkscope/wasm/engine"
)

// page ties one session, whose runs live in Web Workers, to the DOM: the game Ebiten
// runs, the window.kinkscope API, the URL and the notes list.
type page struct {
	*render.Game
	session *engine.Client
	resolve js.Value // resolves window.kinkscope.ready
	drawn   bool
	// failShown: a failure before the first frame has been shown.
	failShown bool
	lastURL   string
	funcs     []js.Func
	noteSeen  int

	subs                     []subscriber
	wasDiverged, wasFinished bool

	// The main thread's work per frame besides drawing (Game.DrawTimes): taking in
	// the workers' frames since the last one, and Update.
	received  time.Duration
	mainTimes []time.Duration
}

// jsLink is the page's Web Workers, web/sim.js's window.kinkscopeLink.
type jsLink struct{ v js.Value }

func (l jsLink) Workers(n int, fresh bool) { l.v.Call("ensure", n, fresh) }
func (l jsLink) Post(i int, req []byte)    { l.v.Call("post", i, string(req)) }

func newPage(query [][2]string, link js.Value) *page {
	p := &page{}
	onFrame := js.FuncOf(func(this js.Value, args []js.Value) any {
		start := time.Now()
		guard("receiving a frame", func() {
			b := make([]byte, args[1].Get("length").Int())
			js.CopyBytesToGo(b, args[1])
			if err := p.session.Receive(args[0].Int(), b); err != nil {
				p.session.Failed(args[0].Int(), err.Error())
			}
		})
		p.received += time.Since(start)
		return nil
	})
	onFail := js.FuncOf(func(this js.Value, args []js.Value) any {
		guard("a worker's failure", func() { p.session.Failed(args[0].Int(), args[1].String()) })
		return nil
	})
	p.funcs = append(p.funcs, onFrame, onFail)
	p.session = engine.NewClient(query, link.Get("maxWorkers").Int(), jsLink{link})
	// After the Client exists: listen hands over the failures that came before.
	link.Call("listen", onFrame, onFail)
	p.Game = render.NewGame(p.session)
	return p
}

// Draw paints the frame, resolves ready after the first one that shows the runs,
// and keeps the URL in step with the settings.
func (p *page) Draw(screen *ebiten.Image) {
	p.Game.Draw(screen)
	if !p.drawn && p.session.Snapshot() != nil {
		p.drawn = true
		js.Global().Get("document").Get("documentElement").Call("setAttribute", "data-ready", "1")
		p.resolve.Invoke()
		p.broadcast("ready", map[string]any{"state": p.session.State().Object()})
	}
}

// Update takes the workers' latest frames and reflects new notes and settings in
// the page.
func (p *page) Update() error {
	start := time.Now()
	p.session.Watch(start)
	// A worker that failed before its first frame leaves nothing to draw a message
	// on (the engine's module did not load, say): say it in the page.
	if worker, why := p.session.Failure(); why != "" && !p.drawn && !p.failShown {
		p.failShown = true
		p.fail(fmt.Sprintf("The simulator could not start its engine (worker %d: %s). Reload the page to try again.", worker, why))
	}
	if err := p.Game.Update(); err != nil {
		return err
	}
	p.showNotes()
	p.syncURL()
	p.notify()
	p.mainTimes = append(p.mainTimes, time.Since(start)+p.received)
	if len(p.mainTimes) > 4096 {
		p.mainTimes = append(p.mainTimes[:0], p.mainTimes[2048:]...)
	}
	p.received = 0
	return nil
}

// syncURL replaces the page URL's query with the session's settings, without a
// navigation or a history entry.
func (p *page) syncURL() {
	q := app.EncodeQuery(p.session.Query())
	if q == p.lastURL {
		return
	}
	p.lastURL = q
	loc := js.Global().Get("location")
	js.Global().Get("history").Call("replaceState", nil, "", loc.Get("pathname").String()+"?"+q)
}

// showNotes appends new setting messages to the page's #notes list as text, never as
// HTML.
func (p *page) showNotes() {
	notes := p.session.Notes()
	if len(notes) == p.noteSeen {
		return
	}
	doc := js.Global().Get("document")
	list := doc.Call("getElementById", "notes")
	if list.IsNull() {
		return
	}
	for _, n := range notes[p.noteSeen:] {
		li := doc.Call("createElement", "li")
		li.Set("textContent", n)
		list.Call("appendChild", li)
	}
	list.Get("parentElement").Get("classList").Call("remove", "hidden")
	p.noteSeen = len(notes)
}

// fail shows a fatal message.
func (p *page) fail(msg string) {
	doc := js.Global().Get("document")
	if el := doc.Call("getElementById", "fatal"); !el.IsNull() {
		el.Set("textContent", msg)
		el.Get("classList").Call("remove", "hidden")
	}
	if el := doc.Call("getElementById", "loading"); !el.IsNull() {
		el.Get("classList").Call("add", "hidden")
	}
	doc.Get("documentElement").Call("setAttribute", "data-failed", "1")
}

// expose installs window.kinkscope.
func (p *page) expose() {
	api := js.Global().Get("Object").New()
	// Every function answers, whatever it is called with: a panic inside becomes a
	// failed result instead of stopping the simulator.
	fn := func(name string, f func(args []js.Value) any) {
		jf := js.FuncOf(func(this js.Value, args []js.Value) (out any) {
			if err := guard(name, func() { out = f(args) }); err != nil {
				return result([]error{err})
			}
			return out
		})
		p.funcs = append(p.funcs, jf)
		api.Set(name, jf)
	}
	fn("state", func([]js.Value) any { return p.session.State().Object() })
	fn("set", func(args []js.Value) any {
		kv, err := settingsArg(args)
		if err != nil {
			return result([]error{err})
		}
		return result(p.session.Set(kv))
	})
	fn("play", func([]js.Value) any { p.session.Play(); return nil })
	fn("pause", func([]js.Value) any { p.session.Pause(); return nil })
	fn("reset", func([]js.Value) any { p.session.Reset(); return nil })
	fn("setVisible", func(args []js.Value) any {
		p.session.SetVisible(len(args) == 1 && args[0].Truthy())
		return nil
	})
	fn("step", func(args []js.Value) any {
		n, err := countArg(args, "step", 1, 1e9)
		if err != nil {
			return result([]error{err})
		}
		p.session.Step(n)
		return result(nil)
	})
	fn("runTo", func(args []js.Value) any {
		n, err := countArg(args, "runTo", 0, 1e9)
		if err != nil {
			return result([]error{err})
		}
		p.session.RunTo(n)
		return result(nil)
	})
	fn("config", func([]js.Value) any { return pairsObject(p.session.Config()) })
	fn("query", func([]js.Value) any { return app.EncodeQuery(p.session.Query()) })
	fn("settings", func([]js.Value) any { return settingsList() })
	fn("scenarios", func([]js.Value) any {
		out := js.Global().Get("Array").New()
		for _, s := range sim.Scenarios {
			out.Call("push", map[string]any{"name": s.Name, "caption": s.Caption})
		}
		return out
	})
	fn("history", func([]js.Value) any {
		snap := p.session.Snapshot()
		if snap == nil || len(snap.Runs) == 0 {
			return historyArray(nil)
		}
		return historyArray(snap.Runs[0].History)
	})
	// perf: the main thread's work per frame besides drawing (taking in the workers'
	// frames, and Update), the drawing (of frames that drew), and the workers' slices
	// (the simulation).
	fn("perf", func([]js.Value) any {
		o := perfObject(p.mainTimes)
		o["draw"] = perfObject(p.Game.DrawTimes())
		o["worker"] = perfObject(p.session.FrameTimes())
		o["workers"] = p.session.Workers()
		return o
	})
	fn("memory", func([]js.Value) any {
		runtime.GC() // count live memory, not garbage waiting for a collection
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return map[string]any{"heapAlloc": float64(ms.HeapAlloc), "heapSys": float64(ms.HeapSys), "sys": float64(ms.Sys), "numGC": float64(ms.NumGC)}
	})
	fn("predictorFrame", func([]js.Value) any {
		g := p.Game.Predictor()
		return map[string]any{"valid": g.Valid, "x": g.In.X, "y": g.In.Y, "w": g.In.W, "h": g.In.H,
			"xlo": g.XLo, "xhi": g.XHi, "ylo": g.YLo, "yhi": g.YHi}
	})
	// geometry: where the last frame drew each panel's parts (legend, tick labels,
	// data), in CSS pixels, for the layout checks of the browser tests.
	fn("geometry", func([]js.Value) any {
		b, err := json.Marshal(map[string]any{"panels": p.Game.Panels()})
		if err != nil {
			return result([]error{err})
		}
		return js.Global().Get("JSON").Call("parse", string(b))
	})
	fn("exportCSV", func([]js.Value) any { return p.session.HistoryCSV() })
	fn("exportJSON", func([]js.Value) any { return p.session.SettingsJSON() })
	fn("exportPNG", func([]js.Value) any {
		return js.Global().Get("Promise").New(js.FuncOf(func(this js.Value, args []js.Value) any {
			resolve, reject := args[0], args[1]
			p.export("png", func(url string, err error) {
				guard("exportPNG", func() {
					if err != nil {
						reject.Invoke(err.Error())
						return
					}
					resolve.Invoke(url)
				})
			})
			return nil
		}))
	})
	fn("load", func(args []js.Value) any {
		if len(args) != 1 || args[0].Type() != js.TypeString {
			return result([]error{fmt.Errorf("load takes the JSON text that exportJSON returns")})
		}
		// Refuse a huge text before copying it into Go (Length works on objects
		// only, hence the String wrapper).
		if n := js.Global().Get("Object").Invoke(args[0]).Length(); n > maxLoadChars {
			return result([]error{fmt.Errorf("load: a text of %d characters, at most %d", n, maxLoadChars)})
		}
		m, err := app.ParseMessage([]byte(args[0].String()))
		if err == nil && m.Cmd != "load" {
			err = fmt.Errorf("cmd %q: want load", m.Cmd)
		}
		if err != nil {
			return result([]error{fmt.Errorf("not a kinkscope settings file: %v", err)})
		}
		return result(p.session.Load(m))
	})
	fn("presets", func([]js.Value) any {
		out := js.Global().Get("Array").New()
		for _, pr := range app.Presets {
			out.Call("push", map[string]any{"name": pr.Name, "title": pr.Title, "caption": pr.Caption})
		}
		return out
	})
	api.Set("ready", js.Global().Get("Promise").New(js.FuncOf(func(this js.Value, args []js.Value) any {
		p.resolve = args[0]
		return nil
	})))
	js.Global().Set("kinkscope", api)
	p.listen()
}

// maxLoadChars bounds load()'s text before it is copied into Go; ParseMessage then
// holds it to its own limit in bytes.
const maxLoadChars = 64 << 10

func result(errs []error) map[string]any {
	msgs := make([]any, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return map[string]any{"ok": len(errs) == 0, "errors": msgs}
}

// settingsArg reads set()'s argument, an object of setting → value. The page's
// message gate copies it into JSON text first: a same-origin caller may pass getters
// that throw or proxies, which Go must never read itself (syscall/js does not catch
// a JavaScript exception thrown while it reads a property).
func settingsArg(args []js.Value) ([][2]string, error) {
	gate := js.Global().Get("kinkscopeGate")
	if len(args) != 1 || gate.Type() != js.TypeObject {
		return nil, fmt.Errorf("set takes one object of settings, e.g. set({lr: 0.0002})")
	}
	r := gate.Call("settings", args[0])
	if e := r.Get("error"); e.Type() == js.TypeString {
		return nil, fmt.Errorf("%s", e.String())
	}
	m, err := app.ParseMessage([]byte(`{"kinkscope":1,"cmd":"set","settings":` + r.Get("text").String() + `}`))
	if err != nil {
		return nil, err
	}
	return m.Settings, nil
}

// countArg reads a whole number in [lo, hi] from args[0].
func countArg(args []js.Value, name string, lo, hi float64) (int, error) {
	if len(args) != 1 || args[0].Type() != js.TypeNumber {
		return 0, fmt.Errorf("%s takes one number", name)
	}
	v := args[0].Float()
	if math.IsNaN(v) || v != math.Trunc(v) || v < lo || v > hi {
		return 0, fmt.Errorf("%s(%v): want a whole number in [%g, %g]", name, v, lo, hi)
	}
	return int(v), nil
}

func pairsObject(kv [][2]string) js.Value {
	o := js.Global().Get("Object").New()
	for _, p := range kv {
		o.Set(p[0], p[1])
	}
	return o
}

func settingsList() js.Value {
	a := js.Global().Get("Array").New()
	for _, s := range sim.Settings {
		opts := make([]any, len(s.Options))
		for i, o := range s.Options {
			opts[i] = o
		}
		models := []any{}
		for _, m := range sim.ModelsReading(s.Key) {
			models = append(models, m)
		}
		a.Call("push", map[string]any{"key": s.Key, "doc": s.Doc, "range": s.Range, "options": opts, "models": models})
	}
	return a
}

func historyArray(rows []sim.Metrics) js.Value {
	a := js.Global().Get("Array").New()
	for i := range rows {
		a.Call("push", app.MetricsObject(map[string]any{}, &rows[i]))
	}
	return a
}

// perfObject summarizes the simulation time per frame in milliseconds.
func perfObject(ds []time.Duration) map[string]any {
	ms := make([]float64, len(ds))
	for i, d := range ds {
		ms[i] = float64(d) / float64(time.Millisecond)
	}
	sort.Float64s(ms)
	q := func(p float64) float64 {
		if len(ms) == 0 {
			return 0
		}
		return ms[min(len(ms)-1, int(p*float64(len(ms))))]
	}
	return map[string]any{"frames": len(ms), "p50": q(0.5), "p95": q(0.95), "max": q(1)}
}
