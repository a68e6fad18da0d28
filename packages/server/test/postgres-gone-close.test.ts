import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, Socket, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { loopbackNetworkAllowance, startPostgresServer, startRedisServer, type PostgresServer, type RedisServer } from '@open-smooth/testkit';
import { startServer, type RunningServer } from '../src/index.js';
import { makeTemporaryDirectory } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

// A server whose PostgreSQL has gone: requests get a clear 503, and close() returns within a bound
// leaving nothing running (as redis-gone-close.test.ts proves for Redis).

const apiKey = 'sk_postgres_gone';
const secretKey = randomBytes(32).toString('base64');
/** Generous for a loaded machine; a hang (the failure this guards against) never ends. */
const closeBoundMs = 30_000;
const cleanups: Array<() => Promise<unknown>> = [];
const directories: string[] = [];

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

async function temporaryDirectory(): Promise<string> {
  const directory = await makeTemporaryDirectory();
  directories.push(directory);
  return directory;
}

async function freshPostgres(): Promise<PostgresServer> {
  const postgres = await startPostgresServer();
  cleanups.push(() => postgres.stop());
  return postgres;
}

async function freshRedis(): Promise<RedisServer> {
  const redis = await startRedisServer();
  cleanups.push(() => redis.stop());
  return redis;
}

async function call(baseUrl: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { apikey: apiKey, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(closeBoundMs),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

async function openRunningSession(apiBaseUrl: string): Promise<string> {
  const created = await call(apiBaseUrl, 'POST', 'v1/task', { task: null });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const id = created.body.r.id as string;
  await waitFor(async () => (await call(apiBaseUrl, 'GET', `v1/task/${id}`)).body.r?.status, (status) => status === 'running', `session ${id} to run`);
  return id;
}

/** What a client sees while the database is gone: 503s whose detail says so, never a 500 or a hang. */
async function assertAnswersDatabaseGone(server: RunningServer, taskId: string): Promise<void> {
  const ready = await call(server.url, 'GET', '/readyz');
  assert.equal(ready.status, 503, JSON.stringify(ready.body));
  assert.match(ready.body.detail, /^not ready: database: /);
  for (const [method, path, body] of [
    ['GET', `v1/task/${taskId}`, undefined],
    ['GET', `v1/task/${taskId}?event_t=0`, undefined],
    ['POST', 'v1/task', { task: null }],
  ] as const) {
    const answer = await call(server.apiBaseUrl, method, path, body);
    assert.equal(answer.status, 503, `${method} ${path}: ${JSON.stringify(answer.body)}`);
    assert.match(answer.body.detail, /^the database does not answer \(.+\); try again shortly$/, `${method} ${path}`);
  }
}

async function closesWithinBound(server: RunningServer, boundMs = closeBoundMs): Promise<number> {
  const startedAt = Date.now();
  await server.close();
  const tookMs = Date.now() - startedAt;
  assert.ok(tookMs < boundMs, `closed after ${tookMs} ms`);
  return tookMs;
}

test('role all on PostgreSQL: with the database gone, requests are answered 503 saying so, and close() returns within the bound', async () => {
  const postgres = await freshPostgres();
  const server = await startServer({ databaseUrl: await postgres.createDatabase(), apiKeys: [apiKey], dataDirectory: await temporaryDirectory(), allowPrivateNetwork: loopbackNetworkAllowance });
  cleanups.push(() => server.close());
  const sessionId = await openRunningSession(server.apiBaseUrl);
  await postgres.stop();
  await assertAnswersDatabaseGone(server, sessionId);
  await closesWithinBound(server);
});

test('api and worker roles: with PostgreSQL gone (Redis still up), the api answers 503 and both processes close within the bound', async () => {
  const [postgres, redis] = await Promise.all([freshPostgres(), freshRedis()]);
  const shared = {
    databaseUrl: await postgres.createDatabase(),
    redisUrl: redis.url,
    redisPrefix: 'postgres-gone',
    blobUrl: pathToFileURL(await temporaryDirectory()).href,
    secretKey,
    apiKeys: [apiKey],
    leaseMs: 3_000,
    allowPrivateNetwork: loopbackNetworkAllowance,
  };
  const api = await startServer({ ...shared, role: 'api', dataDirectory: await temporaryDirectory() });
  cleanups.push(() => api.close());
  const worker = await startServer({ ...shared, role: 'worker', dataDirectory: await temporaryDirectory(), maxConcurrentTasks: 1 });
  cleanups.push(() => worker.close());
  const sessionId = await openRunningSession(api.apiBaseUrl);
  await postgres.stop();
  await assertAnswersDatabaseGone(api, sessionId);
  // Past a lease's heartbeat, so the worker's renewals and sweeps have met the dead database.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await closesWithinBound(worker);
  await closesWithinBound(api);
});

interface ChildServer {
  apiBaseUrl: string;
  /** Ends stdin (the close request) and resolves with how long close() took and the exit code, once the process has ended by itself. */
  closeAndExit(): Promise<{ closedInMs: number; code: number | null; stderr: string }>;
}

async function startChild(environment: Record<string, string>): Promise<ChildServer> {
  const script = fileURLToPath(new URL('./postgres-gone-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...environment, TEST_API_KEY: apiKey, TEST_ALLOW_PRIVATE_NETWORK: JSON.stringify(loopbackNetworkAllowance) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  cleanups.push(async () => void child.kill('SIGKILL'));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! });
  const messages: Array<Record<string, unknown>> = [];
  const nextMessage = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const queued = messages.shift();
      if (queued) return resolve(queued);
      lines.once('line', (line) => resolve(JSON.parse(line) as Record<string, unknown>));
      void exited.then((code) => reject(new Error(`the server process exited (${String(code)}): ${stderr}`)));
    });
  const started = await nextMessage();
  return {
    apiBaseUrl: String(started.apiBaseUrl),
    async closeAndExit() {
      child.stdin!.end();
      const closed = await nextMessage();
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise<'alive'>((resolve) => (timer = setTimeout(() => resolve('alive'), closeBoundMs)))]);
      clearTimeout(timer);
      assert.notEqual(code, 'alive', `the process did not end by itself after close(): ${stderr}`);
      return { closedInMs: Number(closed.closedInMs), code: code === 'alive' ? null : code, stderr };
    },
  };
}

test('a worker process whose PostgreSQL has gone closes within the bound and then ends by itself: nothing is left holding the event loop', async () => {
  const [postgres, redis] = await Promise.all([freshPostgres(), freshRedis()]);
  const shared = {
    SMOOTH_DATABASE_URL: await postgres.createDatabase(),
    SMOOTH_REDIS_URL: redis.url,
    TEST_REDIS_PREFIX: 'postgres-gone-process',
    SMOOTH_BLOB_URL: pathToFileURL(await temporaryDirectory()).href,
    SMOOTH_SECRET_KEY: secretKey,
    TEST_LEASE_MS: '3000',
  };
  const api = await startServer({
    role: 'api',
    databaseUrl: shared.SMOOTH_DATABASE_URL,
    redisUrl: redis.url,
    redisPrefix: shared.TEST_REDIS_PREFIX,
    blobUrl: shared.SMOOTH_BLOB_URL,
    secretKey,
    apiKeys: [apiKey],
    dataDirectory: await temporaryDirectory(),
  });
  cleanups.push(() => api.close());
  const worker = await startChild({ ...shared, SMOOTH_ROLE: 'worker', SMOOTH_MAX_CONCURRENT_TASKS: '1', TEST_DATA_DIR: await temporaryDirectory() });
  const embedded = await startChild({ SMOOTH_ROLE: 'all', SMOOTH_DATABASE_URL: await postgres.createDatabase(), TEST_DATA_DIR: await temporaryDirectory() });
  await openRunningSession(api.apiBaseUrl);
  await openRunningSession(embedded.apiBaseUrl);
  await postgres.stop();
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  for (const child of [worker, embedded]) {
    const { closedInMs, code, stderr } = await child.closeAndExit();
    assert.ok(closedInMs < closeBoundMs, `closed after ${closedInMs} ms`);
    assert.equal(code, 0, stderr);
  }
  await closesWithinBound(api);
});

/**
 * A TCP relay to PostgreSQL that can fall silent: connections stay open but nothing passes either
 * way, as when the database's machine or the network to it vanishes without closing anything.
 */
async function silenceablePath(postgresPort: number): Promise<{ port: number; silence(): void; close(): void }> {
  let silent = false;
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(postgresPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk) => void (silent || upstream.write(chunk)));
    upstream.on('data', (chunk) => void (silent || client.write(chunk)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    port: (relay.address() as AddressInfo).port,
    silence: () => void (silent = true),
    close() {
      relay.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

test('PostgreSQL silent (a partition: connections open, no answers): readiness says so within its budget, and close() returns within the bound with a query still waiting', async () => {
  const postgres = await freshPostgres();
  const path = await silenceablePath(postgres.port);
  cleanups.push(async () => path.close());
  const databaseUrl = (await postgres.createDatabase()).replace(`:${postgres.port}/`, `:${path.port}/`);
  const server = await startServer({ databaseUrl, apiKeys: [apiKey], dataDirectory: await temporaryDirectory() });
  cleanups.push(() => server.close());
  // Connections are open in the pool before the silence (a SELECT per task read).
  assert.equal((await call(server.apiBaseUrl, 'GET', 'v1/task/task_unknown')).status, 404);
  path.silence();
  const ready = await call(server.url, 'GET', '/readyz');
  assert.equal(ready.status, 503);
  assert.equal(ready.body.detail, 'not ready: database: no answer within 5 s');
  // A request whose query now waits for an answer that never comes (pg gives up after 30 s): the close does not wait for it.
  const waiting = call(server.apiBaseUrl, 'GET', 'v1/task/task_unknown').catch((error: unknown) => error);
  await closesWithinBound(server, 20_000);
  await waiting;
});
