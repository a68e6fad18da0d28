import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/index.js';

/** Behind a load balancer the URLs the API hands out must name the balancer, not the process's own address. */

test('publicUrl (SMOOTH_PUBLIC_URL) is the origin the API advertises; the server still listens where it was told', async (t) => {
  const dataDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-public-url-'));
  t.after(() => rm(dataDirectory, { recursive: true, force: true }));
  const server = await startServer({ port: 0, dataDirectory, apiKeys: ['sk_public_url'], publicUrl: 'https://smooth.example.com:8443/' });
  t.after(() => server.close());
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const document = (await (await fetch(`${server.url}/api/docs/openapi.json`)).json()) as { servers: Array<{ url: string }> };
  assert.equal(document.servers[0]?.url, 'https://smooth.example.com:8443/api/v1');
});

test('a publicUrl that is not an http(s) origin is refused at start, saying what to give', async (t) => {
  const dataDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-public-url-'));
  t.after(() => rm(dataDirectory, { recursive: true, force: true }));
  await assert.rejects(startServer({ port: 0, dataDirectory, apiKeys: ['sk_public_url'], publicUrl: 'smooth.example.com' }), /publicUrl "smooth\.example\.com" is not a URL; give the http\(s\) origin/);
  await assert.rejects(startServer({ port: 0, dataDirectory, apiKeys: ['sk_public_url'], publicUrl: 'https://smooth.example.com/api/' }), /must be an origin only/);
  await assert.rejects(startServer({ port: 0, dataDirectory, apiKeys: ['sk_public_url'], publicUrl: 'ftp://smooth.example.com' }), /must be http or https/);
});
