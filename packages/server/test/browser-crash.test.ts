import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrowserPool } from '@open-smooth/browser';
import { browserProcessId, startScriptedModelServer } from '@open-smooth/testkit';
import { startPageServer } from './support/page-server.js';
import { loopbackNetworkAllowance, pollEvents, startTestServer } from './support/test-server.js';

test('a Chromium killed under a running task fails that task with a reason; the next task succeeds', async (t) => {
  const pages = await startPageServer();
  const pool = await BrowserPool.launch({ warmDevices: ['desktop'], allowPrivateNetwork: loopbackNetworkAllowance });
  let killed = false;
  // The first model call kills the browser, then asks for a page; later tasks just finish.
  const model = await startScriptedModelServer(() => {
    if (!killed) {
      killed = true;
      return browserProcessId(pool.networkProxyUrl).then((pid) => {
        process.kill(pid, 'SIGKILL');
        return { toolCalls: [{ name: 'goto', arguments: { url: `${pages.url}/second` } }] };
      });
    }
    return { toolCalls: [{ name: 'done', arguments: { answer: 'fine' } }] };
  });
  const server = await startTestServer({ browserPool: pool, modelEnvironment: model.environment() });
  t.after(async () => {
    await server.close();
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

  const next = await server.api('POST', '/task', { body: { task: 'Look again', url: `${pages.url}/second`, max_steps: 4 } });
  const after = await pollEvents(server, next.body.r.id, () => false);
  assert.equal(after.status, 'done');
  assert.equal((await server.api('GET', `/task/${next.body.r.id}`)).body.r.output, 'fine');
});
