import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extensionZip, fileForm } from './support/uploads.js';
import { oneApiProcess, sendCommand, startTestServer, type ApiAnswer } from './support/test-server.js';

interface MalformedCase {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  rawBody?: string | FormData | Uint8Array;
  headers?: Record<string, string>;
  key?: string | null;
  /** The exact status when it matters; any 4xx otherwise. */
  status?: number;
}

const json = { 'content-type': 'application/json' };

function taskBodyCases(): MalformedCase[] {
  const invalidFields: [string, unknown][] = [
    ['task', 42],
    ['task', ''],
    ['task', ['a list']],
    ['task', { text: 'x' }],
    ['max_steps', 1],
    ['max_steps', 0],
    ['max_steps', -5],
    ['max_steps', 129],
    ['max_steps', 1000],
    ['max_steps', 3.5],
    ['max_steps', '10'],
    ['max_steps', null],
    ['device', 'tablet'],
    ['device', 3],
    ['agent', 'smooth-max'],
    ['url', 'not a url'],
    ['url', 12],
    ['response_model', 'a string'],
    ['response_model', [1, 2]],
    ['metadata', 'text'],
    ['metadata', { nested: { too: 'deep' } }],
    ['metadata', Object.fromEntries(Array.from({ length: 17 }, (_, index) => [`key${index}`, 'v']))],
    ['secrets', ['a']],
    ['secrets', { 'bad name!': 'x' }],
    ['secrets', { token: 5 }],
    ['files', 'file_1'],
    ['files', [1]],
    ['files', ['']],
    ['allowed_urls', 'https://example.com'],
    ['allowed_urls', [3]],
    ['enable_recording', 'yes'],
    ['profile_id', 7],
    ['profile_id', ''],
    ['stealth_mode', 'on'],
    ['use_adblock', 1],
    ['certificates', [{ password: 'x' }]],
    ['certificates', 'cert'],
    ['custom_tools', [{ name: 'no description' }]],
    ['custom_tools', [{ name: '1bad name', description: 'd', inputs: {}, output: 'o' }]],
    ['custom_tools', [{ name: 'tool', description: 'd', inputs: 'not an object', output: 'o' }]],
    ['custom_tools', { name: 'tool' }],
    ['additional_tools', ['screenshot']],
    ['additional_tools', { screenshot: 'yes' }],
    ['additional_tools', { zoom: null }],
    ['additional_tools', { screenshot: { full_page: 'yes' } }],
    ['additional_tools', { print_page: { landscape: true } }],
    ['extensions', 'ext_1'],
    ['show_cursor', 'true'],
    ['experimental_features', [1]],
  ];
  const cases: MalformedCase[] = invalidFields.map(([field, value]) => ({
    name: `POST /task with ${field}=${JSON.stringify(value).slice(0, 40)}`,
    method: 'POST',
    path: '/task',
    body: { task: 'find something', [field]: value },
    status: 422,
  }));
  cases.push(
    { name: 'POST /task without task', method: 'POST', path: '/task', body: {}, status: 422 },
    { name: 'POST /task with a JSON array', method: 'POST', path: '/task', body: [{ task: 'x' }], status: 422 },
    { name: 'POST /task with a JSON string', method: 'POST', path: '/task', body: 'task', status: 422 },
    { name: 'POST /task with JSON null', method: 'POST', path: '/task', rawBody: 'null', headers: json, status: 422 },
    { name: 'POST /task with an empty body', method: 'POST', path: '/task', rawBody: '', headers: json, status: 422 },
    { name: 'POST /task with broken JSON', method: 'POST', path: '/task', rawBody: '{"task": "x",', headers: json, status: 400 },
    { name: 'POST /task with trailing garbage', method: 'POST', path: '/task', rawBody: '{"task": "x"} extra', headers: json, status: 400 },
    { name: 'POST /task with single quotes', method: 'POST', path: '/task', rawBody: "{'task': 'x'}", headers: json, status: 400 },
    { name: 'POST /task as text/plain', method: 'POST', path: '/task', rawBody: 'task=x', headers: { 'content-type': 'text/plain' }, status: 415 },
    { name: 'POST /task as a form', method: 'POST', path: '/task', rawBody: 'task=x', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415 },
    { name: 'POST /task too large', method: 'POST', path: '/task', rawBody: JSON.stringify({ task: 'x'.repeat(5 * 1024 * 1024) }), headers: json, status: 413 },
    { name: 'POST /task with a task over 100k characters', method: 'POST', path: '/task', body: { task: 'x'.repeat(100_001) }, status: 422 },
    { name: 'POST /task with an unknown file id', method: 'POST', path: '/task', body: { task: 'x', files: ['file_unknown'] }, status: 400 },
    { name: 'POST /task with an unknown extension id', method: 'POST', path: '/task', body: { task: 'x', extensions: ['ext_unknown'] }, status: 400 },
    { name: 'POST /task without a key', method: 'POST', path: '/task', body: { task: 'x' }, key: null, status: 401 },
    { name: 'POST /task with a wrong key', method: 'POST', path: '/task', body: { task: 'x' }, key: 'sk_wrong', status: 401 },
    { name: 'POST /task with an empty key', method: 'POST', path: '/task', body: { task: 'x' }, key: '', status: 401 },
  );
  return cases;
}

function queryCases(liveId: string): MalformedCase[] {
  return [
    { name: 'GET /task?l=0', method: 'GET', path: '/task?l=0', status: 422 },
    { name: 'GET /task?l=129', method: 'GET', path: '/task?l=129', status: 422 },
    { name: 'GET /task?l=abc', method: 'GET', path: '/task?l=abc', status: 422 },
    { name: 'GET /task?l=1.5', method: 'GET', path: '/task?l=1.5', status: 422 },
    { name: 'GET /task?t=-1', method: 'GET', path: '/task?t=-1', status: 422 },
    { name: 'GET /task?t=yesterday', method: 'GET', path: '/task?t=yesterday', status: 422 },
    { name: 'GET /task/{id}?event_t=abc', method: 'GET', path: `/task/${liveId}?event_t=abc`, status: 422 },
    { name: 'GET /task/{id}?event_t=-3', method: 'GET', path: `/task/${liveId}?event_t=-3`, status: 422 },
    { name: 'GET /task/{id}?downloads=maybe', method: 'GET', path: `/task/${liveId}?downloads=maybe`, status: 422 },
    { name: 'GET unknown task', method: 'GET', path: '/task/task_unknown', status: 404 },
    { name: 'GET unknown task with event_t', method: 'GET', path: '/task/task_unknown?event_t=0', status: 404 },
    { name: 'GET a task id with odd characters', method: 'GET', path: '/task/%00%01..%2F', status: 404 },
    { name: 'DELETE unknown task', method: 'DELETE', path: '/task/task_unknown', status: 404 },
    { name: 'DELETE data of an unknown task', method: 'DELETE', path: '/task/task_unknown/data', status: 404 },
    { name: 'DELETE data of a live task', method: 'DELETE', path: `/task/${liveId}/data`, status: 409 },
    { name: 'GET /task without a key', method: 'GET', path: '/task', key: null, status: 401 },
    { name: 'GET unknown route', method: 'GET', path: '/nope', status: 404 },
    { name: 'PUT /task', method: 'PUT', path: '/task', body: { task: 'x' }, status: 404 },
  ];
}

function eventCases(liveId: string, finishedId: string): MalformedCase[] {
  const event = (body: unknown, name: string, status?: number, path = `/task/${liveId}/event`): MalformedCase => ({
    name: `POST event: ${name}`,
    method: 'POST',
    path,
    body,
    ...(status ? { status } : {}),
  });
  return [
    event({}, 'empty object', 422),
    event({ name: 'browser_action' }, 'no payload', 422),
    event({ payload: { name: 'goto', input: { url: 'http://127.0.0.1:1/' } } }, 'no name', 422),
    event({ name: 'teleport', payload: {} }, 'unknown event name', 422),
    event({ name: 'browser_action', payload: 'goto' }, 'payload is a string', 422),
    event({ name: 'browser_action', payload: [] }, 'payload is a list', 422),
    event({ name: 'browser_action', payload: {} }, 'payload without action name', 422),
    event({ name: 'browser_action', payload: { name: 'fly', input: {} } }, 'unknown browser action', 400),
    event({ name: 'session_action', payload: { name: 'dance' } }, 'unknown session action', 400),
    event({ name: 'browser_action', payload: { name: 'goto', input: {} } }, 'goto without url', 422),
    event({ name: 'browser_action', payload: { name: 'goto', input: { url: 'nowhere' } } }, 'goto with a bad url', 422),
    event({ name: 'browser_action', payload: { name: 'goto', input: 'http://127.0.0.1/' } }, 'goto input is a string', 422),
    event({ name: 'browser_action', payload: { name: 'extract', input: {} } }, 'extract without schema', 422),
    event({ name: 'browser_action', payload: { name: 'extract', input: { schema: 'x' } } }, 'extract schema is a string', 422),
    event({ name: 'browser_action', payload: { name: 'evaluate_js', input: {} } }, 'evaluate_js without js', 422),
    event({ name: 'browser_action', payload: { name: 'evaluate_js', input: { js: '' } } }, 'evaluate_js with empty js', 422),
    event({ name: 'browser_action', payload: { name: 'evaluate_js', input: { js: 5 } } }, 'evaluate_js js is a number', 422),
    event({ name: 'browser_action', payload: { name: 'evaluate_js', input: { js: 'x', args: [1] } } }, 'evaluate_js args is a list', 422),
    event({ name: 'session_action', payload: { name: 'run_task', input: {} } }, 'run_task without task', 422),
    event({ name: 'session_action', payload: { name: 'run_task', input: { task: 'x', max_steps: 1 } } }, 'run_task max_steps 1', 422),
    event({ name: 'session_action', payload: { name: 'run_task', input: { task: 'x', max_steps: 500 } } }, 'run_task max_steps 500', 422),
    event({ name: 'session_action', payload: { name: 'run_task', input: { task: 'x', url: 'bad' } } }, 'run_task bad url', 422),
    event({ name: 'session_action', payload: { name: 'run_task', input: { task: 'x', metadata: 'm' } } }, 'run_task metadata is a string', 422),
    event({ name: 'session_action', payload: { name: 'close', input: { force: 'yes' } } }, 'close force is a string', 422),
    event({ id: 'tool_nope', name: 'tool_call', payload: { code: 200, output: 'x' } }, 'answer to an unknown tool call', 400),
    event({ name: 'tool_call', payload: { code: 200, output: 'x' } }, 'tool answer without id', 400),
    event({ id: 't', name: 'tool_call', payload: { code: 201, output: 'x' } }, 'tool answer code 201', 422),
    event({ id: 't', name: 'tool_call', payload: { code: '200', output: 'x' } }, 'tool answer code as a string', 422),
    event({ id: '', name: 'browser_action', payload: { name: 'goto', input: { url: 'http://127.0.0.1:1/' } } }, 'empty id', 422),
    event({ id: 'x'.repeat(129), name: 'browser_action', payload: { name: 'goto', input: { url: 'http://127.0.0.1:1/' } } }, 'id too long', 422),
    event({ id: 5, name: 'browser_action', payload: { name: 'goto', input: { url: 'http://127.0.0.1:1/' } } }, 'numeric id', 422),
    event({ name: 'browser_action', payload: { name: 'goto', input: { url: 'http://127.0.0.1:1/' } }, timestamp: 'now' }, 'timestamp as text', 422),
    event({ name: 'browser_action', payload: { name: 'goto', input: { url: 'http://127.0.0.1:1/' } } }, 'to a finished task', 400, `/task/${finishedId}/event`),
    event({ name: 'browser_action', payload: { name: 'goto', input: { url: 'http://127.0.0.1:1/' } } }, 'to an unknown task', 404, '/task/task_unknown/event'),
    { name: 'POST event with broken JSON', method: 'POST', path: `/task/${liveId}/event`, rawBody: '{"name":', headers: json, status: 400 },
    { name: 'POST event with an empty body', method: 'POST', path: `/task/${liveId}/event`, rawBody: '', headers: json, status: 422 },
    { name: 'POST event too large', method: 'POST', path: `/task/${liveId}/event`, rawBody: JSON.stringify({ name: 'browser_action', payload: { name: 'evaluate_js', input: { js: 'x'.repeat(5_000_000) } } }), headers: json, status: 413 },
  ];
}

function resourceCases(bigZip: Uint8Array, validZip: Buffer): MalformedCase[] {
  return [
    { name: 'POST /profile with a numeric id', method: 'POST', path: '/profile', body: { id: 5 }, status: 422 },
    { name: 'POST /profile with a path id', method: 'POST', path: '/profile', body: { id: '../etc' }, status: 422 },
    { name: 'POST /profile with an empty id', method: 'POST', path: '/profile', body: { id: '' }, status: 422 },
    { name: 'POST /profile with a long id', method: 'POST', path: '/profile', body: { id: 'p'.repeat(129) }, status: 422 },
    { name: 'POST /profile with a list', method: 'POST', path: '/profile', body: ['p'], status: 422 },
    { name: 'POST /profile twice', method: 'POST', path: '/profile', body: { id: 'existing-profile' }, status: 409 },
    { name: 'POST /profile with broken JSON', method: 'POST', path: '/profile', rawBody: '{', headers: json, status: 400 },
    { name: 'DELETE unknown profile', method: 'DELETE', path: '/profile/unknown', status: 404 },
    { name: 'POST /browser/session with a bad device', method: 'POST', path: '/browser/session', body: { device: 'watch' }, status: 422 },
    { name: 'POST /file as JSON', method: 'POST', path: '/file', body: { file: 'x' }, status: 400 },
    { name: 'POST /file without a body', method: 'POST', path: '/file', status: 400 },
    { name: 'POST /file without a file part', method: 'POST', path: '/file', rawBody: (() => { const form = new FormData(); form.append('file_purpose', 'x'); return form; })(), status: 400 },
    { name: 'POST /file with the wrong part name', method: 'POST', path: '/file', rawBody: fileForm('x', 'a.txt', {}, 'upload'), status: 400 },
    { name: 'POST /file with an empty file', method: 'POST', path: '/file', rawBody: fileForm('', 'a.txt'), status: 400 },
    { name: 'POST /file with an empty file name', method: 'POST', path: '/file', rawBody: fileForm('x', ''), status: 400 },
    { name: 'POST /file with a long purpose', method: 'POST', path: '/file', rawBody: fileForm('x', 'a.txt', { file_purpose: 'p'.repeat(65) }), status: 400 },
    { name: 'POST /file with a broken multipart body', method: 'POST', path: '/file', rawBody: '--boundary\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nunterminated', headers: { 'content-type': 'multipart/form-data; boundary=boundary' } },
    { name: 'POST /file multipart without boundary', method: 'POST', path: '/file', rawBody: 'abc', headers: { 'content-type': 'multipart/form-data' } },
    { name: 'POST /file without a key', method: 'POST', path: '/file', rawBody: fileForm('x', 'a.txt'), key: null, status: 401 },
    { name: 'DELETE unknown file', method: 'DELETE', path: '/file/file_unknown', status: 404 },
    { name: 'POST /extension that is not a zip', method: 'POST', path: '/extension', rawBody: fileForm('plain text', 'extension.zip'), status: 400 },
    { name: 'POST /extension without .zip name', method: 'POST', path: '/extension', rawBody: fileForm(validZip, 'extension.crx'), status: 400 },
    { name: 'POST /extension as JSON', method: 'POST', path: '/extension', body: { file: 'x' }, status: 400 },
    { name: 'POST /extension too large', method: 'POST', path: '/extension', rawBody: fileForm(Buffer.from(bigZip), 'big.zip'), status: 413 },
    { name: 'POST /browser/extension that is not a zip', method: 'POST', path: '/browser/extension', rawBody: fileForm('x', 'x.zip'), status: 400 },
    { name: 'DELETE unknown extension', method: 'DELETE', path: '/extension/ext_unknown', status: 404 },
    { name: 'DELETE unknown browser extension', method: 'DELETE', path: '/browser/extension/ext_unknown', status: 404 },
    { name: 'GET /extension without a key', method: 'GET', path: '/extension', key: null, status: 401 },
    { name: 'GET /profile with a wrong key', method: 'GET', path: '/profile', key: 'sk_wrong', status: 401 },
  ];
}

test('at least 100 malformed requests across every endpoint each get a 4xx with a detail, never a 5xx', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const live = (await server.api('POST', '/task', { body: { task: null } })).body.r.id as string;
  const finished = (await server.api('POST', '/task', { body: { task: null } })).body.r.id as string;
  await sendCommand(server, finished, 'session_action', 'close', {}, 'close');
  await server.api('POST', '/profile', { body: { id: 'existing-profile' } });
  const bigZip = new Uint8Array(21 * 1024 * 1024);
  bigZip.set([0x50, 0x4b, 0x03, 0x04]);

  const cases = [...taskBodyCases(), ...queryCases(live), ...eventCases(live, finished), ...resourceCases(bigZip, await extensionZip())];
  assert.ok(cases.length >= 100, `only ${cases.length} cases`);
  const failures: string[] = [];
  // Sent to an API process directly: a load balancer would answer oversized bodies itself.
  const direct = oneApiProcess(server);
  for (const malformed of cases) {
    let answer: ApiAnswer;
    try {
      answer = await direct.api(malformed.method, malformed.path, {
        ...(malformed.key !== undefined ? { key: malformed.key } : {}),
        ...(malformed.body !== undefined ? { body: malformed.body } : {}),
        ...(malformed.rawBody !== undefined ? { rawBody: malformed.rawBody } : {}),
        ...(malformed.headers ? { headers: malformed.headers } : {}),
      });
    } catch (error) {
      failures.push(`${malformed.name}: request failed (${(error as Error).message})`);
      continue;
    }
    const statusOk = malformed.status ? answer.status === malformed.status : answer.status >= 400 && answer.status < 500;
    const detailOk = typeof answer.body?.detail === 'string' && answer.body.detail.length > 0;
    if (!statusOk || !detailOk) failures.push(`${malformed.name}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 160)}`);
  }
  assert.deepEqual(failures, []);
  // The live session survived all of it.
  assert.equal((await server.api('GET', `/task/${live}`)).status, 202);
});
