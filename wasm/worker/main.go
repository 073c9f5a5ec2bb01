//go:build js && wasm

// Command worker is the simulation engine of the browser's Web Workers
// (web/engine.js): the sim packages and the protocol of wasm/engine, without Ebiten,
// which cannot run in a worker. It installs globalThis.kinkscopeEngine, whose
// handle(text) answers one request given as JSON text with a reply object, and
// whose ready is the reply the worker posts when it has started.
package main

import (
	"syscall/js"

	"kinkscope/wasm/engine"
)

func main() {
	handle := js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) != 1 || args[0].Type() != js.TypeString {
			return js.ValueOf(map[string]any{"engine": engine.Version, "event": "error", "field": "message",
				"error": "message: handle takes the request as one string of JSON text"})
		}
		return js.ValueOf(map[string]any(engine.Handle([]byte(args[0].String()))))
	})
	js.Global().Set("kinkscopeEngine", map[string]any{
		"handle": handle,
		"ready":  map[string]any(engine.Ready()),
	})
	select {} // serve requests until the worker is terminated
}
