// Drives the embedded simulators of the lecture page through their postMessage API,
// which works whether the simulator is on this page's origin or another one.

const frames = new Map(); // iframe id → iframe
for (const frame of document.querySelectorAll('iframe[data-sim]')) {
  frames.set(frame.id, frame);
}

function post(id, message) {
  const frame = frames.get(id);
  frame.contentWindow.postMessage({ kinkscope: 1, ...message }, new URL(frame.src).origin);
}

function show(id, text) {
  document.querySelector(`[data-status="${id}"]`).textContent = text;
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

// Events: ready, state (subscribed), finished, diverged, error.
window.addEventListener('message', (event) => {
  const msg = event.data;
  if (!msg || msg.kinkscope !== 1) return;
  const id = [...frames.keys()].find((k) => frames.get(k).contentWindow === event.source);
  if (!id) return;
  switch (msg.event) {
    case 'ready':
      post(id, { cmd: 'subscribe', hz: 4 });
      break;
    case 'state': {
      const s = msg.state;
      show(id, `iteration ${s.iter.toLocaleString()} · loss ${s.trainLoss.toPrecision(3)} · rank ${s.rank} · kinks ${s.kinks}`);
      break;
    }
    case 'finished':
      show(id, `finished: ${msg.state.kinks} kinks, rank ${msg.state.rank}`);
      break;
    case 'diverged':
    case 'error':
      show(id, msg.error);
      break;
  }
});
