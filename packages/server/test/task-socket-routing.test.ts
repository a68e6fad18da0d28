import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startRedisServer, type RedisServer } from '@open-smooth/testkit';
import { Redis } from 'ioredis';
import { WebSocket, WebSocketServer } from 'ws';
import { startServer } from '../src/index.js';
import { taskTopic } from '../src/scale/event-notifier.js';
import { InProcessEventNotifier } from '../src/scale/in-process-event-notifier.js';
import { RedisWorkerRegistry, WorkerRegistration } from '../src/scale/worker-registry.js';
import { openDatabase } from '../src/store/open-database.js';
import { SecretSealer } from '../src/store/secret-sealer.js';
import { SqliteTaskStore } from '../src/store/sqlite-task-store.js';
import type { TaskRecord } from '../src/store/task-record.js';
import { installTaskSocketRouting } from '../src/tunnel/task-socket-routing.js';
import { tunnelProtocol } from '../src/tunnel/tunnel-endpoint.js';
import { makeTemporaryDirectory } from './support/test-server.js';
import { taskRecordFixture } from './support/task-record-fixture.js';

/**
 * The relay of task sockets between processes, with plain HTTP servers standing for the processes:
 * an "api" server whose own upgrade handling answers 404 "served here", and a "worker" server that
 * records the upgrades it receives and answers them (a WebSocket for the live view, raw bytes for
 * the tunnel). The store is a real SQLite database, the registry a real Redis.
 */
const tenant = 'tenant-a';
const apiKey = 'sk_test_a';

let redis: RedisServer;
let registry: RedisWorkerRegistry;
let store: SqliteTaskStore;
let api: Server;
let apiPort: number;
let worker: Server;
let workerUrl: string;
const workerUpgrades: Array<{ url: string; apikey: string | undefined }> = [];
const closing = new AbortController();
/** The wake-ups of the tasks' notifier; claims made straight in the store below notify it as a worker does. */
const notifier = new InProcessEventNotifier();
/** Tunnel connections the worker answered, by path. */
const workerTunnels = new Map<string, Socket>();
let workerTunnelReady: Array<() => void> = [];
/** Task ids whose tunnel the worker has "opened" (before that it answers 404, as a worker that has just claimed the task). */
const openTunnels = new Set<string>();

before(async () => {
  redis = await startRedisServer();
  registry = await RedisWorkerRegistry.connect(redis.url, `routing-test-${process.pid}`);
  const directory = await makeTemporaryDirectory();
  store = new SqliteTaskStore(openDatabase(join(directory, 'tasks.sqlite')), SecretSealer.forDataDirectory(directory));

  const liveSockets = new WebSocketServer({ noServer: true });
  worker = createServer((_request, response) => response.writeHead(404).end());
  worker.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = request.url ?? '';
    workerUpgrades.push({ url, apikey: request.headers.apikey as string | undefined });
    if (url.startsWith('/live/')) {
      liveSockets.handleUpgrade(request, socket, head, (client) => {
        client.send(JSON.stringify({ from: 'worker', url }));
        client.on('message', (data) => client.send(`echo ${data.toString()}`));
      });
      return;
    }
    const taskId = /^\/api\/v1\/task\/([^/]+)\/tunnel/.exec(url)?.[1] ?? '';
    if (!openTunnels.has(taskId)) {
      const body = JSON.stringify({ detail: `task ${taskId} has no live tunnel` });
      socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${tunnelProtocol}\r\nConnection: Upgrade\r\n\r\n`);
    workerTunnels.set(url, socket as Socket);
    for (const ready of workerTunnelReady) ready();
    workerTunnelReady = [];
  });
  await new Promise<void>((resolve) => worker.listen(0, '127.0.0.1', resolve));
  workerUrl = `http://127.0.0.1:${(worker.address() as AddressInfo).port}`;

  api = createServer((_request, response) => response.writeHead(404).end());
  api.on('upgrade', (_request: IncomingMessage, socket: Duplex) => {
    const body = JSON.stringify({ detail: 'served here' });
    socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  });
  installTaskSocketRouting(api, {
    store,
    registry,
    workerId: undefined,
    tenantOf: (key) => (key === apiKey ? tenant : undefined),
    hasLocalTunnel: () => false,
    attachLocalControl: () => false,
    watch: (topics) => notifier.watch(topics),
    closing: closing.signal,
    // Long: a held connection must be woken by the notifier, not find the claim by reading again.
    claimPollMs: 60_000,
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiPort = (api.address() as AddressInfo).port;
  await registry.register('worker-b', workerUrl, 60_000);
});

after(async () => {
  closing.abort();
  for (const socket of workerTunnels.values()) socket.destroy();
  api?.closeAllConnections();
  worker?.closeAllConnections();
  await Promise.all([api, worker].map((server) => server && new Promise<void>((resolve) => server.close(() => resolve()))));
  await registry?.close();
  await redis?.stop();
});

let taskCount = 0;
async function createTask(options: { status?: 'waiting' | 'running' | 'done'; owner?: string; self?: boolean } = {}): Promise<TaskRecord> {
  taskCount += 1;
  const id = `task_routing_${taskCount}`;
  const record = taskRecordFixture(id, {
    tenant,
    kind: 'session',
    status: options.status ?? 'running',
    request: { task: null, ...(options.self ? { proxy_server: 'self' } : {}) },
    createdAtMs: Date.now(),
    finishedAtMs: options.status === 'done' ? Date.now() : null,
    recording: 'off',
    liveToken: `live-token-${id}`,
  });
  await store.createTask(record, options.owner ? { owner: options.owner, expiresAtMs: Date.now() + 60_000 } : undefined);
  return record;
}

function liveSocket(path: string): Promise<{ messages: string[]; socket: WebSocket } | { refused: number }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${apiPort}${path}`);
    const messages: string[] = [];
    socket.on('message', (data) => messages.push(data.toString()));
    socket.once('open', () => resolve({ messages, socket }));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ refused: response.statusCode ?? 0 });
      response.resume();
    });
    socket.once('error', () => undefined);
  });
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a live view of a task another worker runs is relayed to that worker; a wrong token, a waiting or ended task, or an unregistered owner is served here', async () => {
  const running = await createTask({ owner: 'worker-b' });
  const path = `/live/${running.id}/${running.liveToken}/ws?interactive=true`;
  const opened = await liveSocket(path);
  assert.ok('socket' in opened, `relayed: ${JSON.stringify(opened)}`);
  await waitFor(() => opened.messages.length > 0, 'the worker greeting');
  assert.deepEqual(JSON.parse(opened.messages[0] ?? ''), { from: 'worker', url: path });
  opened.socket.send('take_control');
  await waitFor(() => opened.messages.includes('echo take_control'), 'the echo through both relayed directions');
  opened.socket.close();

  const before = workerUpgrades.length;
  assert.deepEqual(await liveSocket(`/live/${running.id}/wrong-token/ws`), { refused: 404 });
  const waiting = await createTask({ status: 'waiting' });
  assert.deepEqual(await liveSocket(`/live/${waiting.id}/${waiting.liveToken}/ws`), { refused: 404 });
  const ended = await createTask({ status: 'done', owner: 'worker-b' });
  assert.deepEqual(await liveSocket(`/live/${ended.id}/${ended.liveToken}/ws`), { refused: 404 });
  const orphan = await createTask({ owner: 'worker-gone' });
  assert.deepEqual(await liveSocket(`/live/${orphan.id}/${orphan.liveToken}/ws`), { refused: 404 });
  assert.equal(workerUpgrades.length, before, 'none of them reached the worker');
});

/** An upgrade to the tunnel path through the api server: the 101'd socket, or the refusal. */
function tunnelUpgrade(taskId: string, suffix = '', key = apiKey): Promise<{ socket: Socket } | { refused: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port: apiPort, path: `/api/v1/task/${taskId}/tunnel${suffix}`, headers: { apikey: key, connection: 'Upgrade', upgrade: tunnelProtocol } });
    request.once('upgrade', (_response, socket: Socket, head: Buffer) => {
      if (head.length > 0) socket.unshift(head);
      resolve({ socket });
    });
    request.once('response', (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.once('end', () => resolve({ refused: response.statusCode ?? 0, body }));
    });
    request.once('error', reject);
    request.end();
  });
}

function readLine(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline === -1) return;
      socket.off('data', onData);
      resolve(buffered.slice(0, newline));
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed before a line; got ${JSON.stringify(buffered)}`)));
  });
}

test('a tunnel control connection made while the task waits is answered and held, then joined to its worker once claimed (the worker\'s 101 dropped)', async () => {
  const task = await createTask({ status: 'waiting', self: true });
  const control = await tunnelUpgrade(task.id);
  assert.ok('socket' in control, `held: ${JSON.stringify(control)}`);
  const received = readLine(control.socket);

  // The worker claims the task but has not opened its tunnel yet (it answers 404): the relay tries again.
  assert.equal(await store.claimTask(task.id, { owner: 'worker-b', expiresAtMs: Date.now() + 60_000 }), true);
  notifier.notify(taskTopic(task.id));
  await waitFor(() => workerUpgrades.some((upgrade) => upgrade.url === `/api/v1/task/${task.id}/tunnel`), 'a relayed attempt');
  openTunnels.add(task.id);
  const ready = new Promise<void>((resolve) => workerTunnelReady.push(resolve));
  await ready;
  const workerSide = workerTunnels.get(`/api/v1/task/${task.id}/tunnel`);
  assert.ok(workerSide);
  assert.equal(workerUpgrades.find((upgrade) => upgrade.url === `/api/v1/task/${task.id}/tunnel`)?.apikey, apiKey, 'the worker authenticates the caller itself');
  workerSide.write('open stream1 127.0.0.1 80\n');
  assert.equal(await received, 'open stream1 127.0.0.1 80', 'the caller reads the worker\'s lines, not a second 101');
  const fromCaller = readLine(workerSide);
  control.socket.write('fail stream1 refused\n');
  assert.equal(await fromCaller, 'fail stream1 refused');

  // A data connection for the claimed task is relayed straight through (the worker's own 101 reaches the caller).
  const data = await tunnelUpgrade(task.id, '/stream1');
  assert.ok('socket' in data);
  const dataWorkerSide = workerTunnels.get(`/api/v1/task/${task.id}/tunnel/stream1`);
  assert.ok(dataWorkerSide);
  const bytes = readLine(dataWorkerSide);
  data.socket.write('GET / HTTP/1.1\n');
  assert.equal(await bytes, 'GET / HTTP/1.1');

  // The worker ends the tunnel: the caller's side closes too.
  const closed = once(control.socket, 'close');
  workerSide.destroy();
  await closed;
  data.socket.destroy();
});

test('a held control connection ends when its task ends before a worker claims it', async () => {
  const task = await createTask({ status: 'waiting', self: true });
  const control = await tunnelUpgrade(task.id);
  assert.ok('socket' in control);
  const closed = once(control.socket, 'close');
  await store.updateTask(task.id, { status: 'cancelled', finishedAtMs: Date.now() });
  notifier.notify(taskTopic(task.id));
  await closed;
});

test('a held control connection whose task a registered but dead worker claimed keeps waiting (the lease will fail the task), and the dead address is dropped', async () => {
  const deadUrl = await closedPortUrl();
  await registry.register('worker-dead-held', deadUrl, 60_000);
  const task = await createTask({ status: 'waiting', self: true });
  const control = await tunnelUpgrade(task.id);
  assert.ok('socket' in control);
  let closed = false;
  control.socket.once('close', () => (closed = true));
  assert.equal(await store.claimTask(task.id, { owner: 'worker-dead-held', expiresAtMs: Date.now() + 60_000 }), true);
  notifier.notify(taskTopic(task.id));
  const dropped = Date.now() + 30_000;
  while ((await registry.urlOf('worker-dead-held')) !== undefined) {
    assert.ok(Date.now() < dropped, 'the dead address was not dropped');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(closed, false, 'the caller\'s connection is still held');
  // The lease sweep fails the task: the held connection ends.
  const ended = once(control.socket, 'close');
  await store.updateTask(task.id, { status: 'failed', finishedAtMs: Date.now() });
  notifier.notify(taskTopic(task.id));
  await ended;
});

test('a worker process that receives a waiting task\'s control connection holds it and, once it claims the task itself, hands it to its own tunnel', async () => {
  const attached: Array<{ taskId: string; socket: Socket }> = [];
  let tunnelOpened = false;
  const own = createServer((_request, response) => response.writeHead(404).end());
  installTaskSocketRouting(own, {
    store,
    registry,
    workerId: 'worker-own',
    tenantOf: (key) => (key === apiKey ? tenant : undefined),
    hasLocalTunnel: () => false,
    attachLocalControl: (_tenant, taskId, socket) => {
      // Until the runner has opened the task's tunnel there is nothing to hand it to.
      if (!tunnelOpened) return false;
      attached.push({ taskId, socket });
      return true;
    },
    watch: (topics) => notifier.watch(topics),
    closing: closing.signal,
    claimPollMs: 60_000,
  });
  await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
  try {
    const task = await createTask({ status: 'waiting', self: true });
    const control = await new Promise<Socket>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port: (own.address() as AddressInfo).port, path: `/api/v1/task/${task.id}/tunnel`, headers: { apikey: apiKey, connection: 'Upgrade', upgrade: tunnelProtocol } });
      request.once('upgrade', (_response, socket: Socket) => resolve(socket));
      request.once('response', (response) => reject(new Error(`refused: ${response.statusCode}`)));
      request.once('error', reject);
      request.end();
    });
    assert.equal(await store.claimTask(task.id, { owner: 'worker-own', expiresAtMs: Date.now() + 60_000 }), true);
    notifier.notify(taskTopic(task.id));
    tunnelOpened = true;
    await waitFor(() => attached.length === 1, 'the hand-over to the local tunnel');
    assert.equal(attached[0]?.taskId, task.id);
    const line = readLine(control);
    const workerSide = attached[0]?.socket;
    assert.ok(workerSide);
    workerSide.write('open s 127.0.0.1 80\n');
    assert.equal(await line, 'open s 127.0.0.1 80');
    // The tunnel reads what the caller sends (the held socket flows again once handed over).
    const answer = readLine(workerSide);
    control.write('fail s refused\n');
    assert.equal(await answer, 'fail s refused');
    control.destroy();
    await once(workerSide, 'end');
  } finally {
    for (const { socket } of attached) socket.destroy();
    own.closeAllConnections();
    await new Promise<void>((resolve) => own.close(() => resolve()));
  }
});

test('tunnel upgrades are relayed only with the tenant\'s key, for its live "self" task, to a registered worker', async () => {
  const owned = await createTask({ owner: 'worker-b', self: true });
  const before = workerUpgrades.length;
  assert.deepEqual(await tunnelUpgrade(owned.id, '', 'sk_wrong'), { refused: 404, body: JSON.stringify({ detail: 'served here' }) });
  const notSelf = await createTask({ owner: 'worker-b' });
  assert.equal(((await tunnelUpgrade(notSelf.id)) as { refused: number }).refused, 404);
  const waiting = await createTask({ status: 'waiting', self: true });
  assert.equal(((await tunnelUpgrade(waiting.id, '/stream')) as { refused: number }).refused, 404, 'no stream can wait on a task no worker runs');
  assert.equal(workerUpgrades.length, before, 'none of them reached the worker');

  const orphan = await createTask({ owner: 'worker-gone', self: true });
  const unreachable = await tunnelUpgrade(orphan.id);
  assert.ok('refused' in unreachable);
  assert.equal(unreachable.refused, 503);
  assert.match(unreachable.body, /the worker running task task_\w+ \(worker-gone\) cannot be reached: it has stopped or its machine is gone; the task will be failed when its lease expires, in about \d+ s/);

  // Registered, but nothing listens there any more (killed): the same 503, and the stale entry is dropped.
  const deadUrl = await closedPortUrl();
  await registry.register('worker-dead', deadUrl, 60_000);
  const onDead = await createTask({ owner: 'worker-dead', self: true });
  const dead = await tunnelUpgrade(onDead.id);
  assert.ok('refused' in dead);
  assert.equal(dead.refused, 503);
  assert.match(dead.body, /\(worker-dead\) cannot be reached/);
  assert.equal(await registry.urlOf('worker-dead'), undefined);

  // Any other upgrade path is this process's own business.
  assert.deepEqual(await liveSocket('/somewhere/else'), { refused: 404 });
  assert.equal(workerUpgrades.length, before);
});

test('a worker\'s address lives as long as its registration refreshes it, and lapses without it', async () => {
  const prefix = `routing-test-${process.pid}`;
  const raw = new Redis(redis.url);
  try {
    const registration = new WorkerRegistration(registry, 'worker-short', 'http://127.0.0.1:1', 5_000, 50);
    await registration.start();
    // A refresh shows as the key's remaining time going back up.
    let lowest = await raw.pttl(`${prefix}:worker-url:worker-short`);
    for (;;) {
      const remaining = await raw.pttl(`${prefix}:worker-url:worker-short`);
      if (remaining > lowest) break;
      lowest = remaining;
      assert.ok(remaining > 0, 'the address lapsed although it was being refreshed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await registration.stop();
    assert.equal(await registry.urlOf('worker-short'), undefined, 'a stopped worker is removed at once');

    await registry.register('worker-lapsed', 'http://127.0.0.1:2', 100);
    const deadline = Date.now() + 20_000;
    while ((await registry.urlOf('worker-lapsed')) !== undefined) {
      assert.ok(Date.now() < deadline, 'the unrefreshed address never lapsed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    raw.disconnect();
  }
});

test('a worker URL that is not an http(s) origin is refused when the server starts', async () => {
  await assert.rejects(startServer({ workerUrl: 'http://10.0.0.5:8000/smooth', apiKeys: ['sk_any'] }), /workerUrl http:\/\/10\.0\.0\.5:8000\/smooth must be an origin only/);
  await assert.rejects(startServer({ workerUrl: 'ftp://10.0.0.5', apiKeys: ['sk_any'] }), /must be http or https/);
  await assert.rejects(startServer({ workerUrl: 'not a url', apiKeys: ['sk_any'] }), /is not a URL/);
});

/** The URL of a loopback port that was just free and is closed again: nothing answers there. */
async function closedPortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
