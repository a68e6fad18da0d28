import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { IsolatedWorld } from '@open-smooth/browser';
import { observePage } from '../src/index.js';
import { AgentHarness } from './support/agent-harness.js';
import { call, oneBatchThenDone } from './support/policies.js';

/**
 * A page that knows our former in-page names: it pre-defines `window.__openSmooth` (and the other
 * names and Symbol.for keys we used or might use) as a store whose every element is its hidden
 * "Confirm" button, and it replaces JSON.stringify, getComputedStyle and elementFromPoint so that a
 * snapshot run in its world would come back empty or with the decoy on top.
 */
const hostileScript = `<script>
  const decoyFor = (name) => () => document.querySelector('[data-decoy]');
  const decoyGeneration = { id: 'any', elements: new Proxy([], { get: (target, property) => (property === 'length' ? 1000 : { deref: decoyFor() }) }), iframes: [] };
  const fakeStore = { generations: { find: () => decoyGeneration, findIndex: () => 0, some: () => true, push() {}, shift() {}, length: 0 } };
  Object.defineProperty(window, '__openSmooth', { value: fakeStore, enumerable: false, configurable: false, writable: false });
  for (const key of ['open-smooth:dom-activity', 'open-smooth', 'openSmoothStore', 'openSmoothDomActivity']) {
    window[Symbol.for(key)] = fakeStore;
  }
  window.openSmoothStore = fakeStore;
  window.openSmoothDomActivity = { lastMutationAt: -1, recording: false };
  window.openSmoothHandoff = new Map();
  const realStringify = JSON.stringify;
  JSON.stringify = (value, ...rest) => (value && typeof value === 'object' && 'blocks' in value
    ? realStringify({ title: 'Hijacked', blocks: [], scroll: { y: 0, height: 0, viewportHeight: 0 } })
    : realStringify(value, ...rest));
  window.getComputedStyle = () => ({ display: 'none', visibility: 'hidden', cursor: 'auto' });
  Document.prototype.elementFromPoint = function () { return document.querySelector('[data-decoy]'); };
  Element.prototype.getBoundingClientRect = function () { return new DOMRect(0, 0, 0, 0); };
</script>`;

const record = `onclick="fetch('/record', { method: 'POST', body: this.dataset.action }); document.getElementById('log').textContent = this.dataset.action"`;
// The decoy is clickable (tiny and faint in a corner of the viewport), so a lookup that pointed to it would succeed.
const decoyStyle = 'position:fixed;left:0;top:0;width:4px;height:4px;opacity:0.02;padding:0;border:0';

const pages: Record<string, string> = {
  '/order': `<!doctype html><title>Your order</title>${hostileScript}
    <h1>Order 4471</h1>
    <p id="log">nothing yet</p>
    <button data-action="cancel order" ${record}>Cancel order</button>
    <button data-decoy data-action="confirm purchase" style="${decoyStyle}" ${record}>Confirm purchase</button>`,
  // The wanted button is far below the fold: the click takes the careful path (a Playwright handle).
  '/subscription': `<!doctype html><title>Subscription</title>${hostileScript}
    <p id="log">nothing yet</p>
    <div style="height:2600px">Plan details</div>
    <button data-action="cancel subscription" ${record}>Cancel subscription</button>
    <button data-decoy data-action="confirm renewal" style="${decoyStyle}" ${record}>Confirm renewal</button>`,
  '/plain': `<!doctype html><title>Plain</title>
    <p id="log">nothing yet</p>
    <label>Note <input id="note"></label>
    <button data-action="saved" ${record}>Save</button>`,
};

let site: Server;
let origin: string;
let records: string[] = [];
let harness: AgentHarness;

before(async () => {
  site = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (request.method === 'POST' && path === '/record') {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        records.push(body);
        response.writeHead(204).end();
      });
      return;
    }
    const body = pages[path];
    response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  harness = await AgentHarness.start();
});

after(async () => {
  await harness.close();
  await new Promise<void>((resolve) => site.close(() => resolve()));
});

async function waitForRecord(expected: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!records.includes(expected) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

for (const [path, wanted, decoy] of [
  ['/order', 'Cancel order', 'confirm purchase'],
  ['/subscription', 'Cancel subscription', 'confirm renewal'],
] as const) {
  test(`a page that spoofs our former globals and its built-ins cannot turn a click on "${wanted}" into "${decoy}"`, async () => {
    records = [];
    let observed = '';
    const policy = oneBatchThenDone((page) => {
      observed = page.text;
      return [call('click', { index: page.index({ role: 'button', name: wanted }) })];
    });
    const { result, taskContext } = await harness.run(`Click ${wanted}`, policy, { startUrl: origin + path, keepOpen: true });
    try {
      assert.equal(result.status, 'done', result.error);
      assert.equal(result.steps[0]?.actions[0]?.ok, true, result.steps[0]?.actions[0]?.result);
      assert.doesNotMatch(observed, /Hijacked/, 'the page cannot replace what the snapshot returns');
      assert.match(observed, new RegExp(`\\[\\d+\\] button "${wanted}"`));
      await waitForRecord(wanted.toLowerCase());
      assert.deepEqual(records, [wanted.toLowerCase()], 'the server saw exactly the wanted click');
      assert.equal(await taskContext.page.locator('#log').textContent(), wanted.toLowerCase());
    } finally {
      await taskContext.close();
    }
  });
}

test('after observing, clicking, typing and settling, the page sees no global, symbol, attribute or listener of ours', async () => {
  const traces = () => ({
    globals: Object.getOwnPropertyNames(window).sort(),
    symbols: Object.getOwnPropertySymbols(window).map(String).sort(),
    html: document.documentElement.outerHTML,
  });
  // The same page in a context the product never touched.
  const plainContext = await harness.pool.browser.newContext();
  let expected: ReturnType<typeof traces>;
  try {
    const plainPage = await plainContext.newPage();
    await plainPage.goto(`${origin}/plain`);
    await plainPage.fill('#note', 'hello');
    await plainPage.click('button');
    // The step screenshot (Playwright hides the caret by writing the focused field's style) is not in-page code of ours.
    await plainPage.screenshot({ type: 'jpeg', quality: 50 });
    expected = await plainPage.evaluate(traces);
  } finally {
    await plainContext.close();
  }
  const policy = oneBatchThenDone((page) => [
    call('type', { index: page.index({ role: 'textbox', name: 'Note' }), text: 'hello' }),
    call('click', { index: page.index({ role: 'button', name: 'Save' }) }),
  ]);
  const { result, taskContext } = await harness.run('Save a note', policy, { startUrl: `${origin}/plain`, keepOpen: true });
  try {
    assert.equal(result.status, 'done', result.error);
    assert.equal(await taskContext.page.locator('#log').textContent(), 'saved');
    assert.deepEqual(await taskContext.page.evaluate(traces), expected);
  } finally {
    await taskContext.close();
  }
});

test('the bundled snapshot runs in our isolated world and leaves one global there: the reference store', async () => {
  const context = await harness.pool.browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/plain`);
    const world = await IsolatedWorld.for(page);
    const [mainFrame] = await world.frames();
    assert.ok(mainFrame);
    const globalNames = () => world.call<string[]>(mainFrame.frameId, '() => Object.getOwnPropertyNames(globalThis).sort()', null);
    const namesBefore = await globalNames();
    const observation = await observePage(page, {});
    assert.ok(observation.elements.some((element) => element.role === 'button' && element.name === 'Save'), observation.text);
    const added = (await globalNames()).filter((name) => !namesBefore.includes(name));
    assert.deepEqual(added, ['openSmoothStore']);
  } finally {
    await context.close();
  }
});
