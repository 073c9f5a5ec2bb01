// Package render draws a kinkscope simulation with Ebiten and drives it frame by frame.
//
// The drawing (game.go, draw.go) compiles only for js/wasm, where Ebiten needs no cgo;
// everything it relies on that can be tested natively lives in plain Go files: the
// Session (play, pause, step, run-to, settings, the per-frame time budget), the View it
// publishes for drawing, axis ticks and the panel layout.
//
// Dependencies point one way: sim ← render ← wasm. render never touches syscall/js.
package render
