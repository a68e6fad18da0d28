import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { BullmqTaskQueue } from '../src/scale/bullmq-task-queue.js';
import { awaitingWorkerReason } from '../src/scale/queue-reasons.js';
import { openPostgres } from '../src/store/postgres-database.js';
import { PostgresTaskStore } from '../src/store/postgres-task-store.js';
import { SecretSealer } from '../src/store/secret-sealer.js';
import { unstartedLeaseExpiredReason } from '../src/tasks/task-runner.js';
import { answersCommands, closeSession, leaseMs, openSession, sharedServices, spawnWorker, startInProcess, statusOf, waitFor, type SharedServices } from './support/fault-services.js';
import { apiClientOf, pollEvents } from './support/test-server.js';

// The distributed queue's robustness: a task whose BullMQ job was lost, or whose worker died after
// claiming it but before starting it, is handed to a worker again; a waiting task says what it waits for.

/** What the API process answers about a task: status, error and queue standing. */
async function taskOf(client: ReturnType<typeof apiClientOf>, taskId: string): Promise<{ status: string; error: string | null; queue?: { position: number; reason: string } }> {
  return (await client.api('GET', `/task/${taskId}`)).body.r;
}

async function runsToDone(client: ReturnType<typeof apiClientOf>, taskId: string, label: string): Promise<void> {
  await waitFor(() => statusOf(client, taskId), (task) => task.status === 'running', `${taskId} to start`);
  await answersCommands(client, taskId, label);
  await closeSession(client, taskId);
}

/** The shared PostgreSQL as a process that only claims and reads leases sees it (no secret read, so any key seals). */
async function leaseStore(services: SharedServices): Promise<PostgresTaskStore> {
  const pool = await openPostgres(services.databaseUrl);
  services.onCleanup(() => pool.end());
  return new PostgresTaskStore(pool, SecretSealer.fromBase64Key(randomBytes(32).toString('base64'), 'the test'));
}

test('Redis loses the queue (FLUSHDB under a running api process): the waiting tasks are queued again and run to done once a worker starts; a waiting task says what it waits for', async (t) => {
  const services = await sharedServices(t);
  const api = await startInProcess(services, 'api', { maxConcurrentTasksPerKey: 1 });
  const client = apiClientOf(() => api.apiBaseUrl);
  const first = await openSession(client);
  const second = await openSession(client);
  // No worker runs: no limit holds them back, they wait for a worker to take them (not for "busy slots").
  assert.deepEqual((await taskOf(client, first)).queue, { position: 1, reason: awaitingWorkerReason });
  assert.deepEqual((await taskOf(client, second)).queue, { position: 2, reason: awaitingWorkerReason });

  const redis = new Redis(services.redis.url);
  t.after(() => redis.quit());
  assert.equal(await redis.flushdb(), 'OK');
  // The rows and their sealed launches are still in PostgreSQL; the queue no longer has them.
  for (const id of [first, second]) {
    const task = await taskOf(client, id);
    assert.deepEqual([task.status, task.queue], ['waiting', undefined]);
  }

  await startInProcess(services, 'worker', { workerId: 'worker-after-flush', maxConcurrentTasks: 2, maxConcurrentTasksPerKey: 1 });
  // Queued again (once older than a lease); the key's limit of one at a time holds the second back, and it says so.
  await waitFor(() => statusOf(client, first), (task) => task.status === 'running', `${first} to start`);
  assert.equal(await services.leaseOwner(first), 'worker-after-flush');
  const held = await waitFor(() => taskOf(client, second), (task) => task.queue !== undefined, `${second} to be queued again`);
  assert.deepEqual([held.status, held.queue], ['waiting', { position: 1, reason: 'this API key already runs 1 tasks, its limit at once (SMOOTH_MAX_CONCURRENT_TASKS_PER_KEY)' }]);
  await answersCommands(client, first, 'after-flush');
  await closeSession(client, first);
  await runsToDone(client, second, 'after-flush');
});

test('a worker that claimed tasks and died before starting them: once its lease runs out another worker starts them with their settings; one whose settings are gone fails saying so', async (t) => {
  const services = await sharedServices(t);
  const api = await startInProcess(services, 'api');
  const client = apiClientOf(() => api.apiBaseUrl);
  const handedOn = await openSession(client);
  const settingsGone = await openSession(client);
  const store = await leaseStore(services);

  // The doomed worker does what every worker does first: takes the jobs from the shared queue
  // (BullMQ locks them) and claims the tasks in the store. Then it dies before starting them: it
  // never renews its lease or its jobs' locks again.
  const connection = new Redis(services.redis.url, { maxRetriesPerRequest: null });
  const doomed = await BullmqTaskQueue.connect(connection, { maxConcurrentTasks: 2, maxConcurrentTasksPerKey: 2, maxQueuedTasksPerKey: 10, maxQueuedTasks: 10 }, { prefix: services.redisPrefix, lockDurationMs: leaseMs });
  const claimed: string[] = [];
  doomed.consume(async (queued) => {
    if (await store.claimTask(queued.taskId, { owner: 'worker-doomed', expiresAtMs: Date.now() + leaseMs })) claimed.push(queued.taskId);
    // Never returns: the process is gone before the task starts.
    await new Promise(() => undefined);
  });
  await waitFor(async () => claimed.length, (count) => count === 2, 'the doomed worker to claim both tasks');
  await doomed.close();
  connection.disconnect();
  // One task's settings went with its worker (as with a worker that took them out of the store).
  await store.deleteTaskLaunch(settingsGone);
  for (const id of [handedOn, settingsGone]) {
    assert.equal((await taskOf(client, id)).status, 'waiting');
    assert.equal(await services.leaseOwner(id), 'worker-doomed');
  }

  // A command posted while it waits for its next worker is kept for that worker.
  const posted = await client.api('POST', `/task/${handedOn}/event`, { body: { id: 'while-handed-on', name: 'browser_action', payload: { name: 'evaluate_js', input: { js: '20 + 22' } } } });
  assert.equal(posted.status, 200, JSON.stringify(posted.body));

  await startInProcess(services, 'worker', { workerId: 'worker-next', maxConcurrentTasks: 2 });
  const { events } = await pollEvents(client, handedOn, (collected) => collected.some((event) => event.id === 'while-handed-on'), { maxPolls: 200 });
  const early = events.find((event) => event.id === 'while-handed-on');
  assert.deepEqual([early?.payload.code, early?.payload.output.output], [200, 42], JSON.stringify(early));
  assert.equal((await statusOf(client, handedOn)).status, 'running');
  assert.equal(await services.leaseOwner(handedOn), 'worker-next');
  await answersCommands(client, handedOn, 'handed-on');
  await closeSession(client, handedOn);
  const failed = await waitFor(() => taskOf(client, settingsGone), (task) => task.status === 'failed', `${settingsGone} to fail`);
  assert.equal(failed.error, `${unstartedLeaseExpiredReason} (worker worker-doomed)`);
  // Nothing of either is left in the store for a worker to take.
  assert.equal(await store.readTaskLaunch(handedOn), undefined);
  assert.deepEqual(await store.listUnclaimedTasks(Date.now()), []);
});

test('kill -9 a worker process between its claim and the start (held there by a lock on the launches table): after its lease another worker runs the task', async (t) => {
  const services = await sharedServices(t);
  const worker = await spawnWorker(services, 'worker-killed', 1);
  let killed = false;
  const api = await startInProcess(services, 'api');
  const client = apiClientOf(() => api.apiBaseUrl);
  const first = await openSession(client);
  await waitFor(() => statusOf(client, first), (task) => task.status === 'running', `${first} to start`);
  const second = await openSession(client);
  assert.equal((await statusOf(client, second)).status, 'waiting', 'the one slot is busy');

  // From now on reading a launch waits: the worker that takes the second task claims it, then
  // waits to read its settings, before the start.
  const locker = new pg.Client({ connectionString: services.databaseUrl });
  await locker.connect();
  t.after(() => locker.end());
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE task_launches IN ACCESS EXCLUSIVE MODE');
  try {
    await closeSession(client, first);
    await waitFor(() => services.leaseOwner(second), (owner) => owner === 'worker-killed', `${second} to be claimed`);
    assert.equal((await statusOf(client, second)).status, 'waiting');
    await worker.kill();
    killed = true;
  } finally {
    await locker.query('ROLLBACK');
    if (!killed) await worker.kill();
  }

  await startInProcess(services, 'worker', { workerId: 'worker-after-kill' });
  await waitFor(() => statusOf(client, second), (task) => task.status === 'running', `${second} to start on the other worker`);
  assert.equal(await services.leaseOwner(second), 'worker-after-kill');
  await answersCommands(client, second, 'after-kill');
  await closeSession(client, second);
});
