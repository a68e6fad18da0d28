import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { firstKey, oneApiProcess, pollEvents, startTestServer, type TestServer } from './support/test-server.js';

/**
 * Seeded fuzzing of every endpoint: generated malformed requests (bodies, paths, queries,
 * headers, multipart, and raw bytes on a socket). Set FUZZ_SEED to replay a failure.
 */
const seed = Number(process.env.FUZZ_SEED ?? 20261130);

/** mulberry32: small, seedable, good enough to pick cases. */
function randomSource(initial: number): () => number {
  let state = initial >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

class Generator {
  readonly next: () => number;
  constructor(seedValue: number) {
    this.next = randomSource(seedValue);
  }
  integer(max: number): number {
    return Math.floor(this.next() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.integer(items.length)] as T;
  }
  nested(depth: number, open: string, close: string, leaf = '1'): string {
    return open.repeat(depth) + leaf + close.repeat(depth);
  }
  /** A hostile JSON value: wrong types, extremes, odd unicode, deep nesting, prototype keys. */
  hostileValue(): unknown {
    const choices: Array<() => unknown> = [
      () => null,
      () => -1,
      () => 1e308,
      () => Number.MAX_SAFE_INTEGER + 2,
      () => 3.14159,
      () => true,
      () => '',
      () => 'x'.repeat(this.pick([10, 1000, 100_000])),
      () => '\u0000\u202e\ud800 ../../etc/passwd %00 <script>',
      () => [],
      () => [this.hostileValue()],
      () => ({}),
      () => ({ __proto__: { polluted: true }, constructor: { prototype: 1 } }),
      () => JSON.parse(this.nested(30 + this.integer(60), '{"a":', '}')),
      () => JSON.parse(this.nested(30 + this.integer(60), '[', ']')),
      () => 'javascript:alert(1)',
      () => 'file:///etc/passwd',
    ];
    return this.pick(choices)();
  }
}

const taskFields = [
  'task', 'url', 'device', 'agent', 'max_steps', 'response_model', 'metadata', 'secrets', 'files', 'allowed_urls',
  'enable_recording', 'profile_id', 'profile_read_only', 'stealth_mode', 'proxy_server', 'proxy_username', 'proxy_password',
  'certificates', 'use_adblock', 'additional_tools', 'custom_tools', 'experimental_features', 'extensions', 'show_cursor',
];
const deepFields = ['response_model', 'experimental_features', 'custom_tools'];

interface Answer {
  status: number;
  text: string;
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | FormData | Uint8Array;
}

async function send(server: TestServer, request: FuzzRequest): Promise<Answer> {
  const body = request.method === 'GET' ? undefined : (request.body as BodyInit | undefined);
  const response = await fetch(`${oneApiProcess(server).url()}${request.path}`, { method: request.method, headers: request.headers, body });
  return { status: response.status, text: await response.text() };
}

/** Writes bytes on a fresh socket, half-closes it and reads everything the server says. */
function sendRaw(server: TestServer, bytes: string | Buffer): Promise<Answer | undefined> {
  const { hostname, port } = new URL(oneApiProcess(server).url());
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to raw request ${JSON.stringify(String(bytes).slice(0, 120))}`));
    }, 20_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const statusLine = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (!statusLine) return resolve(undefined);
      // Only the first response counts: later bytes on the socket may be read as another request.
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      resolve({ status: Number(statusLine[1]), text: body });
    });
    socket.end(bytes);
  });
}

function jsonRequest(method: string, path: string, body: string, key: string | null = firstKey): FuzzRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers.apikey = key;
  return { method, path, headers, body };
}

function generateRequests(random: Generator, ids: { live: string; finished: string }): Array<FuzzRequest | { raw: string | Buffer }> {
  const requests: Array<FuzzRequest | { raw: string | Buffer }> = [];
  const api = '/api/v1';
  const taskIds = [ids.live, ids.finished, 'task_unknown', '..%2F..%2Fetc', '%00', 'x'.repeat(600), encodeURIComponent('täsk ü')];
  // 1. POST /task with one field made hostile.
  for (let index = 0; index < 300; index += 1) {
    const body: Record<string, unknown> = { task: random.pick([null, 'find a thing']) };
    const field = random.pick(taskFields);
    body[field] = random.hostileValue();
    requests.push(jsonRequest('POST', `${api}/task`, JSON.stringify(body)));
  }
  // 2. 20k-deep JSON where schemas live.
  for (const field of deepFields) {
    const deep = field === 'custom_tools'
      ? `{"task":"x","custom_tools":[{"name":"t","description":"d","output":"o","inputs":${random.nested(20_000, '{"a":', '}')}}]}`
      : `{"task":"x","${field}":${random.nested(20_000, '{"a":', '}')}}`;
    requests.push(jsonRequest('POST', `${api}/task`, deep));
    requests.push(jsonRequest('POST', `${api}/task/${ids.live}/event`, `{"name":"browser_action","payload":${random.nested(20_000, '[', ']')}}`));
  }
  // 3. Events with hostile shapes, to a live, a finished and unknown tasks.
  for (let index = 0; index < 200; index += 1) {
    const shapes = [
      () => ({ name: random.pick(['browser_action', 'session_action', 'tool_call', 'nope', 7]), payload: random.hostileValue() }),
      () => ({ name: 'browser_action', payload: { name: random.pick(['goto', 'evaluate_js', 'extract', 'fly']), input: random.hostileValue() } }),
      () => ({ id: random.hostileValue(), name: 'tool_call', payload: { code: random.pick([200, 299, 'x', null]), output: random.hostileValue() } }),
      () => ({ name: 'session_action', payload: { name: 'run_task', input: { task: random.hostileValue(), max_steps: random.hostileValue() } } }),
      () => random.hostileValue(),
    ];
    const body = random.pick(shapes)();
    requests.push(jsonRequest('POST', `${api}/task/${random.pick(taskIds)}/event`, JSON.stringify(body) ?? 'null'));
  }
  // 4. Profiles and browser sessions with hostile ids.
  for (let index = 0; index < 100; index += 1) {
    const path = random.pick(['/profile', '/browser/session']);
    const field = path === '/profile' ? 'id' : random.pick(['profile_id', 'live_view', 'device']);
    requests.push(jsonRequest('POST', `${api}${path}`, JSON.stringify({ [field]: random.hostileValue() })));
    requests.push(jsonRequest('DELETE', `${api}/profile/${encodeURIComponent(String(random.hostileValue()).slice(0, 300).replace(/[\ud800-\udfff]/g, '?'))}`, ''));
  }
  // 5. Paths, queries and methods.
  const paths = ['/task', '/task/ID', '/task/ID/event', '/task/ID/data', '/profile', '/file', '/file/ID', '/extension', '/browser/extension/ID', '/nowhere'];
  for (let index = 0; index < 200; index += 1) {
    const path = random.pick(paths).replace('ID', random.pick(taskIds));
    const query = random.pick(['', '?event_t=-1', '?event_t=abc', '?l=0', '?l=999999', '?t=NaN', '?downloads=maybe', `?event_t=${'9'.repeat(400)}`, '?l=%zz', '?a[b][c]=1']);
    const method = random.pick(['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS']);
    const body = method === 'GET' || method === 'OPTIONS' ? undefined : random.pick(['', '{', 'null', '[]', '"text"', '{"a":1}', '\u0000']);
    const headers: Record<string, string> = { apikey: firstKey };
    if (body !== undefined) headers['content-type'] = random.pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=zz']);
    requests.push({ method, path: `${api}${path}${query}`, headers, ...(body !== undefined ? { body } : {}) });
  }
  // 6. Keys: missing, wrong, odd.
  for (let index = 0; index < 60; index += 1) {
    const key = random.pick([null, '', 'sk_wrong', 'x'.repeat(5000), firstKey.toUpperCase()]);
    requests.push({ ...jsonRequest('GET', `${api}/task`, '', key), body: undefined });
  }
  // 7. Multipart uploads that are wrong in some way.
  for (let index = 0; index < 60; index += 1) {
    const form = new FormData();
    const kind = random.integer(5);
    if (kind === 0) form.append('file', new Blob(['']), 'empty.txt');
    if (kind === 1) form.append('other', new Blob(['x']), 'x.txt');
    if (kind === 2) form.append('file', new Blob(['x']), random.pick(['..', '/', '\u0000', 'a'.repeat(400)]));
    if (kind === 3) form.append('file_purpose', 'p'.repeat(5000));
    if (kind === 4) form.append('file', new Blob(['not a zip']), 'ext.zip');
    const path = kind === 4 ? random.pick(['/extension', '/browser/extension']) : '/file';
    requests.push({ method: 'POST', path: `${api}${path}`, headers: { apikey: firstKey }, body: form });
  }
  // 8. Raw bytes on sockets.
  const rawCases: Array<() => string | Buffer> = [
    () => `GET ${api}/task HTTP/1.1\r\nHost: x\r\napikey: ${firstKey}\r\nX-Big: ${'a'.repeat(20_000 + random.integer(10_000))}\r\n\r\n`,
    () => `GET ${api}/task/%E0%A4%A HTTP/1.1\r\nHost: x\r\napikey: ${firstKey}\r\n\r\n`,
    () => `GET ${api}/${'%'.repeat(1 + random.integer(4))}zz HTTP/1.1\r\nHost: x\r\n\r\n`,
    () => `POST ${api}/task HTTP/1.1\r\nHost: x\r\napikey: ${firstKey}\r\ncontent-type: application/json\r\ncontent-length: ${100 + random.integer(1000)}\r\n\r\n{"task":null}`,
    () => `POST ${api}/task HTTP/1.1\r\nHost: x\r\napikey: ${firstKey}\r\ncontent-type: application/json\r\ncontent-length: ${random.pick(['abc', '-1', '1, 2', '99999999999999999999'])}\r\n\r\n{}`,
    () => `POST ${api}/task HTTP/1.1\r\nHost: x\r\napikey: ${firstKey}\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\n${random.pick(['zz\r\n', '5\r\n{"ta\r\nq\r\n', '1\r\n{\r\n0\r\n\r\n'])}`,
    () => Buffer.from(Array.from({ length: 1 + random.integer(200) }, () => random.integer(256))),
    () => `${random.pick(['GET', 'FOO', 'get', ''])} ${random.pick(['/', '*', 'http://x/', ' ', '/api/v1/task'])} HTTP/${random.pick(['1.1', '9.9', 'x'])}\r\n\r\n`,
    () => `GET ${api}/task HTTP/1.1\r\n${'H: v\r\n'.repeat(200 + random.integer(2000))}\r\n`,
  ];
  for (let index = 0; index < 120; index += 1) requests.push({ raw: random.pick(rawCases)() });
  return requests;
}

test(`≥1,000 seeded malformed requests (seed ${seed}) across every endpoint: never a 5xx, every error a {detail}, server alive after`, async (t) => {
  const server = await startTestServer({ sessionIdleTimeoutMs: 60_000, maxConcurrentTasks: 4 });
  t.after(() => server.close());
  // A live session (waiting or running) and a finished one for the event endpoints.
  const live = (await server.api('POST', '/task', { body: { task: null } })).body.r.id as string;
  // Not shown to the fuzzer (which may well DELETE the live one): checked afterwards.
  const keeper = (await server.api('POST', '/task', { body: { task: null } })).body.r.id as string;
  const cancelled = (await server.api('POST', '/task', { body: { task: null } })).body.r.id as string;
  await server.api('DELETE', `/task/${cancelled}`);

  const random = new Generator(seed);
  const requests = generateRequests(random, { live, finished: cancelled });
  assert.ok(requests.length >= 1000, `only ${requests.length} requests`);
  const failures: string[] = [];
  let answered = 0;
  // Eight at a time: fast, and a hung request shows as a timeout rather than stalling the rest.
  let cursor = 0;
  const worker = async () => {
    while (cursor < requests.length) {
      const request = requests[cursor++];
      if (!request) break;
      const described = 'raw' in request ? `raw ${JSON.stringify(String(request.raw).slice(0, 100))}` : `${request.method} ${request.path.slice(0, 100)} ${String(request.body ?? '').slice(0, 100)}`;
      const answer = 'raw' in request ? await sendRaw(server, request.raw) : await send(server, request);
      // A socket the parser drops without a status line (garbage before any request line) is not an answer.
      if (!answer) continue;
      answered += 1;
      if (answer.status >= 500) failures.push(`${answer.status} for ${described}: ${answer.text.slice(0, 200)}`);
      if (answer.status >= 400) {
        let detail: unknown;
        try {
          detail = (JSON.parse(answer.text) as { detail?: unknown }).detail;
        } catch {
          detail = undefined;
        }
        if (typeof detail !== 'string' || detail.length === 0) failures.push(`no {detail} (${answer.status}) for ${described}: ${answer.text.slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} bad answers (seed ${seed})`);
  assert.ok(answered >= 1000, `only ${answered} answered`);

  // Alive and correct afterwards: the live session still runs commands, listing works, a new task is created.
  const listed = await server.api('GET', '/task?l=5');
  assert.equal(listed.status, 200);
  const status = await server.api('GET', `/task/${keeper}`);
  assert.equal(status.body.r.status, 'running');
  const posted = await server.api('POST', `/task/${keeper}/event`, { body: { id: 'after_fuzz', name: 'browser_action', payload: { name: 'evaluate_js', input: { js: '6 * 7' } } } });
  assert.equal(posted.status, 200);
  const { events } = await pollEvents(server, keeper, (collected) => collected.some((event) => event.id === 'after_fuzz'));
  assert.deepEqual(events.find((event) => event.id === 'after_fuzz')?.payload.output.output, 42);
  const created = await server.api('POST', '/task', { body: { task: null } });
  assert.equal(created.status, 200);
});
