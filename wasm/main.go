//go:build js && wasm

// Command wasm is the browser entry point of the simulator page (/sim.html). It reads
// the settings from the page URL, runs the render game, and exposes window.kinkscope.
// It is the only code that touches syscall/js.
package main

import (
	"syscall/js"

	"github.com/hajimehoshi/ebiten/v2"

	"kinkscope/render/app"
	_ "kinkscope/sim/models" // the experiments kept in packages of their own
)

func main() {
	query := app.ParseQuery(js.Global().Get("location").Get("search").String())
	fetchImages()
	session := app.NewSession(query)
	page := newPage(session)
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
