import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machineConcurrency, perKeyConcurrency, resolveConcurrency } from '../src/concurrency-defaults.js';
import { workerProcessCount } from './support/distributed-servers.js';
import { apiClientOf, firstKey, secondKey, sendCommand, startTestServer, type TestServer } from './support/test-server.js';
import { testTopology } from './support/test-topology.js';

async function statusOf(server: TestServer, id: string, key: string): Promise<any> {
  return (await server.api('GET', `/task/${id}`, { key })).body.r;
}

async function waitForStatus(server: TestServer, id: string, key: string, wanted: string, timeoutMs: number): Promise<number> {
  const startedAt = Date.now();
  for (;;) {
    if ((await statusOf(server, id, key)).status === wanted) return Date.now() - startedAt;
    if (Date.now() - startedAt > timeoutMs) throw new Error(`${id} did not reach ${wanted} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("tenant B's task starts within seconds while tenant A has 1,000 queued; A's queue is capped; each waiting task says why", async (t) => {
  const server = await startTestServer({ maxConcurrentTasks: 2, sessionIdleTimeoutMs: 120_000 });
  t.after(() => server.close());
  const created: string[] = [];
  for (let index = 0; index < 1001; index += 1) {
    const answer = await server.api('POST', '/task', { body: { task: null }, key: firstKey });
    assert.equal(answer.status, 200);
    created.push(answer.body.r.id);
  }
  const refused = await server.api('POST', '/task', { body: { task: null }, key: firstKey });
  assert.equal(refused.status, 429);
  assert.match(refused.body.detail, /already has 1000 tasks waiting \(the limit is 1000\)/);

  const postedAt = Date.now();
  const other = await server.api('POST', '/task', { body: { task: null }, key: secondKey });
  assert.equal(other.status, 200);
  await waitForStatus(server, other.body.r.id, secondKey, 'running', 15_000);
  assert.ok(Date.now() - postedAt < 15_000);

  const nextOfA = await statusOf(server, created[1] as string, firstKey);
  assert.equal(nextOfA.status, 'waiting');
  assert.equal(nextOfA.queue.position, 1);
  assert.match(nextOfA.queue.reason, /this API key already runs 1 tasks/);
  const lastOfA = await statusOf(server, created[1000] as string, firstKey);
  assert.equal(lastOfA.queue.position, 1000);
  // A running task carries no queue field.
  assert.equal((await statusOf(server, created[0] as string, firstKey)).queue, undefined);
});

test('slots go round-robin: while every slot is busy, a freed slot goes to the key served longest ago, not to the next of a long queue', async (t) => {
  // Every slot of the deployment taken by the first key: the one slot of the embedded server, or
  // one slot on each of the distributed topology's two workers (two in all; the key may use both).
  const slots = testTopology === 'distributed' ? workerProcessCount : 1;
  const server = await startTestServer({ maxConcurrentTasks: 1, maxConcurrentTasksPerKey: slots, sessionIdleTimeoutMs: 120_000 });
  t.after(() => server.close());
  const create = async (key: string) => (await server.api('POST', '/task', { body: { task: null }, key })).body.r as { id: string; status: string; queue?: { position: number; reason: string } };
  const running: Array<{ id: string; key: string }> = [];
  for (let slot = 0; slot < slots; slot += 1) running.push({ id: (await create(firstKey)).id, key: firstKey });
  for (const { id } of running) await waitForStatus(server, id, firstKey, 'running', 30_000);
  const queuedOfA: string[] = [];
  for (let index = 0; index < 20; index += 1) queuedOfA.push((await create(firstKey)).id);
  const [firstOfB, secondOfB] = [await create(secondKey), await create(secondKey)];
  assert.equal(firstOfB.status, 'waiting');
  assert.equal(firstOfB.queue?.position, 1);
  if (server.distributed) assert.doesNotMatch(firstOfB.queue?.reason ?? '', /this API key/, 'the second key waits for a slot, not for its own limit');
  else assert.equal(firstOfB.queue?.reason, 'all 1 task slots of the server are busy (SMOOTH_MAX_CONCURRENT_TASKS)');

  // Each freed slot goes to the key served longest ago: B, then A (its queue is older, but B was
  // served last), then B again; the other key's next task keeps waiting each time.
  const turns = [
    { next: { id: firstOfB.id, key: secondKey }, stillWaiting: { id: queuedOfA[0] as string, key: firstKey } },
    { next: { id: queuedOfA[0] as string, key: firstKey }, stillWaiting: { id: secondOfB.id, key: secondKey } },
    { next: { id: secondOfB.id, key: secondKey }, stillWaiting: { id: queuedOfA[1] as string, key: firstKey } },
  ];
  for (const [turn, { next, stillWaiting }] of turns.entries()) {
    const freed = running.shift()!;
    await sendCommand(apiClientOf(() => server.server.apiBaseUrl, freed.key), freed.id, 'session_action', 'close', {}, `close-${turn}`);
    await waitForStatus(server, next.id, next.key, 'running', 30_000);
    running.push(next);
    assert.equal((await statusOf(server, stillWaiting.id, stillWaiting.key)).status, 'waiting', `turn ${turn}: the other key's next task still waits`);
  }
  // Cancelling a waiting task frees its place at once.
  assert.equal((await server.api('DELETE', `/task/${queuedOfA[1]}`, { key: firstKey })).status, 200);
  assert.equal((await statusOf(server, queuedOfA[2] as string, firstKey)).queue.position, 1);
});

test("a waiting task's long-poll answers when its queue position changes (a task ahead left, or started)", async (t) => {
  // Polls are held up to a minute: an answer within seconds can only come from the position change.
  const server = await startTestServer({ maxConcurrentTasks: 1, sessionIdleTimeoutMs: 120_000, longPollMs: 60_000 });
  t.after(() => server.close());
  const create = async () => (await server.api('POST', '/task', { body: { task: null }, key: firstKey })).body.r;
  const first = await create();
  const ahead = await create();
  const next = await create();
  const watched = await create();
  await waitForStatus(server, first.id, firstKey, 'running', 30_000);
  assert.equal((await statusOf(server, watched.id, firstKey)).queue.position, 3);
  // The first poll of a fresh task answers at once with a heartbeat; the cursor it gives makes the next poll wait.
  const fresh = await server.api('GET', `/task/${watched.id}?event_t=0`, { key: firstKey });
  const cursor = fresh.body.r.events[0].timestamp as number;

  const timedPoll = async () => {
    const startedAt = Date.now();
    const answer = await server.api('GET', `/task/${watched.id}?event_t=${cursor}`, { key: firstKey });
    return { answer, elapsedMs: Date.now() - startedAt };
  };
  const afterCancel = timedPoll();
  // Once the poll is held (a status read in between proves the server took it), the task ahead leaves.
  await statusOf(server, watched.id, firstKey);
  assert.equal((await server.api('DELETE', `/task/${ahead.id}`, { key: firstKey })).status, 200);
  const cancelled = await afterCancel;
  assert.equal(cancelled.answer.status, 202);
  assert.deepEqual([cancelled.answer.body.r.status, cancelled.answer.body.r.queue.position], ['waiting', 2]);
  assert.ok(cancelled.elapsedMs < 30_000, `answered after ${cancelled.elapsedMs} ms`);

  const afterStart = timedPoll();
  await statusOf(server, watched.id, firstKey);
  await sendCommand(server, first.id, 'session_action', 'close', {}, 'close-first');
  const started = await afterStart;
  assert.deepEqual([started.answer.body.r.status, started.answer.body.r.queue.position], ['waiting', 1]);
  assert.ok(started.elapsedMs < 30_000, `answered after ${started.elapsedMs} ms`);
  await waitForStatus(server, next.id, firstKey, 'running', 30_000);
});

test('the concurrency default comes from the machine; env and options override it; the per-key limit stays below the global one', () => {
  assert.equal(machineConcurrency(2, 24 * 1024 ** 3), 4);
  assert.equal(machineConcurrency(16, 3 * 1024 ** 3), 5);
  assert.equal(machineConcurrency(1, 512 * 1024 ** 2), 1);
  assert.equal(perKeyConcurrency(4), 3);
  assert.equal(perKeyConcurrency(2), 1);
  assert.equal(perKeyConcurrency(1), 1);
  assert.deepEqual(resolveConcurrency({}, { SMOOTH_MAX_CONCURRENT_TASKS: '8' }), { maxConcurrentTasks: 8, maxConcurrentTasksPerKey: 6 });
  assert.deepEqual(resolveConcurrency({}, { SMOOTH_MAX_CONCURRENT_TASKS: '8', SMOOTH_MAX_CONCURRENT_TASKS_PER_KEY: '2' }), { maxConcurrentTasks: 8, maxConcurrentTasksPerKey: 2 });
  assert.deepEqual(resolveConcurrency({ maxConcurrentTasks: 3 }, { SMOOTH_MAX_CONCURRENT_TASKS: '8' }), { maxConcurrentTasks: 3, maxConcurrentTasksPerKey: 2 });
  // In a deployment a key's limit spans every worker: none unless set, and one set above a worker's slots stays as set.
  assert.deepEqual(resolveConcurrency({}, { SMOOTH_MAX_CONCURRENT_TASKS: '2' }, true), { maxConcurrentTasks: 2, maxConcurrentTasksPerKey: Number.MAX_SAFE_INTEGER });
  assert.deepEqual(resolveConcurrency({}, { SMOOTH_MAX_CONCURRENT_TASKS: '2', SMOOTH_MAX_CONCURRENT_TASKS_PER_KEY: '16' }, true), { maxConcurrentTasks: 2, maxConcurrentTasksPerKey: 16 });
  assert.throws(() => resolveConcurrency({}, { SMOOTH_MAX_CONCURRENT_TASKS: 'many' }), /SMOOTH_MAX_CONCURRENT_TASKS must be a whole number of at least 1, not "many"/);
});
