import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPageServer } from './support/page-server.js';
import { pollEvents, secondKey, sendCommand, startTestServer } from './support/test-server.js';

test('a session driven purely by events: goto, evaluate_js in every form, a refused URL, close', async (t) => {
  const pages = await startPageServer();
  const server = await startTestServer();
  t.after(async () => {
    await server.close();
    await pages.close();
  });

  const created = await server.api('POST', '/task', { body: { task: null, url: `${pages.url}/`, device: 'desktop', allowed_urls: [`${pages.url}/*`] } });
  assert.equal(created.status, 200);
  const id = created.body.r.id;

  const title = await sendCommand(server, id, 'browser_action', 'evaluate_js', { js: 'document.title' }, 'title');
  assert.deepEqual([title.payload.code, title.payload.output.output], [200, 'Home page']);

  const counted = await sendCommand(server, id, 'browser_action', 'evaluate_js', { js: '(args) => document.querySelectorAll(args.selector).length', args: { selector: '.item' } }, 'count');
  assert.equal(counted.payload.output.output, 3);

  const listed = await sendCommand(server, id, 'browser_action', 'evaluate_js', { js: "const items = [...document.querySelectorAll('.item')];\nreturn items.map((item) => item.textContent);" }, 'list');
  assert.deepEqual(listed.payload.output.output, ['alpha', 'beta', 'gamma']);

  const wentTo = await sendCommand(server, id, 'browser_action', 'goto', { url: `${pages.url}/second` }, 'goto');
  assert.equal(wentTo.payload.code, 200);
  assert.deepEqual(Object.keys(wentTo.payload.output).sort(), ['credits_used', 'duration']);
  const note = await sendCommand(server, id, 'browser_action', 'exec_js', { js: "document.getElementById('note').textContent" }, 'note');
  assert.equal(note.payload.output.output, 'second');

  const refused = await sendCommand(server, id, 'browser_action', 'goto', { url: 'http://127.0.0.2:9/elsewhere' }, 'refused');
  assert.equal(refused.payload.code, 400);
  assert.equal(typeof refused.payload.output, 'string');

  const livePage = await fetch(created.body.r.live_url);
  assert.equal(livePage.status, 200);
  assert.match(livePage.headers.get('content-type') ?? '', /^text\/html/);
  // The page fills itself in over its WebSocket (live-view.test.ts drives it in a browser).
  assert.match(await livePage.text(), /Live view/);

  const closed = await sendCommand(server, id, 'session_action', 'close', {}, 'close');
  assert.deepEqual(closed.payload, { code: 200, output: { output: true, credits_used: 0, duration: closed.payload.output.duration } });
  const { status, last } = await pollEvents(server, id, () => false);
  assert.equal(status, 'done');
  assert.equal(last.status, 200);
});

test('an idle session closes by itself; DELETE cancels a session', async (t) => {
  const server = await startTestServer({ sessionIdleTimeoutMs: 300 });
  t.after(() => server.close());

  const idle = (await server.api('POST', '/task', { body: { task: null } })).body.r;
  assert.equal(idle.device, 'mobile');
  const { status, last } = await pollEvents(server, idle.id, () => false);
  assert.equal(status, 'done');
  assert.equal(last.body.r.error, 'the session was closed after 0.3 s without a command (the idle timeout)');

  const stopped = (await server.api('POST', '/task', { body: { task: null } })).body.r;
  const deleted = await server.api('DELETE', `/task/${stopped.id}`, { headers: { 'content-type': 'application/json' } });
  assert.deepEqual([deleted.status, deleted.body], [200, { r: true }]);
  const after = await server.api('GET', `/task/${stopped.id}`);
  assert.deepEqual([after.status, after.body.r.status], [200, 'cancelled']);
  const again = await server.api('DELETE', `/task/${stopped.id}`);
  assert.equal(again.status, 404);
  const erased = await server.api('DELETE', `/task/${stopped.id}/data`);
  assert.deepEqual([erased.status, erased.body], [200, { r: true }]);
  const events = await server.api('GET', `/task/${stopped.id}?event_t=0`);
  assert.deepEqual(events.body.r.events, []);
});

test('the scheduler queues tasks beyond the concurrency limit as waiting', async (t) => {
  const server = await startTestServer({ maxConcurrentTasks: 1 });
  t.after(() => server.close());
  const first = (await server.api('POST', '/task', { body: { task: null } })).body.r;
  const second = (await server.api('POST', '/task', { body: { task: null } })).body.r;
  assert.equal(second.status, 'waiting');
  const queued = await server.api('GET', `/task/${second.id}`);
  assert.deepEqual([queued.status, queued.body.r.status], [202, 'waiting']);
  // A command sent while waiting runs once the task starts.
  await server.api('POST', `/task/${second.id}/event`, { body: { id: 'early', name: 'browser_action', payload: { name: 'evaluate_js', input: { js: '7' } } } });
  // A forced close does not wait for the task to start.
  const third = (await server.api('POST', '/task', { body: { task: null } })).body.r;
  const forced = await sendCommand(server, third.id, 'session_action', 'close', { force: true }, 'close-third');
  assert.deepEqual([forced.payload.code, forced.payload.output.output], [200, true]);
  assert.equal((await pollEvents(server, third.id, () => false)).status, 'done');
  await sendCommand(server, first.id, 'session_action', 'close', {}, 'close-first');
  const { events } = await pollEvents(server, second.id, (collected) => collected.some((event) => event.id === 'early'));
  assert.equal(events.find((event) => event.id === 'early').payload.output.output, 7);
  assert.equal((await server.api('GET', `/task/${second.id}`)).body.r.status, 'running');
  await sendCommand(server, second.id, 'session_action', 'close', {}, 'close-second');
});

test('the per-key limit queues one tenant without holding up another', async (t) => {
  const server = await startTestServer({ maxConcurrentTasks: 2, maxConcurrentTasksPerKey: 1 });
  t.after(() => server.close());
  const first = (await server.api('POST', '/task', { body: { task: null } })).body.r;
  const queued = (await server.api('POST', '/task', { body: { task: null } })).body.r;
  const otherTenant = (await server.api('POST', '/task', { key: secondKey, body: { task: null } })).body.r;
  // Embedded, a task with a free slot starts before its creation is answered; distributed, once a worker claims it.
  if (!server.distributed) assert.deepEqual([first.status, queued.status, otherTenant.status], ['running', 'waiting', 'running']);
  const statusOf = async (id: string, key?: string) => (await server.api('GET', `/task/${id}`, key ? { key } : {})).body.r.status as string;
  const becomes = async (id: string, wanted: string, key?: string) => {
    const deadline = Date.now() + 30_000;
    while ((await statusOf(id, key)) !== wanted) {
      if (Date.now() > deadline) throw new Error(`${id} did not become ${wanted}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  await becomes(first.id, 'running');
  await becomes(otherTenant.id, 'running', secondKey);
  assert.equal(await statusOf(queued.id), 'waiting');
  await sendCommand(server, first.id, 'session_action', 'close', {}, 'close-first');
  await pollEvents(server, first.id, () => false);
  await becomes(queued.id, 'running');
  for (const [id, key] of [[queued.id, undefined], [otherTenant.id, secondKey]] as const) {
    assert.equal((await server.api('DELETE', `/task/${id}`, key ? { key } : {})).status, 200);
  }
});
