import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extensionZip, fileForm } from './support/uploads.js';
import { pollEvents, secondKey, startTestServer } from './support/test-server.js';

test("a second key gets 404 for every id of the first and never sees the first's resources", async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());

  const session = (await server.api('POST', '/task', { body: { task: null } })).body.r;
  const profile = (await server.api('POST', '/profile', { body: { id: 'shared-name' } })).body.r;
  const file = (await server.api('POST', '/file', { rawBody: fileForm('hello', 'hello.txt', { file_purpose: 'greeting' }) })).body.r;
  const extension = (await server.api('POST', '/extension', { rawBody: fileForm(await extensionZip(), 'extension.zip') })).body.r;
  assert.ok(session.id && profile.id && file.id && extension.id);

  const asSecond = (method: string, path: string, body?: unknown) => server.api(method, path, { key: secondKey, ...(body === undefined ? {} : { body }) });
  const attempts: [string, string, unknown?][] = [
    ['GET', `/task/${session.id}`],
    ['GET', `/task/${session.id}?event_t=0`],
    ['GET', `/task/${session.id}?downloads=true`],
    ['POST', `/task/${session.id}/event`, { name: 'browser_action', payload: { name: 'goto', input: { url: 'http://127.0.0.1:1/' } } }],
    ['POST', `/task/${session.id}/event`, { id: 'x', name: 'tool_call', payload: { code: 200, output: 1 } }],
    ['DELETE', `/task/${session.id}/data`],
    ['DELETE', `/task/${session.id}`],
    ['DELETE', `/profile/${profile.id}`],
    ['DELETE', `/file/${file.id}`],
    ['DELETE', `/extension/${extension.id}`],
    ['DELETE', `/browser/extension/${extension.id}`],
  ];
  for (const [method, path, body] of attempts) {
    const answer = await asSecond(method, path, body);
    assert.equal(answer.status, 404, `${method} ${path} gave ${answer.status}`);
    assert.equal(typeof answer.body.detail, 'string');
  }
  // Using the first tenant's file or extension in a task is refused too.
  assert.equal((await asSecond('POST', '/task', { task: 'x', files: [file.id] })).status, 400);
  assert.equal((await asSecond('POST', '/task', { task: 'x', extensions: [extension.id] })).status, 400);

  assert.deepEqual((await asSecond('GET', '/task')).body, { r: [] });
  assert.deepEqual((await asSecond('GET', '/profile')).body, { r: [] });
  assert.deepEqual((await asSecond('GET', '/extension')).body, { r: [] });
  // Profile ids are per tenant: the second key may use the same name for its own profile.
  assert.deepEqual((await asSecond('POST', '/profile', { id: 'shared-name' })).body, { r: { id: 'shared-name' } });

  // Everything is still there for its owner.
  assert.equal((await server.api('GET', `/task/${session.id}`)).status, 202);
  assert.deepEqual((await server.api('GET', '/profile')).body, { r: [{ id: 'shared-name' }] });
  const extensions = (await server.api('GET', '/extension')).body.r;
  assert.deepEqual(extensions.map((entry: any) => [entry.id, entry.file_name]), [[extension.id, 'extension.zip']]);
  assert.equal((await server.api('DELETE', `/browser/extension/${extension.id}`)).status, 200);
  assert.equal((await server.api('DELETE', `/extension/${extension.id}`)).status, 404);
  assert.equal((await server.api('DELETE', `/file/${file.id}`)).status, 200);
  assert.equal((await server.api('DELETE', `/profile/${profile.id}`)).status, 200);
  assert.equal((await server.api('DELETE', `/task/${session.id}`)).status, 200);
  const { status } = await pollEvents(server, session.id, () => false);
  assert.equal(status, 'cancelled');
});
