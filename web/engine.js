// The simulation engine in a Web Worker: starts the Go WebAssembly build of
// wasm/worker (no Ebiten, no DOM) and carries the engine protocol (version 1,
// documented in wasm/engine/doc.go) between the page and Go. Every message is
// checked here first: not a plain object, a protocol version other than 1, data
// that is not plain JSON (a cycle, a BigInt, a typed array…) or more than
// LIMIT_BYTES of it is answered with an error event naming the field; Go checks the
// fields themselves. Requests that arrive while the module starts wait, in order.
'use strict';

importScripts('wasm_exec.js');

const VERSION = 1;
const LIMIT_BYTES = 65536;
let engine = null;
const waiting = [];

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
    reply = engine.handle(text);
  } catch (err) {
    // Go has exited (an unrecovered failure): this worker can do nothing more.
    engine = null;
    postMessage({ engine: VERSION, event: 'fatal', error: 'the engine stopped: ' + err.message });
    close();
    return;
  }
  if (reply === null || typeof reply !== 'object') {
    engine = null;
    postMessage({ engine: VERSION, event: 'fatal', error: 'the engine stopped' });
    close();
    return;
  }
  postMessage(reply);
}

onmessage = (e) => {
  if (engine) handle(e.data);
  else waiting.push(e.data);
};

(async () => {
  const go = new Go();
  try {
    const { instance } = await WebAssembly.instantiateStreaming(fetch('engine.wasm'), go.importObject);
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
  postMessage(engine.ready);
  while (waiting.length > 0) handle(waiting.shift());
})();
