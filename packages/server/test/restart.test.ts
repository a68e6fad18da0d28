import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { restartFailureReason } from '../src/index.js';
import { fileForm } from './support/uploads.js';
import { makeTemporaryDirectory, pollEvents, sendCommand, startTestServer } from './support/test-server.js';

test('a restart fails the task that was running and keeps finished tasks, profiles, files and events', async (t) => {
  const dataDirectory = await makeTemporaryDirectory();
  const server = await startTestServer({ dataDirectory });
  t.after(async () => {
    await server.close();
    await rm(dataDirectory, { recursive: true, force: true });
  });

  const finished = (await server.api('POST', '/task', { body: { task: null } })).body.r;
  await sendCommand(server, finished.id, 'browser_action', 'evaluate_js', { js: '6 * 7' }, 'answer');
  await sendCommand(server, finished.id, 'session_action', 'close', {}, 'close');
  assert.equal((await pollEvents(server, finished.id, () => false)).status, 'done');

  const running = (await server.api('POST', '/task', { body: { task: null } })).body.r;
  await sendCommand(server, running.id, 'browser_action', 'evaluate_js', { js: '1' }, 'started');
  assert.equal((await server.api('GET', `/task/${running.id}`)).body.r.status, 'running');
  await server.api('POST', '/profile', { body: { id: 'kept-profile' } });
  const file = (await server.api('POST', '/file', { rawBody: fileForm('keep me', 'kept.txt') })).body.r;

  await server.restart();

  const failed = await server.api('GET', `/task/${running.id}`);
  assert.equal(failed.status, 200);
  assert.equal(failed.body.r.status, 'failed');
  assert.equal(failed.body.r.error, restartFailureReason);

  // (A poll that carries events reads `running` for the grace period after the task's end, which
  // a quick restart may not outlast: the status is read without events.)
  assert.equal((await server.api('GET', `/task/${finished.id}`)).body.r.status, 'done');
  const done = await server.api('GET', `/task/${finished.id}?event_t=0`);
  assert.deepEqual(
    done.body.r.events.map((event: any) => [event.id, event.payload.code]),
    [
      ['answer', 200],
      ['close', 200],
    ],
  );
  assert.equal(done.body.r.events[0].payload.output.output, 42);
  assert.deepEqual((await server.api('GET', '/profile')).body, { r: [{ id: 'kept-profile' }] });
  // The file is still known: a task may use it, and it can be deleted once.
  const usesFile = await server.api('POST', '/task', { body: { task: null, files: [file.id] } });
  assert.equal(usesFile.status, 200);
  await server.api('DELETE', `/task/${usesFile.body.r.id}`);
  assert.equal((await server.api('DELETE', `/file/${file.id}`)).status, 200);
  const listed = (await server.api('GET', '/task')).body.r.map((task: any) => task.id);
  assert.ok(listed.includes(running.id) && listed.includes(finished.id));
});
