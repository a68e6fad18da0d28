import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrowserPool } from '@open-smooth/browser';
import { loopbackNetworkAllowance } from '@open-smooth/testkit';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { leaseExpiredReason } from '../src/tasks/task-runner.js';
import { openSession, sharedServices, startInProcess, statusOf, waitFor } from './support/fault-services.js';
import { startSpawnedServer } from './support/spawned-server.js';
import { apiClientOf } from './support/test-server.js';

// A worker that dies (kill -9) while its address is still in the registry: the api process's relay
// finds nothing there, drops the stale entry, and the live view says the worker cannot be reached
// (then shows the task failed by the lease sweep) instead of a bare 502 or a spinner.

/** Long enough that the registry entry would outlive the checks below, so its removal is the relay's doing. */
const workerLeaseMs = 20_000;

test('kill -9 the worker of a live view: the page reconnects and says the worker cannot be reached and when the task fails, its registry entry is dropped, then the task shows failed', async (t) => {
  const services = await sharedServices(t);
  const pool = await BrowserPool.launch({ allowPrivateNetwork: loopbackNetworkAllowance });
  t.after(() => pool.close());
  const workerA = await startSpawnedServer({
    ...services.environment,
    TEST_LEASE_MS: String(workerLeaseMs),
    SMOOTH_ROLE: 'worker',
    SMOOTH_WORKER_ID: 'worker-a',
    SMOOTH_MAX_CONCURRENT_TASKS: '1',
    TEST_DATA_DIR: await services.directory(),
  });
  let killed = false;
  services.onCleanup(async () => {
    if (!killed) await workerA.close();
  });
  const api = await startInProcess(services, 'api');
  const client = apiClientOf(() => api.apiBaseUrl);
  const sessionId = await openSession(client);
  await waitFor(() => statusOf(client, sessionId), (task) => task.status === 'running', `${sessionId} to run`);
  assert.equal(await services.leaseOwner(sessionId), 'worker-a');
  const liveUrl = (await client.api('GET', `/task/${sessionId}`)).body.r.live_url as string;
  assert.ok(liveUrl.startsWith(api.url), liveUrl);

  // The viewer, through the api process, sees the worker's picture (relayed).
  const viewers = await pool.browser.newContext();
  t.after(() => viewers.close());
  const page = await viewers.newPage();
  await page.goto(liveUrl);
  await page.locator('#screen-frame.has-frame').waitFor({ timeout: 60_000 });

  const registryKey = `${services.redisPrefix}:worker-url:worker-a`;
  const redis = new Redis(services.redis.url);
  const entryLeftMs = await redis.pttl(registryKey);
  assert.ok(entryLeftMs > 5_000, `the entry lives ${entryLeftMs} ms more`);
  await workerA.kill();
  killed = true;
  const killedAt = Date.now();

  // The page noticed the broken connection, connected again, and was told what happened.
  const notice = page.locator('#notice');
  await waitFor(
    () => notice.textContent(),
    (text) => /cannot be reached/.test(text ?? ''),
    'the live page to say the worker cannot be reached',
  );
  const said = (await notice.textContent()) ?? '';
  assert.match(said, new RegExp(`^The worker running task ${sessionId} \\(worker-a\\) cannot be reached: it has stopped or its machine is gone; the task will be failed (when its lease expires, in about \\d+ s|now that its lease has expired)\\.$`));
  assert.equal(await page.locator('#status').textContent(), 'running');
  // Dropped by the relay, before its TTL would have removed it.
  assert.equal(await redis.exists(registryKey), 0);
  redis.disconnect();
  assert.ok(Date.now() - killedAt < entryLeftMs, `checked ${Date.now() - killedAt} ms after the kill, the entry had ${entryLeftMs} ms left`);

  // A second viewer's socket is answered by the api process itself (101), with the same notice: no 502.
  const socketUrl = liveUrl.replace(/^http/, 'ws').replace(/(\?|$)/, '/ws$1');
  const firstState = await new Promise<{ status: string; notice?: string }>((resolve, reject) => {
    const socket = new WebSocket(socketUrl);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade answered ${response.statusCode}`)));
    socket.once('error', reject);
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = JSON.parse(data.toString()) as { type: string; status: string; notice?: string };
      if (message.type !== 'state') return;
      socket.close();
      resolve(message);
    });
  });
  assert.equal(firstState.status, 'running');
  assert.match(firstState.notice ?? '', /\(worker-a\) cannot be reached/);

  // A surviving worker sweeps the expired lease: the page shows the task failed, with the reason.
  await startInProcess(services, 'worker', { workerId: 'worker-b', browserPool: pool, allowPrivateNetwork: undefined });
  await waitFor(() => page.locator('#status').textContent(), (text) => text === 'failed', 'the live page to show the task failed', workerLeaseMs + 60_000);
  assert.equal(await page.locator('#result-body').textContent(), `${leaseExpiredReason} (worker worker-a)`);
  assert.equal(await notice.textContent(), '');
});
