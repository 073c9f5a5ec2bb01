// Loader of the simulator page: checks for WebGL 2, starts the Go WebAssembly module
// (which installs window.kinkscope and draws with Ebiten) and reports failures as text.

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

async function start() {
  if (!hasWebGL2()) {
    fatal('Kinkscope needs WebGL 2, which this browser does not provide. ' +
      'Try a current Firefox, Chrome, Edge or Safari, or turn on hardware acceleration.');
    return;
  }
  const go = new Go();
  const timings = (window.kinkscopeTimings = { start: performance.now() });
  let instance;
  try {
    const response = fetch('kinkscope.wasm');
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
  timings.firstFrame = performance.now();
  // Time to first frame since navigation, for the performance figures.
  window.kinkscopeFirstFrameMs = performance.now();
  document.getElementById('loading').classList.add('hidden');
}

start();
