//go:build js && wasm

// Command worker is the simulation engine of the browser's Web Workers
// (web/engine.js): the sim packages, render/app's Session and the protocol of
// wasm/engine, without Ebiten, which cannot run in a worker. It installs
// globalThis.kinkscopeEngine:
//
//   - handle(text) answers one request given as JSON text;
//   - slice() advances an open session by one slice;
//   - ready is what the worker posts when it has started.
//
// Each returns {text, floats, busy}, and slice also wait, the milliseconds to wait
// before the next slice (a session playing at a set speed takes one per display
// frame): the reply (for slice, the snapshot event or
// nothing: text null) as engine.Encode writes it, JSON text and a Float64Array that
// web/engine.js turns back into an object, and whether the session wants another
// slice. Two crossings of the Go–JavaScript bridge per reply, not one per field.
package main

import (
	"runtime"
	"syscall/js"
	"time"
	"unsafe"

	"kinkscope/wasm/engine"
)

var (
	float64Array = js.Global().Get("Float64Array")
	uint8Array   = js.Global().Get("Uint8Array")
)

// The buffers of the last reply, reused for the next.
var (
	textBuf  []byte
	floatBuf []float64
)

// encoded returns a reply (or nil) as {text, floats, busy, encodeMs}.
func encoded(r engine.Reply, busy bool) map[string]any {
	if r == nil {
		return map[string]any{"text": nil, "floats": nil, "busy": busy}
	}
	if b, ok := r["frame"].([]byte); ok {
		// A frame for the simulator page: bytes it decodes in Go (engine.DecodeFrame).
		u := uint8Array.New(len(b))
		js.CopyBytesToJS(u, b)
		return map[string]any{"text": nil, "frame": u, "busy": busy}
	}
	start := time.Now()
	textBuf, floatBuf = engine.AppendEncode(textBuf[:0], floatBuf[:0], r)
	text, floats := textBuf, floatBuf
	f := float64Array.New(len(floats))
	if len(floats) > 0 {
		js.CopyBytesToJS(uint8Array.New(f.Get("buffer")), unsafe.Slice((*byte)(unsafe.Pointer(&floats[0])), 8*len(floats)))
	}
	return map[string]any{"text": string(text), "floats": f, "busy": busy,
		"encodeMs": float64(time.Since(start).Microseconds()) / 1000}
}

func main() {
	eng := engine.New()
	fetchImages(func() {
		eng.Retry()
		// The slice loop may be idle: have web/engine.js schedule a slice.
		if kick := js.Global().Get("kinkscopeKick"); kick.Type() == js.TypeFunction {
			kick.Invoke()
		}
	})
	handle := js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) != 1 || args[0].Type() != js.TypeString {
			return encoded(engine.Reply{"engine": engine.Version, "event": "error", "field": "message",
				"error": "message: handle takes the request as one string of JSON text"}, eng.Busy())
		}
		r := eng.Handle([]byte(args[0].String()))
		return encoded(r, eng.Busy())
	})
	slice := js.FuncOf(func(this js.Value, args []js.Value) any {
		if !eng.Busy() {
			return encoded(nil, false)
		}
		s := eng.Slice()
		if s != nil && s["event"] == "snapshot" {
			// The garbage collector's work so far (all of it stops the world in
			// WebAssembly), to tell where a run's time went.
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			s["gcMs"], s["gcs"] = float64(m.PauseTotalNs)/1e6, int(m.NumGC)
		}
		out := encoded(s, eng.Busy())
		out["wait"] = float64(eng.Wait().Microseconds()) / 1000
		return out
	})
	js.Global().Set("kinkscopeEngine", map[string]any{
		"handle": handle,
		"slice":  slice,
		"ready":  encoded(engine.Ready(), false),
	})
	select {} // serve requests until the worker is terminated
}
