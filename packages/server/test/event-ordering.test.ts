import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatabase } from '../src/store/open-database.js';
import { SecretSealer } from '../src/store/secret-sealer.js';
import { SqliteTaskStore } from '../src/store/sqlite-task-store.js';
import { TaskEventLog } from '../src/tasks/task-event-log.js';
import { makeTemporaryDirectory } from './support/test-server.js';

test('hundreds of events appended within the same milliseconds get strictly increasing timestamps and none is lost on resume', async (t) => {
  const directory = await makeTemporaryDirectory();
  const database = openDatabase(join(directory, 'store.sqlite'));
  t.after(async () => {
    database.close();
    await rm(directory, { recursive: true, force: true });
  });
  const log = new TaskEventLog(new SqliteTaskStore(database, SecretSealer.forDataDirectory(directory)));
  const appended = Array.from({ length: 500 }, (_, index) => log.append('task_a', { id: `event-${index}`, name: 'browser_action', payload: { code: 200, output: index } }));
  const distinctMilliseconds = new Set(appended.map((event) => Math.floor(event.timestamp))).size;
  assert.equal(distinctMilliseconds, 500);
  for (let index = 1; index < appended.length; index += 1) assert.ok(appended[index]!.timestamp > appended[index - 1]!.timestamp);

  // A client resuming from the last timestamp it saw, 37 events at a time, sees every event once.
  const store = new SqliteTaskStore(database, SecretSealer.forDataDirectory(directory));
  const seen: string[] = [];
  let eventT = 0;
  for (;;) {
    const batch = store.listEvents('task_a', eventT).slice(0, 37);
    if (batch.length === 0) break;
    seen.push(...batch.map((event) => event.id));
    eventT = batch.at(-1)!.timestamp;
  }
  assert.deepEqual(seen, appended.map((event) => event.id));

  // A fresh log (after a restart) continues after the stored timestamps, even with a clock behind.
  const restarted = new TaskEventLog(new SqliteTaskStore(database, SecretSealer.forDataDirectory(directory)));
  const next = restarted.append('task_a', { id: 'after-restart', name: 'tool_call', payload: {} });
  assert.ok(next.timestamp > appended.at(-1)!.timestamp);
});
