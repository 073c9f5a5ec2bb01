// Package render paints a kinkscope simulator with Ebiten, in the browser: Game's
// Update drives an app.Session, its Draw paints the session's latest app.Snapshot.
//
// The drawing (game.go, panels.go, frame.go, canvas.go, input.go) compiles only for
// js/wasm, where Ebiten needs no cgo. What it draws is declared elsewhere: the panels
// by the models (sim.Views, sim.Picture), the metrics by sim.MetricList, ticks,
// palette and number formats by render/figure. The page's layout (layout.go) and the
// plot geometry used for editing (geometry.go) are plain Go and tested natively.
//
// Dependencies point one way: sim ← render/figure ← render/app ← render ← wasm.
// render never touches syscall/js; layering_test.go at the top of the module keeps
// it so.
package render
