import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { StoredTaskEvent } from '@open-smooth/protocol';
import { startRedisServer, type RedisServer } from '@open-smooth/testkit';
import { Redis } from 'ioredis';
import { taskTopic, waitForChange, type ChangeWatch, type EventNotifier } from '../src/scale/event-notifier.js';
import { InProcessEventNotifier } from '../src/scale/in-process-event-notifier.js';
import { RedisEventNotifier } from '../src/scale/redis-event-notifier.js';
import { RedisFinishGate } from '../src/scale/redis-finish-gate.js';
import { RedisWithheldAnswers } from '../src/scale/redis-withheld-answers.js';
import { ErrorAnswerDelay, InMemoryWithheldAnswers, type WithheldAnswerBook } from '../src/tasks/error-answer-delay.js';
import { InMemoryFinishGate, type FinishGate } from '../src/tasks/finish-gate.js';

/**
 * The finish gate and the withheld error answers as two API processes and a worker see them: the
 * worker ends tasks and appends answers, the API processes answer polls. In one process they are
 * the same objects; on Redis each process has its own connection and objects.
 */
interface Side {
  gate: FinishGate;
  answers: WithheldAnswerBook;
  notifier: EventNotifier;
}

interface Deployment {
  worker: Side;
  apiA: Side;
  apiB: Side;
  close(): Promise<void>;
}

let redis: RedisServer;
before(async () => {
  redis = await startRedisServer();
});
after(async () => {
  await redis?.stop();
});

const implementations: { name: string; deploy(): Promise<Deployment> }[] = [
  {
    name: 'in memory',
    async deploy() {
      const side: Side = { gate: new InMemoryFinishGate(), answers: new InMemoryWithheldAnswers(), notifier: new InProcessEventNotifier() };
      return { worker: side, apiA: side, apiB: side, close: () => side.gate.close() };
    },
  },
  {
    name: 'Redis',
    async deploy() {
      const prefix = `gates-${randomBytes(4).toString('hex')}`;
      const connections: Redis[] = [];
      const notifiers: EventNotifier[] = [];
      const side = async (): Promise<Side> => {
        const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
        connections.push(connection);
        const notifier = await RedisEventNotifier.connect(connection, prefix);
        notifiers.push(notifier);
        return { gate: new RedisFinishGate(connection, prefix), answers: new RedisWithheldAnswers(connection, prefix), notifier };
      };
      const [worker, apiA, apiB] = [await side(), await side(), await side()];
      return {
        worker,
        apiA,
        apiB,
        async close() {
          for (const notifier of notifiers) await notifier.close();
          for (const connection of connections) connection.disconnect();
        },
      };
    },
  },
];

/** Waits (no fixed sleep) until `condition` holds. */
async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether the watch fired within 10 s. */
async function woken(watch: ChangeWatch): Promise<boolean> {
  let fired = false;
  void watch.changed.then(() => (fired = true));
  await waitForChange(watch, 10_000, new AbortController().signal);
  return fired;
}

const taskId = () => `task_${randomBytes(8).toString('hex')}`;

function event(id: string, timestamp: number, payload: Record<string, unknown>, name: StoredTaskEvent['name'] = 'browser_action'): StoredTaskEvent {
  return { id, name, payload, timestamp };
}

for (const implementation of implementations) {
  describe(`poll gates: ${implementation.name}`, () => {
    test('a task the worker ends stays held for every API process until one of them delivers its last event; the grace period outlasts the hold', async (t) => {
      const deployment = await implementation.deploy();
      t.after(() => deployment.close());
      const id = taskId();
      await deployment.apiA.gate.recordDelivered(id, 100);
      assert.equal(await deployment.worker.gate.holdUntilDelivered(id, 200, 60_000), true);
      assert.deepEqual([await deployment.apiA.gate.isHeld(id), await deployment.apiB.gate.isHeld(id)], [true, true]);
      assert.equal(await deployment.apiB.gate.recordDelivered(id, 150), false, 'an earlier event releases nothing');
      assert.equal(await deployment.apiA.gate.isHeld(id), true);
      assert.equal(await deployment.apiB.gate.recordDelivered(id, 200), true, 'the last event releases the hold');
      assert.deepEqual([await deployment.apiA.gate.isHeld(id), await deployment.apiB.gate.isHeld(id)], [false, false]);
      assert.deepEqual([await deployment.apiA.gate.inGracePeriod(id), await deployment.apiB.gate.inGracePeriod(id)], [true, true]);
      assert.equal(await deployment.apiA.gate.recordDelivered(id, 200), false, 'a released hold is released once');
    });

    test('a task whose last event a poll already delivered is not held, but polls with events still read it in its grace period', async (t) => {
      const deployment = await implementation.deploy();
      t.after(() => deployment.close());
      const id = taskId();
      await deployment.apiB.gate.recordDelivered(id, 300);
      await deployment.apiA.gate.recordDelivered(id, 250);
      assert.equal(await deployment.worker.gate.holdUntilDelivered(id, 300, 60_000), false);
      assert.deepEqual([await deployment.apiA.gate.isHeld(id), await deployment.apiB.gate.isHeld(id)], [false, false]);
      assert.equal(await deployment.apiA.gate.inGracePeriod(id), true);
      // Another task is untouched.
      assert.deepEqual([await deployment.apiA.gate.isHeld(taskId()), await deployment.apiA.gate.inGracePeriod(taskId())], [false, false]);
    });

    test('a hold nobody releases runs out by itself, in every process, not before its time', async (t) => {
      const deployment = await implementation.deploy();
      t.after(() => deployment.close());
      const id = taskId();
      const heldAt = Date.now();
      assert.equal(await deployment.worker.gate.holdUntilDelivered(id, 500, 400), true);
      await until(async () => !(await deployment.apiB.gate.isHeld(id)) && !(await deployment.apiB.gate.inGracePeriod(id)), 'the hold to run out');
      assert.ok(Date.now() - heldAt >= 390, `ran out after ${Date.now() - heldAt} ms`);
      assert.deepEqual([await deployment.apiA.gate.isHeld(id), await deployment.apiA.gate.inGracePeriod(id)], [false, false]);
      // Held again later (a second end of the same task, e.g. after a lost lease): a fresh hold.
      assert.equal(await deployment.worker.gate.holdUntilDelivered(id, 600, 60_000), true);
      assert.equal(await deployment.apiA.gate.isHeld(id), true);
    });

    test('an error answer the worker appends is withheld from every API process until it is safe, and its wake-ups reach their polls', async (t) => {
      const deployment = await implementation.deploy();
      t.after(() => deployment.close());
      // The second wake-up is watched for after the first: room enough for a loaded machine.
      const delays = { connectMs: 300, handlerMs: 1500 };
      const delayOf = (side: Side) => new ErrorAnswerDelay(side.answers, (changed) => side.notifier.notify(taskTopic(changed)), delays);
      const [worker, apiA, apiB] = [delayOf(deployment.worker), delayOf(deployment.apiA), delayOf(deployment.apiB)];
      const id = taskId();

      // API A takes the POST; the command message carries the time to the worker.
      const postedAtMs = Date.now();
      await apiA.commandPosted(id, 'bad-1', postedAtMs);
      assert.equal(await apiB.hasUnansweredCommands(id), true, 'a fresh task with a command on its way: its first poll waits, whichever process takes it');
      worker.commandReceived(id, 'bad-1', postedAtMs);

      const released = deployment.apiB.notifier.watch([taskTopic(id)]);
      const answer = { id: 'bad-1', name: 'browser_action' as const, payload: { code: 400, output: 'thrown on purpose' } };
      const appendedAt = Date.now();
      await worker.beforeAppend(id, answer, appendedAt);
      const stored = [event('step-1', 10, { code: 200 }), { ...answer, timestamp: 11 }, event('step-2', 12, { code: 200 })];
      await worker.afterAppend(id, stored[1] as StoredTaskEvent);
      assert.equal(await apiA.hasUnansweredCommands(id), false);

      const releaseAtMs = Math.max(postedAtMs + delays.connectMs, appendedAt);
      for (const api of [apiA, apiB]) {
        const seen = await api.visibleEvents(id, stored, appendedAt);
        assert.deepEqual(seen.events.map((each) => each.id), ['step-1'], 'the answer and what follows it wait');
        assert.deepEqual(seen.withheld, { eventId: 'bad-1', releaseAtMs, visibleAtMs: releaseAtMs + delays.handlerMs });
        assert.equal(await api.remainingMs(id, appendedAt), releaseAtMs + delays.handlerMs - appendedAt);
        const shown = await api.visibleEvents(id, stored, releaseAtMs + delays.handlerMs);
        assert.deepEqual(shown.events.map((each) => each.id), ['step-1', 'bad-1', 'step-2']);
        assert.equal(shown.withheld, undefined);
      }
      // The worker's wake-up at the release time reaches API B's poll.
      assert.equal(await woken(released), true, 'woken at the release');
      assert.ok(Date.now() >= releaseAtMs, `woken ${releaseAtMs - Date.now()} ms before the release`);
      // Watched in the same process: its wake-ups arrive in the order they were sent.
      const shownLater = deployment.apiB.notifier.watch([taskTopic(id)]);
      assert.equal(await woken(shownLater), true, 'woken when the answer shows');
      assert.ok(Date.now() >= releaseAtMs + delays.handlerMs, 'the second wake-up comes when the answer shows');
      assert.deepEqual((await apiB.visibleEvents(id, stored)).events.length, 3);
    });

    test('success answers and answers to commands the worker was never handed are not withheld', async (t) => {
      const deployment = await implementation.deploy();
      t.after(() => deployment.close());
      const worker = new ErrorAnswerDelay(deployment.worker.answers, () => {});
      const api = new ErrorAnswerDelay(deployment.apiA.answers, () => {});
      const id = taskId();
      await api.commandPosted(id, 'ok-1');
      worker.commandReceived(id, 'ok-1', Date.now());
      const success = event('ok-1', 20, { code: 200, output: 42 });
      await worker.beforeAppend(id, success);
      await worker.afterAppend(id, success);
      const unknown = event('never-posted', 21, { code: 400, output: 'no such command' });
      await worker.beforeAppend(id, unknown);
      assert.deepEqual((await api.visibleEvents(id, [success, unknown])).events.map((each) => each.id), ['ok-1', 'never-posted']);
      assert.equal(await api.remainingMs(id), 0);
      assert.equal(await api.hasUnansweredCommands(id), false);
    });
  });
}
