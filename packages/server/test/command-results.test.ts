import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSessionServer } from './support/session-server.js';
import { pollEvents, sendCommand } from './support/test-server.js';

const evaluate = (js: string) => ({ js });
const sessions = useSessionServer();
/** One session at a time, and scripts stopped after 1.5 s. */
const narrowSessions = useSessionServer({ evaluateJsTimeoutMs: 1500, maxConcurrentTasks: 1 });

test('evaluate_js results of every kind are answered safely and the server stays up', async () => {
  const { server, openSession, closeSession } = await sessions();
  const id = await openSession();

  const cases: Array<[string, unknown]> = [
    ['10n', '10'],
    ['({a: 10n})', { a: '10' }],
    ['const o = {a: 1}; o.self = o; o', { a: 1, self: '[circular]' }],
    ['(() => { const o = {name: "loop"}; o.self = o; return o; })()', { name: 'loop', self: '[circular]' }],
    ['undefined', null],
    ['({u: undefined, f() {}, s: Symbol("k")})', { f: '[function f]', s: 'Symbol(k)' }],
    ['[undefined, 1n, () => 1]', [null, '1', '[function anonymous]']],
    ['let big = 12345678901234567890n; big', '12345678901234567890'],
    ['document.title', 'Home page'],
  ];
  for (const [index, [js, expected]] of cases.entries()) {
    const answer = await sendCommand(server, id, 'browser_action', 'evaluate_js', evaluate(js), `case_${index}`);
    assert.equal(answer.payload.code, 200, `${js}: ${JSON.stringify(answer.payload)}`);
    assert.deepEqual(answer.payload.output.output, expected, js);
  }

  const huge = await sendCommand(server, id, 'browser_action', 'evaluate_js', evaluate('"x".repeat(2 * 1024 * 1024)'), 'huge');
  assert.equal(huge.payload.code, 400);
  assert.match(huge.payload.output, /2\.0 MiB .*cap of 1 MiB/);

  // The server is alive and the session still answers after all of that.
  const health = await server.api('GET', `/task/${id}`);
  assert.equal(health.status, 202);
  const after = await sendCommand(server, id, 'browser_action', 'evaluate_js', evaluate('1 + 1'), 'after');
  assert.deepEqual([after.payload.code, after.payload.output.output], [200, 2]);
  await closeSession(id);
});

test('a script that never yields is stopped with a timeout answer; the session stays usable and frees its slot on close', async () => {
  const { server, openSession, closeSession } = await narrowSessions();
  const first = { id: await openSession('/') };
  const second = { id: await openSession('/second') };
  assert.equal((await server.api('GET', `/task/${second.id}`)).body.r.status, 'waiting');

  for (const js of ['while (true) {}', 'let spins = 0; while (true) { spins++; }', 'new Promise(() => { for (;;) {} })']) {
    const stuck = await sendCommand(server, first.id, 'browser_action', 'evaluate_js', evaluate(js), `stuck_${js.length}`);
    assert.equal(stuck.payload.code, 400);
    assert.match(stuck.payload.output, /longer than 1\.5 s and was stopped/);
  }
  const usable = await sendCommand(server, first.id, 'browser_action', 'evaluate_js', evaluate('document.querySelectorAll(".item").length'), 'usable');
  assert.deepEqual([usable.payload.code, usable.payload.output.output], [200, 3]);

  const closed = await closeSession(first.id);
  assert.equal(closed.payload.code, 200);
  // The freed slot goes to the waiting session, which then works.
  const note = await sendCommand(server, second.id, 'browser_action', 'evaluate_js', evaluate('document.getElementById("note").textContent'), 'note');
  assert.deepEqual([note.payload.code, note.payload.output.output], [200, 'second']);
  await closeSession(second.id, 'close2');
  const { status } = await pollEvents(server, second.id, () => false);
  assert.equal(status, 'done');
});

test('a 100 MB evaluate_js result is refused by the cap without the server holding it', async (t) => {
  const { server, openSession, closeSession } = await sessions();
  const id = await openSession();
  await sendCommand(server, id, 'browser_action', 'evaluate_js', evaluate('1'), 'warm');
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
  t.after(() => clearInterval(sampler));
  const answer = await sendCommand(server, id, 'browser_action', 'evaluate_js', evaluate('"y".repeat(100 * 1024 * 1024)'), 'hundred');
  clearInterval(sampler);
  assert.equal(answer.payload.code, 400);
  assert.match(answer.payload.output, /100\.0 MiB as JSON, larger than the cap of 1 MiB/);
  // The server process never holds the 100 MB (a generous bound: tests share this process).
  assert.ok(rssPeak - rssBefore < 60 * 1024 * 1024, `RSS grew by ${Math.round((rssPeak - rssBefore) / 1048576)} MiB`);
  const stored = await server.api('GET', `/task/${id}?event_t=0`);
  assert.ok(JSON.stringify(stored.body).length < 100_000);
  await closeSession(id);
});
