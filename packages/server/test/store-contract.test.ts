import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepRecord } from '@open-smooth/protocol';
import { startPostgresServer, type PostgresServer } from '@open-smooth/testkit';
import { CachedTaskStore } from '../src/store/cached-task-store.js';
import { openDatabase } from '../src/store/open-database.js';
import { startServer } from '../src/index.js';
import { migratePostgres, openPostgres } from '../src/store/postgres-database.js';
import { postgresMigrations } from '../src/store/postgres-migrations.js';
import { PostgresResourceStore } from '../src/store/postgres-resource-store.js';
import { PostgresTaskStore } from '../src/store/postgres-task-store.js';
import { SqliteResourceStore, type ResourceStore } from '../src/store/resource-store.js';
import { SecretSealer } from '../src/store/secret-sealer.js';
import { SqliteTaskStore } from '../src/store/sqlite-task-store.js';
import { ProfileWriterTakenError, type TaskStore } from '../src/store/task-record.js';
import { makeTemporaryDirectory } from './support/test-server.js';
import { taskRecordFixture as taskRecord } from './support/task-record-fixture.js';

/**
 * One contract, every store: the same cases run against SQLite (bare and behind the cache) and
 * PostgreSQL (a throwaway cluster on loopback, a fresh database per case).
 */
interface OpenedBackend {
  taskStore: TaskStore;
  resources: ResourceStore;
  /** The same database through a second connection, as another process would see and write it. */
  secondTaskStore: TaskStore;
  /** The request column as stored, to check what a database reader sees. */
  storedRequestText(taskId: string): Promise<string>;
  /** A stored launch's row as text, undefined when there is none. */
  storedLaunchText(taskId: string): Promise<string | undefined>;
}

interface Backend {
  name: string;
  open(cleanUp: (work: () => Promise<void>) => void): Promise<OpenedBackend>;
}

let postgres: PostgresServer | undefined;
before(async () => {
  postgres = await startPostgresServer();
});
after(async () => {
  await postgres?.stop();
});

async function sqliteBackend(cleanUp: (work: () => Promise<void>) => void, cached: boolean): Promise<OpenedBackend> {
  const directory = await makeTemporaryDirectory();
  const path = join(directory, 'store.sqlite');
  const database = openDatabase(path);
  const secondDatabase = openDatabase(path);
  cleanUp(async () => {
    database.close();
    secondDatabase.close();
    await rm(directory, { recursive: true, force: true });
  });
  const sealer = SecretSealer.forDataDirectory(directory);
  const sqlite = new SqliteTaskStore(database, sealer);
  return {
    taskStore: cached ? new CachedTaskStore(sqlite) : sqlite,
    resources: new SqliteResourceStore(database),
    secondTaskStore: new SqliteTaskStore(secondDatabase, sealer),
    storedRequestText: async (taskId) => (database.prepare('SELECT request_json FROM tasks WHERE id = ?').get(taskId) as { request_json: string }).request_json,
    storedLaunchText: async (taskId) => {
      const row = database.prepare('SELECT * FROM task_launches WHERE task_id = ?').get(taskId);
      return row === undefined ? undefined : JSON.stringify(row);
    },
  };
}

const backends: Backend[] = [
  { name: 'sqlite', open: (cleanUp) => sqliteBackend(cleanUp, false) },
  { name: 'sqlite+cache', open: (cleanUp) => sqliteBackend(cleanUp, true) },
  {
    name: 'postgres',
    async open(cleanUp) {
      if (!postgres) throw new Error('the PostgreSQL cluster did not start');
      const url = await postgres.createDatabase();
      const pool = await openPostgres(url);
      const secondPool = await openPostgres(url);
      cleanUp(async () => {
        await pool.end();
        await secondPool.end();
      });
      const directory = await makeTemporaryDirectory();
      cleanUp(() => rm(directory, { recursive: true, force: true }));
      const sealer = SecretSealer.forDataDirectory(directory);
      return {
        taskStore: new PostgresTaskStore(pool, sealer),
        resources: new PostgresResourceStore(pool),
        secondTaskStore: new PostgresTaskStore(secondPool, sealer),
        storedRequestText: async (taskId) => (await pool.query<{ request_json: string }>('SELECT request_json FROM tasks WHERE id = $1', [taskId])).rows[0]?.request_json ?? '',
        storedLaunchText: async (taskId) => (await pool.query<{ row: string }>('SELECT t::text AS row FROM task_launches t WHERE task_id = $1', [taskId])).rows[0]?.row,
      };
    },
  },
];

/** Registers one case per backend. */
function contract(name: string, body: (stores: OpenedBackend) => Promise<void>): void {
  for (const backend of backends) {
    test(`${backend.name}: ${name}`, async (t) => {
      const cleanUps: Array<() => Promise<void>> = [];
      t.after(async () => {
        for (const cleanUp of cleanUps.reverse()) await cleanUp();
      });
      await body(await backend.open((work) => cleanUps.push(work)));
    });
  }
}

function step(index: number): StepRecord {
  return {
    index,
    url: `http://127.0.0.1/page-${index}`,
    reasoning: `step ${index}`,
    actions: [],
    tokensIn: 100 * index,
    tokensOut: 10,
    cost: 0.0001,
    observationTokens: 80,
    observeMs: 5,
    modelMs: 20,
    actMs: 3,
  };
}

contract('tasks are created, read, listed newest first per tenant and updated', async ({ taskStore }) => {
  await taskStore.createTask(taskRecord('task_1', { createdAtMs: 1000 }));
  await taskStore.createTask(taskRecord('task_2', { createdAtMs: 2000, kind: 'session', request: { task: null } }));
  await taskStore.createTask(taskRecord('task_3', { createdAtMs: 2000 }));
  await taskStore.createTask(taskRecord('task_other', { createdAtMs: 3000, tenant: 'tenant-b' }));

  assert.deepEqual(await taskStore.getTask('task_2'), taskRecord('task_2', { createdAtMs: 2000, kind: 'session', request: { task: null } }));
  assert.equal(await taskStore.getTask('task_unknown'), undefined);
  assert.equal((await taskStore.getTaskByDownloadsToken('downloads-task_3'))?.id, 'task_3');
  assert.equal(await taskStore.getTaskByDownloadsToken('no-such-token'), undefined);

  // Newest first; of two created in the same millisecond, the later created first.
  assert.deepEqual((await taskStore.listTasks('tenant-a', 10)).map((task) => task.id), ['task_3', 'task_2', 'task_1']);
  assert.deepEqual((await taskStore.listTasks('tenant-a', 2)).map((task) => task.id), ['task_3', 'task_2']);
  assert.deepEqual((await taskStore.listTasks('tenant-a', 10, 2000)).map((task) => task.id), ['task_1']);
  assert.deepEqual((await taskStore.listTasks('tenant-b', 10)).map((task) => task.id), ['task_other']);

  await taskStore.updateTask('task_1', { status: 'done', output: { price: 42, note: 'é "quoted"' }, costDollars: 0.0315, finishedAtMs: 5000, recording: 'ready' });
  await taskStore.updateTask('task_1', {});
  const done = await taskStore.getTask('task_1');
  assert.equal(done?.status, 'done');
  assert.deepEqual(done?.output, { price: 42, note: 'é "quoted"' });
  assert.equal(done?.costDollars, 0.0315);
  assert.equal(done?.finishedAtMs, 5000);
  assert.equal(done?.recording, 'ready');
  assert.equal(done?.error, null);
  await taskStore.updateTask('task_1', { status: 'failed', error: 'it broke', output: null });
  assert.deepEqual(await taskStore.getTask('task_1'), { ...done, status: 'failed', error: 'it broke', output: null });
});

contract('secrets and passwords are stored sealed and read back in clear', async ({ taskStore, storedRequestText }) => {
  const request = {
    task: 'log in',
    secrets: { password: 'hunter2-very-secret' },
    proxy_server: 'http://127.0.0.1:9',
    proxy_password: 'proxy-pass-secret',
  };
  await taskStore.createTask(taskRecord('task_secret', { request }));
  const stored = await storedRequestText('task_secret');
  assert.ok(!stored.includes('hunter2-very-secret') && !stored.includes('proxy-pass-secret'), stored);
  assert.match(stored, /sealed:v1:/);
  assert.deepEqual((await taskStore.getTask('task_secret'))?.request, request);
});

contract('event timestamps strictly increase per task, even when the clock or a second writer says otherwise', async ({ taskStore, secondTaskStore }) => {
  await taskStore.createTask(taskRecord('task_a'));
  await taskStore.createTask(taskRecord('task_b'));
  assert.equal(await taskStore.lastEventTimestamp('task_a'), 0);
  assert.deepEqual(await taskStore.listEvents('task_a', 0), []);

  const first = await taskStore.appendEvent('task_a', { id: 'one', name: 'browser_action', payload: { code: 200, output: { text: 'é' } }, timestamp: 100 });
  assert.equal(first.timestamp, 100);
  // A proposed time at or before the last one is moved just past it.
  const second = await taskStore.appendEvent('task_a', { id: 'two', name: 'tool_call', payload: { name: 'lookup', input: {} }, timestamp: 100 });
  assert.equal(second.timestamp, 101);
  const third = await taskStore.appendEvent('task_a', { id: 'three', name: 'session_action', payload: { code: 200 }, timestamp: 50 });
  assert.equal(third.timestamp, 102);
  // Another task's log is its own.
  assert.equal((await taskStore.appendEvent('task_b', { id: 'b', name: 'browser_action', payload: {}, timestamp: 7 })).timestamp, 7);

  assert.deepEqual((await taskStore.listEvents('task_a', 0)).map((event) => [event.id, event.timestamp]), [
    ['one', 100],
    ['two', 101],
    ['three', 102],
  ]);
  assert.deepEqual(await taskStore.listEvents('task_a', 0), await secondTaskStore.listEvents('task_a', 0));
  assert.deepEqual((await taskStore.listEvents('task_a', 100.5)).map((event) => event.id), ['two', 'three']);
  assert.deepEqual(await taskStore.listEvents('task_a', 102), []);
  assert.equal(await taskStore.lastEventTimestamp('task_a'), 102);

  // Two writers (two processes) appending at once with the same clock reading: all stored, all distinct, in order.
  const writes = Array.from({ length: 60 }, (_, index) =>
    (index % 2 === 0 ? taskStore : secondTaskStore).appendEvent('task_a', { id: `racing-${index}`, name: 'browser_action', payload: { index }, timestamp: 200 }),
  );
  const stored = await Promise.all(writes);
  const listed = await secondTaskStore.listEvents('task_a', 102);
  assert.equal(listed.length, 60);
  for (let index = 1; index < listed.length; index += 1) assert.ok(listed[index]!.timestamp > listed[index - 1]!.timestamp);
  assert.deepEqual(new Set(stored.map((event) => event.timestamp)), new Set(listed.map((event) => event.timestamp)));
  assert.equal(listed[0]?.timestamp, 200);
});

contract('a reserved timestamp (the cursor a heartbeat gives) is passed by every later event, from any writer', async ({ taskStore, secondTaskStore }) => {
  await taskStore.createTask(taskRecord('task_a'));
  // A fresh task: the first poll's heartbeat reserves a time, and the client's cursor moves there.
  const reserved = await taskStore.reserveEventTimestamp('task_a', 500);
  assert.equal(reserved, 500);
  assert.equal(await secondTaskStore.reserveEventTimestamp('task_a', 500), 501, 'a second reservation moves past the first');
  // Another process appends with a clock reading behind it: the event still lands after the cursor.
  const event = await secondTaskStore.appendEvent('task_a', { id: 'late-clock', name: 'browser_action', payload: {}, timestamp: 499 });
  assert.equal(event.timestamp, 502);
  assert.deepEqual((await taskStore.listEvents('task_a', reserved)).map((stored) => stored.id), ['late-clock']);
  assert.ok((await taskStore.reserveEventTimestamp('task_a', 0)) > event.timestamp);
});

contract('steps are kept in order and counted per task', async ({ taskStore }) => {
  await taskStore.createTask(taskRecord('task_a'));
  await taskStore.createTask(taskRecord('task_b'));
  for (const index of [1, 2, 3]) await taskStore.addStep('task_a', step(index));
  await taskStore.addStep('task_b', step(1));
  assert.deepEqual(await taskStore.listSteps('task_a'), [step(1), step(2), step(3)]);
  assert.deepEqual(await taskStore.countSteps(['task_a', 'task_b', 'task_none']), new Map([['task_a', 3], ['task_b', 1], ['task_none', 0]]));
  assert.deepEqual(await taskStore.countSteps([]), new Map());
});

contract('commands and downloads are listed in the order they came', async ({ taskStore }) => {
  await taskStore.createTask(taskRecord('task_a'));
  await taskStore.addCommand('task_a', { id: 'c1', action: 'goto', input: { url: 'http://127.0.0.1/' }, sentAtMs: 10 });
  await taskStore.addCommand('task_a', { id: 'c2', action: 'close', input: undefined, sentAtMs: 5 });
  assert.deepEqual(await taskStore.listCommands('task_a'), [
    { id: 'c1', action: 'goto', input: { url: 'http://127.0.0.1/' }, sentAtMs: 10 },
    { id: 'c2', action: 'close', input: null, sentAtMs: 5 },
  ]);
  await taskStore.addDownload('task_a', { url: 'http://127.0.0.1/b.pdf', fileName: 'b.pdf', blobKey: 'tasks/task_a/downloads/1-b.pdf', bytes: 3_000_000_000 });
  await taskStore.addDownload('task_a', { url: 'http://127.0.0.1/a.pdf', fileName: 'a.pdf', blobKey: 'tasks/task_a/downloads/2-a.pdf', bytes: 12 });
  assert.deepEqual(await taskStore.listDownloads('task_a'), [
    { url: 'http://127.0.0.1/b.pdf', fileName: 'b.pdf', blobKey: 'tasks/task_a/downloads/1-b.pdf', bytes: 3_000_000_000 },
    { url: 'http://127.0.0.1/a.pdf', fileName: 'a.pdf', blobKey: 'tasks/task_a/downloads/2-a.pdf', bytes: 12 },
  ]);
  assert.deepEqual(await taskStore.listDownloads('task_none'), []);
});

contract('a restarted worker fails only its own live tasks, with their pending recordings', async ({ taskStore }) => {
  const future = Date.now() + 60_000;
  await taskStore.createTask(taskRecord('task_waiting'), { owner: 'worker-a', expiresAtMs: future });
  await taskStore.createTask(taskRecord('task_running', { status: 'running' }), { owner: 'worker-a', expiresAtMs: future });
  await taskStore.createTask(taskRecord('task_done', { status: 'done', finishedAtMs: 3, recording: 'ready' }), { owner: 'worker-a', expiresAtMs: future });
  await taskStore.createTask(taskRecord('task_of_b', { status: 'running' }), { owner: 'worker-b', expiresAtMs: future });
  await taskStore.createTask(taskRecord('task_unowned'));
  assert.deepEqual((await taskStore.failTasksOf('worker-a', 'server restarted')).sort(), ['task_running', 'task_waiting']);
  for (const id of ['task_waiting', 'task_running']) {
    const task = await taskStore.getTask(id);
    assert.equal(task?.status, 'failed');
    assert.equal(task?.error, 'server restarted');
    assert.equal(task?.recording, 'none');
    assert.ok((task?.finishedAtMs ?? 0) > 0);
  }
  assert.deepEqual(await taskStore.getTask('task_done'), taskRecord('task_done', { status: 'done', finishedAtMs: 3, recording: 'ready' }));
  assert.deepEqual(await taskStore.getTask('task_of_b'), taskRecord('task_of_b', { status: 'running' }));
  assert.deepEqual(await taskStore.getTask('task_unowned'), taskRecord('task_unowned'));
  assert.deepEqual(await taskStore.failTasksOf('worker-a', 'again'), []);
});

contract('leases: claimed by one worker, renewed by its heartbeat, swept when it stops', async ({ taskStore, secondTaskStore }) => {
  const now = Date.now();
  await taskStore.createTask(taskRecord('task_queued'));
  assert.equal(await taskStore.getLease('task_queued'), undefined);
  assert.equal(await taskStore.getLease('task_unknown'), undefined);
  // Two workers race for a queued task: one gets it.
  const claims = await Promise.all([
    taskStore.claimTask('task_queued', { owner: 'worker-a', expiresAtMs: now + 60_000 }),
    secondTaskStore.claimTask('task_queued', { owner: 'worker-b', expiresAtMs: now + 60_000 }),
  ]);
  assert.equal(claims.filter(Boolean).length, 1);
  const winner = claims[0] ? 'worker-a' : 'worker-b';
  const loser = claims[0] ? 'worker-b' : 'worker-a';
  assert.deepEqual(await taskStore.getLease('task_queued'), { owner: winner, expiresAtMs: now + 60_000 });
  assert.equal(await taskStore.claimTask('task_queued', { owner: loser, expiresAtMs: now + 60_000 }), false);
  assert.equal(await taskStore.claimTask('task_queued', { owner: winner, expiresAtMs: now + 61_000 }), false, 'a second delivery to the holder is not run twice');
  await taskStore.updateTask('task_queued', { status: 'running' });
  assert.equal(await taskStore.claimTask('task_queued', { owner: winner, expiresAtMs: now + 62_000 }), false, 'a running task is not claimed');

  // The heartbeat renews the holder's live tasks only.
  await taskStore.createTask(taskRecord('task_finished', { status: 'done', finishedAtMs: 1 }), { owner: winner, expiresAtMs: now + 1_000 });
  await taskStore.createTask(taskRecord('task_of_loser', { status: 'running' }), { owner: loser, expiresAtMs: now + 1_000 });
  assert.deepEqual(await taskStore.renewLeases(winner, now + 90_000), ['task_queued']);
  assert.equal((await taskStore.getLease('task_queued'))?.expiresAtMs, now + 90_000);
  assert.equal((await taskStore.getLease('task_finished'))?.expiresAtMs, now + 1_000);

  // The loser stops renewing: once its lease is past, a sweep (from any process) fails its task, and only that one.
  assert.deepEqual(await secondTaskStore.failExpiredLeases(now + 500, 'its worker died'), []);
  assert.deepEqual(await secondTaskStore.failExpiredLeases(now + 2_000, 'its worker died'), ['task_of_loser']);
  const swept = await taskStore.getTask('task_of_loser');
  assert.equal(swept?.status, 'failed');
  assert.equal(swept?.error, `its worker died (worker ${loser})`);
  assert.equal(swept?.recording, 'none');
  assert.equal((await taskStore.getTask('task_queued'))?.status, 'running');
  assert.equal((await taskStore.getTask('task_finished'))?.status, 'done');
  assert.deepEqual(await taskStore.renewLeases(loser, now + 90_000), [], 'a failed task is not renewed');
});

contract('a claimed task whose claimer died may be claimed by another worker; a finished or cancelled one by none', async ({ taskStore }) => {
  const now = Date.now();
  await taskStore.createTask(taskRecord('task_claimer_died'), { owner: 'worker-dead', expiresAtMs: now - 1 });
  assert.equal(await taskStore.claimTask('task_claimer_died', { owner: 'worker-b', expiresAtMs: now + 60_000 }), true);
  assert.deepEqual(await taskStore.getLease('task_claimer_died'), { owner: 'worker-b', expiresAtMs: now + 60_000 });
  await taskStore.createTask(taskRecord('task_cancelled'));
  await taskStore.updateTask('task_cancelled', { status: 'cancelled', finishedAtMs: now });
  assert.equal(await taskStore.claimTask('task_cancelled', { owner: 'worker-b', expiresAtMs: now + 60_000 }), false);
  assert.equal(await taskStore.getLease('task_cancelled'), undefined);
  assert.equal(await taskStore.claimTask('task_unknown', { owner: 'worker-b', expiresAtMs: now + 60_000 }), false);
});

contract('a task a worker claimed but has not started can be ended by an API process; the worker then cannot start it', async ({ taskStore, secondTaskStore }) => {
  const now = Date.now();
  await taskStore.createTask(taskRecord('task_claimed'));
  assert.equal(await taskStore.claimTask('task_claimed', { owner: 'worker-a', expiresAtMs: now + 60_000 }), true);
  assert.equal(await secondTaskStore.updateWaitingTask('task_claimed', { status: 'cancelled', error: 'cancelled before it started', finishedAtMs: now }), true);
  assert.equal(await taskStore.updateOwnedTask('task_claimed', 'worker-a', { status: 'running' }), false, 'the claimer may not bring it back to life');
  assert.equal((await taskStore.getTask('task_claimed'))?.status, 'cancelled');
  // Once its runner has started it, only the runner ends it.
  await taskStore.createTask(taskRecord('task_started'), { owner: 'worker-a', expiresAtMs: now + 60_000 });
  assert.equal(await taskStore.updateOwnedTask('task_started', 'worker-a', { status: 'running' }), true);
  assert.equal(await secondTaskStore.updateWaitingTask('task_started', { status: 'cancelled', finishedAtMs: now }), false);
  assert.equal((await taskStore.getTask('task_started'))?.status, 'running');
  assert.equal(await taskStore.updateWaitingTask('task_unknown', { status: 'cancelled' }), false);
});

contract("a worker's updates are stored only while it holds the live task: a late final write does not overwrite a sweep's failure", async ({ taskStore, secondTaskStore }) => {
  const now = Date.now();
  await taskStore.createTask(taskRecord('task_held'), { owner: 'worker-a', expiresAtMs: now + 60_000 });
  assert.equal(await taskStore.updateOwnedTask('task_held', 'worker-b', { status: 'running' }), false, 'another worker');
  assert.deepEqual([await taskStore.updateOwnedTask('task_held', 'worker-a', {}), await taskStore.updateOwnedTask('task_held', 'worker-b', {})], [true, false], 'an empty update only checks');
  assert.equal((await taskStore.getTask('task_held'))?.status, 'waiting');
  assert.equal(await taskStore.updateOwnedTask('task_held', 'worker-a', { status: 'running' }), true);
  assert.equal((await taskStore.getTask('task_held'))?.status, 'running');
  assert.equal(await taskStore.updateOwnedTask('task_held', 'worker-a', { status: 'done', output: { answer: 42 }, finishedAtMs: now + 5, recording: 'ready' }), true);
  assert.deepEqual(await taskStore.getTask('task_held'), taskRecord('task_held', { status: 'done', output: { answer: 42 }, finishedAtMs: now + 5, recording: 'ready' }));
  assert.equal(await taskStore.updateOwnedTask('task_held', 'worker-a', { status: 'failed', error: 'again' }), false, 'an ended task takes no more');

  // Worker A stalls past its lease; another process's sweep fails the task; A's late result is refused.
  await taskStore.createTask(taskRecord('task_stalled', { status: 'running' }), { owner: 'worker-a', expiresAtMs: now - 1 });
  assert.equal((await taskStore.getTask('task_stalled'))?.status, 'running', 'read (and cached) before the sweep');
  assert.deepEqual(await secondTaskStore.failExpiredLeases(now, 'its worker died'), ['task_stalled']);
  assert.equal(await taskStore.updateOwnedTask('task_stalled', 'worker-a', {}), false, 'the stalled worker finds out it no longer holds it');
  assert.equal(await taskStore.updateOwnedTask('task_stalled', 'worker-a', { status: 'done', output: 'late', finishedAtMs: now + 10 }), false);
  const swept = await secondTaskStore.getTask('task_stalled');
  assert.deepEqual([swept?.status, swept?.error, swept?.output], ['failed', 'its worker died (worker worker-a)', null]);
  assert.equal(await taskStore.updateOwnedTask('task_unknown', 'worker-a', { status: 'done' }), false);
});

contract('stored launches are sealed, read by the worker that claimed the task, kept until it starts, and go with a task that ends before it starts', async ({ taskStore, secondTaskStore, storedLaunchText }) => {
  const settings = JSON.stringify({ proxy: { password: 'proxy-hunter2' }, secrets: [{ name: 'pin', value: 'secret-1234' }], pfx: 'Y2VydGlmaWNhdGUtYnl0ZXM=' });
  await taskStore.createTask(taskRecord('task_launched'));
  await taskStore.putTaskLaunch('task_launched', settings);
  const stored = await storedLaunchText('task_launched');
  assert.ok(stored !== undefined, 'the launch is stored');
  for (const clear of ['proxy-hunter2', 'secret-1234', 'Y2VydGlmaWNhdGUtYnl0ZXM=', 'pin']) assert.equal(stored.includes(clear), false, `${clear} is in the stored launch`);
  // Reading leaves it (a worker that dies before the start leaves it for the next); the start deletes it.
  assert.equal(await secondTaskStore.readTaskLaunch('task_launched'), settings);
  assert.equal(await taskStore.readTaskLaunch('task_launched'), settings);
  await secondTaskStore.deleteTaskLaunch('task_launched');
  assert.equal(await storedLaunchText('task_launched'), undefined);
  assert.equal(await taskStore.readTaskLaunch('task_launched'), undefined);

  // A restarted worker's leftovers and a dead worker's tasks lose their launches with their lives.
  const now = Date.now();
  await taskStore.createTask(taskRecord('task_leftover', { status: 'running' }), { owner: 'worker-a', expiresAtMs: now + 60_000 });
  await taskStore.putTaskLaunch('task_leftover', settings);
  await taskStore.createTask(taskRecord('task_expired', { status: 'running' }), { owner: 'worker-dead', expiresAtMs: now - 1 });
  await taskStore.putTaskLaunch('task_expired', settings);
  await taskStore.createTask(taskRecord('task_still_waiting'));
  await taskStore.putTaskLaunch('task_still_waiting', settings);
  assert.deepEqual(await taskStore.failTasksOf('worker-a', 'restarted'), ['task_leftover']);
  assert.deepEqual(await taskStore.failExpiredLeases(now, 'died'), ['task_expired']);
  assert.equal(await storedLaunchText('task_leftover'), undefined);
  assert.equal(await storedLaunchText('task_expired'), undefined);
  assert.equal(await secondTaskStore.readTaskLaunch('task_still_waiting'), settings, 'an unclaimed waiting task keeps its launch');
  // Erasing a task's data takes a launch left behind with it.
  await taskStore.createTask(taskRecord('task_dropped'));
  await taskStore.putTaskLaunch('task_dropped', settings);
  await taskStore.updateTask('task_dropped', { status: 'cancelled', finishedAtMs: now });
  await taskStore.eraseTaskData('task_dropped');
  assert.equal(await storedLaunchText('task_dropped'), undefined);
});

contract('a claimed task that never started is handed back when its worker stops (its launch still stored); without its launch it fails, saying so', async ({ taskStore, secondTaskStore }) => {
  const now = Date.now();
  const settings = JSON.stringify({ device: 'mobile' });
  // Claimed by a worker whose lease has run out, before it started: handed back, lease cleared.
  await taskStore.createTask(taskRecord('task_unstarted'));
  await taskStore.putTaskLaunch('task_unstarted', settings);
  assert.equal(await taskStore.claimTask('task_unstarted', { owner: 'worker-dead', expiresAtMs: now + 1_000 }), true);
  // Claimed by the same dead worker, launch gone (a worker that kept it in memory): it fails.
  await taskStore.createTask(taskRecord('task_settings_gone'), { owner: 'worker-dead', expiresAtMs: now + 1_000 });
  // Running on that worker: it fails as before (its browser is gone).
  await taskStore.createTask(taskRecord('task_running', { status: 'running' }), { owner: 'worker-dead', expiresAtMs: now + 1_000 });
  await taskStore.putTaskLaunch('task_running', settings);
  // A live worker's unstarted claim is not touched.
  await taskStore.createTask(taskRecord('task_live_claim'));
  await taskStore.putTaskLaunch('task_live_claim', settings);
  assert.equal(await taskStore.claimTask('task_live_claim', { owner: 'worker-alive', expiresAtMs: now + 60_000 }), true);

  assert.deepEqual(await secondTaskStore.releaseUnstartedTasks({ leaseExpiredBeforeMs: now }), [], 'not before the lease runs out');
  assert.deepEqual(await secondTaskStore.releaseUnstartedTasks({ leaseExpiredBeforeMs: now + 2_000 }), [{ id: 'task_unstarted', tenant: 'tenant-a' }]);
  assert.equal(await taskStore.getLease('task_unstarted'), undefined);
  assert.equal((await taskStore.getTask('task_unstarted'))?.status, 'waiting');
  assert.equal(await taskStore.readTaskLaunch('task_unstarted'), settings, 'its settings stay for the next worker');
  assert.deepEqual((await secondTaskStore.failExpiredLeases(now + 2_000, 'its worker died', 'it never started and its settings are gone')).sort(), ['task_running', 'task_settings_gone']);
  assert.equal((await taskStore.getTask('task_settings_gone'))?.error, 'it never started and its settings are gone (worker worker-dead)');
  assert.equal((await taskStore.getTask('task_running'))?.error, 'its worker died (worker worker-dead)');
  assert.equal((await taskStore.getTask('task_unstarted'))?.status, 'waiting', 'the handed-back task is not swept');
  assert.equal(await secondTaskStore.claimTask('task_unstarted', { owner: 'worker-next', expiresAtMs: now + 60_000 }), true, 'another worker claims it');
  assert.deepEqual(await taskStore.getLease('task_live_claim'), { owner: 'worker-alive', expiresAtMs: now + 60_000 });

  // A restarted worker hands back its own unstarted claims (with launches) and only those.
  assert.deepEqual(await taskStore.releaseUnstartedTasks({ owner: 'worker-alive' }), [{ id: 'task_live_claim', tenant: 'tenant-a' }]);
  assert.deepEqual(await taskStore.releaseUnstartedTasks({ owner: 'worker-alive' }), []);
  assert.deepEqual(await taskStore.releaseUnstartedTasks({ owner: 'worker-next' }), [{ id: 'task_unstarted', tenant: 'tenant-a' }]);
});

contract('unclaimed waiting tasks are listed oldest first, from a given age on (what the queue must hold)', async ({ taskStore, secondTaskStore }) => {
  await taskStore.createTask(taskRecord('task_young', { createdAtMs: 5_000 }));
  await taskStore.createTask(taskRecord('task_old', { createdAtMs: 1_000 }));
  await taskStore.createTask(taskRecord('task_middle', { createdAtMs: 2_000, tenant: 'tenant-b' }));
  await taskStore.createTask(taskRecord('task_claimed', { createdAtMs: 1_000 }), { owner: 'worker-a', expiresAtMs: Date.now() + 60_000 });
  await taskStore.createTask(taskRecord('task_running', { createdAtMs: 1_000, status: 'running' }));
  await taskStore.createTask(taskRecord('task_over', { createdAtMs: 1_000, status: 'done', finishedAtMs: 1_500 }));
  assert.deepEqual(await secondTaskStore.listUnclaimedTasks(4_000), [
    { id: 'task_old', tenant: 'tenant-a' },
    { id: 'task_middle', tenant: 'tenant-b' },
  ]);
  assert.deepEqual((await secondTaskStore.listUnclaimedTasks(10_000)).map((task) => task.id), ['task_old', 'task_middle', 'task_young']);
  assert.deepEqual(await secondTaskStore.listUnclaimedTasks(1_000), []);
});

contract("one live writer per tenant's profile, across processes, released when its final state is stored by whoever stores it", async ({ taskStore, secondTaskStore }) => {
  const now = Date.now();
  assert.equal(await taskStore.profileWriter('tenant-a', 'work'), undefined);
  await taskStore.createTask(taskRecord('task_writer'), undefined, 'work');
  assert.equal(await secondTaskStore.profileWriter('tenant-a', 'work'), 'task_writer');
  // A second writer through another process's connection is refused, and nothing of it is stored.
  await assert.rejects(secondTaskStore.createTask(taskRecord('task_second'), undefined, 'work'), (error: Error) => {
    assert.ok(error instanceof ProfileWriterTakenError, String(error));
    assert.deepEqual([error.tenant, error.profileId], ['tenant-a', 'work']);
    return true;
  });
  assert.equal(await taskStore.getTask('task_second'), undefined);
  // Readers, other profiles and other tenants are not held up.
  await secondTaskStore.createTask(taskRecord('task_reader'));
  await secondTaskStore.createTask(taskRecord('task_home'), undefined, 'home');
  await secondTaskStore.createTask(taskRecord('task_other_tenant', { tenant: 'tenant-b' }), undefined, 'work');
  assert.equal(await taskStore.profileWriter('tenant-b', 'work'), 'task_other_tenant');
  // Running still holds it; the worker's final state lets go.
  await taskStore.updateTask('task_writer', { status: 'running' });
  await assert.rejects(taskStore.createTask(taskRecord('task_third'), undefined, 'work'), ProfileWriterTakenError);
  await taskStore.updateTask('task_writer', { status: 'done', finishedAtMs: now });
  assert.equal(await taskStore.profileWriter('tenant-a', 'work'), undefined);
  await secondTaskStore.createTask(taskRecord('task_next'), { owner: 'worker-dead', expiresAtMs: now - 1 }, 'work');
  // A sweep of its dead worker lets go too.
  assert.deepEqual(await taskStore.failExpiredLeases(now, 'died'), ['task_next']);
  assert.equal(await secondTaskStore.profileWriter('tenant-a', 'work'), undefined);
  await taskStore.createTask(taskRecord('task_after_sweep'), undefined, 'work');
  assert.equal(await taskStore.profileWriter('tenant-a', 'work'), 'task_after_sweep');
  // An ordinary duplicate (same id) is not mistaken for a taken profile.
  await assert.rejects(taskStore.createTask(taskRecord('task_reader', { downloadsToken: 'other' }), undefined, 'elsewhere'), (error: Error) => !(error instanceof ProfileWriterTakenError));
});

contract('erasing a task forgets its data and keeps its summary', async ({ taskStore, storedRequestText }) => {
  await taskStore.createTask(taskRecord('task_a', { status: 'done', output: { secret: 'answer' }, request: { task: 'private words', secrets: { pin: '1234' } } }));
  await taskStore.createTask(taskRecord('task_off', { status: 'done', recording: 'off' }));
  await taskStore.appendEvent('task_a', { id: 'e', name: 'browser_action', payload: {}, timestamp: 10 });
  await taskStore.addStep('task_a', step(1));
  await taskStore.addCommand('task_a', { id: 'c', action: 'goto', input: {}, sentAtMs: 1 });
  await taskStore.addDownload('task_a', { url: 'u', fileName: 'f', blobKey: 'tasks/task_a/downloads/1-f', bytes: 1 });
  await taskStore.eraseTaskData('task_a');
  await taskStore.eraseTaskData('task_off');
  const erased = await taskStore.getTask('task_a');
  assert.deepEqual(erased, { ...taskRecord('task_a', { status: 'done' }), request: { task: null }, output: null, recording: 'none', liveToken: null });
  assert.equal((await taskStore.getTask('task_off'))?.recording, 'off');
  assert.deepEqual(JSON.parse(await storedRequestText('task_a')), { task: null });
  assert.deepEqual(await taskStore.listEvents('task_a', 0), []);
  assert.deepEqual(await taskStore.listSteps('task_a'), []);
  assert.deepEqual(await taskStore.listCommands('task_a'), []);
  assert.deepEqual(await taskStore.listDownloads('task_a'), []);
});

contract('profiles belong to one tenant', async ({ resources }) => {
  assert.equal(await resources.createProfile('tenant-a', 'work'), true);
  assert.equal(await resources.createProfile('tenant-a', 'work'), false);
  assert.equal(await resources.createProfile('tenant-b', 'work'), true, 'another tenant may use the same id');
  assert.equal(await resources.createProfile('tenant-a', 'home'), true);
  // Oldest first, ties by id: both may well have been made in the same millisecond.
  assert.deepEqual((await resources.listProfiles('tenant-a')).sort(), ['home', 'work']);
  assert.equal(await resources.hasProfile('tenant-a', 'home'), true);
  assert.equal(await resources.hasProfile('tenant-b', 'home'), false);
  assert.equal(await resources.deleteProfile('tenant-b', 'home'), false);
  assert.equal(await resources.deleteProfile('tenant-a', 'home'), true);
  assert.equal(await resources.deleteProfile('tenant-a', 'home'), false);
  assert.deepEqual(await resources.listProfiles('tenant-a'), ['work']);
  assert.deepEqual(await resources.listProfiles('tenant-b'), ['work']);
});

contract('files are listed newest first and only to their tenant', async ({ resources }) => {
  const file = (id: string, createdAtMs: number, tenant = 'tenant-a') => ({ id, tenant, fileName: `${id}.txt`, purpose: id === 'f1' ? null : 'upload', blobKey: `files/${id}/${id}.txt`, bytes: 5_000_000_000, createdAtMs });
  await resources.addFile(file('f1', 1000));
  await resources.addFile(file('f2', 2000));
  await resources.addFile(file('f3', 2000));
  await resources.addFile(file('fb', 3000, 'tenant-b'));
  assert.deepEqual(await resources.listFiles('tenant-a'), [file('f3', 2000), file('f2', 2000), file('f1', 1000)]);
  assert.deepEqual(await resources.getFile('tenant-a', 'f1'), file('f1', 1000));
  assert.equal(await resources.getFile('tenant-b', 'f1'), undefined);
  assert.equal(await resources.deleteFile('tenant-b', 'f1'), false);
  assert.equal(await resources.deleteFile('tenant-a', 'f1'), true);
  assert.equal(await resources.getFile('tenant-a', 'f1'), undefined);
  assert.deepEqual((await resources.listFiles('tenant-b')).map((stored) => stored.id), ['fb']);
});

contract('extensions are listed oldest first and only to their tenant', async ({ resources }) => {
  const extension = (id: string, createdAtMs: number, tenant = 'tenant-a') => ({ id, tenant, fileName: `${id}.zip`, blobKey: `extensions/${id}/${id}.zip`, createdAtMs });
  await resources.addExtension(extension('e2', 2000));
  await resources.addExtension(extension('e1', 1000));
  await resources.addExtension(extension('eb', 1000, 'tenant-b'));
  assert.deepEqual(await resources.listExtensions('tenant-a'), [extension('e1', 1000), extension('e2', 2000)]);
  assert.deepEqual(await resources.getExtension('tenant-a', 'e2'), extension('e2', 2000));
  assert.equal(await resources.getExtension('tenant-b', 'e2'), undefined);
  assert.equal(await resources.deleteExtension('tenant-b', 'e2'), false);
  assert.equal(await resources.deleteExtension('tenant-a', 'e2'), true);
  assert.deepEqual((await resources.listExtensions('tenant-a')).map((stored) => stored.id), ['e1']);
  assert.deepEqual((await resources.listExtensions('tenant-b')).map((stored) => stored.id), ['eb']);
});

contract('API keys are kept once each, oldest first', async ({ resources }) => {
  assert.deepEqual(await resources.listApiKeys(), []);
  await resources.addApiKey('sk_first');
  await resources.addApiKey('sk_first');
  assert.deepEqual(await resources.listApiKeys(), ['sk_first']);
});

test('a database URL the server cannot use stops the start with a reason, and never prints its password', async (t) => {
  const dataDirectory = await makeTemporaryDirectory();
  t.after(() => rm(dataDirectory, { recursive: true, force: true }));
  await assert.rejects(startServer({ dataDirectory, apiKeys: ['sk_test'], databaseUrl: 'mysql://user:hunter2@127.0.0.1/db' }), (error: Error) => {
    assert.match(error.message, /is not a postgres:\/\/ or postgresql:\/\/ URL/);
    assert.ok(!error.message.includes('hunter2'), error.message);
    return true;
  });
  // Nothing listens on port 1: the connection is refused.
  await assert.rejects(startServer({ dataDirectory, apiKeys: ['sk_test'], databaseUrl: 'postgres://user:hunter2@127.0.0.1:1/db' }), (error: Error) => {
    assert.match(error.message, /could not open the PostgreSQL database at postgres:\/\/user:\*\*\*@127\.0\.0\.1:1\/db/);
    assert.ok(!error.message.includes('hunter2'), error.message);
    return true;
  });
});

test('postgres: two servers starting at once on an empty database migrate it once', async (t) => {
  if (!postgres) throw new Error('the PostgreSQL cluster did not start');
  const url = await postgres.createDatabase();
  const pools = await Promise.all([openPostgres(url), openPostgres(url), openPostgres(url)]);
  t.after(() => Promise.all(pools.map((pool) => pool.end())));
  const versions = await pools[0]!.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  assert.deepEqual(versions.rows.map((row) => row.version), postgresMigrations.map((_, index) => index + 1));
  assert.equal(await migratePostgres(pools[1]!), 0, 'a migrated database has nothing left to apply');
});
