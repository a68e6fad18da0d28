import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrowserPool } from '@open-smooth/browser';

import { tenantOfApiKey } from '../src/api-keys.js';
import { startPageServer } from './support/page-server.js';
import { firstKey, loopbackNetworkAllowance, secondKey, sendCommand, startTestServer, type TestServer } from './support/test-server.js';
import { skipWhenDistributed } from './support/test-topology.js';

/** Opens a desktop session on the page and returns its id. */
async function openSession(server: TestServer, url: string, key: string): Promise<string> {
  const created = await server.api('POST', '/task', { key, body: { task: null, url, device: 'desktop' } });
  assert.equal(created.status, 200);
  return created.body.r.id;
}

/** Waits until the task reads finished: by then its context has gone back to the pool (or been closed). */
async function waitUntilFinished(server: TestServer, id: string, key: string): Promise<void> {
  for (;;) {
    const polled = await server.api('GET', `/task/${id}`, { key });
    if (polled.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs js in the session as the first key and returns its result. */
async function evaluate(server: TestServer, id: string, js: string): Promise<unknown> {
  const answer = await sendCommand(server, id, 'browser_action', 'evaluate_js', { js }, `js-${Math.random()}`);
  assert.equal(answer.payload.code, 200, JSON.stringify(answer.payload));
  return answer.payload.output.output;
}

/** The same as the second key (sendCommand speaks as the first). */
async function evaluateAsSecond(server: TestServer, id: string, js: string): Promise<unknown> {
  const eventId = `js-${Math.random()}`;
  const sent = await server.api('POST', `/task/${id}/event`, { key: secondKey, body: { id: eventId, name: 'browser_action', payload: { name: 'evaluate_js', input: { js } } } });
  assert.equal(sent.status, 200);
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const polled = await server.api('GET', `/task/${id}?event_t=0`, { key: secondKey });
    const answer = (polled.body.r.events ?? []).find((event: any) => event.id === eventId);
    if (answer) return answer.payload.output.output;
  }
  throw new Error(`no answer for ${eventId}`);
}

const leaveState = `
  document.cookie = 'left-behind=1; max-age=3600';
  localStorage.setItem('left-behind', '1');
  sessionStorage.setItem('left-behind', '1');
  return document.cookie;
`;
const readState = `[document.cookie, localStorage.getItem('left-behind'), sessionStorage.getItem('left-behind')].join('|')`;

const notInThisProcess = "it counts the contexts kept for reuse in the test process's pool; the workers are processes with pools of their own, and consecutive sessions may run on different workers";

test('a closed session’s browser serves the same tenant’s next session wiped, and never another tenant', { skip: skipWhenDistributed(notInThisProcess) }, async (t) => {
  const pages = await startPageServer();
  const pool = await BrowserPool.launch({ warmDevices: ['desktop'], allowPrivateNetwork: loopbackNetworkAllowance });
  const server = await startTestServer({ browserPool: pool });
  t.after(async () => {
    await server.close();
    await pool.close();
    await pages.close();
  });
  const firstTenant = tenantOfApiKey(firstKey);

  const first = await openSession(server, `${pages.url}/`, firstKey);
  assert.equal(await evaluate(server, first, leaveState), 'left-behind=1');
  const closed = await sendCommand(server, first, 'session_action', 'close', {}, 'close');
  assert.equal(closed.payload.code, 200);
  // The close is answered before the session ends (its recording is put away first).
  await waitUntilFinished(server, first, firstKey);
  await pool.whenWarm();
  assert.equal(pool.reusableCount('desktop', firstTenant), 1, 'the context went back to the pool for this tenant');

  const second = await openSession(server, `${pages.url}/`, firstKey);
  assert.equal(await evaluate(server, second, readState), '||', 'nothing of the first session is visible');
  assert.equal(pool.reusableCount('desktop', firstTenant), 0, 'the second session took it');
  await sendCommand(server, second, 'session_action', 'close', {}, 'close');
  await waitUntilFinished(server, second, firstKey);
  await pool.whenWarm();

  const other = await openSession(server, `${pages.url}/`, secondKey);
  assert.equal(await evaluateAsSecond(server, other, readState), '||');
  assert.equal(pool.reusableCount('desktop', firstTenant), 1, 'another tenant never gets the first tenant’s context');
  assert.equal((await server.api('DELETE', `/task/${other}`, { key: secondKey })).status, 200);
});
