import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { TestContext } from 'node:test';
import { loopbackNetworkAllowance, startRedisServer, type RedisServer } from '@open-smooth/testkit';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import { openBlobStore } from '../../src/blobs/open-blob-store.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/index.js';
import { openPostgres } from '../../src/store/postgres-database.js';
import { PostgresTaskStore } from '../../src/store/postgres-task-store.js';
import { SecretSealer } from '../../src/store/secret-sealer.js';
import { startSpawnedServer, type SpawnedServer } from './spawned-server.js';
import { suiteS3Server } from './suite-blob-store.js';
import { testPostgresCluster } from './test-database.js';
import { firstKey, makeTemporaryDirectory, secondKey, sendCommand, type ApiClient } from './test-server.js';
import { waitFor } from './wait-for.js';

/**
 * What the distributed fault tests share: one PostgreSQL database, one Redis (under a prefix of the
 * test's own) and one S3 store for every process, workers and API processes in child processes
 * (killed with SIGKILL as a crashed machine dies) or in the test's own.
 */

// Every process sharing the database seals secrets with one key.
const secretKey = randomBytes(32).toString('base64');
export const leaseMs = 3_000;

export interface SharedServices {
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
  /** Runs `cleanup` after the test, before what was registered earlier (the services themselves stop last). */
  onCleanup(cleanup: () => Promise<void>): void;
}

export async function sharedServices(t: TestContext, { durableRedis = false } = {}): Promise<SharedServices> {
  const [databaseUrl, redis, s3] = await Promise.all([testPostgresCluster().then((cluster) => cluster.createDatabase()), startRedisServer({ appendOnly: durableRedis }), suiteS3Server()]);
  const suffix = randomBytes(6).toString('hex');
  const blobUrl = `s3://${s3.bucket}/faults-${suffix}?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1`;
  const blobStore = await openBlobStore(blobUrl, '/unused', s3.environment);
  const database = await openPostgres(databaseUrl);
  const store = new PostgresTaskStore(database, SecretSealer.fromBase64Key(secretKey, 'the test'));
  const directories: string[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  // node:test runs a test's `after` hooks in the order they were registered: the processes must
  // close while PostgreSQL and Redis still answer, so cleanups run here, the last registered first.
  t.after(async () => {
    for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) await cleanup();
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
    onCleanup: (cleanup) => cleanups.push(cleanup),
  };
}

/** A worker in a process of its own running `slots` tasks at once; closed after the test unless killed. */
export async function spawnWorker(services: SharedServices, workerId: string, slots: number): Promise<SpawnedServer> {
  const worker = await startSpawnedServer({
    ...services.environment,
    SMOOTH_ROLE: 'worker',
    SMOOTH_WORKER_ID: workerId,
    SMOOTH_MAX_CONCURRENT_TASKS: String(slots),
    SMOOTH_MAX_CONCURRENT_TASKS_PER_KEY: String(slots * 2),
    TEST_DATA_DIR: await services.directory(),
  });
  services.onCleanup(() => worker.close());
  return worker;
}

/** A server of `role` in the test's own process on the shared services; closed after the test. */
export async function startInProcess(services: SharedServices, role: 'api' | 'worker', extra: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({
    role,
    secretKey,
    apiKeys: [firstKey, secondKey],
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
  services.onCleanup(() => server.close());
  return server;
}

export { waitFor };

export async function openSession(client: ApiClient): Promise<string> {
  const created = await client.api('POST', '/task', { body: { task: null } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  return created.body.r.id as string;
}

export async function statusOf(client: ApiClient, taskId: string): Promise<{ status: string; error: string | null }> {
  return (await client.api('GET', `/task/${taskId}`)).body.r;
}

export async function closeSession(client: ApiClient, taskId: string): Promise<void> {
  const closed = await sendCommand(client, taskId, 'session_action', 'close', {}, `close-${taskId}`);
  assert.deepEqual([closed.payload.code, closed.payload.output.output], [200, true]);
  const finished = await waitFor(() => statusOf(client, taskId), (task) => task.status === 'done', `${taskId} to be done`);
  assert.equal(finished.error, null);
}

export async function answersCommands(client: ApiClient, taskId: string, label: string): Promise<void> {
  const answer = await sendCommand(client, taskId, 'browser_action', 'evaluate_js', { js: '6 * 7' }, `${label}-${taskId}`);
  assert.deepEqual([answer.payload.code, answer.payload.output.output], [200, 42], JSON.stringify(answer.payload));
}

