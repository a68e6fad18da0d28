import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { SmoothClient } from '@open-smooth/sdk';
import { connectionOpenedByThisProcess } from '../../../sdk/test/support/connection-owner.js';

/**
 * The caller's machine of a proxy_server "self" session, in a process of its own: a site on its
 * loopback (TEST_SITE_HOST, default 127.0.0.1), and our SDK, which creates the session (TEST_API_URL, TEST_API_KEY) and so opens the
 * tunnel. The site records, for each request, whether its connection was opened by this process
 * (only the SDK's tunnel here connects to it; the server's browser would connect from another).
 * Prints `{"taskId", "siteOrigin"}` on one line; answers each stdin line with the visits so far
 * (one JSON line); exits when stdin ends.
 */
const visits: Array<{ path: string; viaThisProcess: boolean }> = [];
const site = createServer((request, response) => {
  const port = (site.address() as AddressInfo).port;
  visits.push({ path: request.url ?? '', viaThisProcess: connectionOpenedByThisProcess(request.socket.remotePort ?? 0, port) });
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' });
  response.end('<!doctype html><title>Caller only</title><h1 id="where">served on the caller\'s machine</h1>');
});
const siteHost = process.env.TEST_SITE_HOST ?? '127.0.0.1';
await new Promise<void>((resolve) => site.listen(0, siteHost, resolve));
const siteOrigin = `http://${siteHost}:${(site.address() as AddressInfo).port}`;

const client = new SmoothClient({ apiKey: process.env.TEST_API_KEY ?? '', baseUrl: process.env.TEST_API_URL ?? '' });
const session = await client.session({ url: `${siteOrigin}/start?via=tunnel`, proxyServer: 'self', device: 'desktop' });
process.stdout.write(`${JSON.stringify({ taskId: session.id(), siteOrigin })}\n`);

const lines = createInterface({ input: process.stdin });
lines.on('line', () => process.stdout.write(`${JSON.stringify(visits)}\n`));
lines.once('close', () => {
  site.closeAllConnections();
  site.close();
  process.exit(0);
});
