//go:build js && wasm

package main

import (
	"encoding/base64"
	"errors"
	"fmt"
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
// sender's origin. They reach Go only through the page's message gate (web/gate.js),
// which drops other pages' messages, refuses what is not plain JSON data or too large
// with an error event, and bounds the messages handled per frame; what it hands over
// is JSON text.
func (p *page) listen() {
	gate := js.Global().Get("kinkscopeGate")
	if gate.Type() != js.TypeObject {
		js.Global().Get("console").Call("error", "kinkscope: no message gate (gate.js); the message API is off")
		return
	}
	deliver := js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) != 3 || args[0].Type() != js.TypeString || args[2].Type() != js.TypeString {
			return nil
		}
		origin := args[2].String()
		if origin == "null" || origin == "" {
			origin = "*" // a page opened from disk
		}
		p.handleMessage(args[0].String(), args[1], origin)
		return nil
	})
	p.funcs = append(p.funcs, deliver)
	gate.Call("listen", deliver)
}

// handleMessage applies one message and answers it. A panic while handling it is
// answered with an error event instead of stopping the simulator.
func (p *page) handleMessage(data string, source js.Value, origin string) {
	var m app.Message
	reply := func(event string, fields map[string]any) {
		if source.IsNull() || source.IsUndefined() {
			return
		}
		guard("answering a message", func() {
			msg := map[string]any{"kinkscope": app.MessageVersion, "event": event}
			if m.ID != nil {
				msg["id"] = js.Global().Get("JSON").Call("parse", string(m.ID))
			}
			for k, v := range fields {
				msg[k] = v
			}
			source.Call("postMessage", msg, origin)
		})
	}
	err := guard("handling a message", func() {
		var err error
		if m, err = app.ParseMessage([]byte(data)); errors.Is(err, app.ErrNotOurs) {
			return
		} else if err != nil {
			reply("error", map[string]any{"error": err.Error()})
			return
		}
		p.apply(m, source, origin, reply)
	})
	if err != nil {
		reply("error", map[string]any{"error": err.Error()})
	}
}

// apply carries out a valid message and answers it.
func (p *page) apply(m app.Message, source js.Value, origin string, reply func(string, map[string]any)) {
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
		reply("state", map[string]any{"state": p.session.State().Object()})
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
			post(s.target, map[string]any{"kinkscope": app.MessageVersion, "event": "state", "state": st.Object()}, s.origin)
		}
	}
	finished := st.Iters > 0 && st.Iter >= st.Iters
	if st.Diverged && !p.wasDiverged {
		p.broadcast("diverged", map[string]any{"error": st.Error, "state": st.Object()})
	}
	if finished && !p.wasFinished {
		p.broadcast("finished", map[string]any{"state": st.Object()})
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
		post(parent, msg, "*")
	}
	for _, s := range p.subs {
		if !s.target.Equal(parent) {
			post(s.target, msg, s.origin)
		}
	}
}

// post posts msg to a window; a window that cannot take it (gone, or throwing) is
// skipped rather than stopping the frame.
func post(target js.Value, msg map[string]any, origin string) {
	guard("posting an event", func() { target.Call("postMessage", msg, origin) })
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

// guard runs f and returns a panic inside it as an error: nothing a message or a call
// from the page does may stop the simulator.
func guard(what string, f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s failed: %v", what, r)
		}
	}()
	f()
	return nil
}
