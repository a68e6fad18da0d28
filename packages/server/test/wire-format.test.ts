import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstKey, pollEvents, startTestServer } from './support/test-server.js';

test('wire format: envelope, 202 then 200, answers matched by id, long-poll, detail bodies', async (t) => {
  const server = await startTestServer({ longPollMs: 20_000, finishGraceMs: 20_000 });
  t.after(() => server.close());

  const created = await server.api('POST', '/task', { body: { task: null, device: 'desktop' } });
  assert.equal(created.status, 200);
  const task = created.body.r;
  assert.match(task.id, /^task_[0-9a-f]{32}$/);
  assert.equal(task.device, 'desktop');
  // Recording is on by default: no video until the session has ended and it is encoded.
  assert.equal(task.recording_url, null);
  assert.match(task.live_url, new RegExp(`^${server.server.url}/live/${task.id}/[A-Za-z0-9_-]{32}$`));
  assert.equal(typeof task.created_at, 'number');
  assert.equal(Number.isInteger(task.credits_used), true);

  const live = await server.api('GET', `/task/${task.id}`);
  assert.equal(live.status, 202);
  assert.ok(['waiting', 'running'].includes(live.body.r.status));

  // Three commands sent back to back: each answer carries its command's id and name, in order.
  const commands = [
    { id: 'cmd-title', name: 'browser_action', payload: { name: 'evaluate_js', input: { js: 'document.title = "Wire"; document.title' } } },
    { id: 'cmd-sum', name: 'browser_action', payload: { name: 'evaluate_js', input: { js: '(args) => args.a + args.b', args: { a: 2, b: 3 } } } },
    { id: 'cmd-bad', name: 'browser_action', payload: { name: 'evaluate_js', input: { js: 'throw new Error("boom")' } } },
  ];
  for (const command of commands) {
    const sent = await server.api('POST', `/task/${task.id}/event`, { body: command });
    assert.equal(sent.status, 200);
    assert.deepEqual(sent.body, { r: { id: command.id } });
  }
  const { events } = await pollEvents(server, task.id, (collected) => collected.length >= 3);
  assert.deepEqual(
    events.map((event) => [event.id, event.name, event.payload.code]),
    [
      ['cmd-title', 'browser_action', 200],
      ['cmd-sum', 'browser_action', 200],
      ['cmd-bad', 'browser_action', 400],
    ],
  );
  assert.equal(events[0].payload.output.output, 'Wire');
  assert.equal(events[1].payload.output.output, 5);
  assert.equal(typeof events[1].payload.output.duration, 'number');
  assert.equal(typeof events[1].payload.output.credits_used, 'number');
  assert.match(events[2].payload.output, /boom/);
  for (let index = 1; index < events.length; index += 1) assert.ok(events[index].timestamp > events[index - 1].timestamp);

  // A long-poll with nothing new is held and returns with the event that arrives meanwhile.
  const lastTimestamp = events.at(-1).timestamp;
  const heldPoll = server.api('GET', `/task/${task.id}?event_t=${lastTimestamp}`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await server.api('POST', `/task/${task.id}/event`, { body: { id: 'cmd-late', name: 'browser_action', payload: { name: 'evaluate_js', input: { js: '40 + 2' } } } });
  const held = await heldPoll;
  assert.equal(held.status, 202);
  assert.deepEqual(
    held.body.r.events.map((event: any) => [event.id, event.payload.output.output]),
    [['cmd-late', 42]],
  );
  const afterLate = held.body.r.events[0].timestamp;

  // Nothing after the last timestamp: event_t filters strictly.
  await server.api('POST', `/task/${task.id}/event`, { body: { id: 'cmd-close', name: 'session_action', payload: { name: 'close' } } });
  // Until the answer comes, a live task's poll carries a heartbeat (no id, the cursor kept).
  let carrying = await server.api('GET', `/task/${task.id}?event_t=${afterLate}`);
  while (carrying.body.r.events[0].id === null) {
    assert.deepEqual(carrying.body.r.events, [{ id: null, name: 'heartbeat', payload: { status: 'running' }, timestamp: afterLate }]);
    carrying = await server.api('GET', `/task/${task.id}?event_t=${afterLate}`);
  }
  // The answer to close arrives while the task still reads running, so official clients read it.
  assert.deepEqual([carrying.status, carrying.body.r.status], [202, 'running']);
  const closeAnswer = carrying.body.r.events[0];
  assert.equal(closeAnswer.id, 'cmd-close');
  assert.equal(closeAnswer.payload.code, 200);
  assert.equal(closeAnswer.payload.output.output, true);
  assert.ok(closeAnswer.timestamp > afterLate);

  // The poll that carried the close answer read `running`; the next one reads the finished task.
  const finished = await server.api('GET', `/task/${task.id}?event_t=${closeAnswer.timestamp}`);
  assert.equal(finished.status, 200);
  assert.equal(finished.body.r.status, 'done');
  assert.deepEqual(finished.body.r.events, []);
  const everything = await server.api('GET', `/task/${task.id}?event_t=0`);
  assert.deepEqual(
    everything.body.r.events.map((event: any) => event.id),
    ['cmd-title', 'cmd-sum', 'cmd-bad', 'cmd-late', 'cmd-close'],
  );

  const listed = await server.api('GET', '/task?l=5');
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.r.map((entry: any) => entry.id), [task.id]);

  // Finished tasks accept no more commands, and say why.
  const late = await server.api('POST', `/task/${task.id}/event`, { body: { name: 'browser_action', payload: { name: 'goto', input: { url: 'http://127.0.0.1:1/' } } } });
  assert.equal(late.status, 400);
  assert.match(late.body.detail, /finished/);
});

test('error bodies carry a detail with the right status', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const missingKey = await server.api('GET', '/task', { key: null });
  assert.deepEqual([missingKey.status, typeof missingKey.body.detail], [401, 'string']);
  const wrongKey = await server.api('GET', '/task', { key: 'not-a-key' });
  assert.deepEqual([wrongKey.status, wrongKey.body.detail], [401, 'invalid API key']);
  const unknownTask = await server.api('GET', '/task/task_00000000000000000000000000000000');
  assert.equal(unknownTask.status, 404);
  assert.match(unknownTask.body.detail, /task not found/);
  const invalid = await server.api('POST', '/task', { body: { task: 'x', max_steps: 1000 } });
  assert.equal(invalid.status, 422);
  assert.match(invalid.body.detail, /max_steps/);
  const unknownRoute = await server.api('GET', '/nothing-here');
  assert.equal(unknownRoute.status, 404);
  assert.equal(typeof unknownRoute.body.detail, 'string');
});

test('OpenAPI document and docs page are served', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const document = (await (await fetch(`${server.server.url}/api/docs/openapi.json`)).json()) as any;
  assert.equal(document.openapi, '3.1.0');
  for (const path of ['/task', '/task/{task_id}', '/task/{task_id}/event', '/task/{task_id}/data', '/profile', '/profile/{profile_id}', '/file', '/file/{file_id}', '/extension', '/extension/{extension_id}', '/browser/extension/{extension_id}']) {
    assert.ok(document.paths[path], `missing ${path}`);
  }
  assert.deepEqual(document.paths['/task'].post.requestBody.content['application/json'].schema.properties.max_steps.maximum, 128);
  const page = await fetch(`${server.server.url}/api/docs`);
  assert.equal(page.status, 200);
  // Swagger UI from this server's own files (offline), started on this server's document.
  const html = await page.text();
  for (const asset of [...html.matchAll(/(?:src|href)="(\/api\/docs\/assets\/[^"]+)"/g)].map((match) => match[1])) {
    const served = await fetch(`${server.server.url}${asset}`);
    assert.equal(served.status, 200, asset);
    assert.ok((await served.text()).length > 100, asset);
  }
  assert.match(await (await fetch(`${server.server.url}/api/docs/assets/start.js`)).text(), /\/api\/docs\/openapi\.json/);
  assert.equal((await fetch(`${server.server.url}/api/docs/assets/..%2F..%2Fpackage.json`)).status, 404);
  assert.equal(server.server.apiBaseUrl, `${server.server.url}/api/`);
  assert.deepEqual(server.server.apiKeys, [firstKey, 'sk_test_second_tenant']);
});
