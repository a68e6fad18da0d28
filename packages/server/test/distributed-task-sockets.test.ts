import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { BrowserPool } from '@open-smooth/browser';
import { startPostgresServer, startRedisServer, type PostgresServer, type RedisServer } from '@open-smooth/testkit';
import type { BrowserContext } from 'playwright-core';
import { WebSocket } from 'ws';
import { startServer, type RunningServer, type ServerOptions } from '../src/index.js';
import { openPostgres } from '../src/store/postgres-database.js';
import { makeTemporaryDirectory } from './support/test-server.js';
import { waitFor as waitForCondition } from './support/wait-for.js';

/**
 * The sockets of a task reach the worker holding its browser: two api processes and two worker
 * processes (here, four servers in this process) on one PostgreSQL, one Redis and one blob store,
 * the workers sharing one Chromium whose network policy allows 127.0.0.1 only (where the servers
 * listen, so a live page can be opened in it) and no other private address. A live view opened
 * through an api process gets the worker's frames; a `self` session's tunnel goes through both
 * api processes and reaches a site on 127.0.0.2 that only the caller's machine can reach.
 */
const apiKey = 'sk_distributed_sockets';
let postgres: PostgresServer;
let redis: RedisServer;
let pool: BrowserPool;
/** Where a person opens live pages (the servers' loopback address is allowed). */
let viewers: BrowserContext;
let databaseUrl: string;
let apiA: RunningServer;
let apiB: RunningServer;
const workers: RunningServer[] = [];
const directories: string[] = [];

before(async () => {
  [postgres, redis] = await Promise.all([startPostgresServer(), startRedisServer()]);
  pool = await BrowserPool.launch({ warmDevices: [], allowPrivateNetwork: ['127.0.0.1'] });
  viewers = await pool.browser.newContext({ viewport: { width: 1200, height: 800 } });
  const directory = async () => {
    const made = await makeTemporaryDirectory();
    directories.push(made);
    return made;
  };
  databaseUrl = await postgres.createDatabase();
  const shared: ServerOptions = {
    databaseUrl,
    redisUrl: redis.url,
    redisPrefix: `sockets-${randomBytes(4).toString('hex')}`,
    blobUrl: pathToFileURL(await directory()).href,
    secretKey: randomBytes(32).toString('base64'),
    apiKeys: [apiKey],
    longPollMs: 2000,
    // Two tasks of one key at once: a third waits for one of them to end.
    maxConcurrentTasks: 2,
    maxConcurrentTasksPerKey: 2,
    sessionIdleTimeoutMs: 120_000,
    callerTunnelTimeoutMs: 60_000,
  };
  apiA = await startServer({ ...shared, role: 'api', dataDirectory: await directory() });
  apiB = await startServer({ ...shared, role: 'api', dataDirectory: await directory() });
  for (let index = 0; index < 2; index += 1) workers.push(await startServer({ ...shared, role: 'worker', browserPool: pool, dataDirectory: await directory(), workerId: `worker-${index + 1}` }));
});

after(async () => {
  await viewers?.close();
  for (const server of [apiA, apiB, ...workers]) await server?.close();
  await pool?.close();
  await Promise.all([postgres?.stop(), redis?.stop()]);
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

async function api(server: RunningServer, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.apiBaseUrl}v1${path}`, {
    method,
    headers: { apikey: apiKey, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** This file's waits include Chromium starting on a loaded machine: 90 s rather than 60. */
const waitFor = <T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> => waitForCondition(read, done, what, 90_000);

/** Sends a command through `server` and polls it (through the same server) until its answer arrives. */
async function command(server: RunningServer, taskId: string, name: string, action: string, input: unknown): Promise<any> {
  const id = `${action}-${randomBytes(4).toString('hex')}`;
  const sent = await api(server, 'POST', `/task/${taskId}/event`, { id, name, payload: { name: action, input } });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  let eventT = 0;
  for (let poll = 0; poll < 120; poll += 1) {
    const answer = (await api(server, 'GET', `/task/${taskId}?event_t=${eventT}`)).body.r;
    const events: any[] = answer.events ?? [];
    const found = events.find((event) => event.id === id);
    if (found) return found.payload;
    eventT = events.at(-1)?.timestamp ?? eventT;
  }
  throw new Error(`no answer to ${action}`);
}

async function closeSession(server: RunningServer, taskId: string): Promise<void> {
  const closed = await command(server, taskId, 'session_action', 'close', {});
  assert.equal(closed.code, 200);
  await waitFor(async () => (await api(server, 'GET', `/task/${taskId}`)).body.r.status, (status) => status === 'done', `${taskId} done`);
}

/** A live view socket: counts the JPEG frames and keeps the state messages. */
class LiveViewClient {
  frames = 0;
  states: any[] = [];
  readonly #socket: WebSocket;

  constructor(url: string) {
    this.#socket = new WebSocket(url);
    this.#socket.on('message', (data, isBinary) => {
      if (isBinary) this.frames += (data as Buffer)[0] === 0xff ? 1 : 0;
      else this.states.push(JSON.parse(data.toString()));
    });
    this.#socket.on('error', () => undefined);
  }

  close(): void {
    this.#socket.close();
  }
}

function liveSocketUrl(server: RunningServer, liveUrl: string): string {
  const { pathname } = new URL(liveUrl);
  return `${server.url.replace(/^http/, 'ws')}${pathname}/ws`;
}

test('a live view opened through an api process shows frames of the session a worker runs, also when opened while the task waited', async () => {
  const first = (await api(apiA, 'POST', '/task', { task: null, device: 'desktop' })).body.r;
  const second = (await api(apiA, 'POST', '/task', { task: null, device: 'desktop' })).body.r;
  await waitFor(async () => [(await api(apiA, 'GET', `/task/${first.id}`)).body.r.status, (await api(apiA, 'GET', `/task/${second.id}`)).body.r.status], (statuses) => statuses.every((status) => status === 'running'), 'two running sessions');

  const view = new LiveViewClient(liveSocketUrl(apiA, first.live_url));
  try {
    // Each evaluate_js repaints the page: a frame follows once the worker's view is attached.
    await waitFor(async () => {
      await command(apiB, first.id, 'browser_action', 'evaluate_js', { js: `document.body.innerHTML = '<h1>frame ' + Date.now() + '</h1>'; document.body.style.background = '#' + Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0'); 1` });
      return view.frames;
    }, (frames) => frames > 0, 'a frame through the api process');
    assert.ok(view.states.some((state) => state.type === 'state' && state.status === 'running'));
    // The live page itself is the same from any process.
    const page = await fetch(`${apiB.url}${new URL(first.live_url).pathname}`);
    assert.deepEqual([page.status, page.headers.get('content-type')], [200, 'text/html; charset=utf-8']);
  } finally {
    view.close();
  }

  // A third session of the key waits; its live page, opened through the other api process, is served there until a worker takes it.
  const third = (await api(apiA, 'POST', '/task', { task: null, device: 'desktop' })).body.r;
  assert.equal((await api(apiA, 'GET', `/task/${third.id}`)).body.r.status, 'waiting');
  const page = await viewers.newPage();
  try {
    await page.goto(`${apiB.url}${new URL(third.live_url).pathname}`);
    await page.locator('#status', { hasText: 'waiting' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#screen-frame.has-frame').count(), 0);
    await closeSession(apiA, first.id);
    // Once a worker runs it, the page is told to connect again and is relayed to that worker.
    await page.locator('#status', { hasText: 'running' }).waitFor({ timeout: 60_000 });
    await waitFor(async () => {
      await command(apiA, third.id, 'browser_action', 'evaluate_js', { js: `document.body.innerHTML = '<h1>third ' + Date.now() + '</h1>'; 1` });
      return page.locator('#screen-frame.has-frame').count();
    }, (count) => count === 1, 'a frame on the live page once the worker runs the task');
    assert.equal(await page.locator('#notice').textContent(), '', 'no disconnection notice');
  } finally {
    await page.close();
  }
  await closeSession(apiB, second.id);
  await closeSession(apiB, third.id);
});

/** A loopback proxy in front of the api processes, as a load balancer: tunnel data connections go to B, every other connection to A. */
async function startSplittingProxy(): Promise<{ url: string; routed: Array<{ to: 'A' | 'B'; requestLine: string }>; close(): Promise<void> }> {
  const routed: Array<{ to: 'A' | 'B'; requestLine: string }> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.once('data', (first: Buffer) => {
      client.pause();
      const requestLine = first.toString('latin1').split('\r\n')[0] ?? '';
      const to = /^GET \/api\/v1\/task\/[^/]+\/tunnel\/[A-Za-z0-9]+ /.test(requestLine) ? 'B' : 'A';
      routed.push({ to, requestLine });
      const target = new URL((to === 'A' ? apiA : apiB).url);
      const upstream = connect({ host: target.hostname, port: Number(target.port) }, () => {
        upstream.write(first);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      sockets.add(upstream);
      upstream.once('close', () => {
        sockets.delete(upstream);
        client.destroy();
      });
      client.once('close', () => upstream.destroy());
      upstream.on('error', () => upstream.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    routed,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** support/caller-side-process.ts: the caller's machine (its site and our SDK) in a process of its own. */
async function startCallerSide(apiUrl: string, siteHost: string): Promise<{ taskId: string; siteOrigin: string; visits(): Promise<Array<{ path: string; viaThisProcess: boolean }>>; close(): Promise<void> }> {
  const script = fileURLToPath(new URL('./support/caller-side-process.ts', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, TEST_API_URL: apiUrl, TEST_API_KEY: apiKey, TEST_SITE_HOST: siteHost }, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines: Interface = createInterface({ input: child.stdout! });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the caller process exited (${String(code)})`)));
    });
  const started = JSON.parse(await nextLine()) as { taskId: string; siteOrigin: string };
  return {
    ...started,
    async visits() {
      const line = nextLine();
      child.stdin!.write('visits\n');
      return JSON.parse(await line);
    },
    async close() {
      child.stdin!.end();
      await exited;
    },
  };
}

test('a self session created through api process A, its tunnel\'s data connections through api process B, reaches a site only the caller\'s machine can reach', async () => {
  const proxy = await startSplittingProxy();
  const caller = await startCallerSide(`${proxy.url}/api/`, '127.0.0.2');
  try {
    const { taskId, siteOrigin } = caller;
    await waitFor(async () => (await api(apiA, 'GET', `/task/${taskId}`)).body.r.status, (status) => status === 'running', 'the self session running');
    const heading = await command(apiB, taskId, 'browser_action', 'evaluate_js', { js: "document.getElementById('where')?.textContent" });
    assert.deepEqual([heading.code, heading.output.output], [200, "served on the caller's machine"]);
    const moved = await command(apiA, taskId, 'browser_action', 'goto', { url: `${siteOrigin}/second?via=tunnel` });
    assert.equal(moved.code, 200, JSON.stringify(moved));

    const tunnelled = (await caller.visits()).filter((visit) => visit.path.includes('via=tunnel'));
    assert.deepEqual(tunnelled.map((visit) => visit.path), ['/start?via=tunnel', '/second?via=tunnel']);
    assert.ok(tunnelled.every((visit) => visit.viaThisProcess), `every request came over a connection the caller's process opened: ${JSON.stringify(tunnelled)}`);
    const control = proxy.routed.filter((route) => new RegExp(`^GET /api/v1/task/${taskId}/tunnel `).test(route.requestLine));
    const data = proxy.routed.filter((route) => new RegExp(`^GET /api/v1/task/${taskId}/tunnel/`).test(route.requestLine));
    assert.deepEqual(control.map((route) => route.to), ['A'], 'one control connection, through A');
    assert.ok(data.length >= 2 && data.every((route) => route.to === 'B'), `the data connections went through B: ${JSON.stringify(data)}`);
    const lease = await ownerOf(taskId);
    assert.match(lease, /^worker-[12]$/, 'a worker process ran it');

    await closeSession(apiA, taskId);

    // The same site without the tunnel: the workers' browser may not reach 127.0.0.2.
    const direct = (await api(apiB, 'POST', '/task', { task: null, url: `${siteOrigin}/start?via=direct`, device: 'desktop' })).body.r;
    const ended = await waitFor(async () => (await api(apiA, 'GET', `/task/${direct.id}`)).body.r, (task) => ['done', 'failed'].includes(task.status), 'the direct session ending');
    assert.equal(ended.status, 'failed');
    assert.match(String(ended.error), /private or loopback network/);
    assert.deepEqual((await caller.visits()).filter((visit) => visit.path.includes('via=direct')), []);
  } finally {
    await caller.close();
    await proxy.close();
  }
});

/** The worker holding the task's lease (read from the shared database, as any process would). */
async function ownerOf(taskId: string): Promise<string> {
  const database = await openPostgres(databaseUrl);
  try {
    const { rows } = await database.query<{ owner: string | null }>('SELECT owner FROM tasks WHERE id = $1', [taskId]);
    return rows[0]?.owner ?? '';
  } finally {
    await database.end();
  }
}
