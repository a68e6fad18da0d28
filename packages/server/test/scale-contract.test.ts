import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startRedisServer, type RedisServer } from '@open-smooth/testkit';
import { Redis } from 'ioredis';
import { BullmqTaskQueue } from '../src/scale/bullmq-task-queue.js';
import type { CommandBus, MessageReply, TaskMessage } from '../src/scale/command-bus.js';
import { waitForChange, type EventNotifier } from '../src/scale/event-notifier.js';
import { InProcessCommandBus } from '../src/scale/in-process-command-bus.js';
import { InProcessEventNotifier } from '../src/scale/in-process-event-notifier.js';
import { InProcessTaskQueue } from '../src/scale/in-process-task-queue.js';
import { RedisCommandBus } from '../src/scale/redis-command-bus.js';
import { RedisEventNotifier } from '../src/scale/redis-event-notifier.js';
import type { QueuedTask, TaskQueue, TaskQueueLimits } from '../src/scale/task-queue.js';
import { awaitingWorkerReason } from '../src/scale/queue-reasons.js';
import { waitFor } from './support/wait-for.js';
import { QueueFullError } from '../src/tasks/task-errors.js';
import { SecretSealer } from '../src/store/secret-sealer.js';

const sealer = SecretSealer.fromBase64Key(randomBytes(32).toString('base64'), 'the test key');

/** What one process holds: the API side and the worker side are separate processes in distributed mode. */
interface Side {
  queue: TaskQueue;
  bus: CommandBus;
  notifier: EventNotifier;
}

interface Deployment {
  api: Side;
  worker: Side;
  close(): Promise<void>;
}

interface Implementation {
  name: string;
  deploy(limits: TaskQueueLimits): Promise<Deployment>;
  /** Restarts the backing store, when there is one that can restart. */
  restart?: () => Promise<void>;
  /** Whether an owner can vanish (another process that died) while its tasks still look owned. */
  ownerCanVanish?: boolean;
  /** Whether processes take turns at the lost-task check (one per period) rather than each its own. */
  sharedReconcileTurns?: boolean;
}

const roomyLimits: TaskQueueLimits = { maxConcurrentTasks: 1, maxConcurrentTasksPerKey: 1, maxQueuedTasksPerKey: 1000, maxQueuedTasks: 10_000 };

let redis: RedisServer;
before(async () => {
  // Append-only, so that the restart case can show queued tasks survive.
  redis = await startRedisServer({ appendOnly: true });
});

const inProcess: Implementation = {
  name: 'in-process',
  async deploy(limits) {
    // One process: the API side and the worker side share every object.
    const side: Side = { queue: new InProcessTaskQueue(limits), bus: new InProcessCommandBus(), notifier: new InProcessEventNotifier() };
    return { api: side, worker: side, close: async () => Promise.all([side.queue.close(), side.bus.close(), side.notifier.close()]).then(() => undefined) };
  },
};

const onRedis: Implementation = {
  name: 'Redis (BullMQ, pub/sub)',
  async deploy(limits) {
    // A fresh prefix per case: cases never see each other's keys.
    const prefix = `contract-${randomBytes(4).toString('hex')}`;
    const connections: Redis[] = [];
    const side = async (): Promise<Side> => {
      const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
      connections.push(connection);
      return {
        queue: await BullmqTaskQueue.connect(connection, limits, { prefix, idleCheckMs: 200 }),
        bus: await RedisCommandBus.connect(connection, { prefix, replyTimeoutMs: 2000, sealer }),
        notifier: await RedisEventNotifier.connect(connection, prefix),
      };
    };
    const api = await side();
    const worker = await side();
    return {
      api,
      worker,
      async close() {
        for (const each of [api, worker]) await Promise.all([each.queue.close(), each.bus.close(), each.notifier.close()]);
        for (const connection of connections) connection.disconnect();
      },
    };
  },
  restart: () => redis.restart({ kill: true }),
  ownerCanVanish: true,
  sharedReconcileTurns: true,
};

/** A consumer that records what started and holds each task until the test ends it. */
class HeldRuns {
  readonly started: QueuedTask[] = [];
  private readonly endings = new Map<string, () => void>();
  private readonly waiters: Array<() => void> = [];

  readonly run = (task: QueuedTask): Promise<void> => {
    this.started.push(task);
    for (const wake of this.waiters.splice(0)) wake();
    return new Promise<void>((resolve) => this.endings.set(task.taskId, resolve));
  };

  end(taskId: string): void {
    const end = this.endings.get(taskId);
    assert.ok(end, `${taskId} is not running`);
    this.endings.delete(taskId);
    end();
  }

  endAll(): void {
    for (const taskId of [...this.endings.keys()]) this.end(taskId);
  }

  /** Waits (no fixed sleep) until `count` tasks have started. */
  async untilStarted(count: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.started.length < count) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`only ${this.started.length} of ${count} tasks started: ${this.started.map((task) => task.taskId).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

const task = (key: string, index: number): QueuedTask => ({ taskId: `task_${key}_${index}`, key });

for (const implementation of [inProcess, onRedis]) {
  describe(`scale seams: ${implementation.name}`, () => {
    test("fairness: tenant B's task is taken right after the running one while tenant A has 1,000 queued", async () => {
      const deployment = await deploy(implementation, roomyLimits);
      const runs = new HeldRuns();
      for (let index = 0; index < 1000; index += 1) await deployment.api.queue.enqueue(task('a', index));
      await deployment.api.queue.enqueue(task('b', 0));
      // No worker takes tasks yet and no limit holds them: they wait for a worker, not for busy slots.
      assert.deepEqual(await deployment.api.queue.standing(task('a', 999)), { position: 1000, reason: awaitingWorkerReason });
      assert.equal((await deployment.api.queue.standing(task('b', 0)))?.position, 1);
      deployment.worker.queue.consume(runs.run);
      await runs.untilStarted(1);
      assert.equal(runs.started[0]?.taskId, 'task_a_0');
      assert.equal(await deployment.api.queue.standing(task('a', 0)), undefined, 'a running task has no standing');
      assert.equal((await deployment.api.queue.standing(task('a', 999)))?.position, 999);
      runs.end('task_a_0');
      await runs.untilStarted(2);
      assert.equal(runs.started[1]?.taskId, 'task_b_0', 'B is served before A gets a second turn');
      runs.end('task_b_0');
      await runs.untilStarted(3);
      assert.equal(runs.started[2]?.taskId, 'task_a_1');
      runs.endAll();
    });

    test('limits: a key over its running limit waits while another key takes the free slot; full queues are refused', async () => {
      const limits: TaskQueueLimits = { maxConcurrentTasks: 3, maxConcurrentTasksPerKey: 2, maxQueuedTasksPerKey: 2, maxQueuedTasks: 3 };
      const deployment = await deploy(implementation, limits);
      const runs = new HeldRuns();
      deployment.worker.queue.consume(runs.run);
      for (let index = 0; index < 2; index += 1) await deployment.api.queue.enqueue(task('a', index));
      await runs.untilStarted(2);
      await deployment.api.queue.enqueue(task('a', 2));
      assert.deepEqual(await deployment.api.queue.standing(task('a', 2)), {
        position: 1,
        reason: 'this API key already runs 2 tasks, its limit at once (SMOOTH_MAX_CONCURRENT_TASKS_PER_KEY)',
      });
      await deployment.api.queue.enqueue(task('b', 0));
      await runs.untilStarted(3);
      assert.equal(runs.started[2]?.taskId, 'task_b_0');
      await deployment.api.queue.enqueue(task('a', 3));
      await assert.rejects(deployment.api.queue.enqueue(task('a', 4)), (error: unknown) => error instanceof QueueFullError && /already has 2 tasks waiting \(the limit is 2\)/.test(error.message));
      await deployment.api.queue.enqueue(task('c', 0));
      await assert.rejects(deployment.api.queue.enqueue(task('d', 0)), (error: unknown) => error instanceof QueueFullError && /the server has 3 tasks waiting \(the limit is 3\)/.test(error.message));
      // A freed slot goes to the key never served (c) before a, which was served last; then a's oldest.
      runs.end('task_a_0');
      await runs.untilStarted(4);
      assert.equal(runs.started[3]?.taskId, 'task_c_0');
      runs.end('task_b_0');
      await runs.untilStarted(5);
      assert.equal(runs.started[4]?.taskId, 'task_a_2');
      runs.endAll();
    });

    test('remove: a waiting task leaves the queue and never runs; a running one cannot be removed', async () => {
      const deployment = await deploy(implementation, roomyLimits);
      const runs = new HeldRuns();
      deployment.worker.queue.consume(runs.run);
      await deployment.api.queue.enqueue(task('a', 0));
      await runs.untilStarted(1);
      await deployment.api.queue.enqueue(task('a', 1));
      await deployment.api.queue.enqueue(task('a', 2));
      assert.equal(await deployment.api.queue.remove(task('a', 0)), false);
      assert.equal(await deployment.api.queue.remove(task('a', 1)), true);
      assert.equal(await deployment.api.queue.remove(task('a', 1)), false);
      assert.equal((await deployment.api.queue.standing(task('a', 2)))?.position, 1);
      runs.end('task_a_0');
      await runs.untilStarted(2);
      assert.deepEqual(runs.started.map((each) => each.taskId), ['task_a_0', 'task_a_2']);
      runs.endAll();
    });

    test('missing and requeue: tasks the queue does not hold are reported and queued again past the queued limits, once; held ones stay where they are', async () => {
      const limits: TaskQueueLimits = { maxConcurrentTasks: 1, maxConcurrentTasksPerKey: 1, maxQueuedTasksPerKey: 1, maxQueuedTasks: 10 };
      const deployment = await deploy(implementation, limits);
      const runs = new HeldRuns();
      deployment.worker.queue.consume(runs.run);
      await deployment.api.queue.enqueue(task('a', 0));
      await runs.untilStarted(1);
      await deployment.api.queue.enqueue(task('a', 1));
      // a_0 runs, a_1 waits; a_2 and b_0 were never queued here (as after a Redis flush).
      assert.deepEqual(await deployment.worker.queue.missing([task('a', 0), task('a', 1), task('a', 2), task('b', 0)]), [task('a', 2), task('b', 0)]);
      // a's queued limit (1) is full: a task accepted before is queued again all the same, once.
      await deployment.worker.queue.requeue(task('a', 2));
      await deployment.worker.queue.requeue(task('a', 2));
      await deployment.worker.queue.requeue(task('a', 1));
      assert.equal((await deployment.api.queue.standing(task('a', 1)))?.position, 1, 'a held task keeps its place');
      assert.equal((await deployment.api.queue.standing(task('a', 2)))?.position, 2);
      assert.deepEqual(await deployment.worker.queue.missing([task('a', 1), task('a', 2)]), []);
      runs.end('task_a_0');
      await runs.untilStarted(2);
      runs.end('task_a_1');
      await runs.untilStarted(3);
      assert.deepEqual(runs.started.map((each) => each.taskId), ['task_a_0', 'task_a_1', 'task_a_2']);
      runs.endAll();
      // One process at a time checks for lost tasks.
      assert.equal(await deployment.worker.queue.takeReconcileTurn(60_000), true);
      assert.equal(await deployment.api.queue.takeReconcileTurn(60_000), !implementation.sharedReconcileTurns);
    });

    test('command bus: messages sent before the owner serves are kept and handed over in order; then each gets the owner’s reply', async () => {
      const deployment = await deploy(implementation, roomyLimits);
      const first: TaskMessage = { kind: 'tool_answer', id: 'tool_1', code: 200, output: { price: 3 } };
      const second: TaskMessage = { kind: 'cancel', reason: 'by the client' };
      assert.deepEqual(await deployment.api.bus.send('task_x', first), { accepted: true, deferred: true });
      assert.deepEqual(await deployment.api.bus.send('task_x', second), { accepted: true, deferred: true });
      const received: TaskMessage[] = [];
      const stop = await deployment.worker.bus.serve('task_x', (message): MessageReply => {
        received.push(message);
        return message.kind === 'tool_answer' && message.id === 'tool_unknown' ? { accepted: false, reason: 'no tool call with id tool_unknown is waiting' } : { accepted: true };
      });
      assert.deepEqual(received, [first, second]);
      assert.deepEqual(await deployment.api.bus.send('task_x', { kind: 'tool_answer', id: 'tool_unknown', code: 400, output: 'x' }), {
        accepted: false,
        reason: 'no tool call with id tool_unknown is waiting',
      });
      assert.deepEqual(await deployment.api.bus.send('task_x', { kind: 'cancel', reason: 'again' }), { accepted: true });
      assert.equal(received.length, 4);
      // Another task's messages never reach this owner.
      assert.deepEqual(await deployment.api.bus.send('task_y', first), { accepted: true, deferred: true });
      assert.equal(received.length, 4);
      await stop();
    });

    test('notifier: a watch wakes on its topic from the other side, not on another topic', async () => {
      const deployment = await deploy(implementation, roomyLimits);
      const mine = deployment.api.notifier.watch(['task:one', 'queue:a']);
      const other = deployment.api.notifier.watch(['task:two']);
      let otherWoke = false;
      void other.changed.then(() => (otherWoke = true));
      deployment.worker.notifier.notify('queue:a');
      await mine.changed;
      // Notifications arrive in order: once the sentinel's is in, queue:a's has long been handled.
      const sentinel = deployment.api.notifier.watch(['sentinel']);
      deployment.worker.notifier.notify('sentinel');
      await sentinel.changed;
      assert.equal(otherWoke, false);
      other.close();
      // waitForChange gives up after its timeout when nothing changes, and returns at once on a change.
      const startedAt = Date.now();
      await waitForChange(deployment.api.notifier.watch(['task:three']), 50, new AbortController().signal);
      assert.ok(Date.now() - startedAt >= 45);
      const waiting = waitForChange(deployment.api.notifier.watch(['task:three']), 60_000, new AbortController().signal);
      deployment.worker.notifier.notify('task:three');
      await waiting;
    });

    if (implementation.ownerCanVanish) {
      test('command bus: a message to an owner that stopped listening comes back unreachable, not refused', async () => {
        const deployment = await deploy(implementation, roomyLimits);
        await deployment.worker.bus.serve('task_gone', () => ({ accepted: true }));
        // The worker process "dies": its bus stops hearing doorbells while its task still looks owned.
        await deployment.worker.bus.close();
        const reply = await deployment.api.bus.send('task_gone', { kind: 'cancel', reason: 'by the client' });
        assert.deepEqual(reply, { accepted: false, unreachable: true, reason: 'the worker running task task_gone did not answer within 2 s; try again' });
      });
    }

    if (implementation.restart) {
      const restart = implementation.restart;
      test('a Redis restart (killed, AOF on) keeps queued tasks; a worker started afterwards runs them in order', async () => {
        const deployment = await deploy(implementation, roomyLimits);
        for (let index = 0; index < 3; index += 1) await deployment.api.queue.enqueue(task('a', index));
        await restart();
        const runs = new HeldRuns();
        deployment.worker.queue.consume(runs.run);
        await runs.untilStarted(1);
        runs.end('task_a_0');
        await runs.untilStarted(2);
        runs.end('task_a_1');
        await runs.untilStarted(3);
        assert.deepEqual(runs.started.map((each) => each.taskId), ['task_a_0', 'task_a_1', 'task_a_2']);
        runs.endAll();
      });
    }
  });
}

/** Deploys for one test and closes with it. */
const openDeployments: Deployment[] = [];
async function deploy(implementation: Implementation, limits: TaskQueueLimits): Promise<Deployment> {
  const deployment = await implementation.deploy(limits);
  openDeployments.push(deployment);
  return deployment;
}
after(async () => {
  for (const deployment of openDeployments.splice(0)) await deployment.close();
  await redis?.stop();
});

test('BullMQ: a job whose consumer died holding it (lock run out) is reported missing, and queued again it runs on another worker', async () => {
  const prefix = `stale-${randomBytes(4).toString('hex')}`;
  const connections = [new Redis(redis.url, { maxRetriesPerRequest: null }), new Redis(redis.url, { maxRetriesPerRequest: null })];
  const [doomedConnection, survivorConnection] = connections as [Redis, Redis];
  const doomed = await BullmqTaskQueue.connect(doomedConnection, roomyLimits, { prefix, lockDurationMs: 600, idleCheckMs: 200 });
  const survivor = await BullmqTaskQueue.connect(survivorConnection, roomyLimits, { prefix, idleCheckMs: 200 });
  try {
    const dying = new HeldRuns();
    doomed.consume(dying.run);
    await survivor.enqueue(task('a', 0));
    await dying.untilStarted(1);
    assert.deepEqual(await survivor.missing([task('a', 0)]), [], 'held while its consumer renews the lock');
    // The consumer dies: its lock is no longer renewed.
    await doomed.close();
    await waitFor(() => survivor.missing([task('a', 0)]), (missing) => missing.length === 1, 'the dead consumer\'s lock to run out');
    const runs = new HeldRuns();
    survivor.consume(runs.run);
    await survivor.requeue(task('a', 0));
    await runs.untilStarted(1);
    assert.deepEqual(runs.started, [task('a', 0)]);
    runs.endAll();
  } finally {
    await Promise.all([doomed.close(), survivor.close()]);
    for (const connection of connections) connection.disconnect();
  }
});

test('a message waiting in Redis for its task is sealed: a tool answer with a secret is not readable there, and the owner gets it whole', async () => {
  const prefix = `sealed-${randomBytes(4).toString('hex')}`;
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const bus = await RedisCommandBus.connect(connection, { prefix, replyTimeoutMs: 2000, sealer });
  try {
    const message: TaskMessage = { kind: 'tool_answer', id: 'call-1', code: 200, output: { password: 'hunter2-in-redis' } };
    assert.deepEqual(await bus.send('task_sealed', message), { accepted: true, deferred: true });
    const stored = (await connection.lrange(`${prefix}:mailbox:task_sealed`, 0, -1)).join('\n');
    assert.ok(stored.length > 0, 'the message waits in the mailbox');
    assert.ok(!stored.includes('hunter2-in-redis') && !stored.includes('tool_answer'), stored);
    const received: TaskMessage[] = [];
    const stop = await bus.serve('task_sealed', (delivered) => {
      received.push(delivered);
      return { accepted: true };
    });
    const deadline = Date.now() + 10_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await stop();
    assert.deepEqual(received, [message]);
  } finally {
    await bus.close();
    connection.disconnect();
  }
});
