import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatabase } from '../src/store/open-database.js';
import { SecretSealer } from '../src/store/secret-sealer.js';
import { SqliteTaskStore } from '../src/store/sqlite-task-store.js';
import { InProcessEventNotifier } from '../src/scale/in-process-event-notifier.js';
import { TaskEventLog } from '../src/tasks/task-event-log.js';
import { makeTemporaryDirectory } from './support/test-server.js';

test('hundreds of events appended within the same milliseconds get strictly increasing timestamps and none is lost on resume', async (t) => {
  const directory = await makeTemporaryDirectory();
  const database = openDatabase(join(directory, 'store.sqlite'));
  t.after(async () => {
    database.close();
    await rm(directory, { recursive: true, force: true });
  });
  const log = new TaskEventLog(new SqliteTaskStore(database, SecretSealer.forDataDirectory(directory)), new InProcessEventNotifier());
  const appended = await Promise.all(
    Array.from({ length: 500 }, (_, index) => log.append('task_a', { id: `event-${index}`, name: 'browser_action', payload: { code: 200, output: index } })),
  );
  const distinctMilliseconds = new Set(appended.map((event) => Math.floor(event.timestamp))).size;
  assert.equal(distinctMilliseconds, 500);
  for (let index = 1; index < appended.length; index += 1) assert.ok(appended[index]!.timestamp > appended[index - 1]!.timestamp);

  // A client resuming from the last timestamp it saw, 37 events at a time, sees every event once.
  const store = new SqliteTaskStore(database, SecretSealer.forDataDirectory(directory));
  const seen: string[] = [];
  let eventT = 0;
  for (;;) {
    const batch = (await store.listEvents('task_a', eventT)).slice(0, 37);
    if (batch.length === 0) break;
    seen.push(...batch.map((event) => event.id));
    eventT = batch.at(-1)!.timestamp;
  }
  assert.deepEqual(seen, appended.map((event) => event.id));

  // A fresh log (after a restart) continues after the stored timestamps, even with a clock behind.
  const restarted = new TaskEventLog(new SqliteTaskStore(database, SecretSealer.forDataDirectory(directory)), new InProcessEventNotifier());
  const next = await restarted.append('task_a', { id: 'after-restart', name: 'tool_call', payload: {} });
  assert.ok(next.timestamp > appended.at(-1)!.timestamp);
});

test('two writers of one task (two processes on one database) still give strictly increasing timestamps', async (t) => {
  const directory = await makeTemporaryDirectory();
  const path = join(directory, 'store.sqlite');
  const first = openDatabase(path);
  const second = openDatabase(path);
  t.after(async () => {
    first.close();
    second.close();
    await rm(directory, { recursive: true, force: true });
  });
  const sealer = SecretSealer.forDataDirectory(directory);
  const logs = [new TaskEventLog(new SqliteTaskStore(first, sealer), new InProcessEventNotifier()), new TaskEventLog(new SqliteTaskStore(second, sealer), new InProcessEventNotifier())];
  // Each log remembers only its own last timestamp; the database keeps the order between them.
  const appended = await Promise.all(
    Array.from({ length: 200 }, (_, index) => logs[index % 2]!.append('task_a', { id: `event-${index}`, name: 'browser_action', payload: { code: 200, output: index } })),
  );
  const stored = await new SqliteTaskStore(first, sealer).listEvents('task_a', 0);
  assert.equal(stored.length, 200);
  for (let index = 1; index < stored.length; index += 1) assert.ok(stored[index]!.timestamp > stored[index - 1]!.timestamp);
  assert.deepEqual(new Set(appended.map((event) => event.timestamp)), new Set(stored.map((event) => event.timestamp)), 'each writer learns the timestamp its event got');
});
