// @ts-check
/**
 * The dashboard: the tasks of one API key (kept in this tab's sessionStorage, sent as the
 * `apikey` header), a page per task (steps, output, recording, live view), and the key's
 * profiles, files and extensions. Plain ES module, no build step.
 */

const keyStorageName = 'open-smooth-api-key';
const app = /** @type {HTMLElement} */ (document.getElementById('app'));

/** @typedef {{ id: string, kind: string, task: string | null, status: string, created_at: number, finished_at: number | null, duration: number, steps: number, credits_used: number, error: string | null }} TaskSummary */
/** @typedef {{ id: string, status: string, output: unknown, credits_used: number, live_url: string, recording_url: string | null, downloads_url: string | null, created_at: number, error?: string | null }} TaskResponse */
/** @typedef {{ index: number, url: string, reasoning: string, actions: Array<{ name: string, input: unknown, ok: boolean, result: string }>, tokens_in: number, tokens_out: number, cost: number, credits: number, observe_ms: number, model_ms: number, act_ms: number, screenshot_url: string | null }} Step */

class ApiError extends Error {
  /** @param {number} status @param {string} detail */
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

/**
 * Builds an element; children are nodes or text (never parsed as HTML).
 * @param {string} tag
 * @param {Record<string, string | boolean | ((event: Event) => void)>} [attributes]
 * @param {Array<Node | string | null | undefined | false>} children
 * @returns {HTMLElement}
 */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (typeof value === 'boolean') element.toggleAttribute(name, value);
    else element.setAttribute(name, value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

function apiKey() {
  return sessionStorage.getItem(keyStorageName);
}

/** @param {string} path @param {RequestInit} [init] */
async function api(path, init = {}) {
  const key = apiKey();
  if (!key) throw new ApiError(401, 'not signed in');
  const response = await fetch(`/api/v1${path}`, { ...init, headers: { apikey: key, ...(init.headers ?? {}) } });
  if (response.status === 401) {
    sessionStorage.removeItem(keyStorageName);
    render();
    throw new ApiError(401, 'the key was refused');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body.detail ?? response.statusText);
  return body.r;
}

/** An image behind the API key, as an object URL. @param {string} path */
async function authorizedImage(path) {
  const response = await fetch(path, { headers: { apikey: apiKey() ?? '' } });
  if (!response.ok) return undefined;
  return URL.createObjectURL(await response.blob());
}

/** @param {Array<Node | null>} nodes @returns {Node[]} */
function present(...nodes) {
  return nodes.filter((node) => node !== null);
}

/** @param {number} seconds */
function formatDuration(seconds) {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds % 60)} s`;
}

/** @param {number} unixSeconds */
function formatTime(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleString();
}

/** @param {unknown} value */
function pretty(value) {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** @param {string} status */
function statusBadge(status) {
  return h('span', { class: `status status-${status}` }, status);
}

/** Timers of the page shown now, cleared when another page is shown. */
/** @type {number[]} */
let pageTimers = [];

function render() {
  for (const timer of pageTimers) clearInterval(timer);
  pageTimers = [];
  if (!apiKey()) return showSignIn();
  const route = location.hash.replace(/^#/, '') || '/';
  const taskMatch = /^\/task\/([^/]+)$/.exec(route);
  app.replaceChildren(topBar(), h('main', { class: 'page', id: 'page' }, h('p', { class: 'empty' }, 'Loading…')));
  const page = /** @type {HTMLElement} */ (document.getElementById('page'));
  const shown = taskMatch ? showTask(page, decodeURIComponent(taskMatch[1] ?? '')) : route === '/resources' ? showResources(page) : showTasks(page);
  shown.catch((/** @type {unknown} */ error) => {
    if (error instanceof ApiError && error.status === 401) return;
    page.replaceChildren(h('p', { class: 'error-text' }, error instanceof Error ? error.message : String(error)));
  });
}

function topBar() {
  return h(
    'header',
    { class: 'topbar' },
    h('span', { class: 'brand' }, 'Open Smooth'),
    h('nav', {}, h('a', { href: '#/' }, 'Tasks'), h('a', { href: '#/resources' }, 'Profiles, files & extensions'), h('a', { href: '/api/docs' }, 'API docs')),
    h('button', { type: 'button', onclick: () => { sessionStorage.removeItem(keyStorageName); render(); } }, 'Sign out'),
  );
}

function showSignIn() {
  const input = /** @type {HTMLInputElement} */ (h('input', { type: 'password', id: 'api-key', name: 'api-key', autocomplete: 'off', required: true }));
  const message = h('p', { class: 'error-text', role: 'alert' });
  const form = h(
    'form',
    {
      class: 'sign-in',
      onsubmit: async (event) => {
        event.preventDefault();
        const key = input.value.trim();
        const response = await fetch('/api/v1/task?l=1', { headers: { apikey: key } });
        if (!response.ok) {
          message.textContent = response.status === 401 ? 'That API key was not accepted.' : `The server answered ${response.status}.`;
          return;
        }
        sessionStorage.setItem(keyStorageName, key);
        render();
      },
    },
    h('h1', {}, 'Open Smooth'),
    h('p', {}, 'Sign in with an API key to see its tasks. The key stays in this browser tab only.'),
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    message,
  );
  app.replaceChildren(form);
  input.focus();
}

/** @param {HTMLElement} page */
async function showTasks(page) {
  /** @type {TaskSummary[]} */
  const tasks = await api('/task-summaries?l=100');
  if (tasks.length === 0) {
    page.replaceChildren(h('h1', {}, 'Tasks'), h('p', { class: 'empty' }, 'No tasks yet for this key. Run one with the SDK, the CLI or POST /api/v1/task.'));
    return;
  }
  const rows = tasks.map((task) =>
    h(
      'tr',
      { class: 'link', onclick: () => (location.hash = `#/task/${encodeURIComponent(task.id)}`) },
      h('td', {}, statusBadge(task.status)),
      h('td', { class: 'task-text' }, h('a', { href: `#/task/${encodeURIComponent(task.id)}` }, task.task ?? 'Session')),
      h('td', {}, formatTime(task.created_at)),
      h('td', { class: 'numeric' }, formatDuration(task.duration)),
      h('td', { class: 'numeric' }, String(task.steps)),
      h('td', { class: 'numeric' }, String(task.credits_used)),
    ),
  );
  page.replaceChildren(
    h('h1', {}, 'Tasks'),
    h(
      'table',
      { class: 'list', id: 'task-list' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Status'), h('th', {}, 'Task'), h('th', {}, 'Created'), h('th', { class: 'numeric' }, 'Duration'), h('th', { class: 'numeric' }, 'Steps'), h('th', { class: 'numeric' }, 'Credits'))),
      h('tbody', {}, ...rows),
    ),
  );
  if (tasks.some((task) => task.status === 'running' || task.status === 'waiting')) pageTimers.push(window.setInterval(() => void refreshIfShown(page, showTasks), 3000));
}

/** Re-renders a page in place while it is still the one shown. @param {HTMLElement} page @param {(page: HTMLElement) => Promise<void>} show */
async function refreshIfShown(page, show) {
  if (!page.isConnected) return;
  for (const timer of pageTimers) clearInterval(timer);
  pageTimers = [];
  await show(page);
}

/** @param {HTMLElement} page @param {string} taskId */
async function showTask(page, taskId) {
  /** @type {TaskResponse} */
  let task;
  try {
    task = await api(`/task/${encodeURIComponent(taskId)}?downloads=true`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      page.replaceChildren(h('h1', {}, 'Task not found'), h('p', { class: 'empty' }, 'No task with this id belongs to your key.'), h('a', { href: '#/' }, 'Back to the tasks'));
      return;
    }
    throw error;
  }
  /** @type {Step[]} */
  const steps = await api(`/task/${encodeURIComponent(taskId)}/steps`);
  /** @type {TaskSummary | undefined} */
  const summary = (/** @type {TaskSummary[]} */ (await api(`/task-summaries?l=128&t=${task.created_at + 1}`))).find((candidate) => candidate.id === taskId);
  const running = task.status === 'running' || task.status === 'waiting';

  const facts = h(
    'dl',
    { class: 'facts' },
    h('dt', {}, 'Status'), h('dd', { id: 'task-status' }, statusBadge(task.status)),
    h('dt', {}, 'Created'), h('dd', {}, formatTime(task.created_at)),
    summary ? h('dt', {}, 'Duration') : null, summary ? h('dd', {}, formatDuration(summary.duration)) : null,
    h('dt', {}, 'Steps'), h('dd', {}, String(steps.length)),
    h('dt', {}, 'Credits'), h('dd', {}, String(task.credits_used)),
    h('dt', {}, 'Id'), h('dd', { class: 'url' }, task.id),
  );
  const panels = h('div', { class: 'panels' });
  if (task.error) panels.append(h('section', { class: 'panel' }, h('h2', {}, 'Error'), h('pre', { id: 'task-error', class: 'error-text' }, task.error)));
  if (!running) panels.append(h('section', { class: 'panel' }, h('h2', {}, 'Output'), h('pre', { id: 'task-output' }, task.output === null ? '(none)' : pretty(task.output))));
  if (task.downloads_url) panels.append(h('section', { class: 'panel' }, h('h2', {}, 'Downloads'), h('a', { href: task.downloads_url }, 'Download the files (zip)')));
  if (task.recording_url) panels.append(h('section', { class: 'panel' }, h('h2', {}, 'Recording'), h('video', { id: 'recording', src: task.recording_url, controls: true, preload: 'metadata' })));
  else if (task.recording_url === null && !running) panels.append(h('section', { class: 'panel' }, h('h2', {}, 'Recording'), h('p', { class: 'empty' }, 'The video is being prepared…')));

  const live = running && task.live_url
    ? h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Live view'),
        h('iframe', { class: 'live-frame', src: `${task.live_url}?interactive=false&embed=true`, title: 'Live view of the browser' }),
        h('p', {}, h('a', { href: `${task.live_url}?interactive=true&embed=false`, target: '_blank', rel: 'noreferrer' }, 'Open the interactive live view (take control)')),
      )
    : null;

  const commands = commandList(await api(`/task/${encodeURIComponent(taskId)}/commands`));
  const timeline = h('ol', { class: 'timeline', id: 'steps' }, ...steps.map(stepItem));
  page.replaceChildren(
    ...present(
    h('p', {}, h('a', { href: '#/' }, '← Tasks')),
    h('h1', { id: 'task-title' }, summary?.task ?? (summary?.kind === 'session' ? 'Session' : 'Task')),
    facts,
    live,
    panels,
    commands,
    h('h2', {}, `Steps (${steps.length})`),
    steps.length === 0 ? h('p', { class: 'empty' }, 'No agent steps.') : timeline,
    ),
  );
  if (running || task.recording_url === null) pageTimers.push(window.setInterval(() => void refreshIfShown(page, (shown) => showTask(shown, taskId)), running ? 3000 : 1500));
}

/** @typedef {{ id: string, name: string, input: unknown, sent_at: number, answer: { code: number, output: unknown } | null }} Command */

/** A session's commands and their answers, in the order they were sent. @param {Command[]} commands */
function commandList(commands) {
  if (commands.length === 0) return null;
  const rows = commands.map((command) =>
    h(
      'tr',
      {},
      h('td', { class: 'actions' }, command.name),
      h('td', {}, h('pre', {}, pretty(command.input))),
      h('td', {}, command.answer ? String(command.answer.code) : '…'),
      h('td', {}, command.answer ? h('pre', {}, pretty(command.answer.output)) : ''),
      h('td', {}, formatTime(command.sent_at)),
    ),
  );
  return h(
    'section',
    {},
    h('h2', {}, 'Commands'),
    h('table', { class: 'list', id: 'commands' }, h('thead', {}, h('tr', {}, h('th', {}, 'Command'), h('th', {}, 'Input'), h('th', {}, 'Code'), h('th', {}, 'Answer'), h('th', {}, 'Sent'))), h('tbody', {}, ...rows)),
  );
}

/** @param {Step} step */
function stepItem(step) {
  const image = /** @type {HTMLImageElement} */ (h('img', { alt: `Screenshot after step ${step.index}`, class: 'step-screenshot' }));
  if (step.screenshot_url) void authorizedImage(step.screenshot_url).then((url) => url && (image.src = url));
  return h(
    'li',
    { class: 'step' },
    step.screenshot_url ? image : h('p', { class: 'empty' }, 'No screenshot'),
    h(
      'div',
      {},
      h('p', {}, h('strong', {}, `Step ${step.index}`), ' ', h('span', { class: 'url' }, step.url)),
      h('p', { class: 'actions' }, ...step.actions.map((action) => h('span', { class: action.ok ? '' : 'error-text' }, `${action.name}(${JSON.stringify(action.input)}) → ${action.result}`, h('br')))),
      step.reasoning ? h('p', { class: 'reasoning' }, step.reasoning) : null,
      h('p', { class: 'meta' }, `${step.tokens_in} tokens in · ${step.tokens_out} out · ${step.credits.toFixed(3)} credits · observe ${step.observe_ms} ms · model ${step.model_ms} ms · act ${step.act_ms} ms`),
    ),
  );
}

/** @param {HTMLElement} page */
async function showResources(page) {
  const [profiles, files, extensions] = await Promise.all([api('/profile'), api('/file'), api('/extension')]);
  /**
   * @param {string} title
   * @param {Array<{ id: string, label: string }>} items
   * @param {(id: string) => string} deletePath
   */
  const section = (title, items, deletePath) =>
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, title),
      items.length === 0
        ? h('p', { class: 'empty' }, 'None.')
        : h(
            'table',
            { class: 'list' },
            h('tbody', {}, ...items.map((item) =>
              h(
                'tr',
                {},
                h('td', {}, item.label),
                h('td', { class: 'url' }, item.id),
                h('td', {}, h('button', {
                  type: 'button',
                  class: 'danger',
                  'aria-label': `Delete ${item.label}`,
                  onclick: async () => {
                    if (!confirm(`Delete ${item.label}?`)) return;
                    await api(deletePath(item.id), { method: 'DELETE' });
                    await showResources(page);
                  },
                }, 'Delete')),
              ),
            )),
          ),
    );
  page.replaceChildren(
    h('h1', {}, 'Profiles, files & extensions'),
    h(
      'div',
      { class: 'panels' },
      section('Profiles', profiles.map((/** @type {{ id: string }} */ profile) => ({ id: profile.id, label: profile.id })), (id) => `/profile/${encodeURIComponent(id)}`),
      section('Files', files.map((/** @type {{ id: string, file_name: string, bytes: number }} */ file) => ({ id: file.id, label: `${file.file_name} (${file.bytes} bytes)` })), (id) => `/file/${encodeURIComponent(id)}`),
      section('Extensions', extensions.map((/** @type {{ id: string, file_name: string }} */ extension) => ({ id: extension.id, label: extension.file_name })), (id) => `/extension/${encodeURIComponent(id)}`),
    ),
  );
}

window.addEventListener('hashchange', render);
render();
