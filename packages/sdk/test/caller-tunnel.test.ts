import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { CallerTunnelClient, SmoothClient } from '../src/index.js';
import { startSpawnedServer, type SpawnedServer } from '../../server/test/support/spawned-server.js';
import { connectionOpenedByThisProcess } from './support/connection-owner.js';

/**
 * proxy_server "self": the server and its Chromium run in a child process whose network policy
 * allows no private network (the production default), so its browser cannot reach the site on
 * this side's loopback: a session without "self" fails. The SDK and the site run here. The site
 * also records, for each request, whether the connection it came on was opened by this process
 * (Linux's socket tables say who owns the client end); the SDK's tunnel is the only code here
 * that could connect to the site for the browser, so that proves the traffic came through it.
 */
interface SiteVisit {
  path: string;
  viaThisProcess: boolean;
}

let server: SpawnedServer;
let site: Server;
let siteOrigin: string;
const visits: SiteVisit[] = [];

before(async () => {
  site = createServer((request, response) => {
    const port = (site.address() as AddressInfo).port;
    visits.push({ path: request.url ?? '', viaThisProcess: connectionOpenedByThisProcess(request.socket.remotePort ?? 0, port) });
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' });
    response.end('<!doctype html><title>Caller only</title><h1 id="where">served on the caller\'s machine</h1>');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  server = await startSpawnedServer({ TEST_CALLER_TUNNEL_TIMEOUT_MS: '3000' });
});

after(async () => {
  await server?.close();
  site.closeAllConnections();
  await new Promise<void>((resolve) => site.close(() => resolve()));
});

test('a session with proxy_server "self" reaches the site through the SDK\'s tunnel, and the tunnel ends with it', async () => {
  const client = new SmoothClient({ apiKey: server.apiKey, baseUrl: server.apiBaseUrl });
  const session = await client.session({ url: `${siteOrigin}/start?via=tunnel`, proxyServer: 'self', device: 'desktop' });
  const heading = await session.evaluateJs("document.getElementById('where')?.textContent");
  assert.equal(heading.output, "served on the caller's machine");
  await session.goto(`${siteOrigin}/second?via=tunnel`);
  const tunnelled = visits.filter((visit) => visit.path.includes('via=tunnel'));
  assert.deepEqual(tunnelled.map((visit) => visit.path), ['/start?via=tunnel', '/second?via=tunnel']);
  assert.ok(tunnelled.every((visit) => visit.viaThisProcess), `every request came over a connection of this process: ${JSON.stringify(tunnelled)}`);
  await session.close(false);
  assert.equal((await waitForFinish(session.id())).status, 'done');

  // The task has ended: its tunnel is gone.
  const refused = await new Promise<Error | undefined>((resolve) => CallerTunnelClient.open({ apiUrl: `${server.apiBaseUrl}v1`, apiKey: server.apiKey, taskId: session.id(), onClosed: resolve }));
  assert.match(String(refused?.message), /HTTP 404.*no live tunnel/);

  // The server allows no private network (the production default): its own browser cannot reach the site.
  const direct = await client.session({ url: `${siteOrigin}/start?via=direct`, device: 'desktop' });
  const ended = await waitForFinish(direct.id());
  assert.equal(ended.status, 'failed');
  assert.match(String(ended.error), /private or loopback network/);
  assert.deepEqual(visits.filter((visit) => visit.path.includes('via=direct')), [], 'the server-side browser never reached the site directly');
});

async function waitForFinish(taskId: string): Promise<{ status: string; error: string | null }> {
  let eventT = 0;
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const task = (await server.api('GET', `/task/${taskId}?event_t=${eventT}`)).body.r;
    eventT = task.events?.at(-1)?.timestamp ?? eventT;
    if (['done', 'failed', 'cancelled'].includes(task.status)) return task;
  }
  throw new Error(`task ${taskId} did not finish`);
}

test('a "self" task whose caller never connects fails saying so; the tunnel endpoint refuses bad keys', async () => {
  const created = await server.api('POST', '/task', { task: null, url: `${siteOrigin}/never`, proxy_server: 'self' });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const badKey = await new Promise<Error | undefined>((resolve) =>
    CallerTunnelClient.open({ apiUrl: `${server.apiBaseUrl}v1`, apiKey: 'sk_wrong', taskId: created.body.r.id, onClosed: resolve }),
  );
  assert.match(String(badKey?.message), /HTTP 401/);
  const task = await waitForFinish(created.body.r.id);
  assert.equal(task.status, 'failed');
  assert.match(String(task.error), /proxy_server "self": the caller's tunnel did not connect within 3 s.*FRP client/);
  assert.ok(!visits.some((visit) => visit.path === '/never'));
});
