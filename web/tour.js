// Drives the tour's embedded simulators through their postMessage API, exactly as
// lecture notes on another site would: every command is a message, every answer an
// event. Copy this file with tour.html to start your own notes.

const frames = new Map(); // iframe id → iframe
for (const frame of document.querySelectorAll('iframe[data-sim]')) frames.set(frame.id, frame);

function post(id, message) {
  const frame = frames.get(id);
  frame.contentWindow.postMessage({ kinkscope: 1, ...message }, new URL(frame.src, location.href).origin);
}

function show(id, text, isError = false) {
  const status = document.querySelector(`[data-status="${id}"]`);
  status.textContent = text;
  status.classList.toggle('error', isError);
}

// A metric the run does not have arrives as NaN; only the ones it has are shown.
function summary(s) {
  const parts = [`iteration ${s.iter.toLocaleString('en')} of ${s.iters.toLocaleString('en')}`];
  const add = (value, text) => { if (Number.isFinite(value)) parts.push(text(value)); };
  add(s.trainLoss, (v) => `train loss ${v.toPrecision(3)}`);
  add(s.testLoss, (v) => `test loss ${v.toPrecision(3)}`);
  add(s.kinks, (v) => `${v} kinks`);
  add(s.rank, (v) => `rank ${v}`);
  add(s.featureSparsity, (v) => `feature sparsity ${(100 * v).toFixed(1)} %`);
  add(s.l0, (v) => `‖β‖₀ ${v}`);
  return parts.join(' · ');
}

for (const button of document.querySelectorAll('button[data-target]')) {
  button.addEventListener('click', () => {
    const { target, cmd } = button.dataset;
    const message = { cmd };
    if (button.dataset.iter) message.iter = Number(button.dataset.iter);
    if (button.dataset.settings) message.settings = JSON.parse(button.dataset.settings);
    post(target, message);
  });
}

window.addEventListener('message', (event) => {
  const msg = event.data;
  if (!msg || msg.kinkscope !== 1) return;
  const id = [...frames.keys()].find((k) => frames.get(k).contentWindow === event.source);
  if (!id) return;
  switch (msg.event) {
    case 'ready':
      post(id, { cmd: 'subscribe', hz: 4 });
      break;
    case 'state':
    case 'finished': {
      // Both say where the run is; one that reached its end says so until it moves.
      const s = msg.state;
      show(id, (s.iter >= s.iters ? 'finished: ' : '') + summary(s));
      break;
    }
    case 'diverged':
    case 'error':
      show(id, msg.error, true);
      break;
  }
});
