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
// version, metrics, metricInfo [{key, title, unit, log}], columns, scenarios [{name,
// caption}]} once when it has started.
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
// # A session in a worker
//
// A worker also hosts one render/app Session, so that a page can draw while the
// worker simulates: the simulator page does (Client, below). Under the same
// envelope:
//
//	cmd      fields          reply event        reply fields
//	open     query, frames,  open               notes, query, columns
//	         part, session
//	session  msg             ok | state |       cmd; state (getState); what, data
//	                         export | error     (export csv or json); error, errors, field
//	visible  visible         ok                 cmd
//	ack      acked           (none)             (frames only; see below)
//	(none)                   snapshot           see below
//
// open starts a session from a URL query ("scenario=relu1d-large&seed=2"; bad
// entries become notes and take their defaults, as on the page) and replaces any
// other. session carries one message of the page's message API ({kinkscope: 1,
// cmd: set | play | pause | reset | step | runTo | load | getState | export, …}),
// checked by app.ParseMessage and applied as the page applies it; an error names
// the field inside msg (msg.settings.lr, msg.n, msg.cmd). subscribe and export png
// are the page's own and are refused. visible false stops the work until visible
// true (a hidden page).
//
// While a session plays, steps or runs to an iteration, the worker advances it in
// slices of the Session's frame budget (12–16 ms) and yields to its event loop after
// each one (a MessageChannel message, which unlike a nested setTimeout is not
// clamped to 4 ms), so requests get in between two slices. After a slice that
// changed anything drawn, it posts an unrequested snapshot event:
//
//	seq, version          the snapshot's number, app.Snapshot.Version
//	state                 what the page's state() returns (app.State.Object)
//	config, query, view   every setting [[key, value]…], the URL query, the view
//	notes                 every note about the settings so far
//	views, metricKeys     the lead run's panels (kind, title, ylabel, metrics…)
//	compareKey, fastForward
//	runs [{label, iter, iters, error, historyFrom, historyLength, history,
//	       decays, schedule, x, h, pieces, pieceCount, dataX, dataY, kinks,
//	       teacher, teacherKinks, norms, coef, truth, fit, fitTruth}]
//	ms, encodeMs, decodeMs, waitMs   where the slice's time went; gcMs, gcs the
//	                      garbage collector's time and cycles so far (wasm/worker)
//
// Every field describes the latest state in full, so a page draws from the latest
// snapshot alone — except a run's history, whose rows come once: the page keeps
// the first historyFrom rows it holds and appends history, which then holds
// historyLength rows (historyFrom is 0 when the run restarted or its history was
// thinned). History rows are float64s in the order of columns (sim.MetricList's
// keys, in ready and open), row after row. Lists of numbers are Float64Arrays on
// one transferred buffer (NaN for what does not apply, null for what the model
// does not draw); kinks are {raw, visible, clusters: rows of x, slope change,
// neurons, visible 0/1}.
//
// Between Go and the worker script, a reply travels as JSON text and one list of
// numbers (Encode): one crossing of the bridge each instead of one per field.
//
// # Frames: the simulator page
//
// The simulator page (wasm, web/sim.js) is Go too, so its workers skip JavaScript
// objects: a session opened with frames: true posts, instead of snapshot events,
//
//	{engine: 1, event: "frame", data: Uint8Array}
//
// whose bytes are a Frame (AppendFrame, DecodeFrame): the session's app.Snapshot as
// the page draws it, the history rows the page does not hold yet, the number of the
// open request's session (older sessions' frames are dropped) and Applied, the
// session and visible requests handled before the slice, so that the page knows
// which of its commands a frame shows. Such a session posts a frame after every slice
// that followed a request, even when nothing drawn changed, and at least once a
// second while busy, so that a page hears from a live worker; a worker that was
// terminated says nothing, and the page takes ten seconds of silence while it is
// owed a frame (WorkerTimeout) for a stopped worker. A session playing at a set speed
// (steps per frame) takes one slice per display frame, 60 a second, as the page did.
//
// Frames are paced by the page: ack {acked: n} says the page has taken in n more of
// them, and a session posts at most two the page has not acknowledged. A page that
// draws slower than the worker slices (software WebGL on a large canvas) would
// otherwise decode several frames for each it draws. The runs go on meanwhile, and
// the frame held back is posted, with every history row since the last, when an ack
// comes. The Client acknowledges once per page frame, and at once while the page is
// hidden (it draws nothing then, and must still see its commands carried out). An
// ack is not answered.
//
// part: [index, of] hosts only the compared runs i with i mod of = index (a
// comparison spread over several workers); every part applies every command, and
// the page merges the parts' frames into one snapshot in the comparison's order.
//
// Client is the page's side: it keeps its own copy of the settings (app.Settings),
// so that set() is checked and answered at once, as the page's Session did; sends
// every command of the page — its JavaScript API, its message API, the keyboard,
// data editing — to the workers through a Link (web/sim.js's window.kinkscopeLink);
// opens new sessions when a change restarts the runs (runs are deterministic, so
// that is the same as a Session restarting); and answers state(), the exports and
// the drawing from the latest frames. A worker that fails (it throws, its module
// does not load, Go exits, or it falls silent) stops the runs with a message, and a
// reset starts fresh workers.
package engine
