import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { findElementIndex, startFixtureServer, startScriptedModelServer, type FixtureServer, type ScriptedModelServer } from '@open-smooth/testkit';
import { fileForm } from './support/uploads.js';
import { pollEvents, startTestServer, type TestServer } from './support/test-server.js';

let fixtures: FixtureServer;
let model: ScriptedModelServer;
let server: TestServer;
before(async () => {
  fixtures = await startFixtureServer();
  model = await startScriptedModelServer((request) => {
    const text = request.lastUserText;
    if (/Received/.test(text)) return { toolCalls: [{ name: 'done', arguments: { answer: /Received [^\n]*/.exec(text)?.[0] ?? '' } }] };
    return {
      toolCalls: [
        { name: 'upload_file', arguments: { index: findElementIndex(text, { name: 'Document' }), file: 'invoice-42.txt' } },
        { name: 'click', arguments: { index: findElementIndex(text, { role: 'button', name: 'Upload' }) } },
      ],
    };
  });
  server = await startTestServer({ modelEnvironment: model.environment() });
});
after(async () => {
  await server.close();
  await Promise.all([fixtures.close(), model.close()]);
});

test('a file uploaded with POST /file is given to the agent, which puts it into the site’s file input', async () => {
  const bytes = Buffer.from(`invoice 42, total £120.00, ${Date.now()}\n`);
  const uploaded = await server.api('POST', '/file', { rawBody: fileForm(bytes, 'invoice-42.txt', { file_purpose: 'invoice' }) });
  assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
  const created = await server.api('POST', '/task', {
    body: { task: 'Upload the invoice', url: fixtures.url('/upload'), files: [uploaded.body.r.id], max_steps: 5 },
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const { status } = await pollEvents(server, created.body.r.id, () => false);
  assert.equal(status, 'done');
  const finished = await server.api('GET', `/task/${created.body.r.id}`);
  assert.equal(finished.body.r.output, `Received invoice-42.txt (${bytes.length} bytes)`);
  const received = fixtures.records.uploads.at(-1);
  assert.equal(received?.fileName, 'invoice-42.txt');
  assert.deepEqual(received?.bytes, bytes);
});

test('a file deleted while its task waits fails the task with a reason naming the file', async (t) => {
  // One slot, held by a session, so the task waits while its file is deleted.
  const busy = await startTestServer({ modelEnvironment: model.environment(), maxConcurrentTasks: 1, maxConcurrentTasksPerKey: 1 });
  t.after(() => busy.close());
  const session = await busy.api('POST', '/task', { body: { task: null, url: fixtures.url('/upload') } });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  const uploaded = await busy.api('POST', '/file', { rawBody: fileForm(Buffer.from('soon gone'), 'gone.txt') });
  const created = await busy.api('POST', '/task', { body: { task: 'Upload the file', url: fixtures.url('/upload'), files: [uploaded.body.r.id], max_steps: 3 } });
  assert.equal(created.body.r.status, 'waiting');
  assert.equal((await busy.api('DELETE', `/file/${uploaded.body.r.id}`)).status, 200);
  assert.equal((await busy.api('DELETE', `/task/${session.body.r.id}`)).status, 200);
  const { status } = await pollEvents(busy, created.body.r.id, () => false);
  assert.equal(status, 'failed');
  const failed = await busy.api('GET', `/task/${created.body.r.id}`);
  assert.equal(failed.body.r.error, 'the uploaded file gone.txt was deleted before the task started');
});
