//go:build js && wasm

package main

import (
	"encoding/base64"
	"errors"
	"syscall/js"
	"time"

	"kinkscope/render/app"
)

// subscriber is a window that asked for state events.
type subscriber struct {
	target js.Value // the window to post to
	origin string   // its origin, the postMessage target
	every  time.Duration
	last   time.Time
}

// listen installs the postMessage API: commands from any window (a lecture page on
// another origin included) are validated in Go, applied, and answered to their
// sender's origin.
func (p *page) listen() {
	handler := js.FuncOf(func(this js.Value, args []js.Value) any {
		ev := args[0]
		data := js.Global().Get("JSON").Call("stringify", ev.Get("data"))
		if data.Type() != js.TypeString {
			return nil
		}
		source, origin := ev.Get("source"), ev.Get("origin").String()
		if origin == "null" || origin == "" {
			origin = "*" // a page opened from disk
		}
		p.handleMessage(data.String(), source, origin)
		return nil
	})
	p.funcs = append(p.funcs, handler)
	js.Global().Call("addEventListener", "message", handler)
}

// handleMessage applies one message and answers it.
func (p *page) handleMessage(data string, source js.Value, origin string) {
	m, err := app.ParseMessage([]byte(data))
	if errors.Is(err, app.ErrNotOurs) {
		return
	}
	reply := func(event string, fields map[string]any) {
		if source.IsNull() || source.IsUndefined() {
			return
		}
		msg := map[string]any{"kinkscope": app.MessageVersion, "event": event}
		if m.ID != nil {
			msg["id"] = js.Global().Get("JSON").Call("parse", string(m.ID))
		}
		for k, v := range fields {
			msg[k] = v
		}
		source.Call("postMessage", msg, origin)
	}
	if err != nil {
		reply("error", map[string]any{"error": err.Error()})
		return
	}
	var errs []error
	switch m.Cmd {
	case "set":
		errs = p.session.Set(m.Settings)
	case "load":
		errs = p.session.Load(m)
	case "play":
		p.session.Play()
	case "pause":
		p.session.Pause()
	case "reset":
		p.session.Reset()
	case "step":
		p.session.Step(m.N)
	case "runTo":
		p.session.RunTo(m.Iter)
	case "getState":
		reply("state", map[string]any{"state": stateObject(p.session.State())})
		return
	case "subscribe":
		p.subscribe(source, origin, m.Hz)
	case "export":
		p.export(m.What, func(value string, err error) {
			if err != nil {
				reply("error", map[string]any{"error": err.Error()})
				return
			}
			reply("export", map[string]any{"what": m.What, "data": value})
		})
		return
	}
	if len(errs) > 0 {
		msgs := make([]any, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		reply("error", map[string]any{"error": errs[0].Error(), "errors": msgs})
		return
	}
	reply("ok", map[string]any{"cmd": m.Cmd})
}

// subscribe adds, changes or (hz = 0) removes a window's state events.
func (p *page) subscribe(target js.Value, origin string, hz float64) {
	for i, s := range p.subs {
		if s.target.Equal(target) {
			p.subs = append(p.subs[:i], p.subs[i+1:]...)
			break
		}
	}
	if hz > 0 {
		p.subs = append(p.subs, subscriber{target: target, origin: origin, every: time.Duration(float64(time.Second) / hz)})
	}
}

// notify posts the subscribed state events, and "diverged" and "finished" to the
// parent page and the subscribers when they happen. Called after each frame.
func (p *page) notify() {
	st := p.session.State()
	now := time.Now()
	for i := range p.subs {
		s := &p.subs[i]
		if now.Sub(s.last) >= s.every {
			s.last = now
			s.target.Call("postMessage", map[string]any{"kinkscope": app.MessageVersion, "event": "state", "state": stateObject(st)}, s.origin)
		}
	}
	finished := st.Iters > 0 && st.Iter >= st.Iters
	if st.Diverged && !p.wasDiverged {
		p.broadcast("diverged", map[string]any{"error": st.Error, "state": stateObject(st)})
	}
	if finished && !p.wasFinished {
		p.broadcast("finished", map[string]any{"state": stateObject(st)})
	}
	p.wasDiverged, p.wasFinished = st.Diverged, finished
}

// broadcast posts an event to the embedding page and to every subscriber.
func (p *page) broadcast(event string, fields map[string]any) {
	msg := map[string]any{"kinkscope": app.MessageVersion, "event": event}
	for k, v := range fields {
		msg[k] = v
	}
	parent := js.Global().Get("parent")
	if !parent.Equal(js.Global().Get("window")) {
		parent.Call("postMessage", msg, "*")
	}
	for _, s := range p.subs {
		if !s.target.Equal(parent) {
			s.target.Call("postMessage", msg, s.origin)
		}
	}
}

// export produces csv, json (a load message) or png (a data URL) and hands it to
// done, at once or, for png, after the next frame.
func (p *page) export(what string, done func(string, error)) {
	switch what {
	case "csv":
		done(p.session.HistoryCSV(), nil)
	case "json":
		done(p.session.SettingsJSON(), nil)
	case "png":
		p.Game.RequestPNG(func(data []byte, err error) {
			if err != nil {
				done("", err)
				return
			}
			done("data:image/png;base64,"+base64.StdEncoding.EncodeToString(data), nil)
		})
	}
}
