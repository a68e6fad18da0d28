import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserPool } from '@open-smooth/browser';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateNetworkAllowanceOf, startServer } from '../src/start-server.js';
import { useSessionServer } from './support/session-server.js';
import { pollEvents, sendCommand } from './support/test-server.js';

const sessions = useSessionServer();
/** A server whose operator allows no private network: its sessions cannot reach the loopback page site. */
const closedSessions = useSessionServer({ allowPrivateNetwork: [] });

test('a session cannot read the server’s files or open chrome:// pages; the server and the next task carry on', async () => {
  const { server, pages, openSession, closeSession } = await sessions();
  const id = await openSession();

  const fileRead = await sendCommand(server, id, 'browser_action', 'goto', { url: `file://${server.dataDirectory}/open-smooth.sqlite` }, 'file');
  assert.equal(fileRead.payload.code, 400);
  assert.match(fileRead.payload.output, /file: URLs are refused: tasks may only reach http: and https: URLs/);
  const hostname = await sendCommand(server, id, 'browser_action', 'goto', { url: 'file:///etc/hostname' }, 'hostname');
  assert.equal(hostname.payload.code, 400);

  for (const url of ['chrome://history', 'chrome://settings']) {
    const answer = await sendCommand(server, id, 'browser_action', 'goto', { url }, url);
    assert.equal(answer.payload.code, 400, url);
    assert.match(answer.payload.output, /chrome: URLs are refused/);
  }
  const stillThere = await sendCommand(server, id, 'browser_action', 'evaluate_js', { js: 'location.href' }, 'where');
  assert.deepEqual([stillThere.payload.code, stillThere.payload.output.output], [200, `${pages.url}/`]);
  await closeSession(id);

  const next = await openSession('/second');
  const note = await sendCommand(server, next, 'browser_action', 'evaluate_js', { js: "document.getElementById('note').textContent" }, 'note');
  assert.deepEqual([note.payload.code, note.payload.output.output], [200, 'second']);
  await closeSession(next, 'close-next');
  const { status } = await pollEvents(server, next, () => false);
  assert.equal(status, 'done');
});

test('a server started with no private network allowance refuses loopback to its sessions, with the reason', async () => {
  const { server, pages, closeSession } = await closedSessions();
  const created = await server.api('POST', '/task', { body: { task: null, device: 'desktop' } });
  assert.equal(created.status, 200);
  const refused = await sendCommand(server, created.body.r.id, 'browser_action', 'goto', { url: `${pages.url}/second` }, 'loopback');
  assert.equal(refused.payload.code, 400);
  assert.match(refused.payload.output, /private or loopback network/);
  await closeSession(created.body.r.id);
});

test('the allowance comes from the option, else SMOOTH_ALLOW_PRIVATE_NETWORK; bad entries and a shared pool are refused at start', async () => {
  assert.deepEqual(privateNetworkAllowanceOf({}, { SMOOTH_ALLOW_PRIVATE_NETWORK: '127.0.0.0/8, 10.1.2.3,wiki.internal' }).entries, ['127.0.0.0/8', '10.1.2.3', 'wiki.internal']);
  assert.equal(privateNetworkAllowanceOf({}, { SMOOTH_ALLOW_PRIVATE_NETWORK: '' }).isEmpty, true);
  assert.equal(privateNetworkAllowanceOf({}, {}).isEmpty, true);
  assert.deepEqual(privateNetworkAllowanceOf({ allowPrivateNetwork: ['::1'] }, { SMOOTH_ALLOW_PRIVATE_NETWORK: '10.0.0.0/8' }).entries, ['::1']);
  assert.throws(() => privateNetworkAllowanceOf({}, { SMOOTH_ALLOW_PRIVATE_NETWORK: '10.0.0.0/99' }), /invalid private network allowance "10\.0\.0\.0\/99"/);
  // Checked before anything is created or listened on.
  await assert.rejects(startServer({ allowPrivateNetwork: ['not a host'], dataDirectory: join(tmpdir(), 'never-created-by-open-smooth') }), /invalid private network allowance "not a host"/);
  const pool = { close: async () => {} } as unknown as BrowserPool;
  assert.throws(() => privateNetworkAllowanceOf({ browserPool: pool, allowPrivateNetwork: [] }), /give it to BrowserPool.launch instead/);
});
