import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { BrowserPool, UrlNotAllowedError, type TaskContext } from '../src/index.js';

/**
 * A task's reach on loopback, the only network tests use. The pages the task opens are on
 * 127.0.0.1, which both pools allow by name; the "internal service" listens on 127.0.0.2, another
 * loopback address: unreachable by default, reachable once the operator allows 127.0.0.0/8.
 */

interface InternalService {
  origin: string;
  /** Every request it received, WebSocket handshakes included (path, then ' upgrade' for those). */
  hits: string[];
  server: Server;
}

async function listen(server: Server, host: string): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  return `http://${host}:${typeof address === 'object' && address ? address.port : 0}`;
}

async function startInternalService(): Promise<InternalService> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(request.url ?? '');
    response.setHeader('access-control-allow-origin', '*');
    if (request.url?.startsWith('/pixel')) {
      response.setHeader('content-type', 'image/gif');
      return response.end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
    }
    response.setHeader('content-type', 'text/html');
    response.end('<title>internal</title><p id="secret">internal secret</p>');
  });
  server.on('upgrade', (request, socket) => {
    hits.push(`${request.url ?? ''} upgrade`);
    socket.destroy();
  });
  return { origin: await listen(server, '127.0.0.2'), hits, server };
}

let internal: InternalService;
let pages: Server;
let pagesOrigin = '';
let closedPool: BrowserPool;
let openPool: BrowserPool;
let downloadsRoot: string;

before(async () => {
  internal = await startInternalService();
  pages = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://pages');
    const target = internal.origin;
    response.setHeader('content-type', 'text/html');
    switch (url.pathname) {
      case '/redirect':
        response.statusCode = 302;
        response.setHeader('location', `${target}/redirected`);
        return response.end();
      case '/fetch':
        // A read, and a blind cross-origin POST (no-cors: the page never sees the answer).
        return response.end(`<p id="result">pending</p><script>
          Promise.all([
            fetch('${target}/fetched').then((r) => r.text()).then(() => 'reached', () => 'refused'),
            fetch('${target}/posted', { method: 'POST', mode: 'no-cors', body: 'order=1' }).then(() => 'reached', () => 'refused'),
          ]).then(([read, posted]) => { document.getElementById('result').textContent = read === posted ? read : read + '/' + posted; });
        </script>`);
      case '/worker':
        return response.end(`<p id="result">pending</p><script>
          const source = "fetch('${target}/from-worker').then(() => postMessage('reached'), () => postMessage('refused'));";
          const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
          worker.onmessage = (event) => { document.getElementById('result').textContent = event.data; };
        </script>`);
      case '/popup':
        return response.end(`<button id="open" onclick="window.open('${target}/popup-target')">open</button>`);
      case '/image':
        return response.end(`<img id="pixel" src="${target}/pixel">`);
      case '/websocket':
        return response.end(`<p id="result">pending</p><script>
          const socket = new WebSocket('${target.replace('http', 'ws')}/socket');
          socket.onerror = socket.onclose = () => { document.getElementById('result').textContent = 'closed'; };
        </script>`);
      default:
        return response.end('<title>page</title><p>a page on 127.0.0.1</p>');
    }
  });
  pagesOrigin = await listen(pages, '127.0.0.1');
  [closedPool, openPool, downloadsRoot] = await Promise.all([
    BrowserPool.launch({ warmDevices: ['desktop'], allowPrivateNetwork: ['127.0.0.1'] }),
    BrowserPool.launch({ warmDevices: ['desktop'], allowPrivateNetwork: ['127.0.0.0/8'] }),
    mkdtemp(join(tmpdir(), 'network-reach-')),
  ]);
});

after(async () => {
  await Promise.all([closedPool?.close(), openPool?.close()]);
  await Promise.all([new Promise((resolve) => internal?.server.close(resolve)), new Promise((resolve) => pages?.close(resolve))]);
  if (downloadsRoot) await rm(downloadsRoot, { recursive: true, force: true });
});

async function withTask(pool: BrowserPool, run: (task: TaskContext) => Promise<void>): Promise<void> {
  const task = await pool.openContext({ downloadsDirectory: join(downloadsRoot, String(Math.random()).slice(2)) });
  try {
    await run(task);
  } finally {
    await task.close();
  }
}

async function refusal(promise: Promise<unknown>): Promise<UrlNotAllowedError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UrlNotAllowedError, `expected UrlNotAllowedError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the navigation to be refused');
}

/** Waits for a condition the browser's events make true (up to 30 s), checking once per event-loop turn. */
async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function resultText(task: TaskContext): Promise<string> {
  await task.page.waitForFunction(() => document.getElementById('result')?.textContent !== 'pending', undefined, { timeout: 30_000 });
  return (await task.page.textContent('#result')) ?? '';
}

test('by default a loopback internal service is out of reach: navigation, redirect, fetch, blind POST, image, WebSocket, worker and popup', async () => {
  const hitsBefore = internal.hits.length;
  await withTask(closedPool, async (task) => {
    const direct = await refusal(task.goto(`${internal.origin}/direct`));
    assert.equal(direct.reason, 'private_network');
    assert.match(direct.message, /private or loopback network/);

    const redirected = await refusal(task.goto(`${pagesOrigin}/redirect`));
    assert.equal(redirected.reason, 'private_network');
    assert.equal(redirected.url, `${internal.origin}/redirected`);

    await task.goto(`${pagesOrigin}/fetch`);
    assert.equal(await resultText(task), 'refused');

    await task.goto(`${pagesOrigin}/image`);
    await task.page.waitForFunction(() => (document.getElementById('pixel') as HTMLImageElement).complete);
    assert.equal(await task.page.evaluate(() => (document.getElementById('pixel') as HTMLImageElement).naturalWidth), 0);

    await task.goto(`${pagesOrigin}/websocket`);
    assert.equal(await resultText(task), 'closed');

    await task.goto(`${pagesOrigin}/worker`);
    assert.equal(await resultText(task), 'refused');

    await task.goto(`${pagesOrigin}/popup`);
    await task.page.click('#open');
    await waitUntil(() => task.blockedRequests.some((request) => request.url.endsWith('/popup-target')), 'the popup is refused');

    const blocked = task.blockedRequests.filter((request) => request.url.startsWith(internal.origin.replace('http', '')) || request.url.includes('127.0.0.2'));
    assert.equal(blocked.find((request) => request.url.endsWith('/popup-target'))?.reason, 'private_network', 'the popup is reported');
    for (const kind of ['fetch', 'image', 'websocket']) {
      const found = blocked.find((request) => request.resourceType === kind);
      assert.equal(found?.reason, 'private_network', `a ${kind} request is reported with its reason: ${JSON.stringify(blocked)}`);
    }
  });
  assert.deepEqual(internal.hits.slice(hitsBefore), [], 'nothing reached the internal service');
});

test('the same service is reachable when the operator allows its range', async () => {
  const hitsBefore = internal.hits.length;
  await withTask(openPool, async (task) => {
    await task.goto(`${internal.origin}/direct`);
    assert.equal(await task.page.textContent('#secret'), 'internal secret');
    await task.goto(`${pagesOrigin}/redirect`);
    assert.equal(task.page.url(), `${internal.origin}/redirected`);
    await task.goto(`${pagesOrigin}/fetch`);
    assert.equal(await resultText(task), 'reached');
    await task.goto(`${pagesOrigin}/websocket`);
    assert.equal(await resultText(task), 'closed');
    await task.goto(`${pagesOrigin}/worker`);
    assert.equal(await resultText(task), 'reached');
  });
  const reached = internal.hits.slice(hitsBefore);
  for (const path of ['/direct', '/redirected', '/fetched', '/posted', '/socket upgrade', '/from-worker']) assert.ok(reached.includes(path), `${path} reached: ${reached.join(', ')}`);
});

test('a host name is judged by every address it resolves to: localhost (127.0.0.1 and ::1) needs both allowed', async () => {
  const port = new URL(pagesOrigin).port;
  await withTask(closedPool, async (task) => {
    const error = await refusal(task.goto(`http://localhost:${port}/`));
    assert.equal(error.reason, 'private_network');
    assert.match(error.message, /localhost \(::1\) is on a private or loopback network/);
    await task.goto(`${pagesOrigin}/`);
    assert.equal(await task.page.title(), 'page', 'the address it allows stays reachable');
  });
});

test('a closed port on an allowed host is an ordinary failure, said plainly, not a block', async () => {
  const probe = createServer();
  const closedOrigin = await listen(probe, '127.0.0.1');
  await new Promise((resolve) => probe.close(resolve));
  await withTask(closedPool, async (task) => {
    await assert.rejects(task.goto(`${closedOrigin}/`), (error: unknown) => {
      assert.ok(!(error instanceof UrlNotAllowedError), String(error));
      assert.match(String(error), new RegExp(`could not open ${closedOrigin}/: nothing answered at 127\\.0\\.0\\.1 port \\d+`));
      return true;
    });
    assert.deepEqual(task.blockedRequests, []);
  });
});

test('file:, chrome: and view-source: are refused before Chromium sees them; the browser lives on', async () => {
  await withTask(openPool, async (task) => {
    for (const url of ['file:///etc/hostname', 'chrome://history', 'chrome://settings', 'view-source:http://127.0.0.1/', 'devtools://devtools/bundled/inspector.html']) {
      const error = await refusal(task.goto(url));
      assert.equal(error.reason, 'scheme', url);
    }
    assert.equal(task.page.url(), 'about:blank', 'nothing was opened');
    assert.deepEqual(
      task.takeBlockedRequests().map((request) => request.reason),
      ['scheme', 'scheme', 'scheme', 'scheme', 'scheme'],
    );
    await task.goto(`${pagesOrigin}/`);
    assert.equal(await task.page.title(), 'page');
  });
  assert.ok(openPool.browser.isConnected());
});
