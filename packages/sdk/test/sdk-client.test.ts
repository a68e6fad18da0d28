import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiError,
  BadRequestError,
  SmoothClient,
  TimeoutError,
  ToolCallError,
  fromWireFields,
  toWireFields,
} from '@open-smooth/sdk';
import { startCannedApiServer, type CannedReply, type RecordedRequest } from './canned-api-server.js';

const ok = (r: unknown, status = 200): CannedReply => ({ status, body: { r } });

test('case conversion is shallow: option names change, user data does not', () => {
  const wire = toWireFields({
    maxSteps: 5,
    responseModel: { type: 'object', properties: { firstName: { type: 'string' } } },
    metadata: { userName: 'ada' },
    device: undefined,
    url: null,
    already_snake: true,
  });
  assert.deepEqual(wire, {
    max_steps: 5,
    response_model: { type: 'object', properties: { firstName: { type: 'string' } } },
    metadata: { userName: 'ada' },
    already_snake: true,
  });
  const response = fromWireFields<{ creditsUsed: number; credits_used: number; liveUrl: string }>({ credits_used: 3, live_url: 'x' });
  assert.equal(response.creditsUsed, 3);
  assert.equal(response.credits_used, 3, 'the wire name stays readable');
  assert.deepEqual(JSON.parse(JSON.stringify(response)), { creditsUsed: 3, liveUrl: 'x' }, 'JSON shows camelCase only');
});

test('run sends only what the caller set, with the apikey header, under /v1', async (t) => {
  const api = await startCannedApiServer(() => ok({ id: 'task-1', status: 'waiting', live_url: null }));
  t.after(() => api.close());
  const client = new SmoothClient({ apiKey: 'key-1', baseUrl: api.baseUrl });
  const task = await client.run({
    task: 'find the cheapest flight',
    maxSteps: 12,
    responseModel: { type: 'object', properties: { priceInEuros: { type: 'number' } } },
    metadata: { homeCity: 'London' },
    secrets: { password: { value: 'hunter2', allowedUrls: ['https://example.com/*'] } },
  });
  assert.equal(task.id(), 'task-1');
  const [request] = api.requests;
  assert.equal(request?.method, 'POST');
  assert.equal(request?.path, '/api/v1/task');
  assert.equal(request?.headers.apikey, 'key-1');
  assert.deepEqual(request?.body, {
    task: 'find the cheapest flight',
    max_steps: 12,
    response_model: { type: 'object', properties: { priceInEuros: { type: 'number' } } },
    metadata: { homeCity: 'London' },
    secrets: { password: { value: 'hunter2', allowed_urls: ['https://example.com/*'] } },
  });
});

test('a session is a task with task: null; run(task, options) works as in the Python docs', async (t) => {
  let created = 0;
  const api = await startCannedApiServer(() => ok({ id: `task-${++created}`, status: 'waiting' }));
  t.after(() => api.close());
  const client = new SmoothClient({ apiKey: 'key', baseUrl: api.baseUrl });
  await client.session({ url: 'https://example.com/', device: 'desktop' });
  await client.run('say hello', { agent: 'smooth-lite' });
  assert.deepEqual(api.requests[0]?.body, { task: null, url: 'https://example.com/', device: 'desktop' });
  assert.deepEqual(api.requests[1]?.body, { task: 'say hello', agent: 'smooth-lite' });
});

test('the key and base URL come from the environment; snake_case constructor options work too', async (t) => {
  const api = await startCannedApiServer(() => ok([{ id: 'profile-a' }]));
  t.after(() => api.close());
  const saved = { key: process.env.SMOOTH_API_KEY, url: process.env.SMOOTH_BASE_URL };
  t.after(() => {
    restoreEnvironment('SMOOTH_API_KEY', saved.key);
    restoreEnvironment('SMOOTH_BASE_URL', saved.url);
  });
  process.env.SMOOTH_API_KEY = 'from-env';
  process.env.SMOOTH_BASE_URL = api.baseUrl;
  const fromEnvironment = new SmoothClient();
  assert.deepEqual(await fromEnvironment.listProfiles(), [{ id: 'profile-a' }]);
  assert.equal(api.requests[0]?.headers.apikey, 'from-env');
  assert.equal(api.requests[0]?.path, '/api/v1/profile');

  const snakeCase = new SmoothClient({ api_key: 'snake', base_url: `${api.baseUrl}v1/` });
  await snakeCase.listProfiles();
  assert.equal(api.requests[1]?.headers.apikey, 'snake');
  assert.equal(api.requests[1]?.path, '/api/v1/profile', 'a base URL that already ends in v1 is not doubled');
});

test('error bodies become ApiError with the status and detail', async (t) => {
  const api = await startCannedApiServer((request) => {
    if (request.path.endsWith('/profile')) return { status: 401, body: { detail: 'Unknown API key' } };
    if (request.path.endsWith('/file/missing')) return { status: 404, body: { detail: 'File not found' } };
    if (request.path.endsWith('/task')) return { status: 422, body: { detail: [{ loc: ['body', 'max_steps'], msg: 'too big' }] } };
    return { status: 500, text: 'boom' };
  });
  t.after(() => api.close());
  const client = new SmoothClient({ apiKey: 'key', baseUrl: api.baseUrl, retries: 0 });
  await assert.rejects(client.createProfile('p'), (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.statusCode, 401);
    assert.equal(error.detail, 'Unknown API key');
    return true;
  });
  await assert.rejects(client.deleteFile('missing'), { name: 'ApiError', statusCode: 404, detail: 'File not found' });
  await assert.rejects(client.run({ task: 'x', maxSteps: 1000 }), (error: unknown) => error instanceof ApiError && error.statusCode === 422 && error.detail.includes('max_steps'));
  await assert.rejects(client.listExtensions(), { statusCode: 500, detail: 'boom' });
});

test('an unreachable server gives ApiError with status 0', async () => {
  const api = await startCannedApiServer(() => ok(null));
  const baseUrl = api.baseUrl;
  await api.close();
  const client = new SmoothClient({ apiKey: 'key', baseUrl, retries: 0 });
  await assert.rejects(client.listProfiles(), { name: 'ApiError', statusCode: 0 });
});

/**
 * A scripted task: POSTed events are kept, and GET /task/{id} returns what `respond` builds
 * from them, filtered by event_t as the real server does.
 */
async function startScriptedTask(
  respond: (sent: RecordedRequest[], poll: number) => { status: string; events: Array<Record<string, unknown>>; live_url?: string },
) {
  const sent: RecordedRequest[] = [];
  let polls = 0;
  const api = await startCannedApiServer((request) => {
    if (request.method === 'POST' && request.path.endsWith('/task')) return ok({ id: 'task-1', status: 'waiting' });
    if (request.method === 'POST' && request.path.endsWith('/event')) {
      sent.push(request);
      return ok({ id: (request.body as { id: string }).id });
    }
    if (request.method === 'DELETE') return ok(true);
    const state = respond(sent, ++polls);
    const after = Number(request.query.get('event_t') ?? 0);
    const events = state.events.filter((event) => Number(event.timestamp) > after);
    const finished = ['done', 'failed', 'cancelled'].includes(state.status);
    return ok({ id: 'task-1', output: null, credits_used: 0, live_url: state.live_url ?? null, recording_url: null, downloads_url: null, ...state, events }, finished ? 200 : 202);
  });
  return { api, sent };
}

function sentBody(request: RecordedRequest | undefined): { id: string; name: string; payload: Record<string, unknown> } {
  return request?.body as { id: string; name: string; payload: Record<string, unknown> };
}

test('answers are matched to commands by id, not by order', async (t) => {
  const { api, sent } = await startScriptedTask((events) => {
    const command = sentBody(events[0]);
    if (!command) return { status: 'running', events: [] };
    return {
      status: 'running',
      events: [
        { id: 'someone-else', name: 'browser_action', payload: { code: 200, output: { output: 'wrong' } }, timestamp: 10 },
        { id: command.id, name: 'browser_action', payload: { code: 200, output: { output: 'Example Domain', credits_used: 0.5, duration: 0.2 } }, timestamp: 11 },
      ],
    };
  });
  t.after(() => api.close());
  const client = new SmoothClient({ apiKey: 'key', baseUrl: api.baseUrl });
  const session = await client.session();
  const answer = await session.evaluateJs('document.title');
  assert.equal(answer.output, 'Example Domain');
  assert.equal(answer.creditsUsed, 0.5);
  assert.equal(answer.credits_used, 0.5);
  assert.deepEqual(sentBody(sent[0]).payload, { name: 'evaluate_js', input: { js: 'document.title' } });
});

test('an answer delivered together with the finished status is still read', async (t) => {
  const { api } = await startScriptedTask((events) => {
    const command = sentBody(events[0]);
    if (!command) return { status: 'running', events: [] };
    return { status: 'done', events: [{ id: command.id, name: 'session_action', payload: { code: 200, output: { output: { answer: 42 }, credits_used: 1, duration: 2 } }, timestamp: 5 }] };
  });
  t.after(() => api.close());
  const client = new SmoothClient({ apiKey: 'key', baseUrl: api.baseUrl });
  const session = await client.session();
  const result = await session.runTask({ task: 'answer', responseModel: { type: 'object' } });
  assert.deepEqual(result.output, { answer: 42 });
  assert.equal(result.duration, 2);
});

test('a graceful close that the session outlives is reported as closed', async (t) => {
  const { api } = await startScriptedTask((events) => (events.length ? { status: 'done', events: [] } : { status: 'running', events: [] }));
  t.after(() => api.close());
  const client = new SmoothClient({ apiKey: 'key', baseUrl: api.baseUrl });
  const session = await client.session();
  assert.equal(await session.close(false), true);
  assert.equal((await session.result()).status, 'done');
});

test('command errors: 400 is ToolCallError, 500 is ApiError', async (t) => {
  const { api } = await startScriptedTask((events) => ({
    status: 'running',
    events: events.map((request, index) => {
      const command = sentBody(request);
      const code = command.payload.name === 'goto' ? 400 : 500;
      return { id: command.id, name: command.name, payload: { code, output: `failed ${command.payload.name}` }, timestamp: index + 1 };
    }),
  }));
  t.after(() => api.close());
  const client = new SmoothClient({ apiKey: 'key', baseUrl: api.baseUrl });
  const session = await client.session();
  await assert.rejects(session.goto('https://example.com/'), (error: unknown) => error instanceof ToolCallError && error.message === 'failed goto');
  await assert.rejects(session.extract({ type: 'object' }, 'all'), (error: unknown) => error instanceof ApiError && error.statusCode === 500);
});

test('custom tools run on the client and answer 200, 400 or 500', async (t) => {
  const toolCalls = [
    { id: 'call-ok', name: 'tool_call', payload: { name: 'lookup_code', input: { email: 'a@b.c' } }, timestamp: 1 },
    { id: 'call-soft', name: 'tool_call', payload: { name: 'flaky', input: {} }, timestamp: 2 },
    { id: 'call-hard', name: 'tool_call', payload: { name: 'crash', input: {} }, timestamp: 3 },
    { id: 'call-unknown', name: 'tool_call', payload: { name: 'not_ours', input: {} }, timestamp: 4 },
  ];
  const { api, sent } = await startScriptedTask((answers) => ({ status: answers.length >= 3 ? 'done' : 'running', events: toolCalls }));
  t.after(() => api.close());
  const client = new SmoothClient({ apiKey: 'key', baseUrl: api.baseUrl });
  const seenInputs: unknown[] = [];
  const lookup = client.tool({ name: 'lookup_code', description: 'Finds the OTP', inputs: { type: 'object', properties: { email: { type: 'string' } } }, output: 'the code' }, async (input) => {
    seenInputs.push(input);
    return { code: '123456' };
  });
  const flaky = client.tool({ name: 'flaky', description: 'may fail', inputs: {}, output: 'nothing' }, () => {
    throw new ToolCallError('try another way');
  });
  const crash = client.tool({ name: 'crash', description: 'fails', inputs: {}, output: 'nothing' }, () => {
    throw new Error('database down');
  });
  const task = await client.run({ task: 'log in', customTools: [lookup, flaky, crash] });
  assert.deepEqual(
    (api.requests[0]?.body as { custom_tools: unknown }).custom_tools,
    [
      { name: 'lookup_code', description: 'Finds the OTP', inputs: { type: 'object', properties: { email: { type: 'string' } } }, output: 'the code' },
      { name: 'flaky', description: 'may fail', inputs: {}, output: 'nothing' },
      { name: 'crash', description: 'fails', inputs: {}, output: 'nothing' },
    ],
  );
  assert.equal((await task.result()).status, 'done');
  assert.deepEqual(seenInputs, [{ email: 'a@b.c' }]);
  const answers = Object.fromEntries(sent.map((request) => [sentBody(request).id, sentBody(request).payload]));
  assert.deepEqual(answers, {
    'call-ok': { code: 200, output: { code: '123456' } },
    'call-soft': { code: 400, output: 'try another way' },
    'call-hard': { code: 500, output: 'database down' },
  });
});

test('result({timeout}) gives TimeoutError; liveUrl adds the view parameters; a finished task has no live URL', async (t) => {
  let finished = false;
  const { api } = await startScriptedTask(() => ({ status: finished ? 'done' : 'running', events: [], live_url: 'http://127.0.0.1:1/live/task-1' }));
  t.after(() => api.close());
  const client = new SmoothClient({ apiKey: 'key', baseUrl: api.baseUrl });
  const task = await client.run({ task: 'wait' });
  await assert.rejects(task.result({ timeout: 0.3 }), (error: unknown) => error instanceof TimeoutError && error.name === 'TimeoutError');
  assert.equal(await task.liveUrl({ interactive: false, embed: true }), 'http://127.0.0.1:1/live/task-1?interactive=false&embed=true');
  finished = true;
  assert.equal((await task.result()).status, 'done');
  await assert.rejects(task.liveUrl(), BadRequestError);
});

test('result() on an open session is refused', async (t) => {
  const { api } = await startScriptedTask(() => ({ status: 'running', events: [] }));
  t.after(() => api.close());
  const client = new SmoothClient({ apiKey: 'key', baseUrl: api.baseUrl });
  const session = await client.session();
  await assert.rejects(session.result(), BadRequestError);
});

test('files and extensions go up as multipart with their names', async (t) => {
  const api = await startCannedApiServer((request) => ok(request.path.endsWith('/extension') && request.method === 'GET' ? [{ id: 'ext-1', file_name: 'adblock.zip', creation_time: 1700000000 }] : { id: 'id-1' }));
  t.after(() => api.close());
  const client = new SmoothClient({ apiKey: 'key', baseUrl: api.baseUrl });
  assert.deepEqual(await client.uploadFile(Buffer.from('hello resume'), { name: 'resume.txt', purpose: 'job application' }), { id: 'id-1' });
  const upload = api.requests[0];
  assert.match(String(upload?.headers['content-type']), /^multipart\/form-data/);
  const text = upload?.rawBody.toString('utf8') ?? '';
  assert.match(text, /name="file"; filename="resume.txt"/);
  assert.match(text, /hello resume/);
  assert.match(text, /name="file_purpose"\r\n\r\njob application/);
  await assert.rejects(client.uploadFile(Buffer.from('x')), /name must be provided/);
  await client.uploadExtension(new Uint8Array([80, 75]), 'adblock.zip');
  const [extension] = await client.listExtensions();
  assert.equal(extension?.fileName, 'adblock.zip');
  assert.equal(extension?.file_name, 'adblock.zip');
  await client.deleteExtension('ext-1');
  assert.equal(api.requests.at(-1)?.path, '/api/v1/extension/ext-1');
});

function restoreEnvironment(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

test('closing a session that already ended is not an error; an unknown session still is', async (t) => {
  const api = await startCannedApiServer((request) => {
    if (request.method === 'POST') return ok({ id: 'ended', status: 'waiting' });
    if (request.method === 'DELETE') return { status: 404, body: { detail: 'Task not found or already finished' } };
    if (request.path.endsWith('/ended')) return ok({ id: 'ended', status: 'done', events: [] });
    return { status: 404, body: { detail: 'Task not found' } };
  });
  t.after(() => api.close());
  const client = new SmoothClient({ apiKey: 'key', baseUrl: api.baseUrl, retries: 0 });
  const session = await client.session();
  assert.equal(await session.close(), true);
  assert.equal((await session.result()).status, 'done');
  await assert.rejects(client.sessionHandle('unknown').close(), { name: 'ApiError', statusCode: 404 });
});
