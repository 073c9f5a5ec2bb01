//go:build js && wasm

package main

import (
	"fmt"
	"syscall/js"

	"kinkscope/sim/cnnexp"
)

// subsetFile is the MNIST subset make build writes next to sim.html and engine.js.
const subsetFile = "mnist-subset.bin"

// fetchImages makes the image scenarios fetch their data the first time one is
// chosen, then calls arrived (which restarts the session's runs) whether it arrived
// or failed: a missing or corrupt file becomes a message naming it, never a wait
// without end. The offline single file carries no images: its worker, started
// from a blob, says so.
func fetchImages(arrived func()) {
	cnnexp.UseFetched(func() {
		done := func(err error) {
			if err != nil {
				cnnexp.Failed(err)
			}
			arrived()
		}
		if p := js.Global().Get("location").Get("protocol").String(); p != "http:" && p != "https:" {
			done(fmt.Errorf("the image scenarios need the served site (bin/kinkscope serve -dir dist, or any web server with %s): this offline file does not carry the MNIST images", subsetFile))
			return
		}
		var onResp, onBody, onErr js.Func
		release := func() { onResp.Release(); onBody.Release(); onErr.Release() }
		onErr = js.FuncOf(func(_ js.Value, args []js.Value) any {
			msg := "network error"
			if len(args) > 0 {
				msg = args[0].Call("toString").String()
			}
			release()
			done(fmt.Errorf("could not fetch %s (%s); make build writes it next to engine.js", subsetFile, msg))
			return nil
		})
		onBody = js.FuncOf(func(_ js.Value, args []js.Value) any {
			arr := js.Global().Get("Uint8Array").New(args[0])
			b := make([]byte, arr.Get("length").Int())
			js.CopyBytesToGo(b, arr)
			release()
			done(cnnexp.Loaded(b))
			return nil
		})
		onResp = js.FuncOf(func(_ js.Value, args []js.Value) any {
			resp := args[0]
			if !resp.Get("ok").Bool() {
				release()
				done(fmt.Errorf("could not fetch %s: HTTP %d %s; make build writes it next to engine.js", subsetFile, resp.Get("status").Int(), resp.Get("statusText").String()))
				return nil
			}
			resp.Call("arrayBuffer").Call("then", onBody, onErr)
			return nil
		})
		js.Global().Call("fetch", subsetFile).Call("then", onResp, onErr)
	})
}
