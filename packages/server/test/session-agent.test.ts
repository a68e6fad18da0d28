import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startScriptedModelServer } from '@open-smooth/testkit';
import { startPageServer } from './support/page-server.js';
import { pollEvents, sendCommand, startTestServer } from './support/test-server.js';

test('a session chains run_task and extract; credits and downloads reach the wire', async (t) => {
  const pages = await startPageServer();
  // Agent calls end with `done`; extraction calls (no tools offered) answer with JSON.
  const model = await startScriptedModelServer((request) =>
    request.tools.length === 0
      ? { text: JSON.stringify({ heading: 'Welcome' }), usage: { promptTokens: 1000, completionTokens: 100 } }
      : { toolCalls: [{ name: 'done', arguments: { answer: 'looked at the home page' } }], usage: { promptTokens: 1000, completionTokens: 100 } },
  );
  const server = await startTestServer({ modelEnvironment: { ...model.environment(), SMOOTH_MODEL_PRICE: '1000,1000', SMOOTH_MODEL_LITE_PRICE: '1000,1000' } });
  t.after(async () => {
    await server.close();
    await model.close();
    await pages.close();
  });

  const id = (await server.api('POST', '/task', { body: { task: null, device: 'desktop' } })).body.r.id;
  const ran = await sendCommand(server, id, 'session_action', 'run_task', { task: 'Look at the home page', url: `${pages.url}/`, max_steps: 4, metadata: { user: 'ada' } }, 'run');
  assert.equal(ran.payload.code, 200, JSON.stringify(ran.payload));
  assert.equal(ran.payload.output.output, 'looked at the home page');
  assert.equal(typeof ran.payload.output.credits_used, 'number');

  const extracted = await sendCommand(server, id, 'browser_action', 'extract', { schema: { type: 'object', properties: { heading: { type: 'string' } } }, prompt: 'the heading' }, 'extract');
  assert.equal(extracted.payload.code, 200, JSON.stringify(extracted.payload));
  assert.deepEqual(extracted.payload.output.output, { heading: 'Welcome' });

  await sendCommand(server, id, 'browser_action', 'goto', { url: `${pages.url}/download` }, 'goto');
  const clicked = await sendCommand(server, id, 'browser_action', 'evaluate_js', { js: "document.querySelector('a').click(); true" }, 'click');
  assert.equal(clicked.payload.code, 200);
  await sendCommand(server, id, 'session_action', 'close', {}, 'close');
  const { status } = await pollEvents(server, id, () => false);
  assert.equal(status, 'done');

  const finished = await server.api('GET', `/task/${id}?downloads=true`);
  assert.equal(finished.status, 200);
  assert.equal(finished.body.r.output, 'looked at the home page');
  assert.ok(Number.isInteger(finished.body.r.credits_used) && finished.body.r.credits_used > 0, `credits ${finished.body.r.credits_used}`);
  const downloadsUrl: string = finished.body.r.downloads_url;
  assert.match(downloadsUrl, new RegExp(`^${server.server.url}/downloads/`));
  const zip = Buffer.from(await (await fetch(downloadsUrl)).arrayBuffer());
  assert.deepEqual([...zip.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04]);
  assert.ok(zip.includes(Buffer.from('report.csv')));
  assert.equal((await fetch(`${server.server.url}/downloads/not-a-token/downloads.zip`)).status, 404);
  // Without ?downloads=true nothing is computed; a task that downloaded nothing gets "".
  assert.equal((await server.api('GET', `/task/${id}`)).body.r.downloads_url, null);
});
