import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  findElementIndex,
  parseObservedElements,
  scriptedSequence,
  startScriptedModelServer,
  type ScriptedModelRequest,
} from '../src/scripted-model-server.js';

function chatBody(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    model: 'scripted-main',
    messages: [
      { role: 'system', content: 'You drive a browser.' },
      { role: 'user', content: [{ type: 'text', text: 'Log in as ada' }, { type: 'text', text: 'password: hunter2' }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'fill', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_a', content: 'filled' },
    ],
    tools: [{ type: 'function', function: { name: 'fill', description: 'Fill a field', parameters: { type: 'object' } } }],
    tool_choice: 'auto',
    ...extra,
  });
}

async function postChat(baseUrl: string, body: string): Promise<Response> {
  return fetch(`${baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

/** The JSON payloads of an SSE body, up to and excluding [DONE]. */
function sseEvents(text: string): { chunks: Array<Record<string, any>>; done: boolean } {
  const data = text
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice('data: '.length));
  return { chunks: data.filter((item) => item !== '[DONE]').map((item) => JSON.parse(item)), done: data.at(-1) === '[DONE]' };
}

test('a non-streaming answer carries text, several tool calls with unique ids, and usage', async () => {
  const server = await startScriptedModelServer(() => ({
    text: 'Submitting.',
    toolCalls: [
      { name: 'fill', arguments: { index: 1, text: 'ada' } },
      { name: 'click', arguments: { index: 2 } },
    ],
  }));
  try {
    const response = await postChat(server.baseUrl, chatBody());
    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, any>;
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'scripted-main');
    const [choice] = body.choices;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, 'Submitting.');
    assert.deepEqual(
      choice.message.tool_calls.map((call: any) => [call.type, call.function.name, JSON.parse(call.function.arguments)]),
      [
        ['function', 'fill', { index: 1, text: 'ada' }],
        ['function', 'click', { index: 2 }],
      ],
    );
    assert.notEqual(choice.message.tool_calls[0].id, choice.message.tool_calls[1].id);
    assert.ok(body.usage.prompt_tokens > 0 && body.usage.completion_tokens > 0, 'usage is estimated when the policy gives none');
    assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
  } finally {
    await server.close();
  }
});

test('each request is recorded with what a policy needs, raw body included', async () => {
  const seen: ScriptedModelRequest[] = [];
  const server = await startScriptedModelServer((request) => {
    seen.push(request);
    return { text: 'ok' };
  });
  try {
    const body = chatBody({ response_format: { type: 'json_object' } });
    await (await postChat(server.baseUrl, body)).json();
    const [request] = server.requests;
    assert.ok(request);
    assert.equal(seen[0], request);
    assert.equal(request.callIndex, 0);
    assert.equal(request.lastUserText, 'Log in as ada\npassword: hunter2');
    assert.deepEqual(request.lastToolResults, [{ toolCallId: 'call_a', name: 'fill', content: 'filled' }]);
    assert.deepEqual(request.tools, [{ name: 'fill', description: 'Fill a field', parameters: { type: 'object' } }]);
    assert.equal(request.toolChoice, 'auto');
    assert.deepEqual(request.responseFormat, { type: 'json_object' });
    assert.equal(request.rawBody, body);
    assert.ok(server.requests.some((recorded) => recorded.rawBody.includes('hunter2')), 'a leaked secret can be found');
  } finally {
    await server.close();
  }
});

test('streaming sends text deltas, tool-call deltas, a finish chunk, a usage chunk and [DONE]', async () => {
  const server = await startScriptedModelServer(() => ({
    text: 'Two clicks coming.',
    toolCalls: [
      { name: 'click', arguments: { index: 3 } },
      { name: 'click', arguments: { index: 4 } },
    ],
    usage: { promptTokens: 120, completionTokens: 30 },
  }));
  try {
    const response = await postChat(server.baseUrl, chatBody({ stream: true, stream_options: { include_usage: true } }));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const { chunks, done } = sseEvents(await response.text());
    assert.ok(done);
    const deltas = chunks.flatMap((chunk) => chunk.choices.map((choice: any) => choice.delta));
    assert.equal(deltas.map((delta) => delta.content ?? '').join(''), 'Two clicks coming.');
    const toolDeltas = deltas.flatMap((delta) => delta.tool_calls ?? []);
    const calls = [0, 1].map((index) => {
      const parts = toolDeltas.filter((part: any) => part.index === index);
      return { id: parts[0].id, name: parts[0].function.name, arguments: parts.map((part: any) => part.function.arguments).join('') };
    });
    assert.deepEqual(calls.map((call) => [call.name, JSON.parse(call.arguments)]), [['click', { index: 3 }], ['click', { index: 4 }]]);
    assert.notEqual(calls[0]?.id, calls[1]?.id);
    const finish = chunks.find((chunk) => chunk.choices[0]?.finish_reason);
    assert.equal(finish?.choices[0].finish_reason, 'tool_calls');
    const last = chunks.at(-1);
    assert.deepEqual(last?.choices, []);
    assert.deepEqual(last?.usage, { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 });
  } finally {
    await server.close();
  }
});

test('streaming without include_usage sends no usage chunk', async () => {
  const server = await startScriptedModelServer(() => ({ text: 'hi' }));
  try {
    const { chunks, done } = sseEvents(await (await postChat(server.baseUrl, chatBody({ stream: true }))).text());
    assert.ok(done);
    assert.ok(chunks.every((chunk) => chunk.usage === undefined));
    assert.equal(chunks.at(-1)?.choices[0].finish_reason, 'stop');
  } finally {
    await server.close();
  }
});

test('a throwing policy answers 500 with an OpenAI error body; bad input answers 400; unknown paths 404', async () => {
  const server = await startScriptedModelServer(() => {
    throw new Error('no script for this page');
  });
  try {
    const failed = await postChat(server.baseUrl, chatBody());
    assert.equal(failed.status, 500);
    const failure = (await failed.json()) as { error: { message: string; type: string } };
    assert.match(failure.error.message, /no script for this page/);
    assert.equal(failure.error.type, 'server_error');
    assert.equal(server.requests.length, 1, 'the failed request is still recorded');

    const invalid = await postChat(server.baseUrl, '{not json');
    assert.equal(invalid.status, 400);
    assert.equal(((await invalid.json()) as { error: { type: string } }).error.type, 'invalid_request_error');

    const missing = await fetch(`${server.baseUrl}/embeddings`, { method: 'POST', body: '{}' });
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  } finally {
    await server.close();
  }
});

test('GET /v1/models lists the scripted models; environment() points at this server', async () => {
  const server = await startScriptedModelServer(() => ({ text: '' }));
  try {
    assert.match(server.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const models = (await (await fetch(`${server.baseUrl}/models`)).json()) as { data: Array<{ id: string }> };
    assert.deepEqual(models.data.map((model) => model.id), ['scripted-main', 'scripted-lite']);
    assert.deepEqual(server.environment({ SMOOTH_MODEL: 'other' }), {
      SMOOTH_MODEL_PROVIDER: 'openai-compatible',
      SMOOTH_MODEL_BASE_URL: server.baseUrl,
      SMOOTH_MODEL: 'other',
      SMOOTH_LITE_MODEL: 'scripted-lite',
      SMOOTH_MODEL_API_KEY: 'test-key',
      SMOOTH_MODEL_PRICE: '2,8',
      SMOOTH_LITE_MODEL_PRICE: '0.4,1.6',
    });
  } finally {
    await server.close();
  }
});

test('setPolicy and scriptedSequence change the answers, the last reply repeating', async () => {
  const server = await startScriptedModelServer(() => ({ text: 'first policy' }));
  const answerText = async () => ((await (await postChat(server.baseUrl, chatBody())).json()) as any).choices[0].message.content;
  try {
    assert.equal(await answerText(), 'first policy');
    server.setPolicy(scriptedSequence({ text: 'one' }, (request) => ({ text: `two at call ${request.callIndex}` }), { text: 'last' }));
    assert.deepEqual([await answerText(), await answerText(), await answerText(), await answerText()], ['one', 'two at call 2', 'last', 'last']);
  } finally {
    await server.close();
  }
});

// The test timeout is the proof: a delay that outlived close() would keep the test waiting ten minutes.
test('close() ends a delayed reply still in flight', { timeout: 30_000 }, async () => {
  const server = await startScriptedModelServer(() => ({ text: 'late', delayMs: 600_000 }));
  const pending = postChat(server.baseUrl, chatBody());
  while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  await server.close();
  await assert.rejects(pending);
});

const observation = [
  'Flight search — 3 results',
  '[1] textbox "From" value="London"',
  '  *[2] button "Search \\"fast\\" flights"',
  '[3] link "Next page" href=/shop?page=2',
  '[14] checkbox "Direct only" checked',
  'Cheapest: £42',
  '[15] button',
].join('\n');

test('parseObservedElements reads element lines and skips page text', () => {
  assert.deepEqual(parseObservedElements(observation), [
    { index: 1, role: 'textbox', name: 'From', attributes: 'value="London"', isNew: false },
    { index: 2, role: 'button', name: 'Search "fast" flights', attributes: '', isNew: true },
    { index: 3, role: 'link', name: 'Next page', attributes: 'href=/shop?page=2', isNew: false },
    { index: 14, role: 'checkbox', name: 'Direct only', attributes: 'checked', isNew: false },
    { index: 15, role: 'button', name: '', attributes: '', isNew: false },
  ]);
});

test('findElementIndex matches by role, name and attribute', () => {
  assert.equal(findElementIndex(observation, { role: 'textbox', name: 'from' }), 1);
  assert.equal(findElementIndex(observation, { name: 'Search' }), 2, 'a name string falls back to containing');
  assert.equal(findElementIndex(observation, { role: 'link', attribute: /page=2/ }), 3);
  assert.equal(findElementIndex(observation, { role: /check/, name: /direct/i }), 14);
  assert.equal(findElementIndex(observation, { role: 'button', name: 'Checkout' }), undefined);
});
