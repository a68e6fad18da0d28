// @ts-check
/**
 * The live view: shows the task's browser from the frames its WebSocket sends, the task's state
 * and steps beside it, and (interactive=true) lets a person take control of the browser.
 */

/** @typedef {{ type: 'state', taskId: string, kind: string, task: string | null, status: string, url: string, control: 'agent' | 'you' | 'someone else', agentWaiting: boolean, interactive: boolean, output?: unknown, error?: string | null, notice?: string }} LiveState */
/** @typedef {{ index: number, url: string, reasoning: string, actions: Array<{ name: string, input: unknown, ok: boolean }>, screenshot_url: string | null }} Step */

const parameters = new URLSearchParams(location.search);
const isOn = (/** @type {string} */ name) => ['true', '1', 'True'].includes(parameters.get(name) ?? '');
const embed = isOn('embed');
if (embed) document.body.classList.add('embed');

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing #${id}`);
  return found;
}

const screen = /** @type {HTMLImageElement} */ (element('screen'));
const screenFrame = element('screen-frame');
const controlBar = element('control-bar');
const takeControlButton = /** @type {HTMLButtonElement} */ (element('take-control'));
const handBackButton = /** @type {HTMLButtonElement} */ (element('hand-back'));
const notice = element('notice');

/** @type {LiveState | undefined} */
let state;
let inControl = false;
/** @type {string | undefined} */
let frameUrl;

const socketUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${location.pathname.replace(/\/$/, '')}/ws${location.search}`;
/** The server closes with this code when the task has started on a worker the view can now reach: connect again. */
const movedCloseCode = 4307;
/** The server closes with this code when the task's data was deleted: nothing to reconnect to. */
const deletedCloseCode = 4404;
/** Reconnecting waits this long after the first failure, doubling up to the longest. */
const firstReconnectDelayMs = 1000;
const longestReconnectDelayMs = 10_000;
let reconnectDelayMs = firstReconnectDelayMs;
/** Whether the notice shows what a state said (a later state may clear it) rather than a refusal. */
let noticeFromState = false;
/** @type {WebSocket} */
let socket = connect();

/** A socket to the live view; a new one starts over (the server sends every step again). */
function connect() {
  const opened = new WebSocket(socketUrl);
  opened.binaryType = 'blob';
  opened.addEventListener('message', (event) => {
    reconnectDelayMs = firstReconnectDelayMs;
    if (event.data instanceof Blob) return showFrame(event.data);
    const message = JSON.parse(String(event.data));
    if (message.type === 'state') showState(message);
    else if (message.type === 'step') addStep(message.step);
    else if (message.type === 'refused') showNotice(message.reason, false);
  });
  opened.addEventListener('close', (event) => {
    if (event.code === movedCloseCode) return startOver();
    const live = !state || state.status === 'running' || state.status === 'waiting';
    if (!live) return;
    if (event.code === deletedCloseCode) return showNotice('The task data was deleted.', false);
    // The connection broke (the worker it was relayed to died, a proxy restarted): try again, and
    // the server answers with what it knows, e.g. that the task's worker cannot be reached.
    showNotice(`The live view lost its connection; reconnecting in ${Math.round(reconnectDelayMs / 1000)} s…`, false);
    setTimeout(startOver, reconnectDelayMs);
    reconnectDelayMs = Math.min(reconnectDelayMs * 2, longestReconnectDelayMs);
  });
  return opened;
}

function startOver() {
  element('steps').replaceChildren();
  socket = connect();
}

/** @param {string} text @param {boolean} fromState */
function showNotice(text, fromState) {
  notice.textContent = text;
  noticeFromState = fromState;
}

/** @param {unknown} message */
function send(message) {
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

/** @param {Blob} blob */
function showFrame(blob) {
  const previous = frameUrl;
  frameUrl = URL.createObjectURL(blob);
  screen.src = frameUrl;
  screenFrame.classList.add('has-frame');
  if (previous) screen.addEventListener('load', () => URL.revokeObjectURL(previous), { once: true });
}

/** @param {LiveState} next */
function showState(next) {
  state = next;
  if (next.notice) showNotice(next.notice, true);
  else if (noticeFromState || notice.textContent.startsWith('The live view lost its connection')) showNotice('', false);
  element('task-text').textContent = next.task ?? (next.kind === 'session' ? 'Session (commands from the API)' : '');
  const status = element('status');
  status.textContent = next.status;
  status.className = `status status-${next.status}`;
  element('current-url').textContent = next.url || '—';
  inControl = next.control === 'you';
  document.body.classList.toggle('in-control', inControl);
  controlBar.hidden = !next.interactive;
  takeControlButton.hidden = inControl;
  handBackButton.hidden = !inControl;
  element('control-text').textContent = inControl
    ? next.agentWaiting
      ? 'You are in control. The agent is waiting for you to hand back.'
      : 'You are in control. The agent will wait until you hand back.'
    : next.control === 'someone else'
      ? 'Someone else is in control.'
      : 'The agent is driving.';
  if (inControl) screenFrame.focus();
  const finished = ['done', 'failed', 'cancelled'].includes(next.status);
  const result = element('result');
  result.hidden = !finished;
  if (finished) {
    element('result-title').textContent = next.error ? 'Error' : 'Answer';
    const output = next.error ?? next.output;
    element('result-body').textContent = typeof output === 'string' ? output : JSON.stringify(output, null, 2);
  }
}

/** @param {Step} step */
function addStep(step) {
  const item = document.createElement('li');
  item.className = 'step';
  if (step.screenshot_url) {
    const image = document.createElement('img');
    image.src = step.screenshot_url;
    image.alt = `Step ${step.index}`;
    image.loading = 'lazy';
    item.append(image);
  }
  const body = document.createElement('div');
  const actions = document.createElement('p');
  actions.className = 'actions';
  actions.textContent = step.actions.map((action) => `${action.ok ? '' : '✗ '}${action.name}(${briefInput(action.input)})`).join(', ');
  const reasoning = document.createElement('p');
  reasoning.className = 'reasoning';
  reasoning.textContent = step.reasoning;
  const url = document.createElement('p');
  url.className = 'url';
  url.textContent = step.url;
  body.append(actions, reasoning, url);
  item.append(body);
  element('steps').append(item);
}

/** @param {unknown} input */
function briefInput(input) {
  const text = JSON.stringify(input ?? '');
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

takeControlButton.addEventListener('click', () => send({ type: 'take_control' }));
handBackButton.addEventListener('click', () => send({ type: 'hand_back' }));

/** The point under the pointer as fractions of the picture. @param {MouseEvent} event */
function pointOf(event) {
  const box = screen.getBoundingClientRect();
  return {
    x: Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)),
    y: Math.min(1, Math.max(0, (event.clientY - box.top) / box.height)),
  };
}

const buttons = /** @type {const} */ (['left', 'middle', 'right']);
let lastMoveAt = 0;
screen.addEventListener('mousedown', (event) => {
  if (!inControl) return;
  event.preventDefault();
  screenFrame.focus();
  send({ type: 'mouse', action: 'down', button: buttons[event.button] ?? 'left', ...pointOf(event) });
});
screen.addEventListener('mouseup', (event) => {
  if (!inControl) return;
  event.preventDefault();
  send({ type: 'mouse', action: 'up', button: buttons[event.button] ?? 'left', ...pointOf(event) });
});
screen.addEventListener('mousemove', (event) => {
  // Hover effects need moves, but not every pixel of one.
  if (!inControl || event.timeStamp - lastMoveAt < 50) return;
  lastMoveAt = event.timeStamp;
  send({ type: 'mouse', action: 'move', button: 'left', ...pointOf(event) });
});
screen.addEventListener('contextmenu', (event) => inControl && event.preventDefault());
screen.addEventListener(
  'wheel',
  (event) => {
    if (!inControl) return;
    event.preventDefault();
    send({ type: 'wheel', deltaX: event.deltaX, deltaY: event.deltaY, ...pointOf(event) });
  },
  { passive: false },
);
screenFrame.addEventListener('keydown', (event) => {
  if (!inControl) return;
  event.preventDefault();
  send({ type: 'key', action: 'down', key: event.key });
});
screenFrame.addEventListener('keyup', (event) => {
  if (!inControl) return;
  event.preventDefault();
  send({ type: 'key', action: 'up', key: event.key });
});
screenFrame.addEventListener('paste', (event) => {
  if (!inControl) return;
  const text = event.clipboardData?.getData('text') ?? '';
  if (text) send({ type: 'text', text: text.slice(0, 1000) });
  event.preventDefault();
});
