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
)

// page ties one Session to the DOM: the game Ebiten runs, the window.kinkscope API,
// the URL and the notes list.
type page struct {
	*render.Game
	session  *app.Session
	resolve  js.Value // resolves window.kinkscope.ready
	drawn    bool
	lastURL  string
	funcs    []js.Func
	noteSeen int

	subs                     []subscriber
	wasDiverged, wasFinished bool
}

func newPage(s *app.Session) *page {
	return &page{Game: render.NewGame(s), session: s}
}

// Draw paints the frame, resolves ready after the first one and keeps the URL in
// step with the settings.
func (p *page) Draw(screen *ebiten.Image) {
	p.Game.Draw(screen)
	if !p.drawn {
		p.drawn = true
		js.Global().Get("document").Get("documentElement").Call("setAttribute", "data-ready", "1")
		p.resolve.Invoke()
		p.broadcast("ready", map[string]any{"state": p.session.State().Object()})
	}
}

// Update advances the session and reflects new notes and settings in the page.
func (p *page) Update() error {
	if imagesArrived.Swap(false) {
		p.session.Retry()
	}
	if err := p.Game.Update(); err != nil {
		return err
	}
	p.showNotes()
	p.syncURL()
	p.notify()
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
		if len(snap.Runs) == 0 {
			return historyArray(nil)
		}
		return historyArray(snap.Runs[0].History)
	})
	fn("perf", func([]js.Value) any {
		o := perfObject(p.session.FrameTimes())
		o["draw"] = perfObject(p.Game.DrawTimes())
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
