// The controls page: hosts the simulator page in an iframe and drives it through
// window.kinkscope. Every control change goes to the simulator, which validates it;
// the page URL then mirrors the simulator's settings.

const frame = document.getElementById('sim');
const form = document.getElementById('controls');
const statusLine = document.getElementById('status');
const progress = document.getElementById('progress');
const playButton = document.getElementById('play');
const embedBox = document.getElementById('embed');

// The page has its own controls and caption: the simulator's are hidden in the frame,
// and left out of the links the page gives (own: the view keys this page adds).
const own = ['controls=off', 'caption=off'];
const shareable = (query) => query.split('&').filter((kv) => kv && !own.includes(kv)).join('&');
frame.src = 'sim.html?' + [shareable(location.search.replace(/^\?/, '')), ...own].filter(Boolean).join('&');

let sim = null; // the simulator's window.kinkscope
const settingModels = new Map(); // setting → the models that read it (none: every model)

// Where the settings the simulator reports go: the schedule's with the step size,
// the models' own (and the seeds) with the model, the rest with the optimizer.
// decays and points have controls of their own (the decay sliders, the plot).
const scheduleKeys = ['lr', 'lr_edge', 'eta_max', 'warmup', 'warmup_until', 'warmup_gain', 'grow_every', 'iters'];
const seedKeys = ['model', 'seed', 'data_seed'];
const ownControls = ['decays', 'points'];

// sentence starts a setting's doc with a capital, as a label.
function sentence(doc) {
  return doc.charAt(0).toUpperCase() + doc.slice(1);
}

// settingField returns the control of one setting: a select for an enumeration,
// else a text box that the simulator validates. Text, never HTML.
function settingField(s) {
  const div = document.createElement('div');
  div.className = 'field';
  if (s.models.length > 0) div.dataset.models = s.models.join(' ');
  const label = document.createElement('label');
  label.htmlFor = s.key;
  label.textContent = sentence(s.doc);
  let el;
  if (s.options.length > 0) {
    el = document.createElement('select');
    for (const o of s.options) {
      const opt = document.createElement('option');
      opt.value = o;
      opt.textContent = o;
      el.appendChild(opt);
    }
  } else {
    el = document.createElement('input');
    el.type = 'text';
    el.spellcheck = false;
    el.placeholder = s.range;
  }
  el.id = s.key;
  el.dataset.key = s.key;
  el.title = `${s.key}, allowed: ${s.range}`;
  div.append(label, el);
  return div;
}

// buildSettings fills the form with a control per setting the simulator reports.
function buildSettings(settings) {
  for (const s of settings) {
    settingModels.set(s.key, s.models);
    if (ownControls.includes(s.key)) continue;
    let place = 'training-settings';
    if (scheduleKeys.includes(s.key)) place = 'schedule-settings';
    else if (seedKeys.includes(s.key) || s.models.length > 0) place = 'model-settings';
    document.getElementById(place).appendChild(settingField(s));
  }
}

function say(message, isError = false) {
  statusLine.textContent = message;
  statusLine.classList.toggle('error', isError);
}

async function connect() {
  for (;;) {
    const w = frame.contentWindow;
    if (w && w.kinkscope) {
      await w.kinkscope.ready;
      return w.kinkscope;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function showConfig() {
  const cfg = sim.config();
  for (const el of form.querySelectorAll('[data-key]')) {
    const value = cfg[el.dataset.key];
    if (document.activeElement === el || value === undefined) continue;
    if (el.tagName === 'SELECT' && ![...el.options].some((o) => o.value === value)) {
      const opt = document.createElement('option');
      opt.value = value;
      opt.textContent = value; // text, never HTML
      el.appendChild(opt);
    }
    el.value = value;
  }
  const first = (cfg.decays === 'none' ? '' : cfg.decays.split(',')[0]).split(':');
  const at = document.getElementById('decay_at');
  const factor = document.getElementById('decay_factor');
  if (document.activeElement !== at) at.value = first[0] || 0;
  if (document.activeElement !== factor) factor.value = first[1] || 1;
  for (const out of form.querySelectorAll('output')) {
    const el = document.getElementById(out.htmlFor.value);
    out.textContent = el.value;
  }
  for (const el of form.querySelectorAll('[data-models]')) {
    el.classList.toggle('hidden', !el.dataset.models.split(' ').includes(cfg.model));
  }
  for (const el of form.querySelectorAll('[data-needs]')) {
    const models = settingModels.get(el.dataset.needs) || [];
    el.classList.toggle('hidden', models.length > 0 && !models.includes(cfg.model));
  }
  const info = sim.scenarios().find((s) => s.name === cfg.scenario);
  document.getElementById('caption').textContent = info ? info.caption : '';
  const preset = sim.presets().find((p) => p.name === cfg.preset);
  document.getElementById('preset-caption').textContent = preset ? preset.caption : '';
  syncURL();
}

function syncURL() {
  const query = shareable(sim.query());
  history.replaceState(null, '', location.pathname + '?' + query);
  const src = new URL('sim.html?' + query, location.href).href;
  document.getElementById('link').value = location.href;
  embedBox.value = `<iframe src="${src}" title="Kinkscope simulator" width="100%" height="560" style="border:0" loading="lazy"></iframe>`;
}

function apply(settings) {
  const before = sim.config().compare;
  const result = sim.set(settings);
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  if (result.ok) {
    say('');
    // Another experiment ends a comparison that does not apply to it.
    if (before && 'scenario' in settings && !('compare' in settings) && sim.config().compare === '') {
      say(`The comparison ended: it compares runs of another experiment than ${settings.scenario}.`);
    }
  } else {
    say(result.errors.map(explain).join('; '), true);
    for (const key of Object.keys(settings)) {
      const el = document.getElementById(key);
      if (el && result.errors.some((e) => e.startsWith(key + ' '))) el.setAttribute('aria-invalid', 'true');
    }
  }
  showConfig();
}

function onChange(event) {
  const el = event.target;
  if (el.dataset.key) {
    apply({ [el.dataset.key]: el.value });
  } else if (el.dataset.decay) {
    const at = document.getElementById('decay_at').value;
    const factor = document.getElementById('decay_factor').value;
    apply({ decays: `${at}:${factor}` });
  }
}

function tick() {
  const st = sim.state();
  progress.value = st.iters > 0 ? st.iter / st.iters : 0;
  progress.textContent = `${Math.round(100 * progress.value)} %`;
  playButton.textContent = st.running ? 'Pause' : 'Play';
  playButton.setAttribute('aria-pressed', st.running ? 'true' : 'false');
  if (st.diverged && statusLine.dataset.diverged !== '1') {
    say(st.error, true);
    statusLine.dataset.diverged = '1';
  } else if (!st.diverged) {
    statusLine.dataset.diverged = '';
  }
}

// download saves a blob under a file name through a temporary link.
function download(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  say(`Saved ${name}.`);
}

// copy puts text on the clipboard; when the browser refuses, it selects the box that
// holds the text and says which one.
async function copy(box, what) {
  try {
    await navigator.clipboard.writeText(box.value);
    say(`${what} copied.`);
  } catch {
    box.focus();
    box.select();
    say(`The browser did not allow copying: the ${what.toLowerCase()} is selected in the “${what}” box below; copy it from there.`);
  }
}

// fieldName names a setting as its control's label does, with its key.
function fieldName(key) {
  const label = document.querySelector(`label[for="${CSS.escape(key)}"]`);
  return label ? `${label.textContent} (${key})` : key;
}

// explain turns the simulator's message about a setting into one that names the
// field; a letter typed into a number box reads "not a number".
function explain(message) {
  const m = /^([a-z_0-9]+) "(.*)": (.*)$/s.exec(message);
  if (!m) return message;
  const [, key, value, why] = m;
  if (value.trim() === '') return `${fieldName(key)}: empty; ${why.replace(/^not a number/, 'enter a number')}`;
  return `${fieldName(key)}: “${value}” is ${why.startsWith('not a number') ? why : 'refused: ' + why}`;
}

async function main() {
  sim = await connect();
  buildSettings(sim.settings());
  const select = document.getElementById('scenario');
  for (const s of sim.scenarios()) {
    const opt = document.createElement('option');
    opt.value = s.name;
    opt.textContent = s.name;
    select.appendChild(opt);
  }
  const presets = document.getElementById('preset');
  for (const p of sim.presets()) {
    const opt = document.createElement('option');
    opt.value = p.name;
    opt.textContent = p.title;
    presets.appendChild(opt);
  }
  showConfig();
  form.addEventListener('change', onChange);
  form.addEventListener('submit', (event) => event.preventDefault());
  for (const el of form.querySelectorAll('input[type=range]')) {
    el.addEventListener('input', () => {
      const out = form.querySelector(`output[for="${el.id}"]`);
      if (out) out.textContent = el.value;
    });
  }
  playButton.addEventListener('click', () => { say(''); sim.state().running ? sim.pause() : sim.play(); });
  document.getElementById('step').addEventListener('click', () => { say(''); sim.step(Number(sim.config().log_every) || 100); });
  document.getElementById('reset').addEventListener('click', () => { say(''); sim.reset(); });
  document.getElementById('run-end').addEventListener('click', () => { say(''); sim.runTo(sim.state().iters); });
  document.getElementById('copy-link').addEventListener('click', () => copy(document.getElementById('link'), 'Link'));
  document.getElementById('reset-data').addEventListener('click', () => apply({ points: '' }));
  document.getElementById('export-csv').addEventListener('click', () =>
    download(new Blob([sim.exportCSV()], { type: 'text/csv' }), 'kinkscope-metrics.csv'));
  document.getElementById('export-json').addEventListener('click', () =>
    download(new Blob([sim.exportJSON()], { type: 'application/json' }), 'kinkscope-settings.json'));
  document.getElementById('export-png').addEventListener('click', async () => {
    const url = await sim.exportPNG();
    download(await (await fetch(url)).blob(), 'kinkscope.png');
  });
  document.getElementById('load-json').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const result = sim.load(await file.text());
    say(result.ok ? `Loaded ${file.name}.` : result.errors.join('; '), !result.ok);
    event.target.value = '';
    showConfig();
  });
  document.getElementById('copy-embed').addEventListener('click', () => copy(embedBox, 'Embed code'));
  setInterval(tick, 100);
  document.documentElement.setAttribute('data-ready', '1');
}

main();
