// The simulation engine in a Web Worker: starts the Go WebAssembly build of
// wasm/worker (no Ebiten, no DOM) and carries the engine protocol (version 1,
// documented in wasm/engine/doc.go) between the page and Go. Every message is
// checked here first: not a plain object, a protocol version other than 1, data
// that is not plain JSON (a cycle, a BigInt, a typed array…) or more than
// LIMIT_BYTES of it is answered with an error event naming the field; Go checks the
// fields themselves. Requests that arrive while the module starts wait, in order.
//
// A session (cmd open) advances in slices of the Session's frame budget: after each
// slice the worker posts the snapshot, if anything changed, with its Float64Arrays
// transferred, and schedules the next slice through a MessageChannel, a task that,
// unlike a nested setTimeout, is not held back 4 ms; requests from the page are tasks
// too, so they get in between two slices.
'use strict';

// The offline single file starts this script from a blob with wasm_exec.js before it.
if (typeof Go === 'undefined') importScripts('wasm_exec.js');

const VERSION = 1;
const LIMIT_BYTES = 65536;
let engine = null;
const waiting = [];

// decode turns what Go returns ({text, floats}: JSON text and one Float64Array, see
// engine.Encode) into the reply object: {"$a": [offset, length]} becomes a view of
// floats, {"$f": "NaN"} a number JSON cannot write. It returns the object and the
// buffer to transfer with it, or null when there is no reply.
const decode = (out) => {
  if (out === null || typeof out !== 'object' || (out.text !== null && typeof out.text !== 'string')) return undefined;
  if (out.text === null) return null;
  const floats = out.floats;
  const reply = JSON.parse(out.text, (key, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      if (Array.isArray(v.$a) && Object.keys(v).length === 1) return floats.subarray(v.$a[0], v.$a[0] + v.$a[1]);
      if (typeof v.$f === 'string' && Object.keys(v).length === 1) return Number(v.$f);
    }
    return v;
  });
  if (reply !== null && typeof reply === 'object' && reply.event === 'snapshot') reply.encodeMs = out.encodeMs;
  return { reply, transfer: floats.length > 0 ? [floats.buffer] : [] };
};

// The slice loop: at most one slice is scheduled at a time.
const ticks = new MessageChannel();
let scheduled = false;
let kicked = 0; // when the pending slice was scheduled
const kick = () => {
  if (engine && !scheduled) {
    scheduled = true;
    kicked = performance.now();
    ticks.port2.postMessage(0);
  }
};
ticks.port1.onmessage = () => {
  scheduled = false;
  if (!engine) return;
  const start = performance.now();
  let out, d;
  try {
    out = engine.slice();
    const sliced = performance.now();
    d = decode(out);
    // Where a snapshot's time went: the wait for this slice's turn (waitMs), Go's
    // slice (ms, set by Go), encoding it (encodeMs), the bridge and decoding it (decodeMs).
    if (d) Object.assign(d.reply, { waitMs: start - kicked, decodeMs: performance.now() - sliced });
  } catch (err) {
    engine = null;
    postMessage({ engine: VERSION, event: 'fatal', error: 'the engine stopped: ' + err.message });
    close();
    return;
  }
  if (d === undefined) {
    engine = null;
    postMessage({ engine: VERSION, event: 'fatal', error: 'the engine stopped' });
    close();
    return;
  }
  if (out.frame instanceof Uint8Array) {
    // A frame for the simulator page, which decodes it in Go (engine.Frame).
    postMessage({ engine: VERSION, event: 'frame', data: out.frame }, [out.frame.buffer]);
  } else if (d) postMessage(d.reply, d.transfer);
  // A session playing at a set speed (steps per frame) takes a slice per display
  // frame; a request in between is handled at once and kicks a slice itself.
  if (out.busy && out.wait > 0) setTimeout(kick, out.wait);
  else if (out.busy) kick();
};
// Go schedules a slice when data it waited for (the MNIST images) have arrived.
globalThis.kinkscopeKick = kick;

const refuse = (id, field, why) => {
  const reply = { engine: VERSION, event: 'error', field, error: field + ': ' + why };
  if (typeof id === 'number' || typeof id === 'string') reply.id = id;
  if (reply === null || typeof reply !== 'object') {
    engine = null;
    postMessage({ engine: VERSION, event: 'fatal', error: 'the engine stopped' });
    close();
    return;
  }
  postMessage(reply);
};

function handle(data) {
  if (data === null || typeof data !== 'object' || Array.isArray(data) || Object.getPrototypeOf(data) !== Object.prototype) {
    refuse(undefined, 'message', 'want a plain object {engine: 1, cmd, …}');
    return;
  }
  const id = data.id;
  if (data.engine !== VERSION) {
    refuse(id, 'engine', `${JSON.stringify(String(data.engine))}, want ${VERSION} (this engine speaks version ${VERSION} of the protocol)`);
    return;
  }
  if (data.fault === 'throw') throw new Error('the fault test hook: the worker throws');
  let text;
  try {
    // this[key] is the value before any toJSON (a Date's) turned it into a string.
    text = JSON.stringify(data, function (key, v) {
      const raw = this[key];
      if (typeof raw === 'number' && !Number.isFinite(raw)) throw new Error(`${key}: ${raw} is not a finite number`);
      if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && Object.getPrototypeOf(raw) !== Object.prototype) {
        throw new Error(`${key}: a ${Object.prototype.toString.call(raw).slice(8, -1)}, want plain JSON data`);
      }
      return v;
    });
  } catch (err) {
    refuse(id, 'message', 'not plain JSON data: ' + err.message);
    return;
  }
  if (text.length > LIMIT_BYTES) {
    refuse(id, 'message', `${text.length} bytes of JSON, at most ${LIMIT_BYTES}`);
    return;
  }
  let reply;
  try {
    reply = decode(engine.handle(text));
  } catch (err) {
    // Go has exited (an unrecovered failure): this worker can do nothing more.
    engine = null;
    postMessage({ engine: VERSION, event: 'fatal', error: 'the engine stopped: ' + err.message });
    close();
    return;
  }
  if (!reply || reply.reply === null || typeof reply.reply !== 'object') {
    engine = null;
    postMessage({ engine: VERSION, event: 'fatal', error: 'the engine stopped' });
    close();
    return;
  }
  // An ack (the page took in frames) needs no answer: the next frame is one.
  if (data.cmd !== 'ack') postMessage(reply.reply, reply.transfer);
  kick();
}

// A worker named "module" gets its compiled WebAssembly module from the page (the
// simulator page compiles engine.wasm once for all its workers, and the offline file
// has no engine.wasm to fetch) in its first message, {module}; others fetch it.
let moduleFromPage = null;
onmessage = (e) => {
  if (moduleFromPage) {
    const m = e.data && e.data.module;
    moduleFromPage(m instanceof WebAssembly.Module ? m : null);
    moduleFromPage = null;
  } else if (engine) handle(e.data);
  else waiting.push(e.data);
};

const instantiate = async (go) => {
  if (self.name !== 'module') return (await WebAssembly.instantiateStreaming(fetch('engine.wasm'), go.importObject)).instance;
  const module = await new Promise((resolve) => (moduleFromPage = resolve));
  if (!module) throw new Error('the page sent no WebAssembly module');
  return WebAssembly.instantiate(module, go.importObject);
};

(async () => {
  const go = new Go();
  try {
    const instance = await instantiate(go);
    go.run(instance).then(() => {
      engine = null;
      postMessage({ engine: VERSION, event: 'fatal', error: 'the engine stopped' });
      close();
    });
  } catch (err) {
    postMessage({ engine: VERSION, event: 'fatal', error: 'the engine could not be loaded: ' + err.message });
    close();
    return;
  }
  while (!globalThis.kinkscopeEngine) await new Promise((resolve) => setTimeout(resolve, 0));
  engine = globalThis.kinkscopeEngine;
  postMessage(decode(engine.ready).reply);
  while (waiting.length > 0) handle(waiting.shift());
})();
