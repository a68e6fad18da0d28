import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { test, type TestContext } from 'node:test';
import { loopbackNetworkAllowance, startRedisServer, startScriptedModelServer, type RedisServer } from '@open-smooth/testkit';
import type { BlobStore } from '../src/blobs/blob-store.js';
import { openBlobStore } from '../src/blobs/open-blob-store.js';
import { startServer, type RunningServer, type ServerOptions } from '../src/index.js';
import { openPostgres } from '../src/store/postgres-database.js';
import { PostgresTaskStore } from '../src/store/postgres-task-store.js';
import { SecretSealer } from '../src/store/secret-sealer.js';
import { leaseExpiredReason } from '../src/tasks/task-runner.js';
import { startPageServer } from './support/page-server.js';
import { startSpawnedServer, type SpawnedServer } from './support/spawned-server.js';
import { suiteS3Server } from './support/suite-blob-store.js';
import { testPostgresCluster } from './support/test-database.js';
import { apiClientOf, firstKey, makeTemporaryDirectory, sendCommand, type ApiClient } from './support/test-server.js';

/**
 * The distributed mode under faults, with real processes: workers and API processes killed with
 * SIGKILL (as a crashed machine dies), and Redis killed and restarted under them. Every process
 * shares one PostgreSQL database, one Redis (under a prefix of the test's own) and one S3 store.
 */

// Every process sharing the database seals secrets with one key.
const secretKey = randomBytes(32).toString('base64');
const leaseMs = 3_000;

interface SharedServices {
  databaseUrl: string;
  redis: RedisServer;
  redisPrefix: string;
  blobStore: BlobStore;
  /** What a spawned process is given to reach them. */
  environment: Record<string, string>;
  /** Who holds a task's lease (the worker running it), read from the database. */
  leaseOwner(taskId: string): Promise<string | undefined>;
  /** A temporary directory removed after the test. */
  directory(): Promise<string>;
}

async function sharedServices(t: TestContext, { durableRedis = false } = {}): Promise<SharedServices> {
  const [databaseUrl, redis, s3] = await Promise.all([testPostgresCluster().then((cluster) => cluster.createDatabase()), startRedisServer({ appendOnly: durableRedis }), suiteS3Server()]);
  const suffix = randomBytes(6).toString('hex');
  const blobUrl = `s3://${s3.bucket}/faults-${suffix}?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1`;
  const blobStore = await openBlobStore(blobUrl, '/unused', s3.environment);
  const database = await openPostgres(databaseUrl);
  const store = new PostgresTaskStore(database, SecretSealer.fromBase64Key(secretKey, 'the test'));
  const directories: string[] = [];
  t.after(async () => {
    await database.end();
    await blobStore.close();
    await redis.stop();
    await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
  });
  const redisPrefix = `faults-${suffix}`;
  return {
    databaseUrl,
    redis,
    redisPrefix,
    blobStore,
    environment: {
      SMOOTH_DATABASE_URL: databaseUrl,
      SMOOTH_REDIS_URL: redis.url,
      TEST_REDIS_PREFIX: redisPrefix,
      SMOOTH_BLOB_URL: blobUrl,
      ...(s3.environment as Record<string, string>),
      SMOOTH_SECRET_KEY: secretKey,
      TEST_API_KEY: firstKey,
      TEST_LEASE_MS: String(leaseMs),
      TEST_ALLOW_PRIVATE_NETWORK: JSON.stringify(loopbackNetworkAllowance),
    },
    leaseOwner: async (taskId) => (await store.getLease(taskId))?.owner,
    directory: async () => {
      const directory = await makeTemporaryDirectory();
      directories.push(directory);
      return directory;
    },
  };
}

/** A worker in a process of its own running `slots` tasks at once; closed after the test unless killed. */
async function spawnWorker(t: TestContext, services: SharedServices, workerId: string, slots: number): Promise<SpawnedServer> {
  const worker = await startSpawnedServer({
    ...services.environment,
    SMOOTH_ROLE: 'worker',
    SMOOTH_WORKER_ID: workerId,
    SMOOTH_MAX_CONCURRENT_TASKS: String(slots),
    SMOOTH_MAX_CONCURRENT_TASKS_PER_KEY: String(slots * 2),
    TEST_DATA_DIR: await services.directory(),
  });
  t.after(() => worker.close());
  return worker;
}

/** A server of `role` in the test's own process on the shared services; closed after the test. */
async function startInProcess(t: TestContext, services: SharedServices, role: 'api' | 'worker', extra: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({
    role,
    secretKey,
    apiKeys: [firstKey],
    dataDirectory: await services.directory(),
    databaseUrl: services.databaseUrl,
    redisUrl: services.redis.url,
    redisPrefix: services.redisPrefix,
    blobStore: services.blobStore,
    longPollMs: 2000,
    leaseMs,
    allowPrivateNetwork: loopbackNetworkAllowance,
    ...extra,
  });
  t.after(() => server.close());
  return server;
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function openSession(client: ApiClient): Promise<string> {
  const created = await client.api('POST', '/task', { body: { task: null } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  return created.body.r.id as string;
}

async function statusOf(client: ApiClient, taskId: string): Promise<{ status: string; error: string | null }> {
  return (await client.api('GET', `/task/${taskId}`)).body.r;
}

async function closeSession(client: ApiClient, taskId: string): Promise<void> {
  const closed = await sendCommand(client, taskId, 'session_action', 'close', {}, `close-${taskId}`);
  assert.deepEqual([closed.payload.code, closed.payload.output.output], [200, true]);
  const finished = await waitFor(() => statusOf(client, taskId), (task) => task.status === 'done', `${taskId} to be done`);
  assert.equal(finished.error, null);
}

async function answersCommands(client: ApiClient, taskId: string, label: string): Promise<void> {
  const answer = await sendCommand(client, taskId, 'browser_action', 'evaluate_js', { js: '6 * 7' }, `${label}-${taskId}`);
  assert.deepEqual([answer.payload.code, answer.payload.output.output], [200, 42], JSON.stringify(answer.payload));
}

test('kill -9 one of two worker processes mid-task: its tasks fail with a reason within the lease, the other worker\'s complete, new tasks go to the survivor', async (t) => {
  const services = await sharedServices(t);
  const [workerA] = await Promise.all([spawnWorker(t, services, 'worker-a', 2), spawnWorker(t, services, 'worker-b', 2)]);
  const api = await startInProcess(t, services, 'api', { maxConcurrentTasks: 2, maxConcurrentTasksPerKey: 4 });
  const client = apiClientOf(() => api.apiBaseUrl);

  // Four sessions on four slots: two on each worker.
  const sessions = await Promise.all(Array.from({ length: 4 }, () => openSession(client)));
  await Promise.all(sessions.map((id) => waitFor(() => statusOf(client, id), (task) => task.status === 'running', `${id} to start`)));
  await Promise.all(sessions.map((id) => answersCommands(client, id, 'before')));
  const owners = await Promise.all(sessions.map((id) => services.leaseOwner(id)));
  assert.deepEqual([...owners].sort(), ['worker-a', 'worker-a', 'worker-b', 'worker-b']);
  const onA = sessions.filter((_, index) => owners[index] === 'worker-a');
  const onB = sessions.filter((_, index) => owners[index] === 'worker-b');
  // Every slot is taken: the next one waits.
  const waiting = await openSession(client);
  assert.equal((await statusOf(client, waiting)).status, 'waiting');

  await workerA.kill();
  const killedAtMs = Date.now();
  for (const id of onA) {
    const failed = await waitFor(() => statusOf(client, id), (task) => task.status === 'failed', `${id} on the killed worker to fail`);
    assert.equal(failed.error, `${leaseExpiredReason} (worker worker-a)`);
  }
  const tookMs = Date.now() - killedAtMs;
  // Within the lease plus a sweep or two (generous: the machine may be loaded).
  assert.ok(tookMs < leaseMs + 15_000, `failed ${tookMs} ms after the kill`);

  // The survivor's tasks were never touched: they answer and complete.
  for (const id of onB) {
    await answersCommands(client, id, 'after');
    await closeSession(client, id);
  }
  // The waiting task and a new one run on the survivor.
  const fresh = await openSession(client);
  for (const id of [waiting, fresh]) {
    await waitFor(() => statusOf(client, id), (task) => task.status === 'running', `${id} to start on the survivor`);
    assert.equal(await services.leaseOwner(id), 'worker-b');
    await answersCommands(client, id, 'survivor');
    await closeSession(client, id);
  }
});

test('kill -9 an API process: clients polling through the other one see every event once, in order', async (t) => {
  const services = await sharedServices(t);
  const pages = await startPageServer();
  t.after(() => pages.close());
  // Six steps a little apart, so the kill lands mid-task.
  let step = 0;
  const model = await startScriptedModelServer(() => {
    step += 1;
    if (step <= 6) return { toolCalls: [{ name: 'goto', arguments: { url: `${pages.url}${step % 2 === 0 ? '/second' : '/'}` } }], delayMs: 400 };
    return { toolCalls: [{ name: 'done', arguments: { answer: 'visited six pages' } }] };
  });
  t.after(() => model.close());
  await startInProcess(t, services, 'worker', { modelEnvironment: model.environment() });
  const doomed = await startSpawnedServer({ ...services.environment, SMOOTH_ROLE: 'api', TEST_DATA_DIR: await services.directory() });
  let killed = false;
  t.after(async () => {
    if (!killed) await doomed.close();
  });
  const survivor = await startInProcess(t, services, 'api');
  const doomedClient = apiClientOf(() => doomed.apiBaseUrl);
  const survivorClient = apiClientOf(() => survivor.apiBaseUrl);

  const created = await doomedClient.api('POST', '/task', { body: { task: 'Visit the pages', max_steps: 10 } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const taskId = created.body.r.id as string;
  // One client polls the doomed process and moves to the survivor from its last event when it dies; another polls the survivor throughout.
  const movedOver = follow([doomedClient, survivorClient], taskId);
  const throughout = follow([survivorClient], taskId);
  await waitFor(async () => movedOver.events.length, (count) => count >= 2, 'two events through the doomed API process');
  await doomed.kill();
  killed = true;
  const [moved, steady] = await Promise.all([movedOver.finished, throughout.finished]);
  assert.equal(moved.status, 'done');
  assert.ok(movedOver.switches >= 1, 'the first client lost its API process and moved over');

  // The whole log, read once the task is done, is what each client saw: nothing missing, nothing twice.
  const whole = (await survivorClient.api('GET', `/task/${taskId}?event_t=0`)).body.r;
  const keys = (events: any[]) => events.map((event) => `${event.timestamp} ${event.name} ${event.id}`);
  const all = (whole.events as any[]).filter((event) => event.id !== null);
  assert.ok(all.length >= 6, `${all.length} events`);
  assert.deepEqual(keys(moved.events), keys(all));
  assert.deepEqual(keys(steady.events), keys(all));
  for (let index = 1; index < all.length; index += 1) assert.ok(all[index].timestamp > all[index - 1].timestamp, 'timestamps strictly increase');
  assert.equal(whole.output, 'visited six pages');
});

/** Polls a task with event_t through the first client that answers, moving on to the next when one stops answering. */
function follow(clients: ApiClient[], taskId: string): { events: any[]; switches: number; finished: Promise<{ status: string; events: any[] }> } {
  const state = { events: [] as any[], switches: 0, finished: Promise.resolve({ status: '', events: [] as any[] }) };
  state.finished = (async () => {
    let cursor = 0;
    let index = 0;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const client = clients[index];
      if (!client) throw new Error('every API process stopped answering');
      let answer;
      try {
        answer = await client.api('GET', `/task/${taskId}?event_t=${cursor}`);
      } catch {
        // The process died under the request: the next one takes over from the same cursor.
        index += 1;
        state.switches += 1;
        continue;
      }
      assert.ok(answer.status === 200 || answer.status === 202, `poll answered ${answer.status} ${JSON.stringify(answer.body)}`);
      const fresh: any[] = answer.body.r.events ?? [];
      state.events.push(...fresh.filter((event) => event.id !== null));
      if (fresh.length > 0) cursor = fresh[fresh.length - 1].timestamp;
      if (['done', 'failed', 'cancelled'].includes(answer.body.r.status)) return { status: answer.body.r.status as string, events: state.events };
    }
    throw new Error(`${taskId} did not finish`);
  })();
  return state;
}

test('kill -9 and restart Redis under an API process and two workers: queued tasks are not lost, they run once slots free', async (t) => {
  const services = await sharedServices(t, { durableRedis: true });
  await Promise.all([spawnWorker(t, services, 'worker-a', 1), spawnWorker(t, services, 'worker-b', 1)]);
  const api = await startInProcess(t, services, 'api', { maxConcurrentTasks: 1, maxConcurrentTasksPerKey: 2 });
  const client = apiClientOf(() => api.apiBaseUrl);
  const running = [await openSession(client), await openSession(client)];
  await Promise.all(running.map((id) => waitFor(() => statusOf(client, id), (task) => task.status === 'running', `${id} to start`)));
  const queued = [await openSession(client), await openSession(client)];
  for (const id of queued) assert.equal((await statusOf(client, id)).status, 'waiting');

  await services.redis.restart({ kill: true });
  // Everyone reconnects by themselves: the running sessions still answer.
  for (const id of running) await answersCommands(client, id, 'after-restart');
  for (const id of running) await closeSession(client, id);
  for (const id of queued) {
    await waitFor(() => statusOf(client, id), (task) => task.status === 'running', `queued ${id} to start after the restart`);
    await answersCommands(client, id, 'queued');
    await closeSession(client, id);
  }
});
