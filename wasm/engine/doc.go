// Package engine is the protocol of the simulation engine that runs in a Web Worker
// (wasm/worker): the requests a page posts to a worker, their validation, and the
// replies. It is plain Go (no syscall/js, no Ebiten), so that it is tested natively;
// wasm/worker only carries text in and JavaScript objects out.
//
// # Protocol, version 1
//
// Every message is a plain object with engine: 1 (Version). A request carries cmd,
// an optional id (a number or string, echoed in its reply) and the fields of its
// command; a reply carries event and the id of its request. A worker answers every
// request with exactly one reply, in order, and posts {engine: 1, event: "ready",
// version, metrics, scenarios [{name, caption}]} once when it has started.
//
//	cmd    fields           reply event  reply fields
//	plan   grid             plan         runs, cells, axes [{key, values, doc, range}],
//	                                     seeds, dataSeeds, header, metrics, command
//	run    grid, run        result       run, cell, values, dataSeed, seed, settings
//	                                     [[key, value]…], diverged, divergedAt, iters,
//	                                     etaMax, peakLR, final {metric: value}, row,
//	                                     ms (the run's wall time)
//	(any)  (a bad request)  error        error (names the field), field
//
// A grid is written as `kinkscope sweep`'s flags are: {scenario, vary: ["key=v1;v2",
// "key=range(lo,hi,n)"…], set: ["key=value"…], seeds: "1-3", dataSeeds: ""}, and
// it means the same runs in the same order (sim/sweep.Spec). A run's row is its line
// of the command line's runs.csv, byte for byte; numbers in final are float64
// (NaN where a metric does not apply), structured-clone data rather than JSON.
//
// The worker script (web/engine.js) posts {engine: 1, event: "fatal", error} and
// closes when the module cannot load or Go has stopped. Test hooks: a run request
// with fault: "panic" fails inside Go as a bug would (an error reply; the worker goes
// on), with fault: "throw" makes the worker script throw (the page's worker error
// event).
//
// A run is synchronous: Go's WebAssembly has one thread, so a worker busy with a
// run reads its next message when the run is done. A page cancels by terminating
// workers.
//
// # Later: a Session in a worker
//
// The protocol is meant to host a render/app Session too, so that the simulator
// page can draw while a worker simulates. That adds, under the same envelope,
// cmd "open" {query} (app.NewSession from a URL query), cmd "session" {msg} carrying
// one message of the page's message API (app.ParseMessage: set, play, step, runTo,
// load, export…) and answered by its ok or error event, and unrequested "snapshot"
// events {iter, state, history rows since the last snapshot as a transferable
// Float64Array}. Since a run cannot be interrupted, the worker would advance the
// session in slices of a few milliseconds (the Session's budget) and yield to its
// event loop between slices (setTimeout 0), so that commands get in between.
package engine
