import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrowserPool } from '@open-smooth/browser';
import { browserProcessId, browserProcessIdsOf, startScriptedModelServer } from '@open-smooth/testkit';
import { startPageServer } from './support/page-server.js';
import { loopbackNetworkAllowance, pollEvents, startTestServer, type TestServer } from './support/test-server.js';

/**
 * The browser processes running the server's tasks: the shared pool's when embedded; distributed,
 * those the worker processes launched (each launches its pool for its first task, so only the
 * victim's worker has one by then).
 */
async function taskBrowsers(server: TestServer, pool: BrowserPool): Promise<number[]> {
  if (!server.distributed) return [await browserProcessId(pool.networkProxyUrl)];
  return (await Promise.all(server.distributed.workers.map((worker) => browserProcessIdsOf(worker.pid)))).flat();
}

test('a Chromium killed under a running task fails that task with a reason; the next task succeeds', async (t) => {
  const pages = await startPageServer();
  const pool = await BrowserPool.launch({ warmDevices: ['desktop'], allowPrivateNetwork: loopbackNetworkAllowance });
  let killed: number[] | undefined;
  let server: TestServer | undefined;
  // The first model call kills the browser, then asks for a page; later tasks just finish.
  const model = await startScriptedModelServer(() => {
    if (!killed) {
      killed = [];
      return taskBrowsers(server!, pool).then((pids) => {
        for (const pid of pids) process.kill(pid, 'SIGKILL');
        killed = pids;
        return { toolCalls: [{ name: 'goto', arguments: { url: `${pages.url}/second` } }] };
      });
    }
    return { toolCalls: [{ name: 'done', arguments: { answer: 'fine' } }] };
  });
  server = await startTestServer({ browserPool: pool, modelEnvironment: model.environment() });
  t.after(async () => {
    await server?.close();
    await pool.close();
    await model.close();
    await pages.close();
  });

  const victim = await server.api('POST', '/task', { body: { task: 'Look around', url: `${pages.url}/`, max_steps: 4 } });
  assert.equal(victim.status, 200);
  const { status } = await pollEvents(server, victim.body.r.id, () => false);
  assert.equal(status, 'failed');
  const failed = await server.api('GET', `/task/${victim.body.r.id}`);
  assert.match(failed.body.r.error, /the browser crashed or was closed while the task was running/);
  assert.equal(killed?.length, 1, 'one browser ran the task, and it was killed');

  const next = await server.api('POST', '/task', { body: { task: 'Look again', url: `${pages.url}/second`, max_steps: 4 } });
  const after = await pollEvents(server, next.body.r.id, () => false);
  assert.equal(after.status, 'done');
  assert.equal((await server.api('GET', `/task/${next.body.r.id}`)).body.r.output, 'fine');
});
