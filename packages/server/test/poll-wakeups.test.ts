import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ChangeWatch, EventNotifier } from '../src/scale/event-notifier.js';
import { queueTopic } from '../src/scale/event-notifier.js';
import { InProcessEventNotifier } from '../src/scale/in-process-event-notifier.js';
import { InProcessTaskQueue } from '../src/scale/in-process-task-queue.js';
import type { QueuedTask } from '../src/scale/task-queue.js';
import { openDatabase } from '../src/store/open-database.js';
import { SecretSealer } from '../src/store/secret-sealer.js';
import { SqliteTaskStore } from '../src/store/sqlite-task-store.js';
import type { TaskRecord, TaskStore } from '../src/store/task-record.js';
import { InMemoryFinishGate } from '../src/tasks/finish-gate.js';
import { TaskEventLog } from '../src/tasks/task-event-log.js';
import { TaskPolling } from '../src/tasks/task-polling.js';
import { makeTemporaryDirectory } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';
import { taskRecordFixture } from './support/task-record-fixture.js';

/**
 * What wakes a held long-poll, measured on the real pieces of the embedded mode (SQLite, the
 * in-process queue and notifier, the event log): the store and the notifier are only counted.
 * A running task's poll is not woken by the starts of its key's other tasks; a waiting task's is
 * woken when its key's queue moves, and this file measures what a wake that changed nothing costs.
 */

const tenant = 'tenant-wakeups';

interface Rig {
  polling: TaskPolling;
  store: TaskStore;
  eventLog: TaskEventLog;
  notifier: EventNotifier;
  queue: InProcessTaskQueue;
  /** Store calls so far. */
  storeCalls: () => number;
  /** The topics of every watch taken so far, in order (a poll takes one per wait). */
  watches: string[][];
  /** Creates a waiting task and queues it (started at once when a slot is free). */
  create(id: string): Promise<TaskRecord>;
  /** Ends a task the rig's runner holds (its slot frees). */
  end(id: string): void;
  started: string[];
}

async function rig(t: TestContext, maxConcurrentTasks: number): Promise<Rig> {
  const directory = await makeTemporaryDirectory();
  const database = openDatabase(join(directory, 'open-smooth.sqlite'));
  t.after(async () => {
    database.close();
    await rm(directory, { recursive: true, force: true });
  });
  let calls = 0;
  const real = new SqliteTaskStore(database, SecretSealer.forDataDirectory(directory));
  const store = new Proxy(real, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls += 1;
        return (value as (...parameters: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as TaskStore;
  const inner = new InProcessEventNotifier();
  const watches: string[][] = [];
  const notifier: EventNotifier = {
    notify: (topic) => inner.notify(topic),
    watch: (topics): ChangeWatch => {
      watches.push([...topics]);
      return inner.watch(topics);
    },
    close: () => inner.close(),
  };
  const queue = new InProcessTaskQueue({ maxConcurrentTasks, maxConcurrentTasksPerKey: maxConcurrentTasks, maxQueuedTasksPerKey: 100, maxQueuedTasks: 100 });
  const eventLog = new TaskEventLog(store, notifier);
  const polling = new TaskPolling({ store, eventLog, queue, notifier, finishGate: new InMemoryFinishGate(), finishGraceMs: 500 });
  t.after(() => polling.close());
  const endings = new Map<string, () => void>();
  const started: string[] = [];
  // What TaskRunner does when the queue hands it a task: the key's queue moved, the task runs.
  queue.consume(async (queued: QueuedTask) => {
    notifier.notify(queueTopic(queued.key));
    await store.updateTask(queued.taskId, { status: 'running' });
    eventLog.notify(queued.taskId);
    started.push(queued.taskId);
    await new Promise<void>((resolve) => endings.set(queued.taskId, resolve));
  });
  return {
    polling,
    store,
    eventLog,
    notifier,
    queue,
    storeCalls: () => calls,
    watches,
    started,
    async create(id) {
      const record = taskRecordFixture(id, { tenant, kind: 'session', request: { task: null }, createdAtMs: Date.now(), recording: 'off' });
      await store.createTask(record);
      await queue.enqueue({ taskId: id, key: tenant });
      return record;
    },
    end(id) {
      endings.get(id)?.();
      endings.delete(id);
    },
  };
}

test("a running session's long-poll is not woken when other tasks of its key start; its own event answers it", async (t) => {
  const { polling, eventLog, create, watches, started } = await rig(t, 20);
  const session = await create('task_session');
  await waitFor(async () => started.length, (count) => count === 1, 'the session to start');
  const first = await eventLog.append(session.id, { id: 'answer-1', name: 'browser_action', payload: { code: 200 } });
  const running = { ...session, status: 'running' as const };
  const controller = new AbortController();
  t.after(() => controller.abort());
  const poll = polling.poll(running, first.timestamp, 60_000, controller.signal);
  await waitFor(async () => watches.length, (count) => count >= 1, 'the poll to wait');
  // Ten tasks of the same key start (each start notifies the key's queue topic).
  for (let index = 0; index < 10; index += 1) await create(`task_other_${index}`);
  await waitFor(async () => started.length, (count) => count === 11, 'the other tasks to start');
  // Still the first wait (each wake takes a new watch before it reads), on the task's own topic only.
  assert.deepEqual(watches, [['task:task_session']]);
  await eventLog.append(session.id, { id: 'answer-2', name: 'browser_action', payload: { code: 200 } });
  const answer = await poll;
  assert.deepEqual(answer.events.map((event) => event.id), ['answer-2']);
  assert.equal(answer.status, 'running');
});

test("a waiting task's long-poll answers when a start moves it up; a cancel behind it wakes it at the cost of a few store reads, and it waits on", async (t) => {
  const { polling, eventLog, create, watches, started, storeCalls, queue, notifier, end } = await rig(t, 1);
  await create('task_running');
  await waitFor(async () => started.length, (count) => count === 1, 'the first task to start');
  await create('task_ahead');
  const watched = await create('task_watched');
  const behind: string[] = [];
  for (let index = 0; index < 10; index += 1) behind.push((await create(`task_behind_${index}`)).id);
  assert.equal((await polling.queueStanding(watched))?.position, 2);
  const cursor = await eventLog.reserveTimestamp(watched.id);
  const controller = new AbortController();
  t.after(() => controller.abort());
  const poll = polling.poll(watched, cursor, 60_000, controller.signal);
  await waitFor(async () => watches.length, (count) => count === 1, 'the poll to wait');
  assert.deepEqual(watches[0], ['task:task_watched', `queue:${tenant}`]);

  // Cancels behind it (what TaskService.leaveQueue does): its position stays 2. Each wakes the
  // poll once (the topic is the key's); the poll reads again, finds its standing unchanged, waits on.
  const callsBefore = storeCalls();
  for (const [index, id] of behind.entries()) {
    assert.equal(await queue.remove({ taskId: id, key: tenant }), true);
    notifier.notify(queueTopic(tenant));
    await waitFor(async () => watches.length, (count) => count === index + 2, `the poll to wait again after cancel ${index + 1}`);
  }
  const callsPerWake = (storeCalls() - callsBefore) / behind.length;
  t.diagnostic(`a wake that changed nothing cost ${callsPerWake} store calls (in-process queue: no Redis call)`);
  assert.ok(callsPerWake <= 6, `a wake that changed nothing costs ${callsPerWake} store calls`);

  // The task ahead starts: every waiting task of the key moved up, and the poll answers with it.
  end('task_running');
  const answer = await poll;
  assert.equal(answer.status, 'waiting');
  assert.equal((await polling.queueStanding(watched))?.position, 1);
});
