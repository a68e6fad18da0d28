import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leaseExpiredReason } from '../src/tasks/task-runner.js';
import { answersCommands, closeSession, leaseMs, openSession, sharedServices, spawnWorker, startInProcess, statusOf, waitFor } from './support/fault-services.js';
import { apiClientOf, secondKey } from './support/test-server.js';

// The distributed mode when a worker machine dies: two worker processes, SIGKILL to one of them.

test('kill -9 one of two worker processes mid-task: its tasks fail with a reason within the lease, the other worker\'s complete, new tasks go to the survivor', async (t) => {
  const services = await sharedServices(t);
  const [workerA] = await Promise.all([spawnWorker(services, 'worker-a', 2), spawnWorker(services, 'worker-b', 2)]);
  const api = await startInProcess(services, 'api', { maxConcurrentTasks: 2 });
  // Two tenants: a key's limit at once is one worker's slots (concurrency-defaults.ts clamps it).
  const client = apiClientOf(() => api.apiBaseUrl);
  const secondClient = apiClientOf(() => api.apiBaseUrl, secondKey);

  // Four sessions on four slots: two on each worker.
  const sessions = await Promise.all([client, client, secondClient, secondClient].map(async (tenant) => ({ client: tenant, id: await openSession(tenant) })));
  await Promise.all(sessions.map(({ client, id }) => waitFor(() => statusOf(client, id), (task) => task.status === 'running', `${id} to start`)));
  await Promise.all(sessions.map(({ client, id }) => answersCommands(client, id, 'before')));
  const owners = await Promise.all(sessions.map(({ id }) => services.leaseOwner(id)));
  assert.deepEqual([...owners].sort(), ['worker-a', 'worker-a', 'worker-b', 'worker-b']);
  const onA = sessions.filter((_, index) => owners[index] === 'worker-a');
  const onB = sessions.filter((_, index) => owners[index] === 'worker-b');
  // Every slot is taken: the next one waits.
  const waiting = await openSession(client);
  assert.equal((await statusOf(client, waiting)).status, 'waiting');

  await workerA.kill();
  const killedAtMs = Date.now();
  for (const { client, id } of onA) {
    const failed = await waitFor(() => statusOf(client, id), (task) => task.status === 'failed', `${id} on the killed worker to fail`);
    assert.equal(failed.error, `${leaseExpiredReason} (worker worker-a)`);
  }
  const tookMs = Date.now() - killedAtMs;
  // Within the lease plus a sweep or two (generous: the machine may be loaded).
  assert.ok(tookMs < leaseMs + 15_000, `failed ${tookMs} ms after the kill`);

  // The survivor's tasks were never touched: they answer and complete.
  for (const { client, id } of onB) {
    await answersCommands(client, id, 'after');
    await closeSession(client, id);
  }
  // The waiting task and a new one run on the survivor.
  const fresh = await openSession(client);
  for (const id of [waiting, fresh]) {
    await waitFor(() => statusOf(client, id), (task) => task.status === 'running', `${id} to start on the survivor`);
    assert.equal(await services.leaseOwner(id), 'worker-b');
    await answersCommands(client, id, 'survivor');
    await closeSession(client, id);
  }
});
