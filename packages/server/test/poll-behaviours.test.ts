import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorAnswerDelays } from '../src/tasks/error-answer-delay.js';
import { startTestServer } from './support/test-server.js';

// Polls as the official clients make them (no handlers-first header), over real HTTP.
test('polls as the official clients need them: a fresh task answers at once, a live task never empty, error answers withheld until the handler is attached', async (t) => {
  const server = await startTestServer({ longPollMs: 1500 });
  t.after(() => server.close());
  const poll = (taskId: string, eventT: number, handlersFirst = false) => server.api('GET', `/task/${taskId}?event_t=${eventT}`, { handlersFirst });

  const created = await server.api('POST', '/task', { body: { task: null, device: 'desktop' } });
  const taskId: string = created.body.r.id;

  // The first poll of a task with no event answers at once, with the live URL and a heartbeat that moves the cursor off 0.
  const firstStarted = Date.now();
  const first = await poll(taskId, 0);
  assert.ok(Date.now() - firstStarted < 1000, `first poll took ${Date.now() - firstStarted} ms`);
  assert.equal(first.status, 202);
  assert.match(first.body.r.live_url, new RegExp(`^${server.server.url}/live/${taskId}/[A-Za-z0-9_-]{20,}$`));
  const [heartbeat] = first.body.r.events;
  assert.deepEqual(first.body.r.events.length, 1);
  assert.equal(heartbeat.id, null);
  assert.equal(heartbeat.name, 'heartbeat');
  assert.ok(heartbeat.timestamp > 0);

  // With nothing new, a later poll is held for the long-poll time, then still carries a heartbeat at the client's cursor.
  const heldStarted = Date.now();
  const held = await poll(taskId, heartbeat.timestamp);
  assert.ok(Date.now() - heldStarted >= 1000, 'a poll with nothing new is held');
  assert.deepEqual(held.body.r.events, [{ id: null, name: 'heartbeat', payload: { status: 'running' }, timestamp: heartbeat.timestamp }]);

  // A success answer reaches a poll as soon as it exists (the session's browser may still be starting: heartbeats until then).
  await server.api('POST', `/task/${taskId}/event`, { body: { id: 'ok-1', name: 'browser_action', payload: { name: 'evaluate_js', input: { js: '6 * 7' } } } });
  let success = await poll(taskId, heartbeat.timestamp);
  while (success.body.r.events[0].id === null) success = await poll(taskId, heartbeat.timestamp);
  assert.deepEqual(success.body.r.events.map((event: any) => [event.id, event.payload.code, event.payload.output.output]), [['ok-1', 200, 42]]);
  const afterSuccess = success.body.r.events[0].timestamp;

  // An error answer: a poll as the official client makes it (begun right after the POST, like its
  // connect GET) is held, then answered without it, with a heartbeat; the next poll, begun after
  // that, gets it once the client's stagger (up to 1 s) is surely over.
  const posted = Date.now();
  const connectPoll = poll(taskId, afterSuccess);
  await server.api('POST', `/task/${taskId}/event`, { body: { id: 'bad-1', name: 'browser_action', payload: { name: 'evaluate_js', input: { js: 'throw new Error("thrown on purpose")' } } } });
  const ours = await poll(taskId, afterSuccess, true);
  assert.deepEqual(ours.body.r.events.map((event: any) => [event.id, event.payload.code]), [['bad-1', 400]], 'our SDK sees it at once');
  const connectAnswer = await connectPoll;
  const releasedAt = Date.now();
  assert.deepEqual(connectAnswer.body.r.events, [{ id: null, name: 'heartbeat', payload: { status: 'running' }, timestamp: afterSuccess }]);
  assert.ok(releasedAt - posted >= errorAnswerDelays.connectMs - 50, `released ${releasedAt - posted} ms after the post`);
  const errorAnswer = await poll(taskId, afterSuccess);
  const shownAt = Date.now();
  assert.deepEqual(errorAnswer.body.r.events.map((event: any) => [event.id, event.payload.code]), [['bad-1', 400]]);
  assert.match(errorAnswer.body.r.events[0].payload.output, /thrown on purpose/);
  assert.ok(shownAt - releasedAt >= errorAnswerDelays.handlerMs - 100, `shown ${shownAt - releasedAt} ms after the release`);
  const afterError = errorAnswer.body.r.events[0].timestamp;

  // Closing: the close answer comes while the task still reads running; then done, with no heartbeat.
  const beforeClose = Date.now();
  await server.api('POST', `/task/${taskId}/event`, { body: { id: 'close-1', name: 'session_action', payload: { name: 'close' } } });
  let eventT = afterError;
  let closeAnswer: any;
  while (!closeAnswer) {
    const answer = await poll(taskId, eventT);
    assert.equal(answer.body.r.status, 'running');
    for (const event of answer.body.r.events) eventT = Math.max(eventT, event.timestamp);
    closeAnswer = answer.body.r.events.find((event: any) => event.id === 'close-1');
  }
  assert.ok(Date.now() - beforeClose < 5000);
  const finished = await poll(taskId, eventT);
  assert.deepEqual([finished.status, finished.body.r.status, finished.body.r.events], [200, 'done', []]);
});
