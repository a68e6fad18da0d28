import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CachedTaskStore } from '../src/store/cached-task-store.js';
import { openDatabase } from '../src/store/open-database.js';
import { SecretSealer } from '../src/store/secret-sealer.js';
import { SqliteTaskStore } from '../src/store/sqlite-task-store.js';
import type { TaskRecord, TaskStore } from '../src/store/task-record.js';
import { TaskResponseBodies } from '../src/task-response-bodies.js';
import { taskResponseToWire } from '../src/wire-format.js';
import { makeTemporaryDirectory } from './support/test-server.js';
import { taskRecordFixture } from './support/task-record-fixture.js';

function taskRecord(id: string): TaskRecord {
  return taskRecordFixture(id, { kind: 'session', request: { task: null }, downloadsToken: `token-${id}` });
}

async function openStores(t: { after: (fn: () => Promise<void>) => void }) {
  const directory = await makeTemporaryDirectory();
  const database = openDatabase(join(directory, 'store.sqlite'));
  t.after(async () => {
    database.close();
    await rm(directory, { recursive: true, force: true });
  });
  const sqlite = new SqliteTaskStore(database, SecretSealer.forDataDirectory(directory));
  return { sqlite, cached: new CachedTaskStore(sqlite, { maxTasks: 2, maxEventsPerTask: 3 }) };
}

test('the cached store reads exactly what SQLite holds after every kind of write', async (t) => {
  const { sqlite, cached } = await openStores(t);
  await cached.createTask(taskRecord('task_a'));
  const first = await cached.getTask('task_a');
  assert.deepEqual(first, await sqlite.getTask('task_a'));
  assert.equal(await cached.getTask('task_a'), first, 'a second read is served from memory');
  assert.ok(Object.isFrozen(first));

  await cached.updateTask('task_a', { status: 'done', output: { price: 42, when: undefined }, costDollars: 0.031, finishedAtMs: 1_700_000_001_000 });
  const updated = await cached.getTask('task_a');
  assert.notEqual(updated, first);
  assert.deepEqual(updated, await sqlite.getTask('task_a'));
  assert.equal(updated?.status, 'done');
  assert.deepEqual(updated?.output, { price: 42 });

  assert.deepEqual(await cached.listEvents('task_a', 0), []);
  await cached.appendEvent('task_a', { id: 'one', name: 'browser_action', payload: { code: 200, output: { credits_used: 0 } }, timestamp: 10 });
  await cached.appendEvent('task_a', { id: 'two', name: 'tool_call', payload: { name: 'lookup', input: {} }, timestamp: 20 });
  assert.deepEqual(await cached.listEvents('task_a', 0), await sqlite.listEvents('task_a', 0));
  assert.deepEqual((await cached.listEvents('task_a', 10)).map((event) => event.id), ['two']);
  assert.deepEqual(await cached.listEvents('task_a', 20), []);
  assert.equal(await cached.lastEventTimestamp('task_a'), 20);

  await cached.eraseTaskData('task_a');
  assert.deepEqual(await cached.listEvents('task_a', 0), []);
  assert.deepEqual(await cached.getTask('task_a'), await sqlite.getTask('task_a'));
  assert.equal(await cached.getTask('task_unknown'), undefined);

  // Failing a worker's leftovers or expired leases changes many records at once: the cache drops each.
  await cached.createTask(taskRecord('task_b'), { owner: 'worker-a', expiresAtMs: Date.now() + 60_000 });
  await cached.createTask(taskRecord('task_c'), { owner: 'worker-b', expiresAtMs: 1 });
  assert.equal((await cached.getTask('task_b'))?.status, 'waiting');
  assert.equal((await cached.getTask('task_c'))?.status, 'waiting');
  assert.deepEqual(await cached.failTasksOf('worker-a', 'restarted'), ['task_b']);
  assert.equal((await cached.getTask('task_b'))?.status, 'failed');
  assert.deepEqual(await cached.failExpiredLeases(Date.now(), 'expired'), ['task_c']);
  assert.equal((await cached.getTask('task_c'))?.error, 'expired (worker worker-b)');
});

test('the cached store stays bounded: old tasks and long event logs are read from SQLite', async (t) => {
  const { sqlite, cached } = await openStores(t);
  for (const id of ['task_1', 'task_2', 'task_3']) await cached.createTask(taskRecord(id));
  const one = await cached.getTask('task_1');
  await cached.getTask('task_2');
  await cached.getTask('task_3');
  // task_1 was held longest, of three with room for two: it is read again from SQLite, equal.
  assert.notEqual(await cached.getTask('task_1'), one);
  assert.deepEqual(await cached.getTask('task_1'), one);

  for (let index = 1; index <= 5; index += 1) {
    await cached.appendEvent('task_1', { id: `event-${index}`, name: 'browser_action', payload: { code: 200, output: index }, timestamp: index });
  }
  assert.deepEqual(await cached.listEvents('task_1', 2), await sqlite.listEvents('task_1', 2));
  assert.deepEqual((await cached.listEvents('task_1', 4)).map((event) => event.id), ['event-5']);
  assert.equal(await cached.lastEventTimestamp('task_1'), 5);
});

test('prebuilt response bodies are byte for byte what JSON.stringify gives, and follow every change', async (t) => {
  const { cached } = await openStores(t);
  const bodies = new TaskResponseBodies();
  const liveUrl = 'http://127.0.0.1:1/live/task_a';
  await cached.createTask(taskRecord('task_a'));
  await cached.appendEvent('task_a', { id: 'one', name: 'browser_action', payload: { code: 200, output: { output: 'é "quoted" \u2028', credits_used: 0.5, duration: 1.25 } }, timestamp: 10 });
  const expected = async (view: Parameters<typeof taskResponseToWire>[1]) => JSON.stringify({ r: taskResponseToWire((await cached.getTask('task_a'))!, view) });

  const running = { status: 'running' as const, liveUrl, recordingUrl: null };
  assert.equal(bodies.bodyOf((await cached.getTask('task_a'))!, running), await expected(running));
  assert.equal(bodies.bodyOf((await cached.getTask('task_a'))!, running), await expected(running));
  const withEvents = { ...running, events: await cached.listEvents('task_a', 0) };
  assert.equal(bodies.bodyOf((await cached.getTask('task_a'))!, withEvents), await expected(withEvents));
  const noEvents = { ...running, events: await cached.listEvents('task_a', 10) };
  assert.equal(bodies.bodyOf((await cached.getTask('task_a'))!, noEvents), await expected(noEvents));

  await cached.updateTask('task_a', { status: 'failed', error: 'the page never loaded', costDollars: 0.021 });
  const failed = { status: 'failed' as const, liveUrl, recordingUrl: 'http://127.0.0.1:1/recordings/token-task_a/recording.mp4', downloadsUrl: '' };
  const body = bodies.bodyOf((await cached.getTask('task_a'))!, failed);
  assert.equal(body, await expected(failed));
  assert.deepEqual(JSON.parse(body).r.error, 'the page never loaded');
  assert.equal(JSON.parse(body).r.credits_used, 3);
  // The same record seen through the finish gate (still `running`) is not answered from the `failed` body.
  assert.equal(JSON.parse(bodies.bodyOf((await cached.getTask('task_a'))!, running)).r.status, 'running');
});

test('a read that a write of the same task overtakes is answered but not kept', async (t) => {
  const { sqlite } = await openStores(t);
  // The SQLite store behind a gate: a read may be held until the test lets it finish.
  let holdReads = false;
  const heldReads: Array<() => void> = [];
  const gated: TaskStore = Object.create(sqlite) as TaskStore;
  gated.getTask = async (id) => {
    const record = await sqlite.getTask(id);
    if (holdReads) await new Promise<void>((resolve) => heldReads.push(resolve));
    return record;
  };
  const cached = new CachedTaskStore(gated);
  await cached.createTask(taskRecord('task_a'));

  holdReads = true;
  const slowRead = cached.getTask('task_a');
  await cached.updateTask('task_a', { status: 'running' });
  holdReads = false;
  heldReads.shift()?.();
  assert.equal((await slowRead)?.status, 'waiting', 'the read began before the write');
  assert.equal((await cached.getTask('task_a'))?.status, 'running', 'and its old value was not kept');
});
