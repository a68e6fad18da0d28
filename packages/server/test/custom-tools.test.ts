import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startScriptedModelServer, type ScriptedModelServer, type ScriptedReply } from '@open-smooth/testkit';
import { pollEvents, startTestServer, type TestServer } from './support/test-server.js';

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  inputs: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  output: 'Weather as JSON',
};

/** The model calls the client's tool once, then reports what the tool said. */
function toolThenDone(request: { lastToolResults: { content: string }[] }): ScriptedReply {
  const toolResult = request.lastToolResults[0];
  if (!toolResult) return { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };
  return { toolCalls: [{ name: 'done', arguments: { answer: `tool said: ${toolResult.content}` } }] };
}

/** Runs a task with the weather tool, answering its tool call with `answer` (or never). */
async function runWithToolAnswer(server: TestServer, answer: { code: 200 | 400 | 500; output: unknown } | null, whileWaiting?: (taskId: string) => Promise<void>) {
  const created = await server.api('POST', '/task', { body: { task: 'What is the weather in Paris?', custom_tools: [weatherTool] } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const taskId = created.body.r.id;
  const { events } = await pollEvents(server, taskId, (collected) => collected.some((event) => event.name === 'tool_call'));
  const call = events.find((event) => event.name === 'tool_call');
  assert.ok(call, 'the agent called the tool');
  assert.deepEqual(call.payload, { name: 'get_weather', input: { city: 'Paris' } });
  if (whileWaiting) await whileWaiting(taskId);
  if (answer) {
    const sent = await server.api('POST', `/task/${taskId}/event`, { body: { id: call.id, name: 'tool_call', payload: answer } });
    assert.deepEqual([sent.status, sent.body], [200, { r: { id: call.id } }]);
  }
  const finished = await pollEvents(server, taskId, () => false, { maxPolls: 200 });
  return { taskId, ...finished, task: finished.last.body.r };
}

test('custom tools: result used, 400 worked around, 500 fails the task, browser actions while waiting', async (t) => {
  const model: ScriptedModelServer = await startScriptedModelServer(toolThenDone);
  const server = await startTestServer({ modelEnvironment: model.environment() });
  t.after(async () => {
    await server.close();
    await model.close();
  });

  const used = await runWithToolAnswer(server, { code: 200, output: { temperature: 21, conditions: 'sunny' } }, async (taskId) => {
    // The tool's own code may drive the page while the agent waits; many answers land at once.
    const ids = Array.from({ length: 30 }, (_, index) => `js-${index}`);
    await Promise.all(
      ids.map((id, index) => server.api('POST', `/task/${taskId}/event`, { body: { id, name: 'browser_action', payload: { name: 'evaluate_js', input: { js: `${index} * 2` } } } })),
    );
    const { events } = await pollEvents(server, taskId, (collected) => ids.every((id) => collected.some((event) => event.id === id)));
    const answers = events.filter((event) => event.id.startsWith('js-'));
    assert.equal(answers.length, 30);
    assert.equal(new Set(answers.map((event) => event.timestamp)).size, 30);
    for (const event of answers) assert.equal(event.payload.output.output, Number(event.id.slice(3)) * 2);
    for (let index = 1; index < events.length; index += 1) assert.ok(events[index].timestamp > events[index - 1].timestamp);
  });
  assert.equal(used.status, 'done');
  assert.equal(used.last.status, 200);
  assert.match(String(used.task.output), /sunny/);
  assert.match(String(used.task.output), /21/);

  const workedAround = await runWithToolAnswer(server, { code: 400, output: 'City not found: Paris' });
  assert.equal(workedAround.status, 'done');
  assert.match(String(workedAround.task.output), /City not found/);

  const fatal = await runWithToolAnswer(server, { code: 500, output: 'weather database is down' });
  assert.equal(fatal.status, 'failed');
  assert.match(fatal.task.error, /weather database is down/);
});

test('custom tools: a call that never gets an answer fails the task after the timeout', async (t) => {
  const model = await startScriptedModelServer(toolThenDone);
  const server = await startTestServer({ modelEnvironment: model.environment(), toolCallTimeoutMs: 500 });
  t.after(async () => {
    await server.close();
    await model.close();
  });
  const unanswered = await runWithToolAnswer(server, null);
  assert.equal(unanswered.status, 'failed');
  assert.match(unanswered.task.error, /get_weather.*no answer/);
});
