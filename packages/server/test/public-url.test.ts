import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { startServer } from '../src/index.js';
import { makeTemporaryDirectory } from './support/test-server.js';

// Behind a load balancer the links a server hands out name the balancer, not the process.
test('publicUrl names the address links are built on; the process still listens on its own; a URL that is not http(s) is refused', async (t) => {
  const dataDirectory = await makeTemporaryDirectory();
  t.after(() => rm(dataDirectory, { recursive: true, force: true }));
  const server = await startServer({ apiKeys: ['sk_test_public'], dataDirectory, publicUrl: 'https://smooth.example.com/' });
  t.after(() => server.close());
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const document = (await (await fetch(`${server.url}/api/docs/openapi.json`)).json()) as { paths: Record<string, { servers?: Array<{ url: string }> }> };
  assert.deepEqual(document.paths['/healthz']?.servers, [{ url: 'https://smooth.example.com' }]);
  await assert.rejects(startServer({ apiKeys: ['sk_test_public'], dataDirectory, publicUrl: 'ftp://smooth.example.com' }), /public URL \(publicUrl \/ SMOOTH_PUBLIC_URL\) is an http\(s\) URL/);
});
