// Loader of the simulator page: checks for WebGL 2, starts the Go WebAssembly module
// (which installs window.kinkscope and draws with Ebiten) and reports failures as text.
// The simulation itself runs in Web Workers (web/engine.js) that this file starts for
// the Go program (window.kinkscopeLink); the page only draws their frames.

const fatal = (message) => {
  const el = document.getElementById('fatal');
  el.textContent = message;
  el.classList.remove('hidden');
  document.getElementById('loading').classList.add('hidden');
  document.documentElement.setAttribute('data-failed', '1');
};

const hasWebGL2 = () => {
  try {
    return !!document.createElement('canvas').getContext('webgl2');
  } catch {
    return false;
  }
};

document.getElementById('notes-close').addEventListener('click', () => {
  document.getElementById('notes-box').classList.add('hidden');
});

// createLink returns the page's Web Workers, which the Go program drives
// (engine.Link): workers(n, fresh) keeps n of them, post(i, text) sends worker i a
// request, and what they post goes to onFrame(i, bytes) and onFail(i, why), which Go
// gives with listen(onFrame, onFail). The engine module is compiled once, here, while the page's own module loads,
// and handed to every worker. A worker that throws, cannot start or stops is reported
// through onFail; one that was terminated says nothing, and Go notices its silence.
function createLink() {
  const offline = document.getElementById('kinkscope-engine-js');
  const moduleP = (window.kinkscopeEngineWasm
    ? WebAssembly.compileStreaming(window.kinkscopeEngineWasm())
    : WebAssembly.compileStreaming(fetch('engine.wasm')));
  moduleP.catch(() => {}); // reported by each worker that needs it
  // The offline file has no engine.js to load: its worker runs from a blob of the
  // script texts it carries.
  const url = offline
    ? URL.createObjectURL(new Blob([document.getElementById('kinkscope-engine-exec').textContent, '\n', offline.textContent], { type: 'text/javascript' }))
    : 'engine.js';
  const link = {
    maxWorkers: Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)),
    workers: [],
    onFrame: null,
    onFail: null,
    started: 0,
  };
  // Failures before Go listens (the module missing, say) wait for it.
  const early = [];
  const fail = (w, why) => {
    const i = link.workers.indexOf(w);
    if (i < 0) return;
    if (link.onFail) link.onFail(i, why);
    else early.push([i, why]);
  };
  link.listen = (onFrame, onFail) => {
    link.onFrame = onFrame;
    link.onFail = onFail;
    for (const [i, why] of early.splice(0)) onFail(i, why);
  };
  const spawn = () => {
    const w = new Worker(url, { name: 'module' });
    link.started++;
    w.onmessage = (e) => {
      const d = e.data;
      if (!d || typeof d !== 'object') return;
      if (d.event === 'frame' && link.onFrame) {
        const i = link.workers.indexOf(w);
        if (i >= 0) link.onFrame(i, d.data);
      } else if (d.event === 'fatal') {
        fail(w, d.error);
      } else if (d.event === 'error') {
        console.warn('kinkscope engine:', d.error);
      }
    };
    w.onerror = (e) => {
      e.preventDefault();
      fail(w, e.message || 'it failed');
    };
    w.onmessageerror = () => fail(w, 'a message could not be read');
    moduleP.then((module) => w.postMessage({ module }), (err) => fail(w, 'the engine could not be loaded: ' + err.message));
    return w;
  };
  link.ensure = (n, fresh) => {
    if (fresh) {
      for (const w of link.workers) w.terminate();
      link.workers = [];
    }
    while (link.workers.length < n) link.workers.push(spawn());
    for (const w of link.workers.splice(n)) w.terminate();
  };
  link.post = (i, text) => {
    const w = link.workers[i];
    const msg = JSON.parse(text);
    // After the module: the worker takes its first message as the module.
    moduleP.then(() => w.postMessage(msg), () => {});
  };
  link.ensure(1, false); // start the first worker while the page's module loads
  return link;
}

async function start() {
  window.kinkscopeLink = createLink();
  if (!hasWebGL2()) {
    fatal('Kinkscope needs WebGL 2, which this browser does not provide. ' +
      'Try a current Firefox, Chrome, Edge or Safari, or turn on hardware acceleration.');
    return;
  }
  const go = new Go();
  const timings = (window.kinkscopeTimings = { start: performance.now() });
  let instance;
  try {
    // The single-file offline page provides the module itself.
    const response = window.kinkscopeWasm ? window.kinkscopeWasm() : fetch('kinkscope.wasm');
    ({ instance } = await WebAssembly.instantiateStreaming(response, go.importObject));
    timings.compiled = performance.now();
  } catch (err) {
    fatal('The simulator could not be loaded: ' + err.message);
    return;
  }
  go.run(instance).then(() => fatal('The simulator has stopped. Reload the page to start again.'));
  while (!window.kinkscope) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  timings.started = performance.now();
  await window.kinkscope.ready;
  // Time to first frame since navigation, for the performance figures.
  timings.firstFrame = window.kinkscopeFirstFrameMs = performance.now();
  document.getElementById('loading').classList.add('hidden');
  watchVisibility(window.kinkscope);
  bindKeys(window.kinkscope);
  keepAcrossReloads(window.kinkscope);
  describe(window.kinkscope);
  bar(window.kinkscope);
}

// bar shows the simulator's own controls (play or pause, reset, a scrubber that runs
// to the iteration chosen, run to end) and the preset's caption under the figures;
// controls=off and caption=off in the link hide them. The figures are laid out above
// the bar, so it covers none of them.
function bar(sim) {
  const el = document.getElementById('bar');
  const controls = document.getElementById('sim-controls');
  const captionBox = document.getElementById('sim-caption-box');
  const caption = document.getElementById('sim-caption');
  const more = document.getElementById('sim-caption-more');
  const play = document.getElementById('sim-play');
  const scrub = document.getElementById('sim-scrub');
  const iterOut = document.getElementById('sim-iter');
  const number = new Intl.NumberFormat('en');
  let scrubbing = false;
  let shown = null;
  let lastInset = -1;
  const inset = () => {
    const h = el.classList.contains('hidden') ? 0 : Math.ceil(el.getBoundingClientRect().height);
    if (h === lastInset) return;
    lastInset = h;
    document.documentElement.style.setProperty('--bar-height', h + 'px');
    // Ebiten sizes its canvas to the body: the body ends where the bar begins.
    document.body.style.height = `calc(100% - ${h}px)`;
    // Ebiten resizes its canvas's drawing buffer on the window's resize event only.
    window.dispatchEvent(new Event('resize'));
  };
  new ResizeObserver(inset).observe(el);
  const captionOf = (cfg) => {
    const preset = sim.presets().find((p) => p.name === cfg.preset);
    if (preset) return { title: preset.title.replace(/^Figure: /, ''), text: preset.caption };
    const info = sim.scenarios().find((s) => s.name === cfg.scenario);
    return info ? { title: cfg.scenario, text: info.caption } : null;
  };
  const refresh = () => {
    const cfg = sim.config();
    const st = sim.state();
    const cap = cfg.caption !== 'off' ? captionOf(cfg) : null;
    captionBox.classList.toggle('hidden', !cap);
    controls.classList.toggle('hidden', cfg.controls === 'off');
    el.classList.toggle('hidden', !cap && cfg.controls === 'off');
    const key = cap ? cap.title + '\n' + cap.text : '';
    if (cap && key !== shown) {
      shown = key;
      const title = document.createElement('strong');
      title.textContent = cap.title + '. ';
      caption.replaceChildren(title, cap.text); // text, never HTML
    }
    if (cap) {
      const open = captionBox.classList.contains('open');
      more.classList.toggle('hidden', !open && caption.scrollHeight <= caption.clientHeight + 1);
    }
    play.textContent = st.running ? 'Pause' : 'Play';
    play.setAttribute('aria-pressed', st.running ? 'true' : 'false');
    scrub.max = String(st.iters);
    if (!scrubbing) {
      scrub.value = String(st.iter);
      iterOut.textContent = number.format(st.iter);
    }
    scrub.setAttribute('aria-valuetext', `iteration ${number.format(st.iter)} of ${number.format(st.iters)}`);
    inset();
  };
  play.addEventListener('click', () => (sim.state().running ? sim.pause() : sim.play()));
  document.getElementById('sim-reset').addEventListener('click', () => sim.reset());
  document.getElementById('sim-end').addEventListener('click', () => sim.runTo(sim.state().iters));
  scrub.addEventListener('input', () => {
    scrubbing = true;
    iterOut.textContent = number.format(Number(scrub.value));
  });
  scrub.addEventListener('change', () => {
    // Runs are deterministic: going back is a reset and a run to the iteration.
    const target = Number(scrub.value);
    if (target < sim.state().iter) sim.reset();
    sim.runTo(target);
    scrubbing = false;
  });
  more.addEventListener('click', () => {
    const open = captionBox.classList.toggle('open');
    more.textContent = open ? 'less' : 'more';
    more.setAttribute('aria-expanded', open ? 'true' : 'false');
  });
  refresh();
  setInterval(refresh, 100);
}

// describe gives the canvas a text alternative and keeps a polite live region with a
// summary of the run: what a screen reader says instead of the figures. The summary
// changes when the run starts, stops or finishes, and at most every 5 s while it runs,
// so that it informs without chattering.
function describe(sim) {
  const canvas = document.querySelector('canvas');
  const stage = document.getElementById('stage');
  const live = document.getElementById('live');
  if (canvas) {
    stage.appendChild(canvas); // inside the main landmark
    canvas.tabIndex = 0; // in the page's tab order, not ahead of it
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-describedby', 'live');
  }
  const number = (v, digits) => (Number.isFinite(v) ? v.toPrecision(digits) : null);
  const summary = (s) => {
    const parts = [`${s.scenario}: iteration ${s.iter} of ${s.iters}`, s.running ? 'running' : 'paused'];
    const add = (label, v) => { if (v !== null) parts.push(`${label} ${v}`); };
    add('train loss', number(s.trainLoss, 3));
    add('test loss', number(s.testLoss, 3));
    add('kinks', Number.isFinite(s.kinks) ? s.kinks : null);
    add('rank', Number.isFinite(s.rank) ? s.rank : null);
    add('feature sparsity %', Number.isFinite(s.featureSparsity) ? (100 * s.featureSparsity).toFixed(1) : null);
    if (s.diverged) parts.push('diverged: ' + s.error);
    else if (s.error) parts.push(s.error); // a stopped worker, data on their way
    return parts.join(', ');
  };
  let last = { running: null, iter: -1, at: 0 };
  const update = () => {
    const s = sim.state();
    const now = performance.now();
    const changed = s.running !== last.running || (s.iter !== last.iter && !s.running) || s.error !== last.error;
    if (!changed && (s.iter === last.iter || now - last.at < 5000)) return;
    last = { running: s.running, iter: s.iter, error: s.error, at: now };
    const text = summary(s);
    live.textContent = text;
    if (canvas) canvas.setAttribute('aria-label', 'Kinkscope figure panels. ' + text);
  };
  update();
  setInterval(update, 500);
}

// keepAcrossReloads brings a run back after a reload, including the one Ebiten does
// when the browser drops the WebGL context: the URL restores the settings, and the
// iteration reached (kept in sessionStorage, per tab) is run to again. Runs are
// deterministic, so this is the same state.
function keepAcrossReloads(sim) {
  const key = () => 'kinkscope:' + location.pathname + location.search;
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(key()));
  } catch {
    // No storage (a sandboxed frame): nothing to restore.
  }
  if (saved && saved.iter > 0) {
    sim.runTo(saved.iter);
    if (saved.running) {
      const resume = setInterval(() => {
        const st = sim.state();
        if (!st.running && st.iter >= saved.iter) {
          clearInterval(resume);
          sim.play();
        }
      }, 100);
    }
  }
  const save = () => {
    try {
      const st = sim.state();
      sessionStorage.setItem(key(), JSON.stringify({ iter: st.iter, running: st.running }));
    } catch {
      // Storage full or unavailable: a reload then starts over.
    }
  };
  setInterval(save, 500);
  addEventListener('pagehide', save);
}

// watchVisibility pauses the simulation work while the page is hidden or the
// simulator is scrolled out of view (inside an iframe the observer measures against
// the top-level viewport), so that many embedded simulators only spend time on the
// ones a reader can see.
function watchVisibility(sim) {
  let inView = true;
  const update = () => sim.setVisible(inView && document.visibilityState === 'visible');
  document.addEventListener('visibilitychange', update);
  new IntersectionObserver((entries) => {
    inView = entries.some((e) => e.isIntersecting);
    update();
  }).observe(document.body);
  update();
}

// bindKeys adds the keyboard shortcuts: space plays or pauses, → steps one metric
// interval, r resets, ? shows the help.
function bindKeys(sim) {
  const help = document.getElementById('help');
  const toggleHelp = () => help.classList.toggle('hidden');
  document.getElementById('help-button').addEventListener('click', toggleHelp);
  document.getElementById('help-close').addEventListener('click', toggleHelp);
  window.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    // A focused control handles its own keys (space presses a button).
    if (event.key !== '?' && event.key !== 'Escape' && event.target.closest && event.target.closest('button, input, select, textarea, a')) return;
    switch (event.key) {
      case ' ':
        sim.state().running ? sim.pause() : sim.play();
        break;
      case 'ArrowRight':
        sim.step(Number(sim.config().log_every) || 100);
        break;
      case 'r':
        sim.reset();
        break;
      case '?':
        toggleHelp();
        break;
      case 'Escape':
        help.classList.add('hidden');
        break;
      default:
        return;
    }
    event.preventDefault();
  });
}

start();
