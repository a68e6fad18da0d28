import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startPostgresServer, type PostgresServer } from '@open-smooth/testkit';
import { tenantOfApiKey } from '../src/api-keys.js';
import { blobKeys } from '../src/blobs/blob-keys.js';
import { BlobNotFoundError } from '../src/blobs/blob-store.js';
import { restartFailureReason } from '../src/index.js';
import { openDatabase } from '../src/store/open-database.js';
import { openPostgres } from '../src/store/postgres-database.js';
import { PostgresTaskStore } from '../src/store/postgres-task-store.js';
import { SecretSealer } from '../src/store/secret-sealer.js';
import { SqliteTaskStore } from '../src/store/sqlite-task-store.js';
import type { TaskRecord, TaskStore } from '../src/store/task-record.js';
import { leaseExpiredReason } from '../src/tasks/task-runner.js';
import { startSpawnedServer } from './support/spawned-server.js';
import { firstKey, makeTemporaryDirectory, sendCommand, startTestServer } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';
import { taskRecordFixture } from './support/task-record-fixture.js';

/**
 * Worker leases through the server, on both stores: a starting worker fails only its own leftovers
 * and tasks whose lease expired; tasks other workers hold are left alone until their lease runs out;
 * the tasks it runs carry its lease, renewed by its heartbeat.
 */
let postgres: PostgresServer | undefined;
before(async () => {
  postgres = await startPostgresServer();
});
after(async () => {
  await postgres?.stop();
});

interface SharedDatabase {
  /** What the server is given (undefined: SQLite in the data directory, whatever SMOOTH_TEST_DATABASE says). */
  databaseUrl: string | undefined;
  /** The same database as another process sees it. */
  store: TaskStore;
  close(): Promise<void>;
}

async function sharedDatabase(kind: 'sqlite' | 'postgres', dataDirectory: string): Promise<SharedDatabase> {
  const sealer = SecretSealer.forDataDirectory(dataDirectory);
  if (kind === 'sqlite') {
    const database = openDatabase(join(dataDirectory, 'open-smooth.sqlite'));
    return { databaseUrl: undefined, store: new SqliteTaskStore(database, sealer), close: async () => void database.close() };
  }
  if (!postgres) throw new Error('the PostgreSQL cluster did not start');
  const databaseUrl = await postgres.createDatabase();
  const pool = await openPostgres(databaseUrl);
  return { databaseUrl, store: new PostgresTaskStore(pool, sealer), close: () => pool.end() };
}

function runningTask(id: string): TaskRecord {
  return taskRecordFixture(id, { tenant: tenantOfApiKey(firstKey), status: 'running', request: { task: `the task ${id}` }, createdAtMs: Date.now() });
}


for (const kind of ['sqlite', 'postgres'] as const) {
  test(`${kind}: a starting worker fails its own leftovers and expired leases, leaves live leases alone, and renews its own`, async (t) => {
    const dataDirectory = await makeTemporaryDirectory();
    const shared = await sharedDatabase(kind, dataDirectory);
    t.after(async () => {
      await shared.close();
      await rm(dataDirectory, { recursive: true, force: true });
    });
    const now = Date.now();
    // What earlier runs left: this worker's task, a dead worker's, and tasks of two live workers.
    await shared.store.createTask(runningTask('task_mine'), { owner: 'worker-me', expiresAtMs: now + 600_000 });
    await shared.store.createTask(runningTask('task_dead'), { owner: 'worker-dead', expiresAtMs: now - 1 });
    await shared.store.createTask(runningTask('task_alive'), { owner: 'worker-alive', expiresAtMs: now + 600_000 });
    // This one's worker stops renewing a few seconds from now.
    await shared.store.createTask(runningTask('task_dies_soon'), { owner: 'worker-dies-soon', expiresAtMs: now + 3_000 });

    const server = await startTestServer({ dataDirectory, workerId: 'worker-me', leaseMs: 2_000, heartbeatMs: 200, databaseUrl: shared.databaseUrl ?? '' });
    t.after(() => server.close());

    const mine = await server.api('GET', '/task/task_mine');
    assert.equal(mine.status, 200);
    assert.equal(mine.body.r.status, 'failed');
    assert.equal(mine.body.r.error, restartFailureReason);
    const dead = await server.api('GET', '/task/task_dead');
    assert.equal(dead.body.r.status, 'failed');
    assert.equal(dead.body.r.error, `${leaseExpiredReason} (worker worker-dead)`);

    // The sweep catches the worker that stopped renewing, with its name in the reason.
    const diedSoon = await waitFor(
      () => server.api('GET', '/task/task_dies_soon'),
      (answer) => answer.body.r.status === 'failed',
      'the expired lease to be swept',
    );
    assert.equal(diedSoon.status, 200);
    assert.equal(diedSoon.body.r.error, `${leaseExpiredReason} (worker worker-dies-soon)`);
    // A live worker's task is never touched.
    const alive = await server.api('GET', '/task/task_alive');
    assert.equal(alive.status, 202);
    assert.equal(alive.body.r.status, 'running');

    // A task this worker runs carries its lease, and the heartbeat keeps pushing the expiry out.
    const session = (await server.api('POST', '/task', { body: { task: null } })).body.r;
    const firstLease = await shared.store.getLease(session.id);
    assert.equal(firstLease?.owner, 'worker-me');
    const renewed = await waitFor(
      () => shared.store.getLease(session.id),
      (lease) => (lease?.expiresAtMs ?? 0) > (firstLease?.expiresAtMs ?? Number.MAX_SAFE_INTEGER),
      'the lease to be renewed',
    );
    assert.equal(renewed?.owner, 'worker-me');
    // Long past the first expiry, the session is still live: its own worker's leases never lapse.
    await waitFor(async () => Date.now(), (time) => time > (firstLease?.expiresAtMs ?? 0) + 500, 'the first lease to pass');
    assert.equal((await server.api('GET', `/task/${session.id}`)).status, 202);
    assert.equal((await server.api('DELETE', `/task/${session.id}`)).status, 200);
  });
}

test('postgres: kill -9 one of two workers mid-session: its session fails with a reason once its lease runs out, the other worker carries on', async (t) => {
  if (!postgres) throw new Error('the PostgreSQL cluster did not start');
  const databaseUrl = await postgres.createDatabase();
  const [directoryA, directoryB] = await Promise.all([makeTemporaryDirectory(), makeTemporaryDirectory()]);
  t.after(() => Promise.all([directoryA, directoryB].map((directory) => rm(directory, { recursive: true, force: true }))));
  // Long enough that a heartbeat delayed by a loaded machine does not lose a live worker its lease.
  const leaseMs = 6_000;
  // Worker A in a process of its own (so it can die as a crashed machine would), worker B here.
  const workerA = await startSpawnedServer({ SMOOTH_DATABASE_URL: databaseUrl, SMOOTH_WORKER_ID: 'worker-a', TEST_LEASE_MS: String(leaseMs), TEST_DATA_DIR: directoryA });
  let killed = false;
  t.after(async () => {
    if (!killed) await workerA.close();
  });
  const spawnedKey = workerA.apiKey;
  // B knows A's key too (one deployment, one set of keys), and its own first key.
  const workerB = await startTestServer({ dataDirectory: directoryB, databaseUrl, workerId: 'worker-b', leaseMs, heartbeatMs: 300, apiKeys: [firstKey, spawnedKey] });
  t.after(() => workerB.close());

  const onA = (await workerA.api('POST', '/task', { task: null })).body.r.id as string;
  assert.equal((await workerA.api('POST', `/task/${onA}/event`, { id: 'ready', name: 'browser_action', payload: { name: 'evaluate_js', input: { js: '40 + 2' } } })).status, 200);
  await waitFor(
    () => workerA.api('GET', `/task/${onA}?event_t=0`),
    (answer) => (answer.body.r.events ?? []).some((event: { id: string | null }) => event.id === 'ready'),
    'the first answer on worker A',
  );
  const onB = (await workerB.api('POST', '/task', { body: { task: null } })).body.r.id as string;
  assert.equal((await sendCommand(workerB, onB, 'browser_action', 'evaluate_js', { js: '40 + 2' }, 'ready')).payload.code, 200);
  // Worker B sees worker A's session in the shared database, running, with A's lease.
  assert.equal((await workerB.api('GET', `/task/${onA}`, { key: spawnedKey })).body.r.status, 'running');

  await workerA.kill();
  killed = true;
  const killedAtMs = Date.now();
  const failed = await waitFor(
    () => workerB.api('GET', `/task/${onA}`, { key: spawnedKey }),
    (answer) => answer.body.r.status === 'failed',
    'the dead worker\'s session to fail',
  );
  const tookMs = Date.now() - killedAtMs;
  assert.equal(failed.status, 200);
  assert.equal(failed.body.r.error, `${leaseExpiredReason} (worker worker-a)`);
  // Within the lease plus a heartbeat or two (generous: the machine may be loaded).
  assert.ok(tookMs < leaseMs + 15_000, `failed ${tookMs} ms after the kill`);

  // Worker B's own session was never touched and still works.
  assert.equal((await workerB.api('GET', `/task/${onB}`)).body.r.status, 'running');
  const answer = await sendCommand(workerB, onB, 'browser_action', 'evaluate_js', { js: '6 * 7' }, 'still-here');
  assert.deepEqual([answer.payload.code, answer.payload.output.output], [200, 42]);
  await sendCommand(workerB, onB, 'session_action', 'close', {}, 'close');
  const closed = await waitFor(() => workerB.api('GET', `/task/${onB}`), (done) => done.body.r.status === 'done', 'the close');
  assert.equal(closed.body.r.error, null);
});

for (const kind of ['sqlite', 'postgres'] as const) {
  test(`${kind}: a worker that stalled past its lease does not overwrite the failure another process stored: its late end and profile save are refused`, async (t) => {
    const dataDirectory = await makeTemporaryDirectory();
    const shared = await sharedDatabase(kind, dataDirectory);
    t.after(async () => {
      await shared.close();
      await rm(dataDirectory, { recursive: true, force: true });
    });
    // A heartbeat too rare to notice the sweep in time: the worker finds out only when it stores its end.
    const server = await startTestServer({ dataDirectory, workerId: 'worker-stalled', leaseMs: 600_000, heartbeatMs: 300_000, sessionIdleTimeoutMs: 3_000, databaseUrl: shared.databaseUrl ?? '' });
    t.after(() => server.close());
    assert.equal((await server.api('POST', '/profile', { body: { id: 'stalled-profile' } })).status, 200);
    const session = (await server.api('POST', '/task', { body: { task: null, profile_id: 'stalled-profile' } })).body.r.id as string;
    await waitFor(() => server.api('GET', `/task/${session}`), (answer) => answer.body.r.status === 'running', 'the session to start');
    const tenant = tenantOfApiKey(firstKey);
    assert.equal(await shared.store.profileWriter(tenant, 'stalled-profile'), session);

    // Another process's sweep, its clock past the lease: the session fails there, and lets go of the profile.
    assert.deepEqual(await shared.store.failExpiredLeases(Date.now() + 900_000, leaseExpiredReason), [session]);
    assert.equal(await shared.store.profileWriter(tenant, 'stalled-profile'), undefined);
    // The worker, unaware, ends the idle session (done) and tries to store that.
    const endedSessions = async () => {
      const metrics = await (await fetch(`${server.server.url}/metrics`)).text();
      return Number(/open_smooth_task_duration_seconds_count\{kind="session",status="done"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    };
    await waitFor(endedSessions, (count) => count === 1, 'the worker to end the idle session');
    const stored = await shared.store.getTask(session);
    assert.deepEqual([stored?.status, stored?.error], ['failed', `${leaseExpiredReason} (worker worker-stalled)`]);
    const answer = await server.api('GET', `/task/${session}`);
    assert.deepEqual([answer.body.r.status, answer.body.r.error], ['failed', `${leaseExpiredReason} (worker worker-stalled)`]);
    // A writer let in after the sweep could have saved meanwhile: the stalled worker saved nothing over it.
    await assert.rejects(server.blobs.read(blobKeys.profileState(tenant, 'stalled-profile')), BlobNotFoundError);
  });
}
