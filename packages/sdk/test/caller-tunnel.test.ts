import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { CallerTunnelClient, SmoothClient } from '../src/index.js';
import { startSpawnedServer, type SpawnedServer } from '../../server/test/support/spawned-server.js';
import { connectionOpenedByThisProcess } from './support/connection-owner.js';

/**
 * proxy_server "self": the server and its Chromium run in a child process; the SDK and a site run
 * here. The site records, for each request, whether the connection it came on was opened by this
 * process (Linux's socket tables say who owns the client end). The SDK's tunnel is the only code
 * in this process that could connect to the site for the browser, so "opened by this process"
 * proves the traffic came through the tunnel; a session without "self" shows the other answer
 * (Chromium's own connection), so the check can fail.
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

  // The task has ended: its tunnel is gone.
  const refused = await new Promise<Error | undefined>((resolve) => CallerTunnelClient.open({ apiUrl: `${server.apiBaseUrl}v1`, apiKey: server.apiKey, taskId: session.id(), onClosed: resolve }));
  assert.match(String(refused?.message), /HTTP 404.*no live tunnel/);

  const direct = await client.session({ url: `${siteOrigin}/start?via=direct`, device: 'desktop' });
  await direct.close(false);
  const directVisits = visits.filter((visit) => visit.path.includes('via=direct'));
  assert.ok(directVisits.length >= 1);
  assert.ok(directVisits.every((visit) => !visit.viaThisProcess), 'without "self" the browser connects itself, from the server process');
});

test('a "self" task whose caller never connects fails saying so; the tunnel endpoint refuses bad keys', async () => {
  const created = await server.api('POST', '/task', { task: null, url: `${siteOrigin}/never`, proxy_server: 'self' });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const badKey = await new Promise<Error | undefined>((resolve) =>
    CallerTunnelClient.open({ apiUrl: `${server.apiBaseUrl}v1`, apiKey: 'sk_wrong', taskId: created.body.r.id, onClosed: resolve }),
  );
  assert.match(String(badKey?.message), /HTTP 401/);
  let task: any;
  for (let attempt = 0; attempt < 60; attempt += 1) {
    task = (await server.api('GET', `/task/${created.body.r.id}?event_t=0`)).body.r;
    if (task.status === 'failed') break;
  }
  assert.equal(task.status, 'failed');
  assert.match(task.error, /proxy_server "self": the caller's tunnel did not connect within 3 s.*FRP client/);
  assert.ok(!visits.some((visit) => visit.path === '/never'));
});
