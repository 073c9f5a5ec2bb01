// The sweep page: runs a small grid of simulations in Web Workers (web/engine.js, the
// engine protocol of wasm/engine) and fills a heatmap as runs finish. The grid is
// written as `kinkscope sweep`'s flags are, and the engine turns it into the same
// runs in the same order, so each run's numbers are those of the command line's
// runs.csv. One worker plans (checks the grid, names a bad field, gives the command
// line); up to `workers` others run one run at a time each. Cancel terminates the
// workers (a run in Go cannot be interrupted); a worker that fails is replaced and
// its run is reported, while the other runs go on.
//
// A classic script (deferred), not a module: module scripts do not load from a
// file:// page, and the page opened from a file must still say that it needs a server.
'use strict';

const VERSION = 1;
const MAX_WORKERS = 16;
const START_TIMEOUT_MS = 60000;

const DEFAULTS = {
  scenario: 'diag-decay50',
  vary1: 'lr_edge=0.3;0.6;0.9',
  vary2: 'decays=0.1:1.5;0.3:1.5;0.5:1.5',
  set: 'iters=20000',
  seeds: '1-2',
  dataSeeds: '',
  metric: 'test_loss',
};

// What a metric of runs.csv is, for the colour scale and the labels: filled from the
// engine's ready event, which reads it from the metrics' one declaration in Go
// (sim.MetricList, and sweep.MetricInfo for the sweep's own ‖β‖₀ at 10⁻⁶).
const METRICS = {};

// Short units of the settings most often varied; the others show their doc.
const AXIS_UNITS = {
  lr_edge: 'peak step size as a fraction of η_max',
  decays: 'at:factor — from a fraction "at" of the run, step size ÷ factor',
  lr: 'step size γ',
  iters: 'iterations',
  width: 'hidden neurons',
  batch: 'examples per step',
  warmup_until: 'fraction of the run',
  label_noise: 'σ of the label noise',
  init_scale: '× the reference initialization',
};

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs = {}, parent = null) => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (parent) parent.appendChild(el);
  return el;
};

const defaultWorkers = () => Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 8));

// The state of the page, one sweep at a time. gen changes with every start and
// cancel, so that the answers of workers from an earlier sweep are ignored.
const sweep = {
  gen: 0,
  phase: 'idle', // idle, planning, running, done, cancelled
  grid: null,
  plan: null,
  results: [], // by run: the result reply
  failures: new Map(), // run → message
  slots: [],
  queue: [],
  restarts: 0,
  started: 0,
  finished: 0,
  notes: [], // worker failures outside a run
};

// Test hooks (the browser tests): hooks.fault[run] = 'panic' or 'throw' sends that
// run with the engine's fault hook.
const hooks = { fault: {} };

// ---- the form, the URL and the grid ----

function readURL() {
  const q = new URLSearchParams(location.search);
  const vary = q.getAll('vary');
  const has = (k) => q.has(k);
  $('scenario').dataset.want = has('scenario') ? q.get('scenario') : DEFAULTS.scenario;
  $('vary1').value = vary.length > 0 ? vary[0] : has('scenario') ? '' : DEFAULTS.vary1;
  $('vary2').value = vary.length > 1 ? vary[1] : has('scenario') || vary.length > 0 ? '' : DEFAULTS.vary2;
  $('set').value = has('set') ? q.getAll('set').join(' ') : DEFAULTS.set;
  $('seeds').value = has('seeds') ? q.get('seeds') : DEFAULTS.seeds;
  $('data-seeds').value = has('data_seeds') ? q.get('data_seeds') : DEFAULTS.dataSeeds;
  $('workers').value = has('workers') ? q.get('workers') : String(defaultWorkers());
  $('metric').dataset.want = has('metric') ? q.get('metric') : DEFAULTS.metric;
}

function writeURL() {
  const q = new URLSearchParams();
  q.set('scenario', $('scenario').value);
  for (const id of ['vary1', 'vary2']) if ($(id).value.trim()) q.append('vary', $(id).value.trim());
  for (const kv of splitSet($('set').value)) q.append('set', kv);
  q.set('seeds', $('seeds').value.trim());
  if ($('data-seeds').value.trim()) q.set('data_seeds', $('data-seeds').value.trim());
  q.set('workers', $('workers').value.trim());
  q.set('metric', $('metric').value);
  history.replaceState(null, '', '?' + q.toString());
}

const splitSet = (s) => s.split(/\s+/).filter((x) => x !== '');

function readGrid() {
  const vary = ['vary1', 'vary2'].map((id) => $(id).value.trim()).filter((v) => v !== '');
  return {
    scenario: $('scenario').value,
    vary,
    set: splitSet($('set').value),
    seeds: $('seeds').value.trim(),
    dataSeeds: $('data-seeds').value.trim(),
  };
}

// fieldInput maps an error's field (grid.vary[1]) to its form element.
function fieldInput(field, grid) {
  if (field === 'engine') return $('run');
  if (field === 'grid.scenario') return $('scenario');
  if (field === 'grid.seeds') return $('seeds');
  if (field === 'grid.dataSeeds') return $('data-seeds');
  if (field.startsWith('grid.set')) return $('set');
  const m = /^grid\.vary\[(\d)\]$/.exec(field);
  if (m) {
    // The grid holds the non-empty axes only.
    const ids = ['vary1', 'vary2'].filter((id) => $(id).value.trim() !== '');
    return $(ids[Number(m[1])] || 'vary1');
  }
  if (field === 'workers') return $('workers');
  return grid && grid.vary.length > 0 ? $('vary1') : $('seeds');
}

function labelOf(input) {
  if (input.id === 'run') return 'The engine';
  const label = document.querySelector(`label[for="${input.id}"]`);
  return label ? label.textContent.split(':')[0].replace(/,? optional$/, '') : input.id;
}

function showError(field, message, grid) {
  clearErrors();
  const input = fieldInput(field, grid);
  if (input.tagName !== 'BUTTON') input.setAttribute('aria-invalid', 'true');
  $('form-error').textContent = `${labelOf(input)}: ${message.replace(/^grid\.[A-Za-z]+(\[\d\])?: /, '')}`;
  input.focus();
}

function clearErrors() {
  $('form-error').textContent = '';
  for (const el of document.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

function readWorkers() {
  const text = $('workers').value.trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_WORKERS) {
    return { error: `${JSON.stringify(text)} out of range: a whole number in [1, ${MAX_WORKERS}]` };
  }
  return { n };
}

// ---- workers ----

// The planner is one worker kept for plans: it checks the grid as the form changes.
const planner = { worker: null, ready: false, waiting: new Map(), next: 1, queue: [] };

function startPlanner() {
  planner.worker = new Worker('engine.js');
  planner.ready = false;
  planner.worker.onmessage = (e) => {
    const m = e.data;
    if (m.event === 'ready') {
      planner.ready = true;
      fillScenarios(m.scenarios);
      fillMetrics(m.metrics, m.metricInfo);
      for (const msg of planner.queue.splice(0)) planner.worker.postMessage(msg);
      return;
    }
    if (m.event === 'fatal') {
      failPlanner('the planning worker stopped: ' + m.error);
      return;
    }
    const resolve = planner.waiting.get(m.id);
    if (resolve) {
      planner.waiting.delete(m.id);
      resolve(m);
    }
  };
  planner.worker.onerror = (e) => {
    e.preventDefault();
    failPlanner('the planning worker failed: ' + (e.message || 'an error'));
  };
}

// failPlanner answers the waiting plans with the failure and starts a fresh
// planner, three times at most: an engine that cannot load stays a message.
function failPlanner(message) {
  for (const resolve of planner.waiting.values()) resolve({ event: 'error', field: 'engine', error: message });
  planner.waiting.clear();
  planner.queue = [];
  planner.worker.terminate();
  planner.failures = (planner.failures || 0) + 1;
  if (planner.failures <= 3) {
    startPlanner();
    return;
  }
  planner.broken = message;
  $('form-error').textContent = `The engine does not start (${message}); reload the page to try again.`;
  $('run').disabled = true;
}

function plan(grid) {
  const id = planner.next++;
  const msg = { engine: VERSION, id, cmd: 'plan', grid };
  return new Promise((resolve) => {
    if (planner.broken) {
      resolve({ event: 'error', field: 'engine', error: planner.broken });
      return;
    }
    planner.waiting.set(id, resolve);
    if (planner.ready) planner.worker.postMessage(msg);
    else planner.queue.push(msg);
    // Nothing waits for ever: a planner that does not answer is replaced.
    setTimeout(() => {
      if (planner.waiting.has(id)) failPlanner(`no answer within ${START_TIMEOUT_MS / 1000} s`);
    }, START_TIMEOUT_MS);
  });
}

function fillScenarios(list) {
  const sel = $('scenario');
  if (sel.options.length > 0) return;
  for (const s of list) {
    const o = document.createElement('option');
    o.value = s.name;
    o.textContent = s.name;
    o.title = s.caption;
    sel.appendChild(o);
  }
  sel.value = sel.dataset.want;
  if (sel.value !== sel.dataset.want) {
    showError('grid.scenario', `unknown scenario ${JSON.stringify(sel.dataset.want)} in the link; the first one is used`, null);
  }
  preview();
}

function fillMetrics(keys, info) {
  const sel = $('metric');
  if (sel.options.length > 0) return;
  for (const { key, title, unit, log } of info) {
    // A fraction shown as a percentage has the unit %; the title says the rest.
    METRICS[key] = { title, unit: unit === '%' ? '' : unit, log, percent: unit === '%' };
  }
  for (const k of keys) {
    const o = document.createElement('option');
    o.value = k;
    o.textContent = (METRICS[k] || { title: k }).title;
    sel.appendChild(o);
  }
  sel.value = METRICS[sel.dataset.want] ? sel.dataset.want : DEFAULTS.metric;
}

// spawn starts run worker k of the current sweep.
function spawn(k) {
  const slot = { k, gen: sweep.gen, worker: new Worker('engine.js'), ready: false, run: null, dead: false };
  sweep.slots[k] = slot;
  slot.timer = setTimeout(() => {
    if (!slot.ready) died(slot, `did not start within ${START_TIMEOUT_MS / 1000} s`);
  }, START_TIMEOUT_MS);
  slot.worker.onmessage = (e) => reply(slot, e.data);
  slot.worker.onerror = (e) => {
    e.preventDefault();
    died(slot, 'threw an error: ' + (e.message || 'unknown'));
  };
  slot.worker.onmessageerror = () => died(slot, 'sent a message that could not be read');
  return slot;
}

function reply(slot, m) {
  if (slot.gen !== sweep.gen || slot.dead) return;
  switch (m.event) {
    case 'ready':
      slot.ready = true;
      clearTimeout(slot.timer);
      next(slot);
      return;
    case 'result':
      if (m.run !== slot.run) return;
      sweep.results[m.run] = m;
      slot.run = null;
      update(m.run);
      next(slot);
      return;
    case 'error':
      if (slot.run !== null) {
        fail(slot.run, `run ${slot.run} failed: ${m.error}`);
        slot.run = null;
      }
      next(slot);
      return;
    case 'fatal':
      died(slot, m.error);
      return;
  }
}

// next hands slot's worker the next run, or ends it when there is none.
function next(slot) {
  if (sweep.queue.length === 0) {
    slot.dead = true;
    slot.worker.terminate();
    checkDone();
    return;
  }
  const run = sweep.queue.shift();
  slot.run = run;
  const msg = { engine: VERSION, id: run, cmd: 'run', grid: sweep.grid, run };
  if (hooks.fault[run]) msg.fault = hooks.fault[run];
  slot.worker.postMessage(msg);
  status();
}

// died handles a worker that stopped or failed: its run is reported, and a fresh
// worker takes its place while runs remain (at most as many replacements as runs).
function died(slot, reason) {
  if (slot.gen !== sweep.gen || slot.dead) return;
  slot.dead = true;
  clearTimeout(slot.timer);
  slot.worker.terminate();
  const what = `worker ${slot.k + 1} ${reason}`;
  if (slot.run !== null) {
    fail(slot.run, `${what} during run ${slot.run}; the other runs go on (Run the grid again to retry it)`);
    slot.run = null;
  } else {
    sweep.notes.push(what);
    showFailures();
  }
  if (sweep.queue.length > 0 && sweep.restarts < sweep.plan.runs) {
    sweep.restarts++;
    spawn(slot.k);
  }
  checkDone();
}

function fail(run, message) {
  sweep.failures.set(run, message);
  update(run);
  showFailures();
}

function showFailures() {
  const ul = $('failures');
  ul.replaceChildren();
  for (const m of [...sweep.failures.values(), ...sweep.notes]) {
    const li = document.createElement('li');
    li.textContent = m;
    ul.appendChild(li);
  }
}

// checkDone ends the sweep when no worker is left: every run has finished or failed,
// or (when replacements ran out) the runs still waiting are reported as not run.
function checkDone() {
  if (sweep.phase !== 'running') return;
  if (sweep.slots.some((s) => s && !s.dead)) {
    status();
    return;
  }
  for (const run of sweep.queue.splice(0)) fail(run, `run ${run} was not run: no worker is left`);
  sweep.phase = 'done';
  sweep.finished = performance.now();
  $('cancel').disabled = true;
  status();
}

function stopWorkers() {
  for (const s of sweep.slots) {
    if (s && !s.dead) {
      s.dead = true;
      clearTimeout(s.timer);
      s.worker.terminate();
    }
  }
}

// ---- starting and cancelling ----

async function start() {
  clearErrors();
  const workers = readWorkers();
  if (workers.error) {
    showError('workers', workers.error, null);
    return;
  }
  stopWorkers();
  const gen = ++sweep.gen;
  const grid = readGrid();
  sweep.phase = 'planning';
  status();
  const p = await plan(grid);
  if (gen !== sweep.gen) return;
  if (p.event !== 'plan') {
    sweep.phase = 'idle';
    showError(p.field || '', p.error, grid);
    status();
    return;
  }
  writeURL();
  Object.assign(sweep, {
    phase: 'running', grid, plan: p, results: new Array(p.runs), failures: new Map(), notes: [],
    slots: [], queue: [...Array(p.runs).keys()], restarts: 0, started: performance.now(), finished: 0,
  });
  $('command').textContent = p.command;
  $('cancel').disabled = false;
  showFailures();
  layout();
  for (let k = 0; k < Math.min(workers.n, p.runs); k++) spawn(k);
  status();
}

function cancel() {
  if (sweep.phase !== 'running' && sweep.phase !== 'planning') return;
  stopWorkers();
  sweep.gen++;
  sweep.phase = 'cancelled';
  sweep.finished = performance.now();
  sweep.queue = [];
  $('cancel').disabled = true;
  for (const s of sweep.slots) if (s && s.run !== null) s.run = null;
  status();
}

// preview checks the grid as it is typed and shows its command line and size.
let previewTimer = 0;
function preview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    if (sweep.phase === 'running' || sweep.phase === 'planning') return;
    const grid = readGrid();
    const p = await plan(grid);
    if (sweep.phase === 'running' || sweep.phase === 'planning') return;
    if (p.event === 'plan') {
      clearErrors();
      $('command').textContent = p.command;
      $('status').textContent = `${p.runs} runs (${p.cells} cells × ${p.dataSeeds} data draws × ${p.seeds.length} seeds): ready to run.`;
    } else {
      showError(p.field || '', p.error, grid);
      $('command').textContent = '';
    }
  }, 300);
}

// ---- progress, heatmap and table ----

function status() {
  const p = sweep.plan;
  const done = sweep.results.filter(Boolean).length;
  const failed = sweep.failures.size;
  const el = $('status');
  const secs = () => ((sweep.finished || performance.now()) - sweep.started) / 1000;
  $('progress').value = p && p.runs > 0 ? (done + failed) / p.runs : 0;
  switch (sweep.phase) {
    case 'planning':
      el.textContent = 'Checking the grid…';
      break;
    case 'running': {
      const busy = sweep.slots.filter((s) => s && !s.dead).length;
      el.textContent = `${done} of ${p.runs} runs done` + (failed ? `, ${failed} failed` : '') + ` (${busy} workers running)…`;
      break;
    }
    case 'done':
      el.textContent = `${done} of ${p.runs} runs done in ${secs().toFixed(1)} s` +
        (failed ? `; ${failed} failed (listed below): Run the grid again to retry.` : '.');
      break;
    case 'cancelled':
      el.textContent = p ? `Cancelled after ${done} of ${p.runs} runs (${secs().toFixed(1)} s).` : 'Cancelled.';
      break;
  }
}

const VIRIDIS = [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37]];

function colour(t) {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const c = VIRIDIS[i].map((v, k) => Math.round(v + f * (VIRIDIS[i + 1][k] - v)));
  return { fill: `rgb(${c[0]},${c[1]},${c[2]})`, text: 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] > 140 ? '#111' : '#fff' };
}

function format(v, key) {
  const m = METRICS[key] || {};
  if (!Number.isFinite(v)) return 'n/a';
  if (m.percent) return (100 * v).toFixed(1) + ' %';
  if (m.log || Math.abs(v) < 0.01 || Math.abs(v) >= 1e5) return v.toPrecision(3);
  return Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1);
}

// cellStats summarizes a cell's finished runs for the metric: the geometric mean for
// losses, the mean otherwise, over the runs where it is finite.
function cellStats(cell, key) {
  const p = sweep.plan;
  const per = p.runs / p.cells;
  let n = 0, sum = 0, diverged = 0, finished = 0, failed = 0, first = null;
  for (let r = cell * per; r < (cell + 1) * per; r++) {
    const res = sweep.results[r];
    if (sweep.failures.has(r)) failed++;
    if (!res) continue;
    finished++;
    if (first === null) first = res;
    if (res.diverged) diverged++;
    const v = res.final[key];
    if (Number.isFinite(v) && (!METRICS[key]?.log || v > 0)) {
      n++;
      sum += METRICS[key]?.log ? Math.log(v) : v;
    }
  }
  const value = n === 0 ? NaN : METRICS[key]?.log ? Math.exp(sum / n) : sum / n;
  return { value, n, per, diverged, finished, failed, first };
}

const runURL = (res) => {
  const q = new URLSearchParams();
  for (const [k, v] of res.settings) q.set(k, v);
  return 'index.html?' + q.toString();
};

// Geometry of the heatmap, set by layout.
const geo = { left: 110, top: 44, cw: 96, ch: 46, cols: [], rows: [] };

// layout draws the heatmap's frame (axes, empty cells, legend) and the table's rows
// for a new plan.
function layout() {
  const p = sweep.plan;
  const ax = p.axes;
  geo.cols = ax.length > 0 ? ax[0].values : [''];
  geo.rows = ax.length > 1 ? ax[1].values : [''];
  const box = $('heatmap');
  box.replaceChildren();
  const w = Math.max(geo.left + geo.cols.length * geo.cw + 20, 660);
  const h = geo.top + geo.rows.length * geo.ch + 140;
  box.setAttribute('viewBox', `0 0 ${w} ${h}`);
  box.setAttribute('width', w);
  box.setAttribute('height', h);
  geo.cells = [];
  for (let c = 0; c < p.cells; c++) {
    const col = ax.length > 0 ? Math.floor(c / geo.rows.length) : 0;
    const row = ax.length > 1 ? c % geo.rows.length : 0;
    const a = svg('a', { href: '#', class: 'cell' }, box);
    const rect = svg('rect', { x: geo.left + col * geo.cw + 1, y: geo.top + row * geo.ch + 1, width: geo.cw - 2, height: geo.ch - 2, rx: 3 }, a);
    const text = svg('text', { x: geo.left + (col + 0.5) * geo.cw, y: geo.top + (row + 0.5) * geo.ch + 4, 'text-anchor': 'middle' }, a);
    const title = svg('title', {}, a);
    a.addEventListener('mouseenter', () => info(c));
    a.addEventListener('focus', () => info(c));
    a.addEventListener('click', (e) => {
      if (a.getAttribute('href') === '#') e.preventDefault();
    });
    geo.cells.push({ a, rect, text, title });
  }
  // Tick labels and axis titles.
  const bottom = geo.top + geo.rows.length * geo.ch;
  geo.cols.forEach((v, i) => {
    svg('text', { x: geo.left + (i + 0.5) * geo.cw, y: bottom + 16, 'text-anchor': 'middle', class: 'tick' }, box).textContent = v;
  });
  geo.rows.forEach((v, i) => {
    svg('text', { x: geo.left - 6, y: geo.top + (i + 0.5) * geo.ch + 4, 'text-anchor': 'end', class: 'tick' }, box).textContent = v;
  });
  if (ax.length > 0) {
    svg('text', { x: geo.left + (geo.cols.length * geo.cw) / 2, y: bottom + 34, 'text-anchor': 'middle', class: 'axis-title' }, box)
      .textContent = ax[0].key;
    svg('text', { x: geo.left + (geo.cols.length * geo.cw) / 2, y: bottom + 50, 'text-anchor': 'middle', class: 'axis-unit' }, box)
      .textContent = AXIS_UNITS[ax[0].key] || '';
  }
  if (ax.length > 1) {
    const t = svg('text', { x: 8, y: 16, class: 'axis-title' }, box);
    t.textContent = `rows: ${ax[1].key} ↓ `;
    svg('tspan', { class: 'axis-unit' }, t).textContent = AXIS_UNITS[ax[1].key] || '';
  }
  // The legend: a gradient bar, filled in by draw.
  geo.legendY = bottom + 78;
  const defs = svg('defs', {}, box);
  const grad = svg('linearGradient', { id: 'scale', x1: 0, x2: 1, y1: 0, y2: 0 }, defs);
  VIRIDIS.forEach((c, i) => svg('stop', { offset: i / (VIRIDIS.length - 1), 'stop-color': `rgb(${c.join(',')})` }, grad));
  const lw = w - geo.left - 20;
  geo.legend = {
    title: svg('text', { x: 8, y: geo.legendY - 6, class: 'axis-title' }, box),
    bar: svg('rect', { x: geo.left, y: geo.legendY, width: lw, height: 12, fill: 'url(#scale)' }, box),
    lo: svg('text', { x: geo.left, y: geo.legendY + 28, class: 'tick' }, box),
    mid: svg('text', { x: geo.left + lw / 2, y: geo.legendY + 28, 'text-anchor': 'middle', class: 'tick' }, box),
    hi: svg('text', { x: geo.left + lw, y: geo.legendY + 28, 'text-anchor': 'end', class: 'tick' }, box),
    na: svg('text', { x: 8, y: geo.legendY + 46, class: 'axis-unit' }, box),
  };
  // The table: one row per run, filled as runs finish.
  const head = document.createElement('tr');
  for (const h of ['run', 'cell', ...ax.map((a) => a.key), 'data seed', 'seed', 'final metric', 'diverged', 'time (ms)', 'simulator']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    head.appendChild(th);
  }
  $('runs').tHead.replaceChildren(head);
  const body = $('runs').tBodies[0];
  body.replaceChildren();
  geo.rowsEls = [];
  for (let r = 0; r < p.runs; r++) {
    const tr = document.createElement('tr');
    body.appendChild(tr);
    geo.rowsEls.push(tr);
  }
  draw();
}

// draw colours every cell for the chosen metric, and fills every row of the table
// when all is set.
function draw(all = true) {
  const p = sweep.plan;
  if (!p || !geo.cells) return;
  const key = $('metric').value || DEFAULTS.metric;
  const m = METRICS[key] || { title: key };
  const stats = geo.cells.map((_, c) => cellStats(c, key));
  const vals = stats.map((s) => s.value).filter((v) => Number.isFinite(v) && (!m.log || v > 0));
  const tr = (v) => (m.log ? Math.log10(v) : v);
  let lo = Math.min(...vals.map(tr)), hi = Math.max(...vals.map(tr));
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const back = (t) => (m.log ? 10 ** t : t);
  stats.forEach((s, c) => {
    const el = geo.cells[c];
    let fill = '#e6e6e6', ink = '#333', label = '…';
    if (Number.isFinite(s.value)) {
      const col = colour((tr(s.value) - lo) / (hi - lo));
      fill = col.fill;
      ink = col.text;
      label = format(s.value, key);
    } else if (s.finished + s.failed === s.per) {
      label = s.failed === s.per ? 'failed' : 'n/a';
    }
    el.rect.setAttribute('fill', fill);
    el.text.setAttribute('fill', ink);
    el.text.textContent = label;
    const desc = describe(c, s, key);
    el.title.textContent = desc;
    el.a.setAttribute('aria-label', desc);
    if (s.first) {
      el.a.setAttribute('href', runURL(s.first));
      el.a.setAttribute('target', '_blank');
    }
  });
  const L = geo.legend;
  L.title.textContent = `final ${m.title}` + (m.log ? ' (log scale)' : '') + (m.unit ? `, ${m.unit}` : '') +
    ' — mean over seeds' + (m.log ? ' (geometric)' : '');
  if (vals.length > 0) {
    L.lo.textContent = format(back(lo), key);
    L.mid.textContent = format(back((lo + hi) / 2), key);
    L.hi.textContent = format(back(hi), key);
  } else {
    L.lo.textContent = L.mid.textContent = L.hi.textContent = '';
  }
  L.na.textContent = 'grey: not finished yet (…), does not apply to this model or diverged (n/a), or failed';
  if (all) for (let r = 0; r < p.runs; r++) fillRow(r, key);
}

function describe(c, s, key) {
  const p = sweep.plan;
  const vals = p.axes.map((a, i) => `${a.key} ${a.values[i === 0 ? Math.floor(c / geo.rows.length) : c % geo.rows.length]}`);
  const where = vals.length > 0 ? vals.join(', ') : 'the grid';
  const m = METRICS[key] || { title: key };
  let what = `${s.finished} of ${s.per} runs finished`;
  if (s.failed) what += `, ${s.failed} failed`;
  if (s.diverged) what += `, ${s.diverged} diverged`;
  const v = Number.isFinite(s.value) ? `final ${m.title} ${format(s.value, key)} (${m.log ? 'geometric ' : ''}mean of ${s.n})` : `final ${m.title}: n/a`;
  return `${where}: ${v}; ${what}` + (s.first ? '; opens the first seed’s run in the simulator' : '');
}

function info(c) {
  const key = $('metric').value;
  $('cell-info').textContent = describe(c, cellStats(c, key), key);
}

function fillRow(r, key) {
  const p = sweep.plan;
  const tr = geo.rowsEls[r];
  const res = sweep.results[r];
  const failed = sweep.failures.get(r);
  const per = p.runs / p.cells;
  const cell = Math.floor(r / per);
  const values = p.axes.map((a, i) => a.values[i === 0 ? Math.floor(cell / geo.rows.length) : cell % geo.rows.length]);
  const seed = p.seeds[r % p.seeds.length];
  const cells = [String(r), String(cell), ...values, res ? res.dataSeed : '', String(seed)];
  if (res) cells.push(format(res.final[key], key), res.diverged ? `at ${res.divergedAt}` : 'no', res.ms.toFixed(0));
  else cells.push(failed ? 'failed' : '…', '', '');
  tr.replaceChildren();
  for (const v of cells) {
    const td = document.createElement('td');
    td.textContent = v;
    tr.appendChild(td);
  }
  const td = document.createElement('td');
  if (res) {
    const a = document.createElement('a');
    a.href = runURL(res);
    a.target = '_blank';
    a.textContent = `open run ${r}`;
    td.appendChild(a);
  }
  tr.appendChild(td);
}

function update(run) {
  draw(false);
  fillRow(run, $('metric').value || DEFAULTS.metric);
  status();
}

// ---- start-up ----

function init() {
  if (location.protocol === 'file:') {
    // Browsers start no workers from files; the offline file holds the simulator only.
    $('form-error').textContent = 'The sweep page needs a web server: browsers start no Web Workers from a file. ' +
      'Run `kinkscope serve` and open /sweep.html; the offline file (kinkscope-offline.html) holds the simulator only.';
    document.documentElement.dataset.offline = '1';
    $('run').disabled = true;
    return;
  }
  readURL();
  $('workers').max = String(MAX_WORKERS);
  startPlanner();
  $('grid').addEventListener('submit', (e) => {
    e.preventDefault();
    start();
  });
  $('grid').addEventListener('input', (e) => {
    if (e.target.id !== 'workers') preview();
  });
  $('scenario').addEventListener('change', preview);
  $('cancel').addEventListener('click', cancel);
  $('metric').addEventListener('change', () => {
    draw();
    if (sweep.plan) writeURL();
  });
  window.kinkscopeSweep = {
    hooks,
    state: () => ({
      phase: sweep.phase,
      runs: sweep.plan ? sweep.plan.runs : 0,
      done: sweep.results.filter(Boolean).length,
      failed: sweep.failures.size,
      failures: [...sweep.failures.values()],
      workers: sweep.slots.filter((s) => s && !s.dead).length,
      busy: sweep.slots.filter((s) => s && !s.dead && s.run !== null).map((s) => [s.k, s.run]),
      restarts: sweep.restarts,
      elapsedMs: sweep.started ? (sweep.finished || performance.now()) - sweep.started : 0,
    }),
    rows: () => sweep.results.map((r) => (r ? r.row : null)),
    // terminateWorker stops the worker of slot k as a crash would (a test hook).
    terminateWorker(k) {
      const s = sweep.slots[k];
      if (!s || s.dead) return false;
      s.worker.terminate();
      died(s, 'was terminated');
      return true;
    },
    start,
    cancel,
  };
  document.documentElement.dataset.ready = '1';
}

init();
