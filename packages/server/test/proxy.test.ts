import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BrowserPool } from '@open-smooth/browser';
import { startFixtureServer, type FixtureServer } from '@open-smooth/testkit';
import { startCountingProxy, type CountingProxy } from './support/counting-proxy.js';
import { loopbackNetworkAllowance, pollEvents, sendCommand, startTestServer, type TestServer } from './support/test-server.js';

let pool: BrowserPool;
let site: FixtureServer;
let server: TestServer;
let openProxy: CountingProxy;
let guardedProxy: CountingProxy;
const proxyPassword = 'proxy-pass-7f3a9c';

before(async () => {
  [pool, site, openProxy, guardedProxy] = await Promise.all([
    BrowserPool.launch({ warmDevices: ['mobile'], allowPrivateNetwork: loopbackNetworkAllowance }),
    startFixtureServer(),
    startCountingProxy(),
    startCountingProxy({ username: 'tester', password: proxyPassword }),
  ]);
  server = await startTestServer({ browserPool: pool });
});

after(async () => {
  await server.close();
  await pool.close();
  await Promise.all([site.close(), openProxy.close(), guardedProxy.close()]);
});

async function startSession(body: Record<string, unknown>): Promise<string> {
  const created = await server.api('POST', '/task', { body: { task: null, ...body } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  return created.body.r.id;
}

async function closeSession(taskId: string): Promise<void> {
  await sendCommand(server, taskId, 'session_action', 'close', {}, 'close');
  assert.equal((await pollEvents(server, taskId, () => false)).status, 'done');
}

async function filesContaining(directory: string, needle: string): Promise<string[]> {
  const names = await readdir(directory, { recursive: true, withFileTypes: true });
  const found: string[] = [];
  for (const entry of names) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path)).includes(needle)) found.push(path);
  }
  return found;
}

test('a task with proxy_server sends its traffic through that proxy; a task without does not', async () => {
  const proxied = await startSession({ proxy_server: openProxy.address, url: site.url('/login') });
  const went = await sendCommand(server, proxied, 'browser_action', 'goto', { url: site.url('/flights') }, 'goto');
  assert.equal(went.payload.code, 200, JSON.stringify(went.payload));
  assert.ok(openProxy.forwarded.includes(`GET ${site.url('/login')}`), `the start page went through the proxy (${openProxy.forwarded.join(', ')})`);
  assert.ok(openProxy.forwarded.includes(`GET ${site.url('/flights')}`));
  await closeSession(proxied);

  // A URL only the direct task opens (the proxied task's late requests may still trickle in).
  const direct = await startSession({ url: site.url('/login?direct=1') });
  await closeSession(direct);
  assert.ok(site.records.requests.some((request) => request.path === '/login?direct=1'), 'the direct task reached the site');
  assert.deepEqual(openProxy.forwarded.filter((entry) => entry.includes('direct=1')), [], 'a task without a proxy does not use it');
});

test('proxy credentials: the right ones pass, a wrong password fails the task saying why, the password is never stored', async () => {
  const authorised = await startSession({ proxy_server: `http://${guardedProxy.address}`, proxy_username: 'tester', proxy_password: proxyPassword, url: site.url('/shop') });
  const title = await sendCommand(server, authorised, 'browser_action', 'evaluate_js', { js: 'document.title' }, 'title');
  assert.equal(title.payload.code, 200);
  assert.match(String(title.payload.output.output), /\S/);
  assert.ok(guardedProxy.forwarded.includes(`GET ${site.url('/shop')}`), `went through the guarded proxy (${guardedProxy.forwarded.join(', ')})`);
  await closeSession(authorised);

  const refusedBefore = guardedProxy.refused;
  const wrong = await startSession({ proxy_server: guardedProxy.address, proxy_username: 'tester', proxy_password: 'not-the-password', url: site.url('/shop') });
  const { status, last } = await pollEvents(server, wrong, () => false);
  assert.equal(status, 'failed');
  assert.match(last.body.r.error, /^could not open http:\/\/127\.0\.0\.1:\d+\/shop: the proxy http:\/\/127\.0\.0\.1:\d+ refused the credentials of tester \(HTTP 407/);
  assert.ok(!last.body.r.error.includes('not-the-password'));
  assert.ok(guardedProxy.refused > refusedBefore, 'the proxy saw and refused the attempt');

  const stored = await filesContaining(server.dataDirectory, proxyPassword);
  assert.deepEqual(stored, [], 'the proxy password is in no file of the data directory');
  const listed = await server.api('GET', `/task/${authorised}?event_t=0`);
  assert.ok(!JSON.stringify(listed.body).includes(proxyPassword));
});

test('proxy_server values that cannot work are refused with a 422 saying why', async () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ proxy_server: 'ftp://127.0.0.1:21' }, /scheme ftp is not supported/],
    [{ proxy_server: 'http://127.0.0.1:3128/path' }, /without a path/],
    [{ proxy_username: 'someone' }, /need a proxy_server/],
    [{ proxy_server: 'socks5://127.0.0.1:1080', proxy_username: 'a', proxy_password: 'b' }, /SOCKS5/],
  ];
  for (const [fields, detail] of cases) {
    const answer = await server.api('POST', '/task', { body: { task: null, ...fields } });
    assert.equal(answer.status, 422, JSON.stringify(fields));
    assert.match(answer.body.detail, detail);
  }
});

test('the network policy judges a task\'s own proxy: a loopback proxy is refused where loopback is not allowed', async () => {
  const closed = await startTestServer({ allowPrivateNetwork: [] });
  try {
    const created = await closed.api('POST', '/task', { body: { task: null, proxy_server: openProxy.address, url: site.url('/login?policy=1') } });
    assert.equal(created.status, 200);
    const { status, last } = await pollEvents(closed, created.body.r.id, () => false);
    assert.equal(status, 'failed');
    assert.match(last.body.r.error, /the proxy http:\/\/127\.0\.0\.1:\d+ cannot be used: 127\.0\.0\.1 is on a private or loopback network/);
    assert.ok(!openProxy.forwarded.some((entry) => entry.includes('policy=1')), 'nothing went through the refused proxy');
  } finally {
    await closed.close();
  }
});
