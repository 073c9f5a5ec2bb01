// The simulator page's message gate: every message posted to the page passes here
// before anything reaches the Go module, so that no message, from any page, can stop
// the simulator or starve it.
//
// - A message that is not a plain object with `kinkscope: 1` belongs to someone else
//   and is dropped at once, whatever its size or content. So is an answer (a message
//   with `event`), so that two windows never answer each other's answers.
// - A kinkscope message is copied into plain JSON data by a bounded walk that reads
//   every property inside try/catch and refuses, naming the field, BigInts, symbols,
//   functions, non-finite numbers, cycles, typed arrays, Maps, Sets, Dates and every
//   other non-plain object, more than LIMITS.depth levels, LIMITS.values values or
//   LIMITS.fields fields in an object, and more than LIMITS.bytes bytes of text. Nothing untrusted ever reaches
//   JSON.stringify, which throws on cycles and BigInts. A refusal is answered with an
//   `error` event.
// - What passes is handed to Go as JSON text, at most LIMITS.perFrame messages and
//   LIMITS.budgetMs of work per animation frame (or per LIMITS.idleMs when the
//   browser draws no frames, as for a hidden page); the rest waits in a queue of
//   LIMITS.queue, and beyond that a message is refused with an `error` event.
//
// A classic script (not a module), so that it has run when the Go module starts.
'use strict';

(() => {
  const LIMITS = Object.freeze({
    bytes: 16384, // JSON text of one message (a load message with 200 points needs 10 kB)
    depth: 8, // nesting of arrays and objects
    values: 500, // values in one message, counting every array, object and element
    fields: 48, // fields of one object (there are 36 settings)
    idBytes: 1024, // an id echoed in the answer to a refused message
    queue: 256, // messages waiting for their turn
    perFrame: 32, // messages handled in one frame at most
    budgetMs: 4, // time spent handling messages in one frame at most
    idleMs: 100, // a new budget after this long without an animation frame
  });

  const stats = {
    received: 0, // message events
    ignored: 0, // someone else's messages and answers
    refused: 0, // kinkscope messages refused here (malformed, too large, queue full)
    busy: 0, // of those, refused because the queue was full
    delivered: 0, // handed to the simulator
    maxQueue: 0,
    maxCopyMs: 0, // the browser's slowest copy of one message's data (event.data)
    maxInspectMs: 0, // the slowest inspection of one message's data here
    maxDeliverMs: 0, // the slowest handling of one message by the simulator
  };

  class Refusal {
    constructor(message) {
      this.message = message;
    }
  }

  const refuse = (path, why) => {
    throw new Refusal((path || 'message') + ': ' + why);
  };

  // kind names a non-plain object for a refusal, without trusting it.
  const kind = (v) => {
    try {
      return Object.prototype.toString.call(v).slice(8, -1);
    } catch {
      return 'an unreadable object';
    }
  };

  const plainOnly = ' (send only numbers, strings, booleans, null, arrays and plain objects)';

  // plain copies v into plain JSON data within the budget st, or throws a Refusal
  // naming the field at path.
  function plain(v, path, depth, st) {
    if (++st.values > LIMITS.values) refuse(path, `the message has more than ${LIMITS.values} values`);
    switch (typeof v) {
      case 'string':
        st.bytes += v.length + 2;
        if (st.bytes > st.maxBytes) {
          refuse(path, `a string of ${v.length} characters makes the message longer than ${st.maxBytes} bytes`);
        }
        return v;
      case 'number':
        if (!Number.isFinite(v)) refuse(path, `${v} is not a finite number`);
        st.bytes += 24;
        return v;
      case 'boolean':
        st.bytes += 5;
        return v;
      case 'undefined':
        return undefined; // dropped from objects, as JSON does; refused in arrays
      case 'bigint':
        refuse(path, 'a BigInt' + plainOnly);
        break;
      case 'symbol':
        refuse(path, 'a symbol' + plainOnly);
        break;
      case 'function':
        refuse(path, 'a function' + plainOnly);
        break;
      case 'object':
        break;
      default:
        refuse(path, 'a ' + typeof v + plainOnly);
    }
    if (v === null) {
      st.bytes += 4;
      return null;
    }
    if (st.stack.includes(v)) refuse(path, 'refers back to itself (a cycle)');
    if (depth >= LIMITS.depth) refuse(path, `nested deeper than ${LIMITS.depth} levels`);
    st.bytes += 2;
    // Plain means an array, or an object whose prototype is null or some window's
    // Object.prototype (the controls page passes objects of its own window).
    let isArray = false;
    let plainObject = false;
    try {
      isArray = Array.isArray(v);
      if (!isArray && kind(v) === 'Object') {
        const proto = Object.getPrototypeOf(v);
        plainObject = proto === null || Object.getPrototypeOf(proto) === null;
      }
    } catch {
      refuse(path, 'cannot be read');
    }
    if (!isArray && !plainObject) {
      const tag = kind(v);
      refuse(path, (tag === 'Object' ? 'an instance of a class' : `a ${tag}`) + plainOnly);
    }
    st.stack.push(v);
    let out;
    if (isArray) {
      let n = 0;
      try {
        n = v.length;
      } catch {
        refuse(path, 'cannot be read');
      }
      if (typeof n !== 'number' || !(n <= LIMITS.values - st.values)) {
        refuse(path, `an array of ${n} elements; the message has at most ${LIMITS.values} values`);
      }
      out = [];
      for (let i = 0; i < n; i++) {
        let e;
        try {
          e = v[i];
        } catch {
          refuse(`${path}[${i}]`, 'cannot be read');
        }
        const p = plain(e, `${path}[${i}]`, depth + 1, st);
        if (p === undefined) refuse(`${path}[${i}]`, 'undefined' + plainOnly);
        out.push(p);
        st.bytes += 1;
      }
    } else {
      let keys;
      try {
        keys = Object.keys(v);
      } catch {
        refuse(path, 'cannot be read');
      }
      if (keys.length > LIMITS.fields) refuse(path, `an object of ${keys.length} fields, at most ${LIMITS.fields}`);
      out = {};
      for (const k of keys) {
        const p = path ? `${path}.${k.length > 40 ? k.slice(0, 40) + '…' : k}` : k;
        st.bytes += k.length + 4;
        if (st.bytes > st.maxBytes) refuse(p, `a field name of ${k.length} characters makes the message longer than ${st.maxBytes} bytes`);
        let e;
        try {
          e = v[k];
        } catch {
          refuse(p, 'cannot be read');
        }
        const c = plain(e, p, depth + 1, st);
        if (c !== undefined) {
          // defineProperty, not assignment: a field named __proto__ stays a field.
          Object.defineProperty(out, k, { value: c, enumerable: true, writable: true, configurable: true });
        }
      }
    }
    st.stack.pop();
    return out;
  }

  const budget = (maxBytes) => ({ bytes: 0, values: 0, stack: [], maxBytes });

  // toText returns {text} with v's JSON text, or {error} naming the first problem.
  // It never throws.
  function toText(v, maxBytes, path = '') {
    try {
      const copy = plain(v, path, 0, budget(maxBytes));
      if (copy === undefined) return { error: (path || 'message') + ': undefined' + plainOnly };
      const text = JSON.stringify(copy); // safe: copy is plain, finite and bounded
      if (text.length > maxBytes) {
        return { error: `${path || 'message'}: ${text.length} characters of JSON, at most ${maxBytes}` };
      }
      return { text, value: copy };
    } catch (err) {
      return { error: err instanceof Refusal ? err.message : 'message: cannot be read' };
    }
  }

  // classify is the cheap first look: 'foreign', 'answer' or 'ours'. It never throws.
  function classify(data) {
    if (typeof data !== 'object' || data === null) return 'foreign';
    try {
      if (Array.isArray(data) || data.kinkscope !== 1) return 'foreign';
      if (data.event !== undefined) return 'answer';
      return 'ours';
    } catch {
      return 'foreign';
    }
  }

  // idOf returns the message's id as plain data, when it is small and plain.
  function idOf(data) {
    let id;
    try {
      id = data.id;
    } catch {
      return undefined;
    }
    const r = toText(id, LIMITS.idBytes, 'id');
    return r.error ? undefined : r.value;
  }

  function post(source, origin, message) {
    if (!source || typeof source.postMessage !== 'function') return;
    try {
      source.postMessage(message, origin === 'null' || !origin ? '*' : origin);
    } catch {
      // The sender is gone or cannot be answered.
    }
  }

  function answerError(item, error) {
    const message = { kinkscope: 1, event: 'error', error };
    if (item.id !== undefined) message.id = item.id;
    post(item.source, item.origin, message);
  }

  const queue = [];
  let deliver = null;
  let budgetStart = -Infinity; // when the current frame's budget began
  let spent = 0;
  let handled = 0;
  let timer = 0;

  const newBudget = (now) => {
    budgetStart = now;
    spent = 0;
    handled = 0;
  };

  // Every animation frame brings a new budget and hands over what waits.
  const onFrame = () => {
    newBudget(performance.now());
    if (queue.length > 0) pump();
    requestAnimationFrame(onFrame);
  };

  // pump hands queued messages to the simulator within the frame's budget; what is
  // left waits for the next frame, or for LIMITS.idleMs when no frame comes.
  function pump() {
    while (queue.length > 0) {
      const now = performance.now();
      if (now - budgetStart >= LIMITS.idleMs) newBudget(now);
      if (spent >= LIMITS.budgetMs || handled >= LIMITS.perFrame) {
        if (!timer) {
          timer = setTimeout(() => {
            timer = 0;
            pump();
          }, Math.max(1, budgetStart + LIMITS.idleMs - now));
        }
        return;
      }
      const item = queue.shift();
      const t0 = performance.now();
      try {
        deliver(item.text, item.source, item.origin);
      } catch {
        answerError(item, 'the simulator could not handle this message');
      }
      const dt = performance.now() - t0;
      spent += dt;
      handled++;
      stats.delivered++;
      stats.maxDeliverMs = Math.max(stats.maxDeliverMs, dt);
    }
  }

  function onMessage(event) {
    const t0 = performance.now();
    let t1 = t0;
    let enqueued = false;
    stats.received++;
    try {
      let data;
      let source = null;
      let origin = '*';
      try {
        data = event.data; // the browser copies the data here, on first access
        source = event.source;
        origin = event.origin;
      } catch {
        data = undefined;
      }
      t1 = performance.now();
      if (classify(data) !== 'ours') {
        stats.ignored++;
        return;
      }
      const r = toText(data, LIMITS.bytes);
      const item = { source, origin, id: r.error ? idOf(data) : r.value.id, text: r.text };
      if (r.error) {
        stats.refused++;
        answerError(item, r.error);
        return;
      }
      if (queue.length >= LIMITS.queue) {
        stats.refused++;
        stats.busy++;
        answerError(item, `busy: ${queue.length} messages are waiting; the simulator handles at most ` +
          `${LIMITS.perFrame} messages (${LIMITS.budgetMs} ms) per frame, send fewer at a time`);
        return;
      }
      queue.push(item);
      stats.maxQueue = Math.max(stats.maxQueue, queue.length);
      enqueued = true;
    } catch {
      // Nothing above should throw; whatever does must not reach the simulator.
    } finally {
      const t2 = performance.now();
      stats.maxCopyMs = Math.max(stats.maxCopyMs, t1 - t0);
      stats.maxInspectMs = Math.max(stats.maxInspectMs, t2 - t1);
    }
    if (enqueued && !timer) pump();
  }

  window.kinkscopeGate = Object.freeze({
    LIMITS,
    // listen starts handing messages to fn(text, source, origin); the Go module calls
    // it once it can handle them.
    listen(fn) {
      if (deliver || typeof fn !== 'function') return;
      deliver = fn;
      window.addEventListener('message', onMessage);
      requestAnimationFrame(onFrame);
    },
    // settings checks the argument of kinkscope.set() like a message's settings:
    // {text} with its JSON, or {error}. Same-origin callers can pass getters and
    // proxies, which a message cannot carry.
    settings(v) {
      let array = false;
      try {
        array = Array.isArray(v); // throws for a revoked proxy
      } catch {
        return { error: 'settings: cannot be read' };
      }
      if (typeof v !== 'object' || v === null || array) {
        return { error: 'set takes one object of settings, e.g. set({lr: 0.0002})' };
      }
      const r = toText(v, LIMITS.bytes, 'settings');
      return r.error ? { error: r.error } : { text: r.text };
    },
    stats: () => ({ ...stats, queued: queue.length }),
  });
})();
