import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer, startScriptedModelServer, type RedisServer, type ScriptedReply } from '@open-smooth/testkit';
import { firstKey, pollEvents, sendCommand, startTestServer, type TestServer } from './support/test-server.js';

// The whole server with its queue (BullMQ), command bus and long-poll wake-ups on a real Redis.
let redis: RedisServer;
let server: TestServer;

before(async () => {
  redis = await startRedisServer();
  // Polls are held up to a minute: an answer within seconds comes from a wake-up through Redis.
  server = await startTestServer({ redisUrl: redis.url, maxConcurrentTasks: 1, sessionIdleTimeoutMs: 120_000, longPollMs: 60_000 });
});

after(async () => {
  await server?.close();
  await redis?.stop();
});

async function statusOf(id: string): Promise<any> {
  return (await server.api('GET', `/task/${id}`, { key: firstKey })).body.r;
}

async function waitForStatus(id: string, wanted: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await statusOf(id)).status !== wanted) {
    if (Date.now() > deadline) throw new Error(`${id} did not reach ${wanted}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('sessions through Redis: commands reach the runner, a command sent while waiting runs once the task starts, a held poll wakes when it starts, DELETE reaches a running task', async () => {
  const first = (await server.api('POST', '/task', { body: { task: null } })).body.r;
  const second = (await server.api('POST', '/task', { body: { task: null } })).body.r;
  await waitForStatus(first.id, 'running');
  const waiting = await statusOf(second.id);
  assert.deepEqual([waiting.status, waiting.queue], ['waiting', { position: 1, reason: 'this API key already runs 1 tasks, its limit at once (SMOOTH_MAX_CONCURRENT_TASKS_PER_KEY)' }]);

  const answer = await sendCommand(server, first.id, 'browser_action', 'evaluate_js', { js: '6 * 7' }, 'multiply');
  assert.deepEqual([answer.payload.code, answer.payload.output.output], [200, 42]);
  // The first poll of the waiting task answers at once; the next one is held until something changes.
  const cursor = (await server.api('GET', `/task/${second.id}?event_t=0`)).body.r.events[0].timestamp as number;
  const early = await server.api('POST', `/task/${second.id}/event`, { body: { id: 'early', name: 'browser_action', payload: { name: 'evaluate_js', input: { js: 'document.title = "kept"; 7' } } } });
  assert.equal(early.status, 200);

  const startedAt = Date.now();
  const held = server.api('GET', `/task/${second.id}?event_t=${cursor}`);
  await statusOf(second.id);
  await sendCommand(server, first.id, 'session_action', 'close', {}, 'close-first');
  const woke = await held;
  assert.ok(Date.now() - startedAt < 30_000, `the held poll answered after ${Date.now() - startedAt} ms`);
  assert.equal(woke.status, 202);

  const { events } = await pollEvents(server, second.id, (collected) => collected.some((event) => event.id === 'early'));
  assert.deepEqual(events.find((event) => event.id === 'early').payload, { code: 200, output: { output: 7, credits_used: 0, duration: events.find((event) => event.id === 'early').payload.output.duration } });
  const title = await sendCommand(server, second.id, 'browser_action', 'evaluate_js', { js: 'document.title' }, 'title');
  assert.equal(title.payload.output.output, 'kept');

  assert.equal((await server.api('DELETE', `/task/${second.id}`)).status, 200);
  const { status } = await pollEvents(server, second.id, () => false);
  assert.equal(status, 'cancelled');
  assert.equal((await server.api('POST', `/task/${second.id}/event`, { body: { id: 'late', name: 'browser_action', payload: { name: 'evaluate_js', input: { js: '1' } } } })).status, 400);
});

test('through Redis, a waiting task cancelled by DELETE never starts, and one closed by force is done at once', async () => {
  const running = (await server.api('POST', '/task', { body: { task: null } })).body.r;
  await waitForStatus(running.id, 'running');
  const cancelled = (await server.api('POST', '/task', { body: { task: null } })).body.r;
  const forced = (await server.api('POST', '/task', { body: { task: null } })).body.r;
  assert.equal((await server.api('DELETE', `/task/${cancelled.id}`)).status, 200);
  assert.deepEqual([(await statusOf(cancelled.id)).status, (await statusOf(cancelled.id)).error], ['cancelled', 'cancelled before it started']);
  assert.equal((await statusOf(forced.id)).queue.position, 1);
  const closed = await sendCommand(server, forced.id, 'session_action', 'close', { force: true }, 'close-forced');
  assert.deepEqual([closed.payload.code, closed.payload.output.output], [200, true]);
  assert.equal((await pollEvents(server, forced.id, () => false)).status, 'done');
  await sendCommand(server, running.id, 'session_action', 'close', {}, 'close-running');
  assert.equal((await pollEvents(server, running.id, () => false)).status, 'done');
  assert.equal((await statusOf(cancelled.id)).status, 'cancelled');
});

test('a Redis restart (killed, AOF on) under a running server loses no queued task: they start once a slot frees', async () => {
  const durable = await startRedisServer({ appendOnly: true });
  const own = await startTestServer({ redisUrl: durable.url, maxConcurrentTasks: 1, sessionIdleTimeoutMs: 120_000 });
  try {
    const running = (await own.api('POST', '/task', { body: { task: null } })).body.r;
    const queued = [(await own.api('POST', '/task', { body: { task: null } })).body.r, (await own.api('POST', '/task', { body: { task: null } })).body.r];
    const deadline = Date.now() + 30_000;
    while ((await own.api('GET', `/task/${running.id}`)).body.r.status !== 'running') {
      if (Date.now() > deadline) throw new Error('the first session did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await durable.restart({ kill: true });
    // The command bus and the queue reconnect by themselves; the running session still answers.
    const answer = await sendCommand(own, running.id, 'browser_action', 'evaluate_js', { js: '1 + 1' }, 'after-restart');
    assert.equal(answer.payload.output.output, 2);
    await sendCommand(own, running.id, 'session_action', 'close', {}, 'close-running');
    for (const task of queued) {
      const closed = await sendCommand(own, task.id, 'session_action', 'close', {}, `close-${task.id}`);
      assert.deepEqual([closed.payload.code, closed.payload.output.output], [200, true]);
      assert.equal((await pollEvents(own, task.id, () => false)).status, 'done');
    }
  } finally {
    await own.close();
    await durable.stop();
  }
});

test('a custom tool through Redis: the tool call reaches the client, its answer reaches the agent, an unknown call id is refused', async (t) => {
  // The model calls the client's tool once, then reports what the tool said.
  const toolThenDone = (request: { lastToolResults: { content: string }[] }): ScriptedReply => {
    const toolResult = request.lastToolResults[0];
    if (!toolResult) return { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };
    return { toolCalls: [{ name: 'done', arguments: { answer: `tool said: ${toolResult.content}` } }] };
  };
  const model = await startScriptedModelServer(toolThenDone);
  // A Redis of its own: two servers on one Redis would take each other's queued tasks.
  const ownRedis = await startRedisServer();
  const own = await startTestServer({ redisUrl: ownRedis.url, modelEnvironment: model.environment() });
  t.after(async () => {
    await own.close();
    await ownRedis.stop();
    await model.close();
  });
  const weatherTool = { name: 'get_weather', description: 'Current weather for a city', inputs: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, output: 'Weather as JSON' };
  const taskId = (await own.api('POST', '/task', { body: { task: 'What is the weather in Paris?', custom_tools: [weatherTool] } })).body.r.id as string;
  const { events } = await pollEvents(own, taskId, (collected) => collected.some((event) => event.name === 'tool_call'));
  const call = events.find((event) => event.name === 'tool_call');
  assert.deepEqual(call.payload, { name: 'get_weather', input: { city: 'Paris' } });
  const unknown = await own.api('POST', `/task/${taskId}/event`, { body: { id: 'tool_unknown', name: 'tool_call', payload: { code: 200, output: 'x' } } });
  assert.deepEqual([unknown.status, unknown.body.detail], [400, 'no tool call with id tool_unknown is waiting for an answer']);
  const sent = await own.api('POST', `/task/${taskId}/event`, { body: { id: call.id, name: 'tool_call', payload: { code: 200, output: { temperature: 21, conditions: 'sunny' } } } });
  assert.deepEqual([sent.status, sent.body], [200, { r: { id: call.id } }]);
  const finished = await pollEvents(own, taskId, () => false, { maxPolls: 200 });
  assert.equal(finished.status, 'done');
  assert.match(String(finished.last.body.r.output), /sunny/);
});
