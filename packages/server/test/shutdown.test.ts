import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { sendCommand, startTestServer, waitForTask } from './support/test-server.js';

test('stopping the server while a session is closing waits for it and keeps the session record', async (t) => {
  // A page with a request that takes a while: the session's graceful close waits for it to settle.
  const site = createServer((request, response) => {
    if (request.url === '/slow') return void setTimeout(() => response.end('late'), 1_200);
    response.setHeader('content-type', 'text/html');
    response.end('<!doctype html><title>Busy</title><p>busy page</p>');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  t.after(() => site.close());
  const origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;

  const server = await startTestServer();
  t.after(() => server.close());
  const id = (await server.api('POST', '/task', { body: { task: null, device: 'desktop', url: `${origin}/` } })).body.r.id as string;
  const started = await sendCommand(server, id, 'browser_action', 'evaluate_js', { js: "void fetch('/slow'); 1" }, 'start-slow-request');
  assert.equal(started.payload.code, 200);
  await server.api('POST', `/task/${id}/event`, { body: { id: 'bye', name: 'session_action', payload: { name: 'close', input: {} } } });
  // Straight into shutdown while the close is still waiting for the slow request.
  await server.restart();
  // Distributed, the finish grace gate (shared on Redis) outlives the restart: the end shows once it lapses.
  const after = await waitForTask(server, id, (task) => task.status !== 'running', 'the session to read as ended');
  assert.ok(['done', 'failed'].includes(after.status), `status ${after.status}`);
});
