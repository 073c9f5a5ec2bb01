//go:build js && wasm

// Command wasm is the browser entry point of the simulator page (/sim.html). It reads
// the settings from the page URL, drives the simulation in Web Workers through
// web/sim.js's window.kinkscopeLink (wasm/engine.Client), draws their frames with the
// render game, and exposes window.kinkscope. With wasm/worker it is the only code
// that touches syscall/js.
package main

import (
	"syscall/js"

	"github.com/hajimehoshi/ebiten/v2"

	"kinkscope/render/app"
	_ "kinkscope/sim/models" // the experiments kept in packages of their own
)

func main() {
	query := app.ParseQuery(js.Global().Get("location").Get("search").String())
	page := newPage(query, js.Global().Get("kinkscopeLink"))
	page.showNotes()
	page.syncURL()
	page.expose()

	// An embedded simulator must keep running without focus, and one Update per
	// frame keeps the per-frame budget meaningful.
	ebiten.SetRunnableOnUnfocused(true)
	ebiten.SetTPS(ebiten.SyncWithFPS)
	ebiten.SetScreenClearedEveryFrame(false)
	if err := ebiten.RunGame(page); err != nil {
		page.fail("The simulator stopped: " + err.Error())
	}
}
