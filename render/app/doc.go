// Package app is the simulator as a user drives it, free of Ebiten and of the
// browser: the Session (play, pause, step, run-to, the per-frame time budget), the
// Snapshot a frame draws, compared runs, presets, the URL's settings, the message
// protocol and the exports (CSV, JSON).
//
// The browser (render, wasm) and the command line (cmd/kinkscope: run -compare)
// both use it; a Web Worker can host it as it is.
package app
