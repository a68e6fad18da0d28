import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answersCommands, closeSession, openSession, sharedServices, spawnWorker, startInProcess, statusOf, waitFor } from './support/fault-services.js';
import { apiClientOf, secondKey } from './support/test-server.js';

// The distributed mode when Redis dies and comes back (append-only file on): the queue it holds survives.

test('kill -9 and restart Redis under an API process and two workers: queued tasks are not lost, they run once slots free', async (t) => {
  const services = await sharedServices(t, { durableRedis: true });
  await Promise.all([spawnWorker(services, 'worker-a', 1), spawnWorker(services, 'worker-b', 1)]);
  const api = await startInProcess(services, 'api', { maxConcurrentTasks: 1 });
  // Two tenants, one task of each running: a key's limit at once is one worker's slots (concurrency-defaults.ts clamps it).
  const tenants = [apiClientOf(() => api.apiBaseUrl), apiClientOf(() => api.apiBaseUrl, secondKey)];
  const running = await Promise.all(tenants.map(async (client) => ({ client, id: await openSession(client) })));
  await Promise.all(running.map(({ client, id }) => waitFor(() => statusOf(client, id), (task) => task.status === 'running', `${id} to start`)));
  const queued = await Promise.all(tenants.map(async (client) => ({ client, id: await openSession(client) })));
  for (const { client, id } of queued) assert.equal((await statusOf(client, id)).status, 'waiting');

  await services.redis.restart({ kill: true });
  // Everyone reconnects by themselves: the running sessions still answer.
  for (const { client, id } of running) await answersCommands(client, id, 'after-restart');
  for (const { client, id } of running) await closeSession(client, id);
  for (const { client, id } of queued) {
    await waitFor(() => statusOf(client, id), (task) => task.status === 'running', `queued ${id} to start after the restart`);
    await answersCommands(client, id, 'queued');
    await closeSession(client, id);
  }
});
