import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SmoothClient, ToolCallError, type SessionHandle } from '@open-smooth/sdk';
import type { ScriptedModelRequest, ScriptedReply } from '@open-smooth/testkit';
import { done, startEndToEnd, testApiKey, type EndToEnd } from './end-to-end-harness.js';

// Custom tools declared with client.tool() run in this process, reached through the event loop.

let world: EndToEnd;
let client: SmoothClient;

before(async () => {
  world = await startEndToEnd({ toolCallTimeoutMs: 1500 });
  client = new SmoothClient({ apiKey: testApiKey, baseUrl: world.server.apiBaseUrl });
});
after(() => world.close());

/** Calls `get_code` once, then finishes with whatever the tool said. */
function callToolThenReport(request: ScriptedModelRequest): ScriptedReply {
  const [toolResult] = request.lastToolResults;
  if (toolResult?.name === 'get_code') return done(request, `tool said: ${toolResult.content}`, null);
  return { toolCalls: [{ name: 'get_code', arguments: { email: 'ada@example.com' } }] };
}

const codeToolSignature = {
  name: 'get_code',
  description: 'Returns the one-time code sent to an email address',
  inputs: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] },
  output: 'The 6-digit code',
};

test('the agent calls a client tool and uses its result; the tool can drive the page', async () => {
  world.model.setPolicy(callToolThenReport);
  const inputs: unknown[] = [];
  const getCode = client.tool(codeToolSignature, async (input, handle) => {
    inputs.push(input);
    const title = await handle.evaluateJs('document.title');
    return `code 481516 (page: ${String(title.output)})`;
  });
  const task = await client.run({ task: 'Log in with the one-time code', url: world.sites.url('/flights'), customTools: [getCode] });
  const result = await task.result();
  assert.equal(result.status, 'done', result.error ?? '');
  assert.deepEqual(inputs, [{ email: 'ada@example.com' }]);
  assert.match(String(result.output), /^tool said: .*code 481516 \(page: SkyHop/);
});

test('a ToolCallError (400) goes back to the agent, which carries on', async () => {
  world.model.setPolicy(callToolThenReport);
  const getCode = client.tool(codeToolSignature, () => {
    throw new ToolCallError('no code arrived yet');
  });
  const task = await client.run({ task: 'Log in with the one-time code', url: world.sites.url('/flights'), customTools: [getCode] });
  const result = await task.result();
  assert.equal(result.status, 'done', result.error ?? '');
  assert.match(String(result.output), /no code arrived yet/);
});

test('an unexpected tool error (500) fails the task with the reason', async () => {
  world.model.setPolicy(callToolThenReport);
  const getCode = client.tool(codeToolSignature, () => {
    throw new Error('mailbox database is down');
  });
  const task = await client.run({ task: 'Log in with the one-time code', url: world.sites.url('/flights'), customTools: [getCode] });
  const result = await task.result();
  assert.equal(result.status, 'failed');
  assert.match(String(result.error), /mailbox database is down/);
});

test('a tool call that is never answered fails the task after the timeout', async () => {
  world.model.setPolicy(callToolThenReport);
  const getCode = client.tool(codeToolSignature, () => new Promise(() => undefined));
  const task = await client.run({ task: 'Log in with the one-time code', url: world.sites.url('/flights'), customTools: [getCode] });
  const result = await task.result();
  assert.equal(result.status, 'failed');
  assert.match(String(result.error), /get_code.*no answer/);
});

test('tools work in a session too, across runTask calls', async () => {
  world.model.setPolicy(callToolThenReport);
  let calls = 0;
  const getCode = client.tool(codeToolSignature, () => `code ${++calls}`);
  const session: SessionHandle = await client.session({ customTools: [getCode] });
  try {
    assert.equal((await session.runTask({ task: 'first login', url: world.sites.url('/flights') })).output, 'tool said: code 1');
    assert.equal((await session.runTask({ task: 'second login' })).output, 'tool said: code 2');
  } finally {
    await session.close();
  }
});
